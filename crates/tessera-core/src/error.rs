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
    /// The client authenticated but lacks the permission an endpoint of ours asks for (the revocation feed):
    /// `unauthorized_client`, answered 403 (RFC 9110 §15.5.4).
    #[error("unauthorized_client (forbidden): {0}")]
    ClientNotPermitted(Cow<'static, str>),
    #[error("unsupported_grant_type: {0}")]
    UnsupportedGrantType(Cow<'static, str>),
    #[error("invalid_scope: {0}")]
    InvalidScope(Cow<'static, str>),
    /// RFC 6749 §4.1.2.1, answered by the pushed authorization request endpoint (RFC 9126 §2.3).
    #[error("unsupported_response_type: {0}")]
    UnsupportedResponseType(Cow<'static, str>),
    /// RFC 6750 §3.1: a protected resource (userinfo) was called without a token.
    #[error("no bearer token")]
    BearerMissing,
    #[error("invalid_token: {0}")]
    InvalidToken(Cow<'static, str>),
    #[error("insufficient_scope: {0}")]
    InsufficientScope(Cow<'static, str>),
    /// RFC 8628 §3.5: the user has not answered yet; poll again after the interval.
    #[error("authorization_pending")]
    AuthorizationPending,
    /// RFC 8628 §3.5: pending, and polled faster than the interval (now 5 s longer).
    #[error("slow_down")]
    SlowDown,
    /// RFC 8628 §3.5: the device code expired before it was approved.
    #[error("expired_token")]
    ExpiredToken,
    /// RFC 8628 §3.5: the user denied the device; Keycloak's answer when a token exchange is not allowed.
    #[error("access_denied: {0}")]
    AccessDenied(Cow<'static, str>),
    /// RFC 8693 §2.2.2: the requested audience is unknown or not available to the client.
    #[error("invalid_target: {0}")]
    InvalidTarget(Cow<'static, str>),
    /// RFC 9449 §5: the DPoP proof is missing (the client requires DPoP) or fails a check of §4.3.
    #[error("invalid_dpop_proof: {0}")]
    InvalidDpopProof(Cow<'static, str>),
    /// RFC 9449 §8 and §9: the realm requires a server nonce in proofs; this is a fresh one (`DPoP-Nonce`).
    #[error("use_dpop_nonce")]
    UseDpopNonce(String),
    /// RFC 9449 §7.1: a protected resource refuses a token presented with the `DPoP` scheme or bound to a
    /// DPoP key (`invalid_token`, `invalid_dpop_proof`, `use_dpop_nonce`): 401 with a `DPoP` challenge.
    #[error("at a DPoP resource: {0}")]
    AtDpopResource(Box<OAuthError>),
    /// RFC 7591 §3.2.2: a redirection URI of a registration request is refused.
    #[error("invalid_redirect_uri: {0}")]
    InvalidRedirectUri(Cow<'static, str>),
    /// RFC 7591 §3.2.2: a metadata field of a registration request is refused.
    #[error("invalid_client_metadata: {0}")]
    InvalidClientMetadata(Cow<'static, str>),
    /// Too much work is waiting (password verifications): 503 with `Retry-After`.
    #[error("temporarily_unavailable: busy")]
    Busy,
    /// A rate limit refused the request: 429 with `Retry-After`, `temporarily_unavailable` (RFC 6749
    /// §4.1.2.1's code for "cannot handle the request now"; RFC 6749 has no code of its own for this).
    #[error("rate limited ({})", .0.scope.as_str())]
    RateLimited(crate::rate_limit::Refusal),
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
            Self::UnauthorizedClient(_) | Self::ClientNotPermitted(_) => ErrorCode::UnauthorizedClient,
            Self::UnsupportedGrantType(_) => ErrorCode::UnsupportedGrantType,
            Self::InvalidScope(_) => ErrorCode::InvalidScope,
            Self::UnsupportedResponseType(_) => ErrorCode::UnsupportedResponseType,
            Self::BearerMissing => ErrorCode::InvalidRequest,
            Self::InvalidToken(_) => ErrorCode::InvalidToken,
            Self::InsufficientScope(_) => ErrorCode::InsufficientScope,
            Self::AuthorizationPending => ErrorCode::AuthorizationPending,
            Self::SlowDown => ErrorCode::SlowDown,
            Self::ExpiredToken => ErrorCode::ExpiredToken,
            Self::AccessDenied(_) => ErrorCode::AccessDenied,
            Self::InvalidTarget(_) => ErrorCode::InvalidTarget,
            Self::InvalidDpopProof(_) => ErrorCode::InvalidDpopProof,
            Self::UseDpopNonce(_) => ErrorCode::UseDpopNonce,
            Self::AtDpopResource(e) => e.code(),
            Self::InvalidRedirectUri(_) => ErrorCode::InvalidRedirectUri,
            Self::InvalidClientMetadata(_) => ErrorCode::InvalidClientMetadata,
            Self::Store(StoreError::Unavailable(_)) | Self::Busy | Self::RateLimited(_) => {
                ErrorCode::TemporarilyUnavailable
            }
            Self::Store(_) | Self::Internal(_) => ErrorCode::ServerError,
        }
    }

    /// The `error_description` sent to the client.
    pub fn description(&self) -> Cow<'static, str> {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidGrant(d)
            | Self::UnauthorizedClient(d)
            | Self::ClientNotPermitted(d)
            | Self::UnsupportedGrantType(d)
            | Self::InvalidScope(d)
            | Self::UnsupportedResponseType(d)
            | Self::InvalidToken(d)
            | Self::InsufficientScope(d)
            | Self::AccessDenied(d)
            | Self::InvalidTarget(d)
            | Self::InvalidDpopProof(d)
            | Self::InvalidRedirectUri(d)
            | Self::InvalidClientMetadata(d) => d.clone(),
            Self::UseDpopNonce(_) => Cow::Borrowed("the DPoP proof must carry the nonce given in DPoP-Nonce"),
            Self::AtDpopResource(e) => e.description(),
            Self::AuthorizationPending => Cow::Borrowed("the user has not yet approved the device"),
            Self::SlowDown => Cow::Borrowed("polling too fast; wait 5 seconds longer between requests"),
            Self::ExpiredToken => Cow::Borrowed("the device code has expired"),
            Self::BearerMissing => Cow::Borrowed("a bearer token is required"),
            Self::InvalidUserCredentials => Cow::Borrowed("Invalid user credentials"),
            Self::InvalidClient { .. } => Cow::Borrowed("client authentication failed"),
            Self::Store(StoreError::Unavailable(_)) => Cow::Borrowed("the service is temporarily unavailable"),
            Self::Busy => Cow::Borrowed("the server is busy; try again in a moment"),
            Self::RateLimited(_) => Cow::Borrowed("too many requests; retry after the time given in Retry-After"),
            Self::Store(_) | Self::Internal(_) => Cow::Borrowed("the server could not complete the request"),
        }
    }

    pub fn invalid_request(d: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidRequest(d.into())
    }
}
