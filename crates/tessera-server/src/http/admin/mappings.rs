//! Role mappings of users (`/users/{id}/role-mappings…`) and groups (`/groups/{id}/role-mappings…`): one set
//! of handlers, `GROUP` telling which holder the path names. The route table uses the documented handlers of
//! [`user`] and [`group`], one per path.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tessera_core::admin::{Holder, RoleLevel};
use tessera_proto::admin::{MappingsRepresentation, RoleRepresentation};

use super::openapi::tag;
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

/// The documented handlers of one holder's role mappings, `$base` being the path of the holder.
macro_rules! holder_routes {
    ($holder:ident, $GROUP:literal, $base:literal, $whose:literal) => {
        #[doc = concat!("The routes of ", $whose, " role mappings (`", $base, "/role-mappings…`).")]
        pub mod $holder {
            use super::*;

            type HolderPath = Path<(String, String)>;
            type ClientPath = Path<(String, String, String)>;
            type Roles = Body<Vec<RoleRepresentation>>;

            #[utoipa::path(get, path = concat!($base, "/role-mappings"), tag = tag::ROLE_MAPPINGS,
                summary = concat!("The realm and client roles granted to ", $whose, " directly."),
                responses((status = 200, description = "The roles by level", body = MappingsRepresentation)))]
            pub async fn all(
                state: State<AppState>,
                admin: Admin,
                path: HolderPath,
            ) -> Result<Response, AdminApiError> {
                super::all::<$GROUP>(state, admin, path).await
            }

            #[utoipa::path(get, path = concat!($base, "/role-mappings/realm"), tag = tag::ROLE_MAPPINGS,
                summary = concat!("The realm roles granted to ", $whose, " directly."),
                responses((status = 200, description = "The roles", body = [RoleRepresentation])))]
            pub async fn realm(
                state: State<AppState>,
                admin: Admin,
                path: HolderPath,
            ) -> Result<Response, AdminApiError> {
                super::realm::<$GROUP, false>(state, admin, path).await
            }

            #[utoipa::path(post, path = concat!($base, "/role-mappings/realm"), tag = tag::ROLE_MAPPINGS,
                summary = concat!("Grant realm roles to ", $whose, "."), request_body = Vec<RoleRepresentation>,
                responses((status = 204, description = "Granted")))]
            pub async fn grant_realm(
                state: State<AppState>,
                admin: Admin,
                path: HolderPath,
                roles: Roles,
            ) -> Result<Response, AdminApiError> {
                super::map_realm::<$GROUP, true>(state, admin, path, roles).await
            }

            #[utoipa::path(delete, path = concat!($base, "/role-mappings/realm"), tag = tag::ROLE_MAPPINGS,
                summary = concat!("Take realm roles from ", $whose, "."), request_body = Vec<RoleRepresentation>,
                responses((status = 204, description = "Taken")))]
            pub async fn revoke_realm(
                state: State<AppState>,
                admin: Admin,
                path: HolderPath,
                roles: Roles,
            ) -> Result<Response, AdminApiError> {
                super::map_realm::<$GROUP, false>(state, admin, path, roles).await
            }

            #[utoipa::path(get, path = concat!($base, "/role-mappings/realm/composite"), tag = tag::ROLE_MAPPINGS,
                summary = concat!("The realm roles ", $whose, " holds in effect."),
                description = "Composites expanded, and the roles held through groups included.",
                responses((status = 200, description = "The effective roles", body = [RoleRepresentation])))]
            pub async fn effective_realm(
                state: State<AppState>,
                admin: Admin,
                path: HolderPath,
            ) -> Result<Response, AdminApiError> {
                super::realm::<$GROUP, true>(state, admin, path).await
            }

            #[utoipa::path(get, path = concat!($base, "/role-mappings/clients/{client}"), tag = tag::ROLE_MAPPINGS,
                summary = concat!("The roles of one client granted to ", $whose, " directly."),
                responses((status = 200, description = "The roles", body = [RoleRepresentation])))]
            pub async fn client(
                state: State<AppState>,
                admin: Admin,
                path: ClientPath,
            ) -> Result<Response, AdminApiError> {
                super::client::<$GROUP, false>(state, admin, path).await
            }

            #[utoipa::path(post, path = concat!($base, "/role-mappings/clients/{client}"), tag = tag::ROLE_MAPPINGS,
                summary = concat!("Grant roles of one client to ", $whose, "."),
                request_body = Vec<RoleRepresentation>,
                responses((status = 204, description = "Granted")))]
            pub async fn grant_client(
                state: State<AppState>,
                admin: Admin,
                path: ClientPath,
                roles: Roles,
            ) -> Result<Response, AdminApiError> {
                super::map_client::<$GROUP, true>(state, admin, path, roles).await
            }

            #[utoipa::path(delete, path = concat!($base, "/role-mappings/clients/{client}"), tag = tag::ROLE_MAPPINGS,
                summary = concat!("Take roles of one client from ", $whose, "."),
                request_body = Vec<RoleRepresentation>,
                responses((status = 204, description = "Taken")))]
            pub async fn revoke_client(
                state: State<AppState>,
                admin: Admin,
                path: ClientPath,
                roles: Roles,
            ) -> Result<Response, AdminApiError> {
                super::map_client::<$GROUP, false>(state, admin, path, roles).await
            }

            #[utoipa::path(get, path = concat!($base, "/role-mappings/clients/{client}/composite"),
                tag = tag::ROLE_MAPPINGS,
                summary = concat!("The roles of one client ", $whose, " holds in effect."),
                description = "Composites expanded, and the roles held through groups included.",
                responses((status = 200, description = "The effective roles", body = [RoleRepresentation])))]
            pub async fn effective_client(
                state: State<AppState>,
                admin: Admin,
                path: ClientPath,
            ) -> Result<Response, AdminApiError> {
                super::client::<$GROUP, true>(state, admin, path).await
            }
        }
    };
}

holder_routes!(user, false, "/admin/realms/{realm}/users/{id}", "a user");
holder_routes!(group, true, "/admin/realms/{realm}/groups/{id}", "a group");
