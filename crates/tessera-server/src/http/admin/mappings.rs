//! Role mappings of users (`/users/{id}/role-mappings…`) and groups (`/groups/{id}/role-mappings…`): one set
//! of handlers, `GROUP` telling which holder the path names.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tessera_core::admin::{Holder, RoleLevel};
use tessera_proto::admin::RoleRepresentation;

use super::{Admin, Body, api};
use crate::http::error::AdminApiError;
use crate::state::AppState;

fn holder<const GROUP: bool>(id: &str) -> Holder<'_> {
    if GROUP { Holder::Group(id) } else { Holder::User(id) }
}

/// `GET …/role-mappings`.
pub async fn all<const GROUP: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).role_mappings(&realm, holder::<GROUP>(&id)).await?).into_response())
}

/// `GET …/role-mappings/realm` (`EFFECTIVE`: `…/realm/composite`).
pub async fn realm<const GROUP: bool, const EFFECTIVE: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    let found = api(&state, &caller).level_mappings(&realm, holder::<GROUP>(&id), RoleLevel::Realm, EFFECTIVE).await?;
    Ok(Json(found).into_response())
}

/// `POST` (`GRANT`) or `DELETE` `…/role-mappings/realm`.
pub async fn map_realm<const GROUP: bool, const GRANT: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(roles): Body<Vec<RoleRepresentation>>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).map_roles(&realm, holder::<GROUP>(&id), RoleLevel::Realm, &roles, GRANT).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET …/role-mappings/clients/{client}` (`EFFECTIVE`: `…/composite`).
pub async fn client<const GROUP: bool, const EFFECTIVE: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id, client)): Path<(String, String, String)>,
) -> Result<Response, AdminApiError> {
    let level = RoleLevel::Client(&client);
    let found = api(&state, &caller).level_mappings(&realm, holder::<GROUP>(&id), level, EFFECTIVE).await?;
    Ok(Json(found).into_response())
}

/// `POST` (`GRANT`) or `DELETE` `…/role-mappings/clients/{client}`.
pub async fn map_client<const GROUP: bool, const GRANT: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id, client)): Path<(String, String, String)>,
    Body(roles): Body<Vec<RoleRepresentation>>,
) -> Result<Response, AdminApiError> {
    let level = RoleLevel::Client(&client);
    api(&state, &caller).map_roles(&realm, holder::<GROUP>(&id), level, &roles, GRANT).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
