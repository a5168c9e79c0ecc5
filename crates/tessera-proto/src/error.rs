use serde::{Deserialize, Serialize};

/// The error codes of RFC 6749 §5.2 and §4.1.2.1, RFC 6750 §3.1, RFC 7009 §2.2.1, RFC 8707 §2 and
/// OpenID Connect Core §3.1.2.6, RFC 8628 §3.5 (device polling), RFC 8693 §2.2.2
/// and RFC 7591 §3.2.2 (dynamic registration).
/// Clients branch on these strings, so no other vocabulary ever reaches the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    ServerError,
    TemporarilyUnavailable,
    InvalidToken,
    InsufficientScope,
    UnsupportedTokenType,
    InvalidTarget,
    LoginRequired,
    ConsentRequired,
    InteractionRequired,
    /// RFC 8628 §3.5: the user has not yet approved the device.
    AuthorizationPending,
    /// RFC 8628 §3.5: still pending, and the device polls too fast.
    SlowDown,
    /// RFC 8628 §3.5: the device code expired.
    ExpiredToken,
    /// RFC 9449 §5: the DPoP proof is missing where required, or invalid.
    InvalidDpopProof,
    /// RFC 9449 §8 (token endpoint) and §9 (resources): the server requires a nonce in the proof; the
    /// `DPoP-Nonce` header of the answer carries one.
    UseDpopNonce,
    /// RFC 7591 §3.2.2: a redirection URI of a registration request is refused.
    InvalidRedirectUri,
    /// RFC 7591 §3.2.2: a client metadata field of a registration request is refused.
    InvalidClientMetadata,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::InvalidTarget => "invalid_target",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::InteractionRequired => "interaction_required",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error body of RFC 6749 §5.2.
///
/// ```
/// use tessera_proto::{ErrorCode, ErrorResponse};
/// let body: ErrorResponse = serde_json::from_str(r#"{"error":"invalid_scope"}"#).unwrap();
/// assert_eq!(body.error, ErrorCode::InvalidScope);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}
