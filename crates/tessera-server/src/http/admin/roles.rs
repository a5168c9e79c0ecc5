//! Roles: the realm's (`/roles…`) and a client's (`/clients/{id}/roles…`), one set of handlers reading the
//! level from the path (a client's internal id is there for client roles), and `/roles-by-id/{id}`. The
//! route table uses the documented handlers of [`realm`] and [`client`], one per path.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tessera_core::admin::{AdminError, RoleLevel};
use tessera_proto::admin::RoleRepresentation;

use super::openapi::tag;
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

/// A realm or client role by its id.
#[utoipa::path(get, path = "/admin/realms/{realm}/roles-by-id/{id}", tag = tag::ROLES,
    responses((status = 200, description = "The role", body = RoleRepresentation)))]
pub async fn by_id(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_role_by_id(&realm, &id).await?).into_response())
}

/// The documented handlers of one level's roles, `$base` being the path they hang from.
macro_rules! level_routes {
    ($level:ident, $base:literal, $whose:literal) => {
        #[doc = concat!("The routes of ", $whose, " roles (`", $base, "/roles…`).")]
        pub mod $level {
            use super::*;

            type RolePath = Path<HashMap<String, String>>;

            #[utoipa::path(get, path = concat!($base, "/roles"), tag = tag::ROLES,
                        summary = concat!("List ", $whose, " roles."),
                        responses((status = 200, description = "The roles", body = [RoleRepresentation])))]
            pub async fn list(state: State<AppState>, admin: Admin, path: RolePath) -> Result<Response, AdminApiError> {
                super::list(state, admin, path).await
            }

            #[utoipa::path(post, path = concat!($base, "/roles"), tag = tag::ROLES,
                        summary = concat!("Create one of ", $whose, " roles."),
                        request_body = RoleRepresentation, responses((status = 201, description = "Created")))]
            pub async fn create(
                state: State<AppState>,
                admin: Admin,
                path: RolePath,
                uri: Uri,
                body: Body<RoleRepresentation>,
            ) -> Result<Response, AdminApiError> {
                super::create(state, admin, path, uri, body).await
            }

            #[utoipa::path(get, path = concat!($base, "/roles/{name}"), tag = tag::ROLES,
                        summary = concat!("One of ", $whose, " roles."),
                        responses((status = 200, description = "The role", body = RoleRepresentation)))]
            pub async fn get(state: State<AppState>, admin: Admin, path: RolePath) -> Result<Response, AdminApiError> {
                super::get(state, admin, path).await
            }

            #[utoipa::path(put, path = concat!($base, "/roles/{name}"), tag = tag::ROLES,
                        summary = concat!("Update one of ", $whose, " roles."),
                        request_body = RoleRepresentation, responses((status = 204, description = "Updated")))]
            pub async fn update(
                state: State<AppState>,
                admin: Admin,
                path: RolePath,
                body: Body<RoleRepresentation>,
            ) -> Result<Response, AdminApiError> {
                super::update(state, admin, path, body).await
            }

            #[utoipa::path(delete, path = concat!($base, "/roles/{name}"), tag = tag::ROLES,
                        summary = concat!("Delete one of ", $whose, " roles."),
                        responses((status = 204, description = "Deleted")))]
            pub async fn delete(
                state: State<AppState>,
                admin: Admin,
                path: RolePath,
            ) -> Result<Response, AdminApiError> {
                super::delete(state, admin, path).await
            }

            #[utoipa::path(get, path = concat!($base, "/roles/{name}/composites"), tag = tag::ROLES,
                        summary = "The roles a composite role includes.",
                        responses((status = 200, description = "The roles it includes", body = [RoleRepresentation])))]
            pub async fn composites(
                state: State<AppState>,
                admin: Admin,
                path: RolePath,
            ) -> Result<Response, AdminApiError> {
                super::composites(state, admin, path).await
            }

            #[utoipa::path(post, path = concat!($base, "/roles/{name}/composites"), tag = tag::ROLES,
                        summary = "Add roles to a composite role.", request_body = Vec<RoleRepresentation>,
                        responses((status = 204, description = "Added")))]
            pub async fn add_composites(
                state: State<AppState>,
                admin: Admin,
                path: RolePath,
                body: Body<Vec<RoleRepresentation>>,
            ) -> Result<Response, AdminApiError> {
                super::change_composites::<true>(state, admin, path, body).await
            }

            #[utoipa::path(delete, path = concat!($base, "/roles/{name}/composites"), tag = tag::ROLES,
                        summary = "Remove roles from a composite role.", request_body = Vec<RoleRepresentation>,
                        responses((status = 204, description = "Removed")))]
            pub async fn remove_composites(
                state: State<AppState>,
                admin: Admin,
                path: RolePath,
                body: Body<Vec<RoleRepresentation>>,
            ) -> Result<Response, AdminApiError> {
                super::change_composites::<false>(state, admin, path, body).await
            }
        }
    };
}

level_routes!(realm, "/admin/realms/{realm}", "the realm's");
level_routes!(client, "/admin/realms/{realm}/clients/{id}", "a client's");
