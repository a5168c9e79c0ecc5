//! `/admin/realms`, `/admin/realms/{realm}` and its keys.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tessera_core::key_service::RotationOutcome;
use tessera_proto::admin::{AdminErrorRepresentation, KeysMetadataRepresentation, RealmRepresentation};
use utoipa::{IntoParams, ToSchema};

use super::openapi::tag;
use super::{Admin, Body, Params, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

/// The realms the caller may view.
#[utoipa::path(get, path = "/admin/realms", tag = tag::REALMS,
    responses((status = 200, description = "The realms", body = [RealmRepresentation])))]
pub async fn list(State(state): State<AppState>, Admin(caller): Admin) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).list_realms().await?).into_response())
}

/// A realm.
#[utoipa::path(get, path = "/admin/realms/{realm}", tag = tag::REALMS,
    responses((status = 200, description = "The realm", body = RealmRepresentation)))]
pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_realm(&realm).await?).into_response())
}

/// Create a realm (master's `admin`, or `create-realm`).
#[utoipa::path(post, path = "/admin/realms", tag = tag::REALMS, request_body = RealmRepresentation,
    responses((status = 201, description = "Created")))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    uri: Uri,
    Body(rep): Body<RealmRepresentation>,
) -> Result<Response, AdminApiError> {
    let name = api(&state, &caller).create_realm(&rep).await?;
    Ok(created(uri.path(), &name))
}

/// Update a realm: the fields sent change; its name and signing algorithm cannot.
#[utoipa::path(put, path = "/admin/realms/{realm}", tag = tag::REALMS, request_body = RealmRepresentation,
    responses((status = 204, description = "Updated")))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Body(rep): Body<RealmRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_realm(&realm, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Delete a realm and everything in it.
#[utoipa::path(delete, path = "/admin/realms/{realm}", tag = tag::REALMS,
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`master` cannot be deleted", body = AdminErrorRepresentation),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_realm(&realm).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The realm's signing keys, in Keycloak's key-list shape.
#[utoipa::path(get, path = "/admin/realms/{realm}/keys", tag = tag::KEYS,
    responses((status = 200, description = "The keys", body = KeysMetadataRepresentation)))]
pub async fn keys(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).keys(&realm).await?).into_response())
}

#[derive(serde::Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RotateQuery {
    /// Promote the next key even if verifiers may not hold it yet.
    force: Option<bool>,
}

/// The answer to a key rotation: the key that signs from now and the one published to sign next.
#[derive(Serialize, ToSchema)]
pub struct KeyRotation {
    promoted: String,
    next: String,
}

/// Rotate the signing keys (Tessera's extension).
///
/// The next key signs from now. Refused (400, saying how long is left) until the next key has been
/// published for the JWKS `max-age`, unless `force`.
#[utoipa::path(post, path = "/admin/realms/{realm}/keys/rotate", tag = tag::KEYS, params(RotateQuery),
    responses(
        (status = 200, description = "Rotated", body = KeyRotation),
        (status = 409, description = "Another node rotated at the same moment"),
    ))]
pub async fn rotate_keys(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Params(q): Params<RotateQuery>,
) -> Result<Response, AdminApiError> {
    match api(&state, &caller).rotate_keys(&realm, q.force.unwrap_or(false)).await? {
        RotationOutcome::Rotated { promoted, next } => Ok(Json(KeyRotation { promoted, next }).into_response()),
        RotationOutcome::LostRace => Ok(StatusCode::CONFLICT.into_response()),
    }
}
