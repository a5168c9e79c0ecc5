//! The admin REST API under `/admin/realms`, with Keycloak's paths, methods, status codes and JSON
//! representations, so that its admin client and `kcadm` work unchanged. Handlers extract (the caller's
//! Bearer token, the path, a JSON body), call one `AdminApi` service, and render.

mod clients;
mod events;
mod groups;
mod import;
mod mappings;
mod realms;
mod roles;
mod scopes;
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
use serde::Deserialize;
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
        rotation: state.rotation,
        now: state.clock.now(),
    }
}

/// A boolean query parameter as Keycloak (JAX-RS) reads it: `true` in any case is true, anything else false
/// (python-keycloak sends `exact=True`).
pub fn lenient_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    Ok(text.map(|t| t.eq_ignore_ascii_case("true")))
}

/// `first` and `max` of a paged listing.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub first: Option<usize>,
    pub max: Option<usize>,
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
    const R: &str = "/admin/realms/{realm}";
    let table: Vec<(String, MethodRouter<AppState>)> = vec![
        ("/admin/realms".into(), get(realms::list).post(realms::create)),
        (R.into(), get(realms::get).put(realms::update).delete(realms::delete)),
        (format!("{R}/keys"), get(realms::keys)),
        (format!("{R}/keys/rotate"), post(realms::rotate_keys)),
        (format!("{R}/partialImport"), post(import::partial_import)),
        // Roles, the realm's and a client's (`{id}` is the client's internal id), and by id.
        (format!("{R}/roles"), get(roles::list).post(roles::create)),
        (format!("{R}/roles/{{name}}"), get(roles::get).put(roles::update).delete(roles::delete)),
        (
            format!("{R}/roles/{{name}}/composites"),
            get(roles::composites).post(roles::change_composites::<true>).delete(roles::change_composites::<false>),
        ),
        (format!("{R}/clients/{{id}}/roles"), get(roles::list).post(roles::create)),
        (format!("{R}/clients/{{id}}/roles/{{name}}"), get(roles::get).put(roles::update).delete(roles::delete)),
        (
            format!("{R}/clients/{{id}}/roles/{{name}}/composites"),
            get(roles::composites).post(roles::change_composites::<true>).delete(roles::change_composites::<false>),
        ),
        (format!("{R}/roles-by-id/{{id}}"), get(roles::by_id)),
        // Groups and their role mappings.
        (format!("{R}/groups"), get(groups::list).post(groups::create)),
        (format!("{R}/groups/{{id}}"), get(groups::get).put(groups::update).delete(groups::delete)),
        (format!("{R}/groups/{{id}}/children"), get(groups::children).post(groups::create_child)),
        (format!("{R}/groups/{{id}}/members"), get(groups::members)),
        (format!("{R}/groups/{{id}}/role-mappings"), get(mappings::all::<true>)),
        (
            format!("{R}/groups/{{id}}/role-mappings/realm"),
            get(mappings::realm::<true, false>)
                .post(mappings::map_realm::<true, true>)
                .delete(mappings::map_realm::<true, false>),
        ),
        (format!("{R}/groups/{{id}}/role-mappings/realm/composite"), get(mappings::realm::<true, true>)),
        (
            format!("{R}/groups/{{id}}/role-mappings/clients/{{client}}"),
            get(mappings::client::<true, false>)
                .post(mappings::map_client::<true, true>)
                .delete(mappings::map_client::<true, false>),
        ),
        (format!("{R}/groups/{{id}}/role-mappings/clients/{{client}}/composite"), get(mappings::client::<true, true>)),
        // Clients, their secret, scopes, service account and mappers.
        (format!("{R}/clients"), get(clients::list).post(clients::create)),
        (format!("{R}/clients/{{id}}"), get(clients::get).put(clients::update).delete(clients::delete)),
        (format!("{R}/clients/{{id}}/client-secret"), get(clients::secret).post(clients::regenerate)),
        (format!("{R}/clients/{{id}}/service-account-user"), get(clients::service_account_user)),
        (format!("{R}/clients/{{id}}/default-client-scopes"), get(clients::scopes::<false>)),
        (
            format!("{R}/clients/{{id}}/default-client-scopes/{{scope}}"),
            put(clients::link_scope::<false, true>).delete(clients::link_scope::<false, false>),
        ),
        (format!("{R}/clients/{{id}}/optional-client-scopes"), get(clients::scopes::<true>)),
        (
            format!("{R}/clients/{{id}}/optional-client-scopes/{{scope}}"),
            put(clients::link_scope::<true, true>).delete(clients::link_scope::<true, false>),
        ),
        (
            format!("{R}/clients/{{id}}/protocol-mappers/models"),
            get(scopes::mappers::<false>).post(scopes::add_mapper::<false>),
        ),
        (
            format!("{R}/clients/{{id}}/protocol-mappers/models/{{mapper}}"),
            get(scopes::mapper::<false>).put(scopes::update_mapper::<false>).delete(scopes::delete_mapper::<false>),
        ),
        // Client scopes and their mappers.
        (format!("{R}/client-scopes"), get(scopes::list).post(scopes::create)),
        (format!("{R}/client-scopes/{{id}}"), get(scopes::get).put(scopes::update).delete(scopes::delete)),
        (
            format!("{R}/client-scopes/{{id}}/protocol-mappers/models"),
            get(scopes::mappers::<true>).post(scopes::add_mapper::<true>),
        ),
        (
            format!("{R}/client-scopes/{{id}}/protocol-mappers/models/{{mapper}}"),
            get(scopes::mapper::<true>).put(scopes::update_mapper::<true>).delete(scopes::delete_mapper::<true>),
        ),
        // Events.
        (format!("{R}/events"), get(events::events)),
        (format!("{R}/admin-events"), get(events::admin_events)),
        // Users: search, profile, password, sessions, groups, role mappings, lockout.
        (format!("{R}/users"), get(users::search).post(users::create)),
        (format!("{R}/users/count"), get(users::count)),
        (format!("{R}/users/{{id}}"), get(users::get).put(users::update).delete(users::delete)),
        (format!("{R}/users/{{id}}/reset-password"), put(users::reset_password)),
        (format!("{R}/users/{{id}}/logout"), post(users::logout)),
        (format!("{R}/users/{{id}}/sessions"), get(users::sessions)),
        (format!("{R}/users/{{id}}/groups"), get(users::groups)),
        (format!("{R}/users/{{id}}/groups/{{group}}"), put(users::join_group).delete(users::leave_group)),
        (format!("{R}/users/{{id}}/role-mappings"), get(mappings::all::<false>)),
        (
            format!("{R}/users/{{id}}/role-mappings/realm"),
            get(mappings::realm::<false, false>)
                .post(mappings::map_realm::<false, true>)
                .delete(mappings::map_realm::<false, false>),
        ),
        (format!("{R}/users/{{id}}/role-mappings/realm/composite"), get(mappings::realm::<false, true>)),
        (
            format!("{R}/users/{{id}}/role-mappings/clients/{{client}}"),
            get(mappings::client::<false, false>)
                .post(mappings::map_client::<false, true>)
                .delete(mappings::map_client::<false, false>),
        ),
        (format!("{R}/users/{{id}}/role-mappings/clients/{{client}}/composite"), get(mappings::client::<false, true>)),
        (
            format!("{R}/attack-detection/brute-force/users/{{id}}"),
            get(users::brute_force).delete(users::clear_brute_force),
        ),
    ];
    let mut router = Router::new();
    for (path, methods) in table {
        let methods = methods.fallback(crate::http::error::method_not_allowed);
        router = router.route(&path, methods.clone()).route(&format!("{path}/"), methods);
    }
    router
}
