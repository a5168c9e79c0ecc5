//! `/admin/realms/{realm}/client-scopes` and the protocol mappers of a client or a client scope
//! (`…/protocol-mappers/models`): one set of mapper handlers, `SCOPE` telling which owner the path names.
//! The route table uses the documented mapper handlers of [`client_mappers`] and [`scope_mappers`].

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tessera_core::admin::MapperOwner;
use tessera_proto::admin::{AdminErrorRepresentation, ClientScopeRepresentation, ProtocolMapperRepresentation};

use super::openapi::tag;
use super::{Admin, Body, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

/// The realm's client scopes.
#[utoipa::path(get, path = "/admin/realms/{realm}/client-scopes", tag = tag::CLIENT_SCOPES,
    responses((status = 200, description = "The client scopes", body = [ClientScopeRepresentation])))]
pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).list_client_scopes(&realm).await?).into_response())
}

/// A client scope.
#[utoipa::path(get, path = "/admin/realms/{realm}/client-scopes/{id}", tag = tag::CLIENT_SCOPES,
    responses((status = 200, description = "The client scope", body = ClientScopeRepresentation)))]
pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_client_scope(&realm, &id).await?).into_response())
}

/// Create a client scope; its name is an RFC 6749 §3.3 scope token and also its `id`.
#[utoipa::path(post, path = "/admin/realms/{realm}/client-scopes", tag = tag::CLIENT_SCOPES,
    request_body = ClientScopeRepresentation, responses((status = 201, description = "Created")))]
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

/// Update a client scope (no rename).
#[utoipa::path(put, path = "/admin/realms/{realm}/client-scopes/{id}", tag = tag::CLIENT_SCOPES,
    request_body = ClientScopeRepresentation, responses((status = 204, description = "Updated")))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(rep): Body<ClientScopeRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_client_scope(&realm, &id, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Delete a client scope.
#[utoipa::path(delete, path = "/admin/realms/{realm}/client-scopes/{id}", tag = tag::CLIENT_SCOPES,
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A client uses it (as Keycloak)", body = AdminErrorRepresentation),
    ))]
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

/// The documented mapper handlers of one owner, `$base` being the owner's path.
macro_rules! mapper_routes {
    ($owner:ident, $SCOPE:literal, $base:literal, $whose:literal) => {
        #[doc = concat!("The routes of ", $whose, " protocol mappers (`", $base, "/protocol-mappers/models…`).")]
        pub mod $owner {
            use super::*;

            type MapperPath = Path<HashMap<String, String>>;

            #[utoipa::path(get, path = concat!($base, "/protocol-mappers/models"), tag = tag::PROTOCOL_MAPPERS,
                summary = concat!("The protocol mappers of ", $whose, "."),
                responses((status = 200, description = "The mappers", body = [ProtocolMapperRepresentation])))]
            pub async fn list(
                state: State<AppState>,
                admin: Admin,
                path: MapperPath,
            ) -> Result<Response, AdminApiError> {
                super::mappers::<$SCOPE>(state, admin, path).await
            }

            #[utoipa::path(post, path = concat!($base, "/protocol-mappers/models"), tag = tag::PROTOCOL_MAPPERS,
                summary = concat!("Add a protocol mapper to ", $whose, " (names are unique)."),
                request_body = ProtocolMapperRepresentation, responses((status = 201, description = "Created")))]
            pub async fn add(
                state: State<AppState>,
                admin: Admin,
                path: MapperPath,
                uri: Uri,
                body: Body<ProtocolMapperRepresentation>,
            ) -> Result<Response, AdminApiError> {
                super::add_mapper::<$SCOPE>(state, admin, path, uri, body).await
            }

            #[utoipa::path(get, path = concat!($base, "/protocol-mappers/models/{mapper}"),
                tag = tag::PROTOCOL_MAPPERS,
                summary = concat!("One protocol mapper of ", $whose, "."),
                responses((status = 200, description = "The mapper", body = ProtocolMapperRepresentation)))]
            pub async fn get(
                state: State<AppState>,
                admin: Admin,
                path: MapperPath,
            ) -> Result<Response, AdminApiError> {
                super::mapper::<$SCOPE>(state, admin, path).await
            }

            #[utoipa::path(put, path = concat!($base, "/protocol-mappers/models/{mapper}"),
                tag = tag::PROTOCOL_MAPPERS,
                summary = concat!("Update a protocol mapper of ", $whose, "."),
                request_body = ProtocolMapperRepresentation, responses((status = 204, description = "Updated")))]
            pub async fn update(
                state: State<AppState>,
                admin: Admin,
                path: MapperPath,
                body: Body<ProtocolMapperRepresentation>,
            ) -> Result<Response, AdminApiError> {
                super::update_mapper::<$SCOPE>(state, admin, path, body).await
            }

            #[utoipa::path(delete, path = concat!($base, "/protocol-mappers/models/{mapper}"),
                tag = tag::PROTOCOL_MAPPERS,
                summary = concat!("Delete a protocol mapper of ", $whose, "."),
                responses((status = 204, description = "Deleted")))]
            pub async fn delete(
                state: State<AppState>,
                admin: Admin,
                path: MapperPath,
            ) -> Result<Response, AdminApiError> {
                super::delete_mapper::<$SCOPE>(state, admin, path).await
            }
        }
    };
}

mapper_routes!(client_mappers, false, "/admin/realms/{realm}/clients/{id}", "a client");
mapper_routes!(scope_mappers, true, "/admin/realms/{realm}/client-scopes/{id}", "a client scope");
