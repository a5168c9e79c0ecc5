//! `/admin/realms/{realm}/client-scopes` and the protocol mappers of a client or a client scope
//! (`…/protocol-mappers/models`): one set of mapper handlers, `SCOPE` telling which owner the path names.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tessera_core::admin::MapperOwner;
use tessera_proto::admin::{ClientScopeRepresentation, ProtocolMapperRepresentation};

use super::{Admin, Body, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).list_client_scopes(&realm).await?).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_client_scope(&realm, &id).await?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    uri: Uri,
    Body(rep): Body<ClientScopeRepresentation>,
) -> Result<Response, AdminApiError> {
    let id = api(&state, &caller).create_client_scope(&realm, &rep).await?;
    Ok(created(uri.path(), &id))
}

pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(rep): Body<ClientScopeRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_client_scope(&realm, &id, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_client_scope(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The path's `realm`, the owner's `id` and the mapper's `mapper` (when it names one).
fn owner<const SCOPE: bool>(p: &HashMap<String, String>) -> (&str, MapperOwner<'_>, Option<&str>) {
    let get = |k: &str| p.get(k).map_or("", String::as_str);
    let owner = if SCOPE { MapperOwner::Scope(get("id")) } else { MapperOwner::Client(get("id")) };
    (get("realm"), owner, p.get("mapper").map(String::as_str))
}

pub async fn mappers<const SCOPE: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, AdminApiError> {
    let (realm, owner, _) = owner::<SCOPE>(&p);
    Ok(Json(api(&state, &caller).protocol_mappers(realm, owner).await?).into_response())
}

pub async fn add_mapper<const SCOPE: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
    uri: Uri,
    Body(rep): Body<ProtocolMapperRepresentation>,
) -> Result<Response, AdminApiError> {
    let (realm, owner, _) = owner::<SCOPE>(&p);
    let id = api(&state, &caller).add_protocol_mapper(realm, owner, &rep).await?;
    Ok(created(uri.path(), &id))
}

pub async fn mapper<const SCOPE: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, AdminApiError> {
    let (realm, owner, id) = owner::<SCOPE>(&p);
    Ok(Json(api(&state, &caller).protocol_mapper(realm, owner, id.unwrap_or_default()).await?).into_response())
}

pub async fn update_mapper<const SCOPE: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
    Body(rep): Body<ProtocolMapperRepresentation>,
) -> Result<Response, AdminApiError> {
    let (realm, owner, id) = owner::<SCOPE>(&p);
    api(&state, &caller).update_protocol_mapper(realm, owner, id.unwrap_or_default(), &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete_mapper<const SCOPE: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, AdminApiError> {
    let (realm, owner, id) = owner::<SCOPE>(&p);
    api(&state, &caller).delete_protocol_mapper(realm, owner, id.unwrap_or_default()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
