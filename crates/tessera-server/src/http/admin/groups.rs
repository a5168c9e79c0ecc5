//! `/admin/realms/{realm}/groups`: the tree, one group, its subgroups and members.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tessera_core::admin::Page;
use tessera_proto::admin::GroupRepresentation;

use super::{Admin, Body, PageQuery, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).list_groups(&realm).await?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    uri: Uri,
    Body(rep): Body<GroupRepresentation>,
) -> Result<Response, AdminApiError> {
    let id = api(&state, &caller).create_group(&realm, None, &rep).await?;
    Ok(created(uri.path(), &id))
}

pub async fn create_child(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, parent)): Path<(String, String)>,
    Body(rep): Body<GroupRepresentation>,
) -> Result<Response, AdminApiError> {
    let id = api(&state, &caller).create_group(&realm, Some(&parent), &rep).await?;
    Ok(created(&format!("/admin/realms/{realm}/groups"), &id))
}

pub async fn children(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AdminApiError> {
    let page = Page { first: q.first, max: q.max };
    Ok(Json(api(&state, &caller).group_children(&realm, &id, page).await?).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_group(&realm, &id).await?).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(rep): Body<GroupRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_group(&realm, &id, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_group(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn members(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AdminApiError> {
    let page = Page { first: q.first, max: q.max };
    Ok(Json(api(&state, &caller).group_members(&realm, &id, page).await?).into_response())
}
