//! `/admin/realms/{realm}/clients` and a client's secret, scopes and service account. The route table uses
//! the documented handlers of [`default_scopes`] and [`optional_scopes`] for the client-scope links.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;
use tessera_core::admin::{Page, ScopeLink};
use tessera_proto::admin::{
    ClientRepresentation, ClientScopeRepresentation, CredentialRepresentation, UserRepresentation,
};
use utoipa::IntoParams;

use super::openapi::tag;
use super::{Admin, Body, Params, api, created};
use crate::http::error::AdminApiError;
use crate::state::AppState;

#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ClientQuery {
    /// The client's `clientId` (whole, or a part of it with `search`).
    client_id: Option<String>,
    /// `clientId` is a part to look for, not the whole.
    #[serde(default, deserialize_with = "super::lenient_bool")]
    search: Option<bool>,
    /// The first result to return (paging).
    first: Option<usize>,
    /// At most this many results.
    max: Option<usize>,
}

/// The realm's clients, or those matching `clientId`.
#[utoipa::path(get, path = "/admin/realms/{realm}/clients", tag = tag::CLIENTS, params(ClientQuery),
    responses((status = 200, description = "The clients", body = [ClientRepresentation])))]
pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Params(q): Params<ClientQuery>,
) -> Result<Response, AdminApiError> {
    let page = Page { first: q.first, max: q.max };
    let found =
        api(&state, &caller).list_clients(&realm, q.client_id.as_deref(), q.search.unwrap_or(false), page).await?;
    Ok(Json(found).into_response())
}

/// A client, by its internal id.
#[utoipa::path(get, path = "/admin/realms/{realm}/clients/{id}", tag = tag::CLIENTS,
    responses((status = 200, description = "The client", body = ClientRepresentation)))]
pub async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).get_client(&realm, &id).await?).into_response())
}

/// Create a client; a confidential one gets a generated secret unless `secret` chooses it.
#[utoipa::path(post, path = "/admin/realms/{realm}/clients", tag = tag::CLIENTS,
    request_body = ClientRepresentation, responses((status = 201, description = "Created")))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    uri: Uri,
    Body(rep): Body<ClientRepresentation>,
) -> Result<Response, AdminApiError> {
    let id = api(&state, &caller).create_client(&realm, &rep).await?;
    Ok(created(uri.path(), &id))
}

/// Delete a client.
#[utoipa::path(delete, path = "/admin/realms/{realm}/clients/{id}", tag = tag::CLIENTS,
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).delete_client(&realm, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The client's secret, without its value.
///
/// Tessera keeps only a keyed hash of a secret, so the value cannot be read back: the answer has
/// Keycloak's shape without `value` (regenerate to get one).
#[utoipa::path(get, path = "/admin/realms/{realm}/clients/{id}/client-secret", tag = tag::CLIENTS,
    responses((status = 200, description = "`type` only, no `value`", body = CredentialRepresentation)))]
pub async fn secret(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).get_client(&realm, &id).await?;
    Ok(Json(json!({"type": "secret"})).into_response())
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraceQuery {
    /// Seconds the old secret keeps working (our extension; 0 by default, as Keycloak).
    grace: Option<i64>,
}

/// Generate a new secret, shown once.
///
/// With `grace` (Tessera's extension) the old secret keeps working that many seconds.
#[utoipa::path(post, path = "/admin/realms/{realm}/clients/{id}/client-secret", tag = tag::CLIENTS,
    params(GraceQuery),
    responses((status = 200, description = "The new secret in `value`", body = CredentialRepresentation)))]
pub async fn regenerate(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Params(q): Params<GraceQuery>,
) -> Result<Response, AdminApiError> {
    let secret = api(&state, &caller).regenerate_secret(&realm, &id, q.grace.unwrap_or(0)).await?;
    Ok(Json(json!({"type": "secret", "value": secret.expose_secret()})).into_response())
}

/// Update a client: the fields sent change; `clientId` cannot.
#[utoipa::path(put, path = "/admin/realms/{realm}/clients/{id}", tag = tag::CLIENTS,
    request_body = ClientRepresentation, responses((status = 204, description = "Updated")))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
    Body(rep): Body<ClientRepresentation>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).update_client(&realm, &id, &rep).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Revoke every token of the client issued before now (Keycloak's "Revocation → Set to now" and "Push").
///
/// The client's `notBefore` becomes now and its refresh tokens are revoked; there is no adapter admin URL to
/// push to, so both lists of Keycloak's `GlobalRequestResult` are empty.
#[utoipa::path(post, path = "/admin/realms/{realm}/clients/{id}/push-revocation", tag = tag::CLIENTS,
    responses((status = 200, description = "`successRequests` and `failedRequests` (both empty)")))]
pub async fn push_revocation(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).revoke_client_tokens(&realm, &id).await?;
    Ok(Json(json!({"successRequests": [], "failedRequests": []})).into_response())
}

/// The user a client's service account acts as.
#[utoipa::path(get, path = "/admin/realms/{realm}/clients/{id}/service-account-user", tag = tag::CLIENTS,
    responses((status = 200, description = "The service account's user", body = UserRepresentation)))]
pub async fn service_account_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).service_account_user(&realm, &id).await?).into_response())
}

fn link<const OPTIONAL: bool>() -> ScopeLink {
    if OPTIONAL { ScopeLink::Optional } else { ScopeLink::Default }
}

/// `GET …/default-client-scopes` (`OPTIONAL`: `…/optional-client-scopes`).
pub async fn scopes<const OPTIONAL: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id)): Path<(String, String)>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).client_scope_links(&realm, &id, link::<OPTIONAL>()).await?).into_response())
}

/// `PUT` (`LINKED`) or `DELETE` `…/default-client-scopes/{scope}` (`OPTIONAL`: `…/optional-client-scopes/…`).
pub async fn link_scope<const OPTIONAL: bool, const LINKED: bool>(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((realm, id, scope)): Path<(String, String, String)>,
) -> Result<Response, AdminApiError> {
    api(&state, &caller).link_client_scope(&realm, &id, &scope, link::<OPTIONAL>(), LINKED).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The documented handlers of a client's default or optional client scopes (`$segment`).
macro_rules! scope_link_routes {
    ($links:ident, $OPTIONAL:literal, $segment:literal, $which:literal) => {
        #[doc = concat!("The routes of a client's ", $which, " client scopes (`…/clients/{id}/", $segment, "…`).")]
        pub mod $links {
            use super::*;

            type ScopePath = Path<(String, String, String)>;

            #[utoipa::path(get, path = concat!("/admin/realms/{realm}/clients/{id}/", $segment),
                        tag = tag::CLIENTS,
                        summary = concat!("The client's ", $which, " client scopes."),
                        responses((status = 200, description = "The scopes", body = [ClientScopeRepresentation])))]
            pub async fn list(
                state: State<AppState>,
                admin: Admin,
                path: Path<(String, String)>,
            ) -> Result<Response, AdminApiError> {
                super::scopes::<$OPTIONAL>(state, admin, path).await
            }

            #[utoipa::path(put, path = concat!("/admin/realms/{realm}/clients/{id}/", $segment, "/{scope}"),
                        tag = tag::CLIENTS,
                        summary = concat!("Make a client scope ", $which, " for the client."),
                        description = "A scope is default or optional for a client: linking it moves it.",
                        responses((status = 204, description = "Linked")))]
            pub async fn link(
                state: State<AppState>,
                admin: Admin,
                path: ScopePath,
            ) -> Result<Response, AdminApiError> {
                super::link_scope::<$OPTIONAL, true>(state, admin, path).await
            }

            #[utoipa::path(delete, path = concat!("/admin/realms/{realm}/clients/{id}/", $segment, "/{scope}"),
                        tag = tag::CLIENTS,
                        summary = concat!("Remove a client scope from the client's ", $which, " ones."),
                        responses((status = 204, description = "Unlinked")))]
            pub async fn unlink(
                state: State<AppState>,
                admin: Admin,
                path: ScopePath,
            ) -> Result<Response, AdminApiError> {
                super::link_scope::<$OPTIONAL, false>(state, admin, path).await
            }
        }
    };
}

scope_link_routes!(default_scopes, false, "default-client-scopes", "default");
scope_link_routes!(optional_scopes, true, "optional-client-scopes", "optional");
