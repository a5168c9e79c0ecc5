//! The admin REST API under `/admin/realms`, with Keycloak's paths, methods, status codes and JSON
//! representations, so that its admin client and `kcadm` work unchanged. Handlers extract (the caller's
//! Bearer token, the path, a JSON body), call one `AdminApi` service, and render.

mod clients;
mod events;
mod groups;
mod import;
mod initial_access;
mod mappings;
mod openapi;
mod realms;
mod roles;
mod scopes;
mod usage;
mod users;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tessera_core::admin::{AdminApi, AdminAuthentication, AdminCaller, AdminError};
use utoipa::IntoParams;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

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

/// Query parameters; a value that does not parse is Keycloak's 400, never axum's plain-text 400.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for Params<T> {
    type Rejection = AdminApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AdminApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(e) => Err(AdminError::Invalid(e.body_text()).into()),
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
        backchannel: tessera_core::backchannel_logout::Backchannel {
            realms: state.directory.as_ref(),
            clients: state.directory.as_ref(),
            deliveries: state.logout_deliveries.as_ref(),
        },
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
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The first result to return (paging).
    pub first: Option<usize>,
    /// At most this many results.
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

/// Every admin route: one row per path, holding the documented handlers (`#[utoipa::path]`) that serve it.
/// The router and the OpenAPI document are both built from this table, so no route goes undescribed.
fn table() -> Vec<UtoipaMethodRouter<AppState>> {
    vec![
        routes!(realms::list, realms::create),
        routes!(realms::get, realms::update, realms::delete),
        routes!(realms::keys),
        routes!(realms::rotate_keys),
        routes!(import::partial_import),
        // Roles, the realm's and a client's (`{id}` is the client's internal id), and by id.
        routes!(roles::realm::list, roles::realm::create),
        routes!(roles::realm::get, roles::realm::update, roles::realm::delete),
        routes!(roles::realm::composites, roles::realm::add_composites, roles::realm::remove_composites),
        routes!(roles::client::list, roles::client::create),
        routes!(roles::client::get, roles::client::update, roles::client::delete),
        routes!(roles::client::composites, roles::client::add_composites, roles::client::remove_composites),
        routes!(roles::by_id),
        // Groups and their role mappings.
        routes!(groups::list, groups::create),
        routes!(groups::get, groups::update, groups::delete),
        routes!(groups::children, groups::create_child),
        routes!(groups::members),
        routes!(mappings::group::all),
        routes!(mappings::group::realm, mappings::group::grant_realm, mappings::group::revoke_realm),
        routes!(mappings::group::effective_realm),
        routes!(mappings::group::client, mappings::group::grant_client, mappings::group::revoke_client),
        routes!(mappings::group::effective_client),
        // Clients, their secret, scopes, service account and mappers.
        routes!(clients::list, clients::create),
        routes!(clients::get, clients::update, clients::delete),
        routes!(clients::secret, clients::regenerate),
        routes!(clients::service_account_user),
        routes!(clients::push_revocation),
        routes!(clients::default_scopes::list),
        routes!(clients::default_scopes::link, clients::default_scopes::unlink),
        routes!(clients::optional_scopes::list),
        routes!(clients::optional_scopes::link, clients::optional_scopes::unlink),
        routes!(initial_access::list, initial_access::create),
        routes!(initial_access::delete),
        routes!(scopes::client_mappers::list, scopes::client_mappers::add),
        routes!(scopes::client_mappers::get, scopes::client_mappers::update, scopes::client_mappers::delete),
        // Client scopes and their mappers.
        routes!(scopes::list, scopes::create),
        routes!(scopes::get, scopes::update, scopes::delete),
        routes!(scopes::scope_mappers::list, scopes::scope_mappers::add),
        routes!(scopes::scope_mappers::get, scopes::scope_mappers::update, scopes::scope_mappers::delete),
        // Events.
        routes!(events::events),
        routes!(events::admin_events),
        routes!(usage::usage),
        // Users: search, profile, password, sessions, groups, role mappings, lockout.
        routes!(users::search, users::create),
        routes!(users::count),
        routes!(users::get, users::update, users::delete),
        routes!(users::reset_password),
        routes!(users::logout),
        routes!(users::sessions),
        routes!(users::groups),
        routes!(users::join_group, users::leave_group),
        routes!(mappings::user::all),
        routes!(mappings::user::realm, mappings::user::grant_realm, mappings::user::revoke_realm),
        routes!(mappings::user::effective_realm),
        routes!(mappings::user::client, mappings::user::grant_client, mappings::user::revoke_client),
        routes!(mappings::user::effective_client),
        routes!(users::brute_force, users::clear_brute_force),
    ]
}

/// The admin routes and their OpenAPI document. Each route is also served with a trailing slash: Keycloak's
/// admin client asks for a collection as `/admin/realms/` (its path joining keeps the slash), and Keycloak
/// answers both. A method a path does not serve is a 405.
fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let mut router = OpenApiRouter::with_openapi(openapi::frame());
    for row in table() {
        let row = row.map(|methods| methods.fallback(crate::http::error::method_not_allowed));
        for path in row.1.paths.keys() {
            router = router.route(&format!("{path}/"), row.2.clone());
        }
        router = router.routes(row);
    }
    let (router, mut document) = router.split_for_parts();
    openapi::complete(&mut document);
    (router, document)
}

/// The admin REST API, and its description at `GET /admin/openapi.json`.
pub fn routes(state: &AppState) -> Router<AppState> {
    let (router, document) = documented();
    router
        .route("/admin/openapi.json", openapi::serve(&document))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), fresh_after_write))
}

/// A change made through this node is seen by this node's next request, as in Keycloak: the caches are
/// emptied once the write has answered, instead of at the next poll of the change counter (other nodes still
/// see it within one poll).
pub(crate) async fn fresh_after_write(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(request).await;
    if writes && response.status().is_success() {
        state.directory.flush();
    }
    response
}

/// Every (method, path) of the route table, Keycloak's path templates (`/admin/realms/{realm}/users`).
pub fn admin_route_table() -> Vec<(Method, String)> {
    let mut found = Vec::new();
    for (_, paths, _) in table() {
        let mut row = utoipa::openapi::OpenApi::default();
        row.paths = paths;
        found.extend(openapi::operations(&row));
    }
    found
}
