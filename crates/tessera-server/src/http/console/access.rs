//! Roles, groups and client scopes of a realm on one page: the realm's roles, the groups with their
//! members, the client scopes with their mappers, each with a form to add one.

use axum::extract::{Path, State};
use axum::response::Response;
use tessera_core::admin::{AdminError, Page, RoleLevel};
use tessera_proto::admin::{ClientScopeRepresentation, GroupRepresentation, RoleRepresentation};

use super::pages::{AccessPage, GroupRow};
use super::{CONSOLE_PATH, Console, Posted};
use crate::state::AppState;

/// Members listed per group on the page.
const MEMBERS_SHOWN: usize = 20;

/// The groups of a tree in order, each with its path.
pub fn flatten(groups: Vec<GroupRepresentation>, out: &mut Vec<GroupRepresentation>) {
    for mut g in groups {
        let children = g.sub_groups.take().unwrap_or_default();
        out.push(g);
        flatten(children, out);
    }
}

/// `GET /admin/console/realms/{realm}/access`.
pub async fn access(State(state): State<AppState>, console: Console, Path(realm): Path<String>) -> Response {
    let api = console.api(&state);
    let found = async {
        let roles = api.list_roles(&realm, RoleLevel::Realm).await?;
        let mut groups = Vec::new();
        flatten(api.list_groups(&realm).await?, &mut groups);
        let mut rows = Vec::with_capacity(groups.len());
        for group in groups {
            let id = group.id.clone().unwrap_or_default();
            let page = Page { first: None, max: Some(MEMBERS_SHOWN) };
            let members = api.group_members(&realm, &id, page).await?;
            rows.push(GroupRow { group, members: members.into_iter().filter_map(|m| m.username).collect() });
        }
        let scopes = api.list_client_scopes(&realm).await?;
        Ok::<_, AdminError>((roles, rows, scopes))
    };
    match found.await {
        Ok((roles, groups, scopes)) => {
            console.page(&AccessPage { layout: console.layout(Some(&realm), "access"), roles, groups, scopes })
        }
        Err(e) => console.error(&e),
    }
}

fn back(console: &Console, realm: &str, result: Result<String, AdminError>) -> Response {
    match result {
        Ok(_) => console.redirect(&format!("{CONSOLE_PATH}/realms/{realm}/access")),
        Err(e) => console.error(&e),
    }
}

/// `POST …/access/roles`: a realm role.
pub async fn create_role(State(state): State<AppState>, Path(realm): Path<String>, posted: Posted) -> Response {
    let Posted { console, form } = posted;
    let rep = RoleRepresentation {
        name: form.get("name").map(str::to_owned),
        description: form.get("description").map(str::to_owned),
        ..RoleRepresentation::default()
    };
    let result = console.api(&state).create_role(&realm, RoleLevel::Realm, &rep).await;
    back(&console, &realm, result)
}

/// `POST …/access/groups`: a top-level group.
pub async fn create_group(State(state): State<AppState>, Path(realm): Path<String>, posted: Posted) -> Response {
    let Posted { console, form } = posted;
    let rep = GroupRepresentation { name: form.get("name").map(str::to_owned), ..GroupRepresentation::default() };
    let result = console.api(&state).create_group(&realm, None, &rep).await;
    back(&console, &realm, result)
}

/// `POST …/access/scopes`: a client scope (its name is what clients ask for, RFC 6749 §3.3).
pub async fn create_scope(State(state): State<AppState>, Path(realm): Path<String>, posted: Posted) -> Response {
    let Posted { console, form } = posted;
    let rep = ClientScopeRepresentation {
        name: form.get("name").map(str::to_owned),
        description: form.get("description").map(str::to_owned),
        protocol: Some("openid-connect".into()),
        ..ClientScopeRepresentation::default()
    };
    let result = console.api(&state).create_client_scope(&realm, &rep).await;
    back(&console, &realm, result)
}
