//! THE one mapping of errors to status, headers and body. Every protocol endpoint answers errors as
//! RFC 6749 §5.2 JSON with `Cache-Control: no-store`; detail meant for operators goes to the log only.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_core::OAuthError;
use tessera_core::ports::StoreError;
use tessera_proto::{ErrorCode, ErrorResponse};

/// What a 503 asks the client to wait (RFC 9110 §10.2.3).
pub const RETRY_AFTER_SECONDS: &str = "1";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    #[error("realm not found")]
    RealmNotFound,
    #[error("no such endpoint")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many requests in flight")]
    Overloaded,
    #[error("the request took too long")]
    RequestTimeout,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::OAuth(OAuthError::Store(e))
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, ErrorCode, String) {
        match self {
            ApiError::OAuth(e) => {
                let status = match e.code() {
                    // RFC 6585 §4
                    _ if matches!(e, OAuthError::RateLimited(_)) => StatusCode::TOO_MANY_REQUESTS,
                    // RFC 9449 §7.1, §9: every refusal at a DPoP resource is a 401 with a challenge.
                    _ if matches!(e, OAuthError::AtDpopResource(_)) && e.code() != ErrorCode::InsufficientScope => {
                        StatusCode::UNAUTHORIZED
                    }
                    ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
                    _ if matches!(e, OAuthError::BearerMissing | OAuthError::InvalidUserCredentials) => {
                        StatusCode::UNAUTHORIZED
                    }
                    ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
                    _ if matches!(e, OAuthError::ClientNotPermitted(_)) => StatusCode::FORBIDDEN,
                    ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, e.code(), e.description().into_owned())
            }
            ApiError::RealmNotFound => (StatusCode::NOT_FOUND, ErrorCode::InvalidRequest, "realm not found".into()),
            ApiError::NotFound => (StatusCode::NOT_FOUND, ErrorCode::InvalidRequest, "no such endpoint".into()),
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::InvalidRequest, "method not allowed".into())
            }
            ApiError::PayloadTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::InvalidRequest, "request body too large".into())
            }
            ApiError::Overloaded => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::TemporarilyUnavailable,
                "the server is busy; try again in a moment".into(),
            ),
            ApiError::RequestTimeout => {
                (StatusCode::REQUEST_TIMEOUT, ErrorCode::InvalidRequest, "the request took too long".into())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, description) = self.parts();
        if let ApiError::OAuth(e @ (OAuthError::Store(_) | OAuthError::Internal(_))) = &self {
            tracing::error!(error = %e, "request failed");
        }
        let body = ErrorResponse { error, error_description: Some(description) };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        let challenge = match &self {
            // RFC 6749 §5.2: answer a failed Basic attempt with the scheme the client used.
            ApiError::OAuth(OAuthError::InvalidClient { basic_challenge: true }) => {
                Some("Basic realm=\"tessera\"".into())
            }
            // RFC 6750 §3: no error code when the request carried no token at all (§3.1).
            ApiError::OAuth(OAuthError::BearerMissing) => Some("Bearer realm=\"tessera\"".into()),
            ApiError::OAuth(OAuthError::InvalidToken(_)) => {
                Some("Bearer realm=\"tessera\", error=\"invalid_token\"".into())
            }
            ApiError::OAuth(OAuthError::InsufficientScope(_)) => {
                Some("Bearer realm=\"tessera\", error=\"insufficient_scope\", scope=\"openid\"".into())
            }
            // RFC 9449 §7.1: the `DPoP` scheme, the error and the algorithms accepted for proofs.
            ApiError::OAuth(OAuthError::AtDpopResource(inner)) => {
                Some(format!("DPoP realm=\"tessera\", error=\"{}\", algs=\"{}\"", inner.code(), dpop_algs()))
            }
            _ => None,
        };
        // RFC 9449 §8.1, §9: the nonce to retry with.
        let nonce = match &self {
            ApiError::OAuth(OAuthError::UseDpopNonce(nonce)) => Some(nonce),
            ApiError::OAuth(OAuthError::AtDpopResource(inner)) => match inner.as_ref() {
                OAuthError::UseDpopNonce(nonce) => Some(nonce),
                _ => None,
            },
            _ => None,
        };
        if let Some(value) = nonce.and_then(|n| HeaderValue::from_str(n).ok()) {
            headers.insert("dpop-nonce", value);
        }
        if let ApiError::OAuth(OAuthError::RateLimited(refusal)) = &self {
            // RFC 9110 §10.2.3: whole seconds, rounded up so that a retry at that time is admitted.
            let seconds = (refusal.retry_after_ms.max(1) + 999) / 1000;
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        if let Some(challenge) = challenge.and_then(|c: String| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// RFC 9449 §7.1 `algs`: the proof algorithms accepted, space-separated.
fn dpop_algs() -> String {
    let algs: Vec<String> = tessera_core::dpop::DPOP_SIGNING_ALGS.iter().map(|a| format!("{a:?}")).collect();
    algs.join(" ")
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// THE status of each admin error, for the admin API and the console's pages alike.
pub fn admin_error_status(e: &tessera_core::admin::AdminError) -> StatusCode {
    use tessera_core::admin::AdminError as E;
    match e {
        E::Unauthorized => StatusCode::UNAUTHORIZED,
        E::Forbidden => StatusCode::FORBIDDEN,
        E::NoSuchRealm(_)
        | E::NoSuchClient(_)
        | E::NoSuchUser(_)
        | E::NoSuchRole(_)
        | E::NoSuchGroup(_)
        | E::NoSuchScope(_)
        | E::NoSuchMapper(_) => StatusCode::NOT_FOUND,
        E::Invalid(_) => StatusCode::BAD_REQUEST,
        E::Conflict(_) | E::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
        E::Busy | E::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        E::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An admin API failure, answered as Keycloak's admin API answers it: the status, and `{"error", "errorMessage"}`.
#[derive(Debug)]
pub struct AdminApiError(pub tessera_core::admin::AdminError);

impl From<tessera_core::admin::AdminError> for AdminApiError {
    fn from(e: tessera_core::admin::AdminError) -> Self {
        Self(e)
    }
}

impl IntoResponse for AdminApiError {
    fn into_response(self) -> Response {
        use tessera_core::admin::AdminError as E;
        let status = admin_error_status(&self.0);
        let message = match &self.0 {
            E::Store(e) if status != StatusCode::CONFLICT => {
                tracing::error!(error = %e, "admin request failed");
                "unknown_error".to_owned()
            }
            E::Unauthorized => "HTTP 401 Unauthorized".to_owned(),
            E::Forbidden => "HTTP 403 Forbidden".to_owned(),
            e => e.to_string(),
        };
        let body = tessera_proto::admin::AdminErrorRepresentation { error: message.clone(), error_message: message };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"tessera\""));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        response
    }
}
