//! `GET /realms/{realm}/protocol/openid-connect/certs`: the realm's public keys (RFC 7517 §5).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::http::extract::RealmInPath;
use crate::state::AppState;

pub async fn certs(State(state): State<AppState>, RealmInPath(realm): RealmInPath) -> Response {
    let mut response = Json(realm.keys.jwks()).into_response();
    let cache = format!("public, max-age={}", state.jwks_max_age);
    if let Ok(value) = HeaderValue::from_str(&cache) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}
