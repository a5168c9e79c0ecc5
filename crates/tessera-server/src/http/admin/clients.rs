//! `/admin/realms/{realm}/clients` and a client's secret.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;
use tessera_core::admin::{Page, ScopeLink};
use tessera_proto::admin::ClientRepresentation;

use super::{Admin, Body, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ClientQuery {
    client_id: Option<String>,
    #[serde(default, deserialize_with = "super::lenient_bool")]
    search: Option<bool>,
    first: Option<usize>,
    max: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Query(q): Query<ClientQuery>,
) -> Result<Response, AdminApiError> {
    let page = Page { first: q.first, max: q.max };
    let found =
        api(&state, &caller).list_clients(&realm, q.client_id.as_deref(), q.search.unwrap_or(false), page).await?;
    Ok(Json(found).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_client(&realm, &id).await?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    uri: Uri,
    Body(rep): Body<ClientRepresentation>,
) -> Result<Response, AdminApiError> {
    let id = api(&state, &caller).create_client(&realm, &rep).await?;
    Ok(created(uri.path(), &id))
}

pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_client(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET …/client-secret`: Tessera keeps only a keyed hash of a secret, so the value cannot be read back;
/// the answer has Keycloak's shape without `value` (regenerate to get one).
pub async fn secret(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).get_client(&realm, &id).await?;
    Ok(Json(json!({"type": "secret"})).into_response())
}

#[derive(Deserialize, Default)]
pub struct GraceQuery {
    /// Seconds the old secret keeps working (our extension; 0 by default, as Keycloak).
    grace: Option<i64>,
}

pub async fn regenerate(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Query(q): Query<GraceQuery>,
) -> Result<Response, AdminApiError> {
    let secret = api(&state, &caller).regenerate_secret(&realm, &id, q.grace.unwrap_or(0)).await?;
    Ok(Json(json!({"type": "secret", "value": secret.expose_secret()})).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(rep): Body<ClientRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_client(&realm, &id, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn service_account_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).service_account_user(&realm, &id).await?).into_response())
}

fn link<const OPTIONAL: bool>() -> ScopeLink {
    if OPTIONAL { ScopeLink::Optional } else { ScopeLink::Default }
}

/// `GET …/default-client-scopes` (`OPTIONAL`: `…/optional-client-scopes`).
pub async fn scopes<const OPTIONAL: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).client_scope_links(&realm, &id, link::<OPTIONAL>()).await?).into_response())
}

/// `PUT` (`LINKED`) or `DELETE` `…/default-client-scopes/{scope}` (`OPTIONAL`: `…/optional-client-scopes/…`).
pub async fn link_scope<const OPTIONAL: bool, const LINKED: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id, scope)): Path<(String, String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).link_client_scope(&realm, &id, &scope, link::<OPTIONAL>(), LINKED).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
