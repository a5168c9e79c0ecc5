//! A role's page: what it includes (its composites), with a form to add one and a button to remove each,
//! for a realm role (`…/roles/{name}`) or a client's (`…/clients/{id}/roles/{name}`).

use axum::extract::{Path, State};
use axum::response::Response;
use tessera_core::admin::{AdminError, RoleLevel};

use super::mapping::{RoleChoice, adding, picked_role, role_choices};
use super::pages::RolePage;
use super::{CONSOLE_PATH, Console, Posted, path_segment};
use crate::state::AppState;

/// The role's address in the console.
pub fn role_url(realm: &str, client: Option<&str>, name: &str) -> String {
    let name = path_segment(name);
    match client {
        None => format!("{CONSOLE_PATH}/realms/{realm}/roles/{name}"),
        Some(pk) => format!("{CONSOLE_PATH}/realms/{realm}/clients/{pk}/roles/{name}"),
    }
}

async fn role_page(state: &AppState, console: &Console, realm: &str, client: Option<&str>, name: &str) -> Response {
    let api = console.api(state);
    let level = client.map_or(RoleLevel::Realm, RoleLevel::Client);
    let shown = async {
        let role = api.get_role(realm, level, name).await?;
        let own = role.id.clone().unwrap_or_default();
        let composites = api.role_composites(realm, level, name).await?;
        let choices = role_choices(&api, realm).await?;
        let ids: Vec<String> = composites.iter().filter_map(|r| r.id.clone()).collect();
        let (included, addable): (Vec<RoleChoice>, Vec<RoleChoice>) = choices
            .into_iter()
            .filter(|c| !c.value.ends_with(&format!(":{own}")))
            .partition(|c| ids.iter().any(|id| c.value.ends_with(&format!(":{id}"))));
        Ok::<_, AdminError>((role, included, addable))
    };
    match shown.await {
        Ok((role, included, addable)) => console.page(&RolePage {
            layout: console.layout(Some(realm), "access"),
            role,
            included,
            addable,
            base: role_url(realm, client, name),
        }),
        Err(e) => console.error(&e),
    }
}

/// `GET /admin/console/realms/{realm}/roles/{name}`.
pub async fn realm_role(
    State(state): State<AppState>,
    console: Console,
    Path((realm, name)): Path<(String, String)>,
) -> Response {
    role_page(&state, &console, &realm, None, &name).await
}

/// `GET /admin/console/realms/{realm}/clients/{id}/roles/{name}`.
pub async fn client_role(
    State(state): State<AppState>,
    console: Console,
    Path((realm, id, name)): Path<(String, String, String)>,
) -> Response {
    role_page(&state, &console, &realm, Some(&id), &name).await
}

async fn change(state: &AppState, posted: Posted, realm: &str, client: Option<&str>, name: &str) -> Response {
    let Posted { console, form } = posted;
    let level = client.map_or(RoleLevel::Realm, RoleLevel::Client);
    let result = async {
        let add = adding(&form)?;
        let child = picked_role(&form)?;
        console.api(state).change_composites(realm, level, name, &[child.representation()], add).await
    };
    console.after(result.await, &role_url(realm, client, name))
}

/// `POST …/roles/{name}/composites`: `action=add|remove`, `role` the included role.
pub async fn realm_composites(
    State(state): State<AppState>,
    Path((realm, name)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    change(&state, posted, &realm, None, &name).await
}

/// `POST …/clients/{id}/roles/{name}/composites`.
pub async fn client_composites(
    State(state): State<AppState>,
    Path((realm, id, name)): Path<(String, String, String)>,
    posted: Posted,
) -> Response {
    change(&state, posted, &realm, Some(&id), &name).await
}
