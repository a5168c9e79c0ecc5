//! `GET /realms/{realm}/protocol/openid-connect/certs`: the realm's public keys (RFC 7517 §5).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::http::cors::{request_origin, with_cors};
use crate::http::extract::RealmInPath;
use crate::state::AppState;

/// Public keys are public: like Keycloak, any origin may read them.
pub async fn certs(State(state): State<AppState>, RealmInPath(realm): RealmInPath, headers: HeaderMap) -> Response {
    let mut response = Json(realm.keys.jwks()).into_response();
    let cache = format!("public, max-age={}", state.jwks_max_age);
    if let Ok(value) = HeaderValue::from_str(&cache) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    with_cors(response, request_origin(&headers))
}
