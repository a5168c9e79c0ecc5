//! A group's page: its role mappings (realm and client roles) and its members, each with a form to add one
//! and a button to remove each; every write through the services of the REST API's `…/role-mappings/…` and
//! `/users/{id}/groups/{groupId}`.

use axum::extract::{Path, State};
use axum::response::Response;
use tessera_core::admin::{AdminError, Holder, Page};
use tessera_core::model::UserSearch;

use super::mapping::{adding, change_mapping, mapped_choices, required, role_choices};
use super::pages::{GroupPage, Member};
use super::{CONSOLE_PATH, Console, Posted};
use crate::state::AppState;

/// Members listed on a group's page.
const MEMBERS_SHOWN: usize = 200;

pub fn group_url(realm: &str, id: &str) -> String {
    format!("{CONSOLE_PATH}/realms/{realm}/groups/{id}")
}

/// `GET /admin/console/realms/{realm}/groups/{id}`.
pub async fn group(
    State(state): State<AppState>,
    console: Console,
    Path((realm, id)): Path<(String, String)>,
) -> Response {
    let api = console.api(&state);
    let shown = async {
        let group = api.get_group(&realm, &id).await?;
        let mapped = mapped_choices(api.role_mappings(&realm, Holder::Group(&id)).await?);
        let addable = role_choices(&api, &realm).await?.into_iter().filter(|c| !mapped.contains(c)).collect();
        let page = Page { first: None, max: Some(MEMBERS_SHOWN) };
        let members = api.group_members(&realm, &id, page).await?;
        let members = members
            .into_iter()
            .filter_map(|u| Some(Member { id: u.id?, username: u.username.unwrap_or_default() }))
            .collect();
        Ok::<_, AdminError>((group, mapped, addable, members))
    };
    match shown.await {
        Ok((group, mapped, addable, members)) => console.page(&GroupPage {
            layout: console.layout(Some(&realm), "access"),
            group,
            mapped,
            addable,
            members,
            base: group_url(&realm, &id),
        }),
        Err(e) => console.error(&e),
    }
}

/// `POST …/groups/{id}/roles`: `action=add|remove`, `role`.
pub async fn roles(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let Posted { console, form } = posted;
    let result = change_mapping(&console.api(&state), &realm, Holder::Group(&id), &form).await;
    console.after(result, &group_url(&realm, &id))
}

/// `POST …/groups/{id}/members`: `action=add` with a `username`, or `action=remove` with the member's `user`
/// id.
pub async fn members(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let Posted { console, form } = posted;
    let api = console.api(&state);
    let result = async {
        let add = adding(&form)?;
        let user = if add {
            let username = required(&form, "username", "a username")?;
            let query = UserSearch { username: Some(username.to_owned()), exact: true, ..UserSearch::default() };
            let found = api.search_users(&realm, query, Page { first: None, max: Some(1) }).await?;
            found.into_iter().find_map(|u| u.id).ok_or_else(|| AdminError::NoSuchUser(username.to_owned()))?
        } else {
            form.get("user").unwrap_or_default().to_owned()
        };
        api.set_user_group(&realm, &user, &id, add).await
    };
    console.after(result.await, &group_url(&realm, &id))
}
