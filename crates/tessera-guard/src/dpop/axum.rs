//! The axum side of DPoP: the request's parts for [`DpopPolicy::validate`], and the RFC 9449 §7.1 answer.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tessera_proto::{ErrorCode, ErrorResponse};

use super::{DpopPolicy, DpopRefusal, ResourceRequest};
use crate::{ValidationError, Validator, VerifiedToken};

pub(crate) async fn validate(
    policy: &DpopPolicy,
    validator: &Validator,
    (headers, method, uri): (&HeaderMap, &Method, &Uri),
) -> Result<VerifiedToken, ValidationError> {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let proofs: Vec<&str> = headers.get_all("dpop").iter().map(|v| v.to_str().unwrap_or_default()).collect();
    let presented = ResourceRequest {
        authorization,
        dpop: &proofs,
        method: method.as_str(),
        path: uri.path_and_query().map_or("/", |p| p.as_str()),
    };
    policy.validate(validator, &presented).await
}

/// RFC 9449 §7.2: where DPoP is not checked, a bound token is not accepted as a Bearer token either.
pub(crate) fn refuse_bound(token: VerifiedToken) -> Result<VerifiedToken, ValidationError> {
    if token.claims.get("cnf").and_then(|c| c.get("jkt")).and_then(Value::as_str).is_some() {
        return Err(ValidationError::InvalidToken("a DPoP-bound access token needs a DPoP proof".into()));
    }
    Ok(token)
}

/// RFC 3986-safe quoted-string content.
fn quoted(s: &str) -> String {
    s.chars().filter(|c| *c != '"' && *c != '\\' && !c.is_control()).collect()
}

/// §7.1: 401 with `WWW-Authenticate: DPoP error=…, algs=…` (and `DPoP-Nonce` with `use_dpop_nonce`, §9).
pub(crate) fn refusal_response(refusal: &DpopRefusal) -> Response {
    let challenge = format!(
        "DPoP error=\"{}\", error_description=\"{}\", algs=\"{}\"",
        refusal.error,
        quoted(&refusal.description),
        refusal.algs
    );
    let body = ErrorResponse { error: refusal.error, error_description: Some(refusal.description.clone()) };
    let status =
        if refusal.error == ErrorCode::InsufficientScope { StatusCode::FORBIDDEN } else { StatusCode::UNAUTHORIZED };
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    if let Some(nonce) = refusal.nonce.as_deref().and_then(|n| HeaderValue::from_str(n).ok()) {
        response.headers_mut().insert("dpop-nonce", nonce);
    }
    response
}
