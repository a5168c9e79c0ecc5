//! Our own extractors for protocol endpoints: every rejection becomes `invalid_request` (or 413) through
//! [`ApiError`], never axum's plain-text 4xx that OAuth clients cannot parse.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tessera_core::OAuthError;
use tessera_core::model::{RealmContext, RealmName};
use tessera_core::request::FormParams;

use super::error::ApiError;
use crate::client_address::client_address;
use crate::state::AppState;

/// The request's client certificate (RFC 8705), when it has one that can be read.
pub struct PresentedCertificate(pub Option<tessera_core::mtls::ClientCertificate>);

impl FromRequestParts<AppState> for PresentedCertificate {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(state.client_certificates.read(parts, &state.trusted_proxies)))
    }
}

/// An `application/x-www-form-urlencoded` body as RFC 6749 §3.2 pairs (repeated parameters refused).
pub struct OAuthForm(pub FormParams);

impl FromRequest<AppState> for OAuthForm {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        if !is_form_urlencoded(req.headers()) {
            return Err(OAuthError::invalid_request("the body must be application/x-www-form-urlencoded").into());
        }
        let limit = state.max_body_bytes;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(ApiError::PayloadTooLarge);
        }
        let body: Body = req.into_body();
        let bytes = Limited::new(body, limit).collect().await.map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                ApiError::PayloadTooLarge
            } else {
                OAuthError::invalid_request("the request body could not be read").into()
            }
        })?;
        Ok(OAuthForm(FormParams::from_urlencoded(&bytes.to_bytes())?))
    }
}

/// Whether the body is `application/x-www-form-urlencoded` (parameters may follow the media type).
pub fn is_form_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// The realm named by the `{realm}` path segment, loaded (from cache) with its scopes and keys;
/// an unknown or disabled realm is a 404.
pub struct RealmInPath(pub Arc<RealmContext>);

impl FromRequestParts<AppState> for RealmInPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Path(name) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| ApiError::RealmNotFound)?;
        Ok(RealmInPath(realm_named(state, &name).await?))
    }
}

/// The realm of that name, loaded (from cache); an unknown or disabled realm is a 404.
pub async fn realm_named(state: &AppState, name: &str) -> Result<Arc<RealmContext>, ApiError> {
    // A name no realm can have is refused before it reaches the cache (bounded keys, RFC-free 404).
    let name = RealmName::parse(name).ok_or(ApiError::RealmNotFound)?;
    state.directory.realm(&name).await?.ok_or(ApiError::RealmNotFound)
}

/// A body of at most the configured size, read whole (413 beyond).
pub async fn limited_body(req: Request, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge);
    }
    let collected = Limited::new(req.into_body(), limit).collect().await.map_err(|e| {
        if e.downcast_ref::<LengthLimitError>().is_some() {
            ApiError::PayloadTooLarge
        } else {
            OAuthError::invalid_request("the request body could not be read").into()
        }
    })?;
    Ok(collected.to_bytes())
}

/// The client's address, for lockouts and the audit trail: the TCP peer, or the address a trusted proxy
/// forwarded (see [`crate::client_address`]).
pub struct SourceIp(pub Option<String>);

impl FromRequestParts<AppState> for SourceIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let client = peer.map(|peer| client_address(peer, &parts.headers, &state.trusted_proxies));
        Ok(SourceIp(client.map(|ip| ip.to_string())))
    }
}

/// The `Authorization` header, when it is visible ASCII.
pub fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
}

/// RFC 9449 §4.1: the values of the `DPoP` header fields (a value that is not visible ASCII is kept empty, to
/// be refused as a proof).
pub fn dpop_proofs(headers: &HeaderMap) -> Vec<&str> {
    headers.get_all("dpop").iter().map(|v| v.to_str().unwrap_or_default()).collect()
}

/// Whether the `Accept` header names `media_type` (RFC 9110 §12.5.1) with a weight above zero.
pub fn accepts(headers: &HeaderMap, media_type: &str) -> bool {
    let ranges = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','));
    ranges.into_iter().any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let named = parts.next().is_some_and(|t| t.eq_ignore_ascii_case(media_type));
        let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
        named && !refused
    })
}
