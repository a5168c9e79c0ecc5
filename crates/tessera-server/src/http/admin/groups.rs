//! `/admin/realms/{realm}/groups`: the tree, one group, its subgroups and members.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tessera_core::admin::Page;
use tessera_proto::admin::{GroupRepresentation, UserRepresentation};

use super::openapi::tag;
use super::{Admin, Body, PageQuery, Params, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

/// The realm's group tree.
#[utoipa::path(get, path = "/admin/realms/{realm}/groups", tag = tag::GROUPS,
    responses((status = 200, description = "The top-level groups and their subgroups", body = [GroupRepresentation])))]
pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).list_groups(&realm).await?).into_response())
}

/// Create a top-level group.
#[utoipa::path(post, path = "/admin/realms/{realm}/groups", tag = tag::GROUPS,
    request_body = GroupRepresentation, responses((status = 201, description = "Created")))]
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

/// Create a subgroup.
#[utoipa::path(post, path = "/admin/realms/{realm}/groups/{id}/children", tag = tag::GROUPS,
    request_body = GroupRepresentation, responses((status = 201, description = "Created")))]
pub async fn create_child(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, parent)): Path<(String, String)>,
    Body(rep): Body<GroupRepresentation>,
) -> Result<Response, AdminApiError> {
    let id = api(&state, &caller).create_group(&realm, Some(&parent), &rep).await?;
    Ok(created(&format!("/admin/realms/{realm}/groups"), &id))
}

/// A group's subgroups.
#[utoipa::path(get, path = "/admin/realms/{realm}/groups/{id}/children", tag = tag::GROUPS,
    params(PageQuery),
    responses((status = 200, description = "The subgroups", body = [GroupRepresentation])))]
pub async fn children(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Params(q): Params<PageQuery>,
) -> Result<Response, AdminApiError> {
    let page = Page { first: q.first, max: q.max };
    Ok(Json(api(&state, &caller).group_children(&realm, &id, page).await?).into_response())
}

/// A group.
#[utoipa::path(get, path = "/admin/realms/{realm}/groups/{id}", tag = tag::GROUPS,
    responses((status = 200, description = "The group", body = GroupRepresentation)))]
pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_group(&realm, &id).await?).into_response())
}

/// Update a group (its name, attributes).
#[utoipa::path(put, path = "/admin/realms/{realm}/groups/{id}", tag = tag::GROUPS,
    request_body = GroupRepresentation, responses((status = 204, description = "Updated")))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(rep): Body<GroupRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_group(&realm, &id, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Delete a group and its subgroups.
#[utoipa::path(delete, path = "/admin/realms/{realm}/groups/{id}", tag = tag::GROUPS,
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_group(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A group's members.
#[utoipa::path(get, path = "/admin/realms/{realm}/groups/{id}/members", tag = tag::GROUPS,
    params(PageQuery),
    responses((status = 200, description = "The members", body = [UserRepresentation])))]
pub async fn members(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Params(q): Params<PageQuery>,
) -> Result<Response, AdminApiError> {
    let page = Page { first: q.first, max: q.max };
    Ok(Json(api(&state, &caller).group_members(&realm, &id, page).await?).into_response())
}
