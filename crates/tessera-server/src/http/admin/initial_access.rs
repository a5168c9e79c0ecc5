//! `/admin/realms/{realm}/clients-initial-access`: initial access tokens for dynamic client registration
//! (RFC 7591 §3), Keycloak's `ClientInitialAccessResource`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tessera_proto::admin::{ClientInitialAccessCreatePresentation, ClientInitialAccessPresentation};

use super::openapi::tag;
use super::{Admin, Body, api};
use crate::http::error::AdminApiError;
use crate::state::AppState;

/// Create an initial access token: `count` registrations (default 1) within `expiration` seconds (default 0:
/// no expiry). The token is in this answer only.
#[utoipa::path(post, path = "/admin/realms/{realm}/clients-initial-access", tag = tag::CLIENTS,
    request_body = ClientInitialAccessCreatePresentation,
    responses((status = 201, description = "The token, shown once", body = ClientInitialAccessPresentation)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Body(rep): Body<ClientInitialAccessCreatePresentation>,
) -> Result<Response, AdminApiError> {
    let created = api(&state, &caller).create_initial_access(&realm, &rep).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// The realm's initial access tokens (without the tokens).
#[utoipa::path(get, path = "/admin/realms/{realm}/clients-initial-access", tag = tag::CLIENTS,
    responses((status = 200, description = "The tokens", body = [ClientInitialAccessPresentation])))]
pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).list_initial_access(&realm).await?).into_response())
}

/// Delete an initial access token: it registers nothing more.
#[utoipa::path(delete, path = "/admin/realms/{realm}/clients-initial-access/{id}", tag = tag::CLIENTS,
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_initial_access(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
