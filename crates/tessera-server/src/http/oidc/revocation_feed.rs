//! `GET|POST /realms/{realm}/protocol/openid-connect/revocations`: Tessera's revocation feed, as
//! Server-Sent Events (docs/revocation-feed.md). GET authenticates with HTTP Basic; POST also takes the
//! form's client credentials (`client_secret_post`, `private_key_jwt`), as the introspection endpoint does.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tessera_core::OAuthError;
use tessera_core::request::FormParams;
use tessera_core::revocation_feed::{RevocationFeed, parse_cursor};

use crate::http::error::ApiError;
use crate::http::extract::{OAuthForm, RealmInPath, SourceIp, authorization};
use crate::state::AppState;

/// A comment line this often keeps proxies from closing a quiet stream and lets readers see it is alive.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub async fn revocation_feed_get(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
) -> Response {
    open(&state, &realm, ip.as_deref(), &headers, &FormParams::default()).await
}

pub async fn revocation_feed_post(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Response {
    open(&state, &realm, ip.as_deref(), &headers, &form).await
}

async fn open(
    state: &AppState,
    realm: &tessera_core::model::RealmContext,
    ip: Option<&str>,
    headers: &HeaderMap,
    form: &FormParams,
) -> Response {
    let feed = RevocationFeed { request: state.client_request(realm, ip) };
    let last_event_id = headers.get("last-event-id").map(|v| v.to_str().unwrap_or("invalid"));
    let after = match parse_cursor(last_event_id) {
        Ok(after) => after,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Err(e) = feed.subscribe(authorization(headers), form).await {
        return ApiError::from(e).into_response();
    }
    let Some(slot) = state.revocation_feed.try_open(&realm.realm.id) else {
        return ApiError::from(OAuthError::Busy).into_response();
    };
    let stream = state.revocation_feed_stream(&realm.realm.id, after, slot);
    let mut response = Sse::new(stream.events()).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies that buffer responses (nginx) would hold events back.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
