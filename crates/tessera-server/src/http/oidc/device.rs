//! The endpoints where a client posts an authorization request before any browser is involved, at
//! Keycloak's paths: `…/auth/device` (RFC 8628 §3.1) and `…/ext/par/request` (RFC 9126 §2).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::http::extract::{OAuthForm, PresentedCertificate, RealmInPath, SourceIp, authorization, dpop_proofs};
use crate::routes::Endpoint;
use crate::state::AppState;

pub async fn device_authorization(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    SourceIp(ip): SourceIp,
    PresentedCertificate(cert): PresentedCertificate,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Result<Response, ApiError> {
    // §3.1: the client authenticates as at the token endpoint, a certificate included (RFC 8705 §2).
    let endpoint = state.device_authorization(&realm, ip.as_deref(), cert.as_ref());
    let body = endpoint.handle(authorization(&headers), &form).await?;
    let mut response = Json(body).into_response();
    // §3.2: the codes are credentials, like a token response (RFC 6749 §5.1).
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// RFC 9126 §2.2: 201 Created with the `request_uri`; errors as at the token endpoint (§2.3).
pub async fn pushed_authorization_request(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    SourceIp(ip): SourceIp,
    PresentedCertificate(cert): PresentedCertificate,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Result<Response, ApiError> {
    // §2: the client authenticates as at the token endpoint, a certificate included (RFC 8705).
    let endpoint = state.pushed_authorization(&realm, ip.as_deref(), cert.as_ref());
    // RFC 9449 §10.1: a DPoP proof binds the code to its key.
    let url = Endpoint::PushedAuthorizationRequest.url(state.directory.public_url(), &realm.realm.name);
    let body = endpoint.push(authorization(&headers), &form, (&dpop_proofs(&headers), &url)).await?;
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
