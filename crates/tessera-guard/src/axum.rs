//! axum/tower adapter: a [`RequireToken`] layer that validates the bearer token (and scopes) before the
//! route runs, and a [`VerifiedToken`] extractor. Rejections follow RFC 6750 §3.
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{Router, routing::get, extract::FromRef};
//! use tessera_guard::{ScopeRequirement, Validator, VerifiedToken, axum::RequireToken};
//!
//! #[derive(Clone)]
//! struct AppState { validator: Arc<Validator> }
//! impl FromRef<AppState> for Arc<Validator> {
//!     fn from_ref(s: &AppState) -> Self { s.validator.clone() }
//! }
//!
//! async fn orders(token: VerifiedToken) -> String { format!("hello {:?}", token.subject()) }
//!
//! fn app(validator: Arc<Validator>) -> Router {
//!     Router::new()
//!         .route("/orders", get(orders).layer(RequireToken::new(validator.clone()).scopes(ScopeRequirement::all_of(["orders:read"]))))
//!         .with_state(AppState { validator })
//! }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tessera_proto::{ErrorCode, ErrorResponse};

use crate::{DpopPolicy, ScopeRequirement, ValidationError, Validator, VerifiedToken};

/// RFC 8705 §3: the thumbprint (base64url SHA-256 of the DER) of the client certificate of the request, put in
/// the request's extensions by the application (from its TLS acceptor, or a trusted proxy's header). Tokens
/// bound to a certificate are refused without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertThumbprint(pub String);

fn presented(extensions: &axum::http::Extensions) -> Option<&str> {
    extensions.get::<ClientCertThumbprint>().map(|t| t.0.as_str())
}

/// `Authorization: Bearer <token>` (RFC 6750 §2.1).
fn bearer(headers: &HeaderMap) -> Result<&str, ValidationError> {
    let value = headers.get(header::AUTHORIZATION).ok_or(ValidationError::Missing)?;
    let value = value.to_str().map_err(|_| ValidationError::InvalidToken("malformed Authorization header".into()))?;
    let (scheme, token) = value.split_once(' ').ok_or(ValidationError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ValidationError::Missing);
    }
    let token = token.trim();
    if token.is_empty() { Err(ValidationError::InvalidToken("empty bearer token".into())) } else { Ok(token) }
}

/// RFC 6750 §3: quoted-string values without quotes or backslashes.
fn quoted(s: &str) -> String {
    s.chars().filter(|c| *c != '"' && *c != '\\' && !c.is_control()).collect()
}

impl IntoResponse for ValidationError {
    fn into_response(self) -> Response {
        let (status, challenge, body) = match &self {
            ValidationError::Missing => (StatusCode::UNAUTHORIZED, "Bearer".to_owned(), None),
            ValidationError::InvalidToken(why) => (
                StatusCode::UNAUTHORIZED,
                format!("Bearer error=\"invalid_token\", error_description=\"{}\"", quoted(why)),
                Some(ErrorResponse { error: ErrorCode::InvalidToken, error_description: Some(why.clone()) }),
            ),
            ValidationError::InsufficientScope(scope) => (
                StatusCode::FORBIDDEN,
                format!(
                    "Bearer error=\"insufficient_scope\", error_description=\"the token lacks a required scope\", scope=\"{}\"",
                    quoted(scope)
                ),
                Some(ErrorResponse {
                    error: ErrorCode::InsufficientScope,
                    error_description: Some(format!("requires {scope}")),
                }),
            ),
            ValidationError::Dpop(refusal) => return crate::dpop::axum::refusal_response(refusal),
            ValidationError::Unavailable(_) => {
                tracing::error!(error = %self, "token validation unavailable");
                let body = ErrorResponse {
                    error: ErrorCode::TemporarilyUnavailable,
                    error_description: Some("tokens cannot be validated right now".into()),
                };
                return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
            }
        };
        let mut response = match body {
            Some(body) => (status, axum::Json(body)).into_response(),
            None => status.into_response(),
        };
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        response
    }
}

/// A layer that lets a request through only with a valid bearer token (and the scopes, if set); the
/// [`VerifiedToken`] is then in the request's extensions for the handler.
#[derive(Clone)]
pub struct RequireToken {
    validator: Arc<Validator>,
    scopes: Option<ScopeRequirement>,
    dpop: Option<Arc<DpopPolicy>>,
}

impl RequireToken {
    pub fn new(validator: Arc<Validator>) -> Self {
        Self { validator, scopes: None, dpop: None }
    }

    /// Check DPoP (RFC 9449 §7) as `policy` says: bound tokens need the `DPoP` scheme and a proof for this
    /// request. Without it the layer accepts Bearer tokens only and refuses bound ones (§7.2).
    pub fn dpop(mut self, policy: Arc<DpopPolicy>) -> Self {
        self.dpop = Some(policy);
        self
    }

    pub fn scopes(mut self, requirement: ScopeRequirement) -> Self {
        self.scopes = Some(requirement);
        self
    }

    async fn check(
        &self,
        headers: &HeaderMap,
        (method, uri): (&Method, &Uri),
        cert: Option<&str>,
    ) -> Result<VerifiedToken, ValidationError> {
        let token = match &self.dpop {
            Some(policy) => crate::dpop::axum::validate(policy, &self.validator, (headers, method, uri)).await?,
            None => crate::dpop::axum::refuse_bound(self.validator.validate(bearer(headers)?).await?)?,
        };
        token.check_certificate(cert)?;
        if let Some(scopes) = &self.scopes {
            token.require(scopes)?;
        }
        Ok(token)
    }
}

impl<S> tower::Layer<S> for RequireToken {
    type Service = RequireTokenService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireTokenService { guard: self.clone(), inner }
    }
}

#[derive(Clone)]
pub struct RequireTokenService<S> {
    guard: RequireToken,
    inner: S,
}

impl<S> tower::Service<Request<Body>> for RequireTokenService<S>
where
    S: tower::Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        // The clone that was polled ready is the one that serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        Box::pin(async move {
            let cert = presented(request.extensions()).map(str::to_owned);
            match guard.check(request.headers(), (request.method(), request.uri()), cert.as_deref()).await {
                Ok(token) => {
                    request.extensions_mut().insert(token);
                    inner.call(request).await
                }
                Err(e) => Ok(e.into_response()),
            }
        })
    }
}

/// The validated token: from the [`RequireToken`] layer when present, else validated here with the
/// `Arc<Validator>` taken from the state (`FromRef`).
impl<S> FromRequestParts<S> for VerifiedToken
where
    Arc<Validator>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ValidationError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ValidationError> {
        if let Some(token) = parts.extensions.get::<VerifiedToken>() {
            return Ok(token.clone());
        }
        let validator = Arc::<Validator>::from_ref(state);
        let token = crate::dpop::axum::refuse_bound(validator.validate(bearer(&parts.headers)?).await?)?;
        token.check_certificate(presented(&parts.extensions))?;
        Ok(token)
    }
}
