//! Users: search, create, reset a password (temporary or not), enable or disable, sessions, lockout with
//! "unlock", and "sign out everywhere" (everything the user holds is revoked).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use tessera_core::admin::{AdminError, Page};
use tessera_core::model::UserSearch;
use tessera_proto::admin::{CredentialRepresentation, UserRepresentation};

use super::pages::{UserPage, UsersPage};
use super::{CONSOLE_PATH, Console, Posted};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    q: String,
}

/// `GET /admin/console/realms/{realm}/users?q=`: username, email or name, as the REST API's `search`.
pub async fn list(
    State(state): State<AppState>,
    console: Console,
    Path(realm): Path<String>,
    search: Result<Query<Search>, QueryRejection>,
) -> Response {
    let search = search.map(|Query(s)| s).unwrap_or_default();
    let query =
        UserSearch { search: Some(search.q.trim().to_owned()).filter(|q| !q.is_empty()), ..UserSearch::default() };
    let page = Page { first: None, max: Some(100) };
    match console.api(&state).search_users(&realm, query, page).await {
        Ok(users) => {
            console.page(&UsersPage { layout: console.layout(Some(&realm), "users"), users, search: search.q })
        }
        Err(e) => console.error(&e),
    }
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

/// What a form did, named in the address it redirects to (Post/Redirect/Get: a reload repeats nothing).
#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

fn said(done: &str) -> Option<&'static str> {
    Some(match done {
        "password-temporary" => "Password set. The user must choose a new one at the next sign-in.",
        "password" => "Password set.",
        "enabled" => "User enabled.",
        "disabled" => "User disabled.",
        "logout" => "Signed out everywhere.",
        "unlock" => "Unlocked.",
        _ => return None,
    })
}

fn user_url(realm: &str, id: &str) -> String {
    format!("{CONSOLE_PATH}/realms/{realm}/users/{id}")
}

fn done(console: &Console, realm: &str, id: &str, what: &str) -> Response {
    console.redirect(&format!("{}?done={what}", user_url(realm, id)))
}

async fn user_page(state: &AppState, console: &Console, realm: &str, id: &str, notice: Option<&str>) -> Response {
    let api = console.api(state);
    let shown = async {
        Ok::<_, AdminError>((
            api.get_user(realm, id).await?,
            api.user_sessions(realm, id).await?,
            api.brute_force_status(realm, id).await?,
        ))
    };
    match shown.await {
        Ok((user, sessions, lockout)) => console.page(&UserPage {
            layout: console.layout(Some(realm), "users"),
            user,
            sessions,
            lockout,
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
    match console.api(&state).reset_password(&realm, &id, &credential).await {
        Ok(()) => done(&console, &realm, &id, what),
        Err(e) => console.error(&e),
    }
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
    match console.api(&state).update_user(&realm, &id, &rep).await {
        Ok(()) => done(&console, &realm, &id, if enabled { "enabled" } else { "disabled" }),
        Err(e) => console.error(&e),
    }
}

/// `POST …/users/{id}/logout`: every session, refresh token and access token of the user ends.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    Posted { console, .. }: Posted,
) -> Response {
    match console.api(&state).logout_user(&realm, &id).await {
        Ok(()) => done(&console, &realm, &id, "logout"),
        Err(e) => console.error(&e),
    }
}

/// `POST …/users/{id}/unlock`: the user may try to sign in again at once.
pub async fn unlock(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    Posted { console, .. }: Posted,
) -> Response {
    match console.api(&state).clear_brute_force(&realm, &id).await {
        Ok(()) => done(&console, &realm, &id, "unlock"),
        Err(e) => console.error(&e),
    }
}
