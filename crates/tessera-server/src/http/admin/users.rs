//! `/admin/realms/{realm}/users` and a user's password, role mappings and groups.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_core::admin::Page;
use tessera_core::model::UserSearch;
use tessera_proto::admin::{
    BruteForceStatusRepresentation, CredentialRepresentation, GroupRepresentation, UserRepresentation,
    UserSessionRepresentation,
};
use utoipa::IntoParams;

use super::openapi::tag;
use super::{Admin, Body, Params, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

/// Keycloak's user search: `search` looks in username, email and names; the others name one field.
#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A part of the username, email, first or last name.
    search: Option<String>,
    username: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    /// The fields given must match whole, not in part.
    #[serde(default, deserialize_with = "super::lenient_bool")]
    exact: Option<bool>,
    /// The first result to return (paging).
    first: Option<usize>,
    /// At most this many results.
    max: Option<usize>,
}

impl SearchQuery {
    fn split(self) -> (UserSearch, Page) {
        let query = UserSearch {
            search: self.search,
            username: self.username,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            exact: self.exact.unwrap_or(false),
            ..UserSearch::default()
        };
        (query, Page { first: self.first, max: self.max })
    }
}

/// Search the realm's users.
#[utoipa::path(get, path = "/admin/realms/{realm}/users", tag = tag::USERS, params(SearchQuery),
    responses((status = 200, description = "The users found", body = [UserRepresentation])))]
pub async fn search(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Params(q): Params<SearchQuery>,
) -> Result<Response, AdminApiError> {
    let (query, page) = q.split();
    Ok(Json(api(&state, &caller).search_users(&realm, query, page).await?).into_response())
}

/// Count the users a search finds (`first` and `max` are ignored).
#[utoipa::path(get, path = "/admin/realms/{realm}/users/count", tag = tag::USERS, params(SearchQuery),
    responses((status = 200, description = "How many", body = u64, content_type = "application/json")))]
pub async fn count(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Params(q): Params<SearchQuery>,
) -> Result<Response, AdminApiError> {
    let (query, _) = q.split();
    Ok(Json(api(&state, &caller).count_users(&realm, &query).await?).into_response())
}

/// A user.
#[utoipa::path(get, path = "/admin/realms/{realm}/users/{id}", tag = tag::USERS,
    responses((status = 200, description = "The user", body = UserRepresentation)))]
pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_user(&realm, &id).await?).into_response())
}

/// Create a user, with a password if `credentials` has one.
#[utoipa::path(post, path = "/admin/realms/{realm}/users", tag = tag::USERS,
    request_body = UserRepresentation, responses((status = 201, description = "Created")))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    uri: Uri,
    Body(rep): Body<UserRepresentation>,
) -> Result<Response, AdminApiError> {
    let id = api(&state, &caller).create_user(&realm, &rep).await?;
    Ok(created(uri.path(), &id))
}

/// Set a user's password; the user's sessions and tokens end.
#[utoipa::path(put, path = "/admin/realms/{realm}/users/{id}/reset-password", tag = tag::USERS,
    request_body = CredentialRepresentation, responses((status = 204, description = "Set")))]
pub async fn reset_password(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(credential): Body<CredentialRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).reset_password(&realm, &id, &credential).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The user's SSO sessions.
#[utoipa::path(get, path = "/admin/realms/{realm}/users/{id}/sessions", tag = tag::USERS,
    responses((status = 200, description = "The sessions", body = [UserSessionRepresentation])))]
pub async fn sessions(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).user_sessions(&realm, &id).await?).into_response())
}

/// The groups the user is a member of.
#[utoipa::path(get, path = "/admin/realms/{realm}/users/{id}/groups", tag = tag::USERS,
    responses((status = 200, description = "The groups", body = [GroupRepresentation])))]
pub async fn groups(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).user_groups(&realm, &id).await?).into_response())
}

/// Make the user a member of a group.
#[utoipa::path(put, path = "/admin/realms/{realm}/users/{id}/groups/{group}", tag = tag::USERS,
    responses((status = 204, description = "A member")))]
pub async fn join_group(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id, group)): Path<(String, String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).set_user_group(&realm, &id, &group, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Take the user out of a group.
#[utoipa::path(delete, path = "/admin/realms/{realm}/users/{id}/groups/{group}", tag = tag::USERS,
    responses((status = 204, description = "No longer a member")))]
pub async fn leave_group(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id, group)): Path<(String, String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).set_user_group(&realm, &id, &group, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Whether a user is locked out after failed sign-ins.
#[utoipa::path(get, path = "/admin/realms/{realm}/attack-detection/brute-force/users/{id}",
    tag = tag::ATTACK_DETECTION,
    responses((status = 200, description = "The user's lockout", body = BruteForceStatusRepresentation)))]
pub async fn brute_force(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).brute_force_status(&realm, &id).await?).into_response())
}

/// Clear a user's lockout and failure count.
#[utoipa::path(delete, path = "/admin/realms/{realm}/attack-detection/brute-force/users/{id}",
    tag = tag::ATTACK_DETECTION, responses((status = 204, description = "Cleared")))]
pub async fn clear_brute_force(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).clear_brute_force(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Log the user out everywhere.
///
/// The user's sessions end, their refresh tokens (offline ones too) are revoked, and the access tokens
/// issued to them before now become inactive at introspection and userinfo.
#[utoipa::path(post, path = "/admin/realms/{realm}/users/{id}/logout", tag = tag::USERS,
    responses((status = 204, description = "Logged out")))]
pub async fn logout(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).logout_user(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Update a user: the fields sent change. Disabling ends the user's sessions and tokens.
#[utoipa::path(put, path = "/admin/realms/{realm}/users/{id}", tag = tag::USERS,
    request_body = UserRepresentation, responses((status = 204, description = "Updated")))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(rep): Body<UserRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_user(&realm, &id, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Delete a user; their sessions and tokens end.
#[utoipa::path(delete, path = "/admin/realms/{realm}/users/{id}", tag = tag::USERS,
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_user(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
