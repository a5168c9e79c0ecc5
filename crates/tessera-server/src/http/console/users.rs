//! Users: search, create, reset a password (temporary or not), enable or disable, sessions, lockout with
//! "unlock", and "sign out everywhere" (everything the user holds is revoked).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use tessera_core::admin::{AdminError, Holder, Page};
use tessera_core::model::UserSearch;
use tessera_proto::admin::{CredentialRepresentation, UserRepresentation};

use super::access::flatten;
use super::mapping::{adding, change_mapping, mapped_choices, required, role_choices};
use super::pages::{UserAccess, UserPage, UsersPage};
use super::{CONSOLE_PATH, Console, Done, Posted, Search};
use crate::state::AppState;

/// `GET /admin/console/realms/{realm}/users?q=`: username, email or name, as the REST API's `search`.
pub async fn list(
    State(state): State<AppState>,
    console: Console,
    Path(realm): Path<String>,
    search: Result<Query<Search>, QueryRejection>,
) -> Response {
    let search = Search::given(search);
    let query = UserSearch { search: search.wanted(), ..UserSearch::default() };
    let page = Page { first: None, max: Some(100) };
    let found = console.api(&state).search_users(&realm, query, page).await;
    console.listed(found, |users| UsersPage {
        layout: console.layout(Some(&realm), "users"),
        users,
        search: search.q.clone(),
    })
}

/// `POST /admin/console/realms/{realm}/users`.
pub async fn create(State(state): State<AppState>, Path(realm): Path<String>, posted: Posted) -> Response {
    let Posted { console, form } = posted;
    let rep = UserRepresentation {
        username: form.get("username").map(str::to_owned),
        email: form.get("email").map(str::to_owned),
        first_name: form.get("firstName").map(str::to_owned),
        last_name: form.get("lastName").map(str::to_owned),
        enabled: Some(true),
        ..UserRepresentation::default()
    };
    match console.api(&state).create_user(&realm, &rep).await {
        Ok(id) => console.redirect(&format!("{CONSOLE_PATH}/realms/{realm}/users/{id}")),
        Err(e) => console.error(&e),
    }
}

fn said(done: &str) -> Option<&'static str> {
    Some(match done {
        "password-temporary" => "Password set. The user must choose a new one at the next sign-in.",
        "password" => "Password set.",
        "enabled" => "User enabled.",
        "disabled" => "User disabled.",
        "logout" => "Signed out everywhere.",
        "unlock" => "Unlocked.",
        "roles" => "Roles changed.",
        "groups" => "Groups changed.",
        _ => return None,
    })
}

fn user_url(realm: &str, id: &str) -> String {
    format!("{CONSOLE_PATH}/realms/{realm}/users/{id}")
}

/// The user's page saying what a form did.
fn done(realm: &str, id: &str, what: &str) -> String {
    format!("{}?done={what}", user_url(realm, id))
}

/// The user's roles and groups, and those that may be added.
async fn user_access(state: &AppState, console: &Console, realm: &str, id: &str) -> Result<UserAccess, AdminError> {
    let api = console.api(state);
    let roles = mapped_choices(api.role_mappings(realm, Holder::User(id)).await?);
    let held = api.effective_role_mappings(realm, id).await?;
    let realm_roles = held.realm_mappings.unwrap_or_default().into_iter().filter_map(|r| r.name);
    let client_roles =
        held.client_mappings.unwrap_or_default().into_values().flat_map(|c| {
            c.mappings.into_iter().filter_map(move |r| r.name.map(|name| format!("{}/{name}", c.client)))
        });
    let effective = realm_roles.chain(client_roles).collect();
    let addable_roles = role_choices(&api, realm).await?.into_iter().filter(|c| !roles.contains(c)).collect();
    let groups = api.user_groups(realm, id).await?;
    let mut all = Vec::new();
    flatten(api.list_groups(realm).await?, &mut all);
    let addable_groups = all.into_iter().filter(|g| !groups.iter().any(|m| m.id == g.id)).collect();
    Ok(UserAccess { roles, effective, addable_roles, groups, addable_groups })
}

async fn user_page(state: &AppState, console: &Console, realm: &str, id: &str, notice: Option<&str>) -> Response {
    let api = console.api(state);
    let shown = async {
        Ok::<_, AdminError>((
            api.get_user(realm, id).await?,
            api.user_sessions(realm, id).await?,
            api.brute_force_status(realm, id).await?,
            user_access(state, console, realm, id).await?,
        ))
    };
    match shown.await {
        Ok((user, sessions, lockout, access)) => console.page(&UserPage {
            layout: console.layout(Some(realm), "users"),
            user,
            sessions,
            lockout,
            access,
            notice: notice.map(str::to_owned),
            base: user_url(realm, id),
        }),
        Err(e) => console.error(&e),
    }
}

/// `GET /admin/console/realms/{realm}/users/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    console: Console,
    Path((realm, id)): Path<(String, String)>,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let done = done.map(|Query(d)| d).unwrap_or_default();
    user_page(&state, &console, &realm, &id, said(&done.done)).await
}

/// `POST …/users/{id}/password`: `temporary` makes the user choose a new one at the next sign-in.
pub async fn reset_password(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let Posted { console, form } = posted;
    let temporary = form.get("temporary").is_some();
    let credential = CredentialRepresentation {
        kind: Some("password".into()),
        value: form.get("password").map(str::to_owned),
        temporary: Some(temporary),
    };
    let what = if temporary { "password-temporary" } else { "password" };
    let result = console.api(&state).reset_password(&realm, &id, &credential).await;
    console.after(result, &done(&realm, &id, what))
}

/// `POST …/users/{id}/enabled`: `enabled=true|false`; disabling also ends everything the user holds.
pub async fn set_enabled(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let Posted { console, form } = posted;
    let enabled = form.get("enabled") == Some("true");
    let rep = UserRepresentation { enabled: Some(enabled), ..UserRepresentation::default() };
    let result = console.api(&state).update_user(&realm, &id, &rep).await;
    console.after(result, &done(&realm, &id, if enabled { "enabled" } else { "disabled" }))
}

/// `POST …/users/{id}/logout`: every session, refresh token and access token of the user ends.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    Posted { console, .. }: Posted,
) -> Response {
    let result = console.api(&state).logout_user(&realm, &id).await;
    console.after(result, &done(&realm, &id, "logout"))
}

/// `POST …/users/{id}/unlock`: the user may try to sign in again at once.
pub async fn unlock(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    Posted { console, .. }: Posted,
) -> Response {
    let result = console.api(&state).clear_brute_force(&realm, &id).await;
    console.after(result, &done(&realm, &id, "unlock"))
}

/// `POST …/users/{id}/roles`: `action=add|remove`, `role` (a realm or client role).
pub async fn roles(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let Posted { console, form } = posted;
    let result = change_mapping(&console.api(&state), &realm, Holder::User(&id), &form).await;
    console.after(result, &done(&realm, &id, "roles"))
}

/// `POST …/users/{id}/groups`: `action=add|remove`, `group` (its id).
pub async fn groups(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let Posted { console, form } = posted;
    let result = async {
        let add = adding(&form)?;
        console.api(&state).set_user_group(&realm, &id, required(&form, "group", "a group")?, add).await
    };
    console.after(result.await, &done(&realm, &id, "groups"))
}
