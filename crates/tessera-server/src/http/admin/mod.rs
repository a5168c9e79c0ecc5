//! The admin REST API under `/admin/realms`, with Keycloak's paths, methods, status codes and JSON
//! representations, so that its admin client and `kcadm` work unchanged. Handlers extract (the caller's
//! Bearer token, the path, a JSON body), call one `AdminApi` service, and render.

mod clients;
mod events;
mod realms;
mod users;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use serde::de::DeserializeOwned;
use tessera_core::admin::{AdminApi, AdminAuthentication, AdminCaller, AdminError};

use crate::client_address::client_address;
use crate::http::error::AdminApiError;
use crate::http::extract::authorization;
use crate::state::AppState;

/// The administrator behind a request: a valid Bearer access token of one of our realms.
pub struct Admin(pub AdminCaller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AdminApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AdminApiError> {
        let token = authorization(&parts.headers)
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
            .map(|(_, token)| token.trim().to_owned())
            .ok_or(AdminError::Unauthorized)?;
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let source_ip = peer.map(|peer| client_address(peer, &parts.headers, &state.trusted_proxies).to_string());
        let authentication = AdminAuthentication {
            realms: state.directory.as_ref(),
            clients: state.directory.as_ref(),
            users: state.store.as_ref(),
            denylist: state.revocations.as_ref(),
            public_url: state.directory.public_url(),
            now: state.clock.now(),
        };
        let caller = authentication.caller(&token, source_ip).await?;
        Ok(Admin(caller))
    }
}

/// A JSON body; anything else is Keycloak's 400, never axum's 415/422 in plain text.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = AdminApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AdminApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(e) => Err(AdminError::Invalid(rejection_message(&e)).into()),
        }
    }
}

fn rejection_message(e: &JsonRejection) -> String {
    match e {
        JsonRejection::MissingJsonContentType(_) => "expected a JSON body (Content-Type: application/json)".into(),
        _ => "the body is not a valid representation".into(),
    }
}

/// The services for this request's administrator.
pub fn api<'a>(state: &'a AppState, caller: &'a AdminCaller) -> AdminApi<'a> {
    AdminApi {
        store: state.store.as_ref(),
        caller,
        hasher: &state.hasher,
        master: &state.master,
        passwords: state.passwords.as_ref(),
        audit: state.audit.as_ref(),
        revocations: state.revocations.as_ref(),
        now: state.clock.now(),
    }
}

/// `201 Created` with `Location: {request path}/{id}`, as Keycloak answers a create.
pub fn created(parts_path: &str, id: &str) -> Response {
    let location = format!("{}/{}", parts_path.trim_end_matches('/'), id);
    let mut response = StatusCode::CREATED.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Every admin route, each also with a trailing slash: Keycloak's admin client asks for a collection as
/// `/admin/realms/` (its path joining keeps the slash), and Keycloak answers both.
pub fn routes() -> Router<AppState> {
    let table: Vec<(&str, MethodRouter<AppState>)> = vec![
        ("/admin/realms", get(realms::list).post(realms::create)),
        ("/admin/realms/{realm}", get(realms::get)),
        ("/admin/realms/{realm}/keys", get(realms::keys)),
        ("/admin/realms/{realm}/roles", get(realms::list_roles).post(realms::create_role)),
        ("/admin/realms/{realm}/roles/{name}", get(realms::get_role)),
        ("/admin/realms/{realm}/groups", get(realms::list_groups).post(realms::create_group)),
        ("/admin/realms/{realm}/groups/{id}/children", post(realms::create_subgroup)),
        ("/admin/realms/{realm}/clients", get(clients::list).post(clients::create)),
        ("/admin/realms/{realm}/clients/{id}", get(clients::get).delete(clients::delete)),
        ("/admin/realms/{realm}/clients/{id}/client-secret", get(clients::secret).post(clients::regenerate)),
        ("/admin/realms/{realm}/events", get(events::events)),
        ("/admin/realms/{realm}/admin-events", get(events::admin_events)),
        ("/admin/realms/{realm}/users", get(users::search).post(users::create)),
        ("/admin/realms/{realm}/users/count", get(users::count)),
        ("/admin/realms/{realm}/users/{id}", get(users::get).put(users::update).delete(users::delete)),
        ("/admin/realms/{realm}/users/{id}/reset-password", put(users::reset_password)),
        ("/admin/realms/{realm}/users/{id}/logout", post(users::logout)),
        (
            "/admin/realms/{realm}/attack-detection/brute-force/users/{id}",
            get(users::brute_force).delete(users::clear_brute_force),
        ),
        (
            "/admin/realms/{realm}/users/{id}/role-mappings/realm",
            get(users::realm_roles).post(users::grant_realm_roles).delete(users::revoke_realm_roles),
        ),
        ("/admin/realms/{realm}/users/{id}/groups", get(users::groups)),
        ("/admin/realms/{realm}/users/{id}/groups/{group}", put(users::join_group).delete(users::leave_group)),
    ];
    let mut router = Router::new();
    for (path, methods) in table {
        let methods = methods.fallback(crate::http::error::method_not_allowed);
        router = router.route(path, methods.clone()).route(&format!("{path}/"), methods);
    }
    router
}
