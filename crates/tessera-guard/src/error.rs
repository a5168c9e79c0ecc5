/// Why a request was not let through. Maps to RFC 6750 §3.1 in the axum adapter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// No bearer token was sent (RFC 6750 §3.1: answered without an error code).
    #[error("no bearer token")]
    Missing,
    /// `invalid_token`: expired, forged, for another audience, …; the text says which.
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// `insufficient_scope`: the scopes the route needs.
    #[error("insufficient scope: requires {0}")]
    InsufficientScope(String),
    /// A DPoP presentation refused (RFC 9449 §7.1): answered 401 with a `DPoP` challenge.
    #[error("DPoP: {}: {}", .0.error, .0.description)]
    Dpop(crate::DpopRefusal),
    /// The issuer's keys (or its introspection endpoint) cannot be reached and no usable copy is left.
    #[error("cannot validate tokens now: {0}")]
    Unavailable(String),
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("set an issuer or a JWKS URL")]
    NoKeySource,
    /// Neither [`audience`](crate::ValidatorBuilder::audience) nor
    /// [`any_audience`](crate::ValidatorBuilder::any_audience) was called.
    #[error("choose the accepted audiences (.audience(..), RFC 9068 §4) or opt out explicitly (.any_audience())")]
    NoAudience,
    #[error("both .audience(..) and .any_audience() were called: choose one")]
    AudienceAndAnyAudience,
    #[error("algorithm {0:?} is not allowed: only asymmetric signatures are accepted")]
    SymmetricAlgorithm(jsonwebtoken::Algorithm),
    #[error("discovery at {url} failed: {reason}")]
    Discovery { url: String, reason: String },
    #[error("the JWKS at {url} could not be fetched: {reason}")]
    Jwks { url: String, reason: String },
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(String),
    #[error("introspection needs an endpoint: set one or use an issuer that advertises it")]
    NoIntrospectionEndpoint,
    #[error("feed mode needs the revocation feed's URL: set one or use an issuer that advertises it")]
    NoRevocationFeedEndpoint,
}
