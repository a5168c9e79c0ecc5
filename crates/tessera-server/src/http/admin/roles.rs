//! Roles: the realm's (`/roles…`) and a client's (`/clients/{id}/roles…`), one set of handlers reading the
//! level from the path (a client's internal id is there for client roles), and `/roles-by-id/{id}`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tessera_core::admin::{AdminError, RoleLevel};
use tessera_proto::admin::RoleRepresentation;

use super::{Admin, Body, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

/// The path's parameters: `realm`, `id` (a client's, for client roles) and `name`.
struct RolePath(HashMap<String, String>);

impl RolePath {
    fn realm(&self) -> &str {
        self.0.get("realm").map_or("", String::as_str)
    }

    fn level(&self) -> RoleLevel<'_> {
        self.0.get("id").map_or(RoleLevel::Realm, |id| RoleLevel::Client(id))
    }

    fn name(&self) -> Result<&str, AdminError> {
        self.0.get("name").map(String::as_str).ok_or_else(|| AdminError::Invalid("no role name".into()))
    }
}

pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, AdminApiError> {
    let p = RolePath(p);
    Ok(Json(api(&state, &caller).list_roles(p.realm(), p.level()).await?).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, AdminApiError> {
    let p = RolePath(p);
    Ok(Json(api(&state, &caller).get_role(p.realm(), p.level(), p.name()?).await?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
    uri: Uri,
    Body(rep): Body<RoleRepresentation>,
) -> Result<Response, AdminApiError> {
    let p = RolePath(p);
    let name = api(&state, &caller).create_role(p.realm(), p.level(), &rep).await?;
    Ok(created(uri.path(), &name))
}

pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
    Body(rep): Body<RoleRepresentation>,
) -> Result<Response, AdminApiError> {
    let p = RolePath(p);
    api(&state, &caller).update_role(p.realm(), p.level(), p.name()?, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, AdminApiError> {
    let p = RolePath(p);
    api(&state, &caller).delete_role(p.realm(), p.level(), p.name()?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn composites(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, AdminApiError> {
    let p = RolePath(p);
    Ok(Json(api(&state, &caller).role_composites(p.realm(), p.level(), p.name()?).await?).into_response())
}

/// `POST` (`ADD`) or `DELETE` `…/roles/{name}/composites`.
pub async fn change_composites<const ADD: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
    Body(roles): Body<Vec<RoleRepresentation>>,
) -> Result<Response, AdminApiError> {
    let p = RolePath(p);
    api(&state, &caller).change_composites(p.realm(), p.level(), p.name()?, &roles, ADD).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn by_id(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_role_by_id(&realm, &id).await?).into_response())
}
