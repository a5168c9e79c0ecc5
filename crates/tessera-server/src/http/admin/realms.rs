//! `/admin/realms`, `/admin/realms/{realm}` and its keys.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tessera_core::key_service::RotationOutcome;
use tessera_proto::admin::RealmRepresentation;

use super::{Admin, Body, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, Admin(caller): Admin) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).list_realms().await?).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_realm(&realm).await?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    uri: Uri,
    Body(rep): Body<RealmRepresentation>,
) -> Result<Response, AdminApiError> {
    let name = api(&state, &caller).create_realm(&rep).await?;
    Ok(created(uri.path(), &name))
}

pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Body(rep): Body<RealmRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_realm(&realm, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_realm(&realm).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn keys(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).keys(&realm).await?).into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct RotateQuery {
    /// Promote the next key even if verifiers may not hold it yet.
    force: Option<bool>,
}

/// `POST /admin/realms/{realm}/keys/rotate?force=`: `{"promoted": kid, "next": kid}`.
pub async fn rotate_keys(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    axum::extract::Query(q): axum::extract::Query<RotateQuery>,
) -> Result<Response, AdminApiError> {
    match api(&state, &caller).rotate_keys(&realm, q.force.unwrap_or(false)).await? {
        RotationOutcome::Rotated { promoted, next } => {
            Ok(Json(serde_json::json!({"promoted": promoted, "next": next})).into_response())
        }
        RotationOutcome::LostRace => Ok(StatusCode::CONFLICT.into_response()),
    }
}
