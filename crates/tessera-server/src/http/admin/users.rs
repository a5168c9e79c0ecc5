//! `/admin/realms/{realm}/users` and a user's password, role mappings and groups.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_core::admin::Page;
use tessera_core::model::UserSearch;
use tessera_proto::admin::{CredentialRepresentation, UserRepresentation};

use super::{Admin, Body, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    search: Option<String>,
    username: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(default, deserialize_with = "super::lenient_bool")]
    exact: Option<bool>,
    first: Option<usize>,
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

pub async fn search(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AdminApiError> {
    let (query, page) = q.split();
    Ok(Json(api(&state, &caller).search_users(&realm, query, page).await?).into_response())
}

pub async fn count(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AdminApiError> {
    let (query, _) = q.split();
    Ok(Json(api(&state, &caller).count_users(&realm, &query).await?).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_user(&realm, &id).await?).into_response())
}

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

pub async fn reset_password(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(credential): Body<CredentialRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).reset_password(&realm, &id, &credential).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn sessions(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).user_sessions(&realm, &id).await?).into_response())
}

pub async fn groups(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).user_groups(&realm, &id).await?).into_response())
}

pub async fn join_group(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id, group)): Path<(String, String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).set_user_group(&realm, &id, &group, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn leave_group(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id, group)): Path<(String, String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).set_user_group(&realm, &id, &group, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn brute_force(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).brute_force_status(&realm, &id).await?).into_response())
}

pub async fn clear_brute_force(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).clear_brute_force(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).logout_user(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(rep): Body<UserRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_user(&realm, &id, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_user(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
