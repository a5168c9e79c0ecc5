//! RFC 7591 dynamic client registration and RFC 7592 client configuration at Keycloak's paths
//! `…/clients-registrations/openid-connect` and `…/openid-connect/{client_id}`. JSON in, JSON out; errors are
//! RFC 7591 §3.2.2 JSON through the one error mapping, a bad token a 401 with `WWW-Authenticate` (RFC 6750).

use axum::Json;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_core::OAuthError;
use tessera_core::model::RealmContext;
use tessera_core::registration::ClientRegistration;

use crate::http::error::ApiError;
use crate::http::extract::{RealmInPath, SourceIp, authorization, limited_body, realm_named};
use crate::routes::Endpoint;
use crate::state::AppState;

/// RFC 7591 §3.1: a JSON body, bounded like every body.
pub struct JsonBody(pub axum::body::Bytes);

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(OAuthError::invalid_request("the body must be application/json").into());
        }
        Ok(JsonBody(limited_body(req, state.max_body_bytes).await?))
    }
}

fn service<'a>(state: &'a AppState, realm: &'a RealmContext, ip: Option<&'a str>) -> ClientRegistration<'a> {
    ClientRegistration {
        realm,
        store: state.store.as_ref(),
        hasher: &state.hasher,
        master: &state.master,
        audit: state.audit.as_ref(),
        endpoint: Endpoint::ClientRegistration.url(state.directory.public_url(), &realm.realm.name),
        source_ip: ip,
        now: state.clock.now(),
    }
}

/// Client information is a credential (RFC 7591 §3.2.1: "Cache-Control: no-store").
fn answer(status: StatusCode, body: impl serde::Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// RFC 7591 §3.1: register; 201 with the client information (§3.2.1).
pub async fn register(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let info = service(&state, &realm, ip.as_deref()).register(authorization(&headers), &body).await?;
    // The new client is served by this node at once, as after an admin write.
    state.directory.flush();
    Ok(answer(StatusCode::CREATED, info))
}

/// RFC 7592 §2.1: read the registration.
pub async fn read(
    State(state): State<AppState>,
    Path((realm, client_id)): Path<(String, String)>,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let realm = realm_named(&state, &realm).await?;
    let info = service(&state, &realm, ip.as_deref()).read(authorization(&headers), &client_id).await?;
    Ok(answer(StatusCode::OK, info))
}

/// RFC 7592 §2.2: replace the registration; the answer carries a new registration access token.
pub async fn update(
    State(state): State<AppState>,
    Path((realm, client_id)): Path<(String, String)>,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let realm = realm_named(&state, &realm).await?;
    let info = service(&state, &realm, ip.as_deref()).update(authorization(&headers), &client_id, &body).await?;
    state.directory.flush();
    Ok(answer(StatusCode::OK, info))
}

/// RFC 7592 §2.3: delete the registration; 204.
pub async fn delete(
    State(state): State<AppState>,
    Path((realm, client_id)): Path<(String, String)>,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let realm = realm_named(&state, &realm).await?;
    service(&state, &realm, ip.as_deref()).delete(authorization(&headers), &client_id).await?;
    state.directory.flush();
    Ok(StatusCode::NO_CONTENT.into_response())
}
