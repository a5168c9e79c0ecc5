//! CORS headers (WHATWG Fetch §3.2) on the endpoints a browser app calls from its own origin: token,
//! introspection, revocation, userinfo, logout and certs. Whether an origin may read a client's answer is
//! core's decision ([`tessera_core::cors`]); this module only writes the headers, as Keycloak's `Cors` does:
//! the origin echoed, credentials allowed, `Vary: Origin` so that no cache hands one origin's answer to
//! another.
//!
//! Preflights (`OPTIONS`) carry no body and name no client, so no client can be asked; like Keycloak we
//! answer every origin's preflight (for the method and headers the endpoint takes). That lets the browser
//! send the request but not read the answer: the actual response carries `Access-Control-Allow-Origin`
//! only for an origin the client registered.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Keycloak's `Cors.DEFAULT_ALLOW_HEADERS` plus `Authorization` (its preflights are all `auth()`).
const ALLOW_HEADERS: &str = "Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, \
                             Access-Control-Request-Headers, Authorization";
/// Keycloak's `Cors.DEFAULT_MAX_AGE`: one hour.
const MAX_AGE: &str = "3600";

/// The request's `Origin`, when it is readable.
pub fn request_origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// Adds the CORS headers for `allowed` (an origin core allowed), and `Vary: Origin` in every case.
pub fn with_cors(mut response: Response, allowed: Option<&str>) -> Response {
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(value) = allowed.and_then(|o| HeaderValue::from_str(o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    }
    response
}

/// The answer to a preflight for an endpoint taking `methods`.
fn preflight(headers: &HeaderMap, methods: &'static str) -> Response {
    let mut response = StatusCode::OK.into_response();
    if let Some(origin) = request_origin(headers) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(methods));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
        return with_cors(response, Some(origin));
    }
    with_cors(response, None)
}

/// `OPTIONS` on an endpoint that takes `POST` (token, introspection, revocation, logout).
pub async fn preflight_post(headers: HeaderMap) -> Response {
    preflight(&headers, "POST, OPTIONS")
}

/// `OPTIONS` on an endpoint that takes `GET` and `POST` (userinfo).
pub async fn preflight_get_post(headers: HeaderMap) -> Response {
    preflight(&headers, "GET, POST, OPTIONS")
}

/// `OPTIONS` on the certs endpoint.
pub async fn preflight_get(headers: HeaderMap) -> Response {
    preflight(&headers, "GET, OPTIONS")
}
