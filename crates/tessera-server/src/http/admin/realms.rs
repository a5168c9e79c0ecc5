//! `/admin/realms`, `/admin/realms/{realm}`, its realm roles and groups.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use tessera_proto::admin::{GroupRepresentation, RealmRepresentation, RoleRepresentation};

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

pub async fn list_roles(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).list_realm_roles(&realm).await?).into_response())
}

pub async fn get_role(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, name)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_realm_role(&realm, &name).await?).into_response())
}

pub async fn create_role(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    uri: Uri,
    Body(rep): Body<RoleRepresentation>,
) -> Result<Response, AdminApiError> {
    let name = api(&state, &caller).create_realm_role(&realm, &rep).await?;
    Ok(created(uri.path(), &name))
}

pub async fn list_groups(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).list_groups(&realm).await?).into_response())
}

pub async fn create_group(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    uri: Uri,
    Body(rep): Body<GroupRepresentation>,
) -> Result<Response, AdminApiError> {
    let id = api(&state, &caller).create_group(&realm, None, &rep).await?;
    Ok(created(uri.path(), &id))
}

pub async fn create_subgroup(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, parent)): Path<(String, String)>,
    Body(rep): Body<GroupRepresentation>,
) -> Result<Response, AdminApiError> {
    let id = api(&state, &caller).create_group(&realm, Some(&parent), &rep).await?;
    Ok(created(&format!("/admin/realms/{realm}/groups"), &id))
}

pub async fn keys(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).keys(&realm).await?).into_response())
}
