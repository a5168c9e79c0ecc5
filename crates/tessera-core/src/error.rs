use std::borrow::Cow;

use tessera_proto::ErrorCode;

use crate::ports::StoreError;

/// The protocol layer's one error type. Each variant is an RFC 6749 §5.2 code; the HTTP adapter maps it
/// to status, headers and body in one place. Descriptions are written for the client and never carry
/// internal detail: storage and internal failures say only `server_error` on the wire.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("invalid_request: {0}")]
    InvalidRequest(Cow<'static, str>),
    /// `basic_challenge` is set when the client tried HTTP Basic, so the response must carry
    /// `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    #[error("invalid_client")]
    InvalidClient { basic_challenge: bool },
    #[error("invalid_grant: {0}")]
    InvalidGrant(Cow<'static, str>),
    /// The password grant's wrong username or password: `invalid_grant` (RFC 6749 §5.2) answered with 401
    /// and Keycloak's words, as Keycloak's libraries expect (python-keycloak's `KeycloakAuthenticationError`).
    #[error("invalid_grant: invalid user credentials")]
    InvalidUserCredentials,
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(Cow<'static, str>),
    #[error("unsupported_grant_type: {0}")]
    UnsupportedGrantType(Cow<'static, str>),
    #[error("invalid_scope: {0}")]
    InvalidScope(Cow<'static, str>),
    /// RFC 6750 §3.1: a protected resource (userinfo) was called without a token.
    #[error("no bearer token")]
    BearerMissing,
    #[error("invalid_token: {0}")]
    InvalidToken(Cow<'static, str>),
    #[error("insufficient_scope: {0}")]
    InsufficientScope(Cow<'static, str>),
    /// Too much work is waiting (password verifications): 503 with `Retry-After`.
    #[error("temporarily_unavailable: busy")]
    Busy,
    /// Logged with its cause; the client sees only the RFC code.
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Failures that are ours, never the client's: the random generator, a signing key, our own JSON.
macro_rules! internal_from {
    ($($source:ty),*) => {$(
        impl From<$source> for OAuthError {
            fn from(e: $source) -> Self {
                OAuthError::Internal(e.to_string())
            }
        }
    )*};
}

internal_from!(crate::secret::SecretError, crate::keys::KeyError, serde_json::Error);

impl OAuthError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidRequest(_) => ErrorCode::InvalidRequest,
            Self::InvalidClient { .. } => ErrorCode::InvalidClient,
            Self::InvalidGrant(_) | Self::InvalidUserCredentials => ErrorCode::InvalidGrant,
            Self::UnauthorizedClient(_) => ErrorCode::UnauthorizedClient,
            Self::UnsupportedGrantType(_) => ErrorCode::UnsupportedGrantType,
            Self::InvalidScope(_) => ErrorCode::InvalidScope,
            Self::BearerMissing => ErrorCode::InvalidRequest,
            Self::InvalidToken(_) => ErrorCode::InvalidToken,
            Self::InsufficientScope(_) => ErrorCode::InsufficientScope,
            Self::Store(StoreError::Unavailable(_)) | Self::Busy => ErrorCode::TemporarilyUnavailable,
            Self::Store(_) | Self::Internal(_) => ErrorCode::ServerError,
        }
    }

    /// The `error_description` sent to the client.
    pub fn description(&self) -> Cow<'static, str> {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidGrant(d)
            | Self::UnauthorizedClient(d)
            | Self::UnsupportedGrantType(d)
            | Self::InvalidScope(d)
            | Self::InvalidToken(d)
            | Self::InsufficientScope(d) => d.clone(),
            Self::BearerMissing => Cow::Borrowed("a bearer token is required"),
            Self::InvalidUserCredentials => Cow::Borrowed("Invalid user credentials"),
            Self::InvalidClient { .. } => Cow::Borrowed("client authentication failed"),
            Self::Store(StoreError::Unavailable(_)) => Cow::Borrowed("the service is temporarily unavailable"),
            Self::Busy => Cow::Borrowed("the server is busy; try again in a moment"),
            Self::Store(_) | Self::Internal(_) => Cow::Borrowed("the server could not complete the request"),
        }
    }

    pub fn invalid_request(d: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidRequest(d.into())
    }
}
