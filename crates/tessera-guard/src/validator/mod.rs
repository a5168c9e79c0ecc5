use std::sync::Arc;

use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde_json::{Map, Value};
use tessera_proto::ScopeSet;

use crate::feed::Feed;
use crate::introspection::Introspector;
use crate::jwks::JwksCache;
use crate::{RevocationCache, ScopeRequirement, ValidationError};

mod builder;
pub use builder::ValidatorBuilder;

/// A validated token: its claims and its scopes.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedToken {
    pub claims: Map<String, Value>,
    pub scopes: ScopeSet,
}

impl VerifiedToken {
    pub fn subject(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }

    pub fn client_id(&self) -> Option<&str> {
        self.claims.get("client_id").or_else(|| self.claims.get("azp")).and_then(Value::as_str)
    }

    pub fn require(&self, requirement: &ScopeRequirement) -> Result<(), ValidationError> {
        requirement.check(&self.scopes)
    }

    /// RFC 8705 §3: a token bound to a client certificate (`cnf.x5t#S256`) is accepted only over a connection
    /// that presented that certificate; `thumbprint` is the presented one's base64url SHA-256 of its DER, as
    /// the TLS layer or a trusted proxy gave it. An unbound token passes.
    pub fn check_certificate(&self, thumbprint: Option<&str>) -> Result<(), ValidationError> {
        let bound = self.claims.get("cnf").and_then(|c| c.get("x5t#S256")).and_then(Value::as_str);
        match (bound, thumbprint) {
            (None, _) => Ok(()),
            (Some(want), Some(got)) if want == got => Ok(()),
            (Some(_), None) => Err(ValidationError::InvalidToken(
                "the token is bound to a client certificate; none was presented".into(),
            )),
            (Some(_), Some(_)) => {
                Err(ValidationError::InvalidToken("the token is bound to another client certificate".into()))
            }
        }
    }
}

/// Which `aud` values a token may carry.
#[derive(Debug, Clone)]
enum Audience {
    /// RFC 9068 §4: `aud` must be present and name at least one of these.
    OneOf(Vec<String>),
    /// Not checked ([`ValidatorBuilder::any_audience`]).
    Any,
}

/// Checks tokens of one issuer: signature against its JWKS, `iss` exact, `aud`, `exp`/`nbf` with leeway,
/// `typ`, and optionally RFC 7662 introspection.
pub struct Validator {
    issuer: String,
    audience: Audience,
    algorithms: Vec<Algorithm>,
    leeway: u64,
    typ: Option<String>,
    jwks: Arc<JwksCache>,
    introspection: Option<Introspector>,
    feed: Option<Feed>,
    /// Asked instead of the feed while it is down ([`OnFeedOutage::Introspect`]).
    feed_fallback: Option<Introspector>,
    refresher: tokio::task::JoinHandle<()>,
}

impl Drop for Validator {
    fn drop(&mut self) {
        self.refresher.abort();
    }
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator").field("issuer", &self.issuer).field("jwks", &self.jwks.url()).finish()
    }
}

impl Validator {
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// In feed mode, what the feed has said (for monitoring, or to feed it from elsewhere).
    pub fn revocation_cache(&self) -> Option<&RevocationCache> {
        self.feed.as_ref().map(|f| f.cache.as_ref())
    }

    /// In feed mode, the cursor the subscription resumes from (the last event id received).
    pub fn feed_cursor(&self) -> Option<i64> {
        self.feed.as_ref().map(Feed::cursor)
    }

    /// In feed mode, whether the local cache is trusted alone now (the feed is up, or down for less than
    /// [`FeedConfig::max_outage`]).
    pub fn feed_is_current(&self) -> Option<bool> {
        self.feed.as_ref().map(Feed::is_current)
    }

    /// How many times the JWKS has been fetched (for monitoring).
    pub fn jwks_fetches(&self) -> u64 {
        self.jwks.fetch_count()
    }

    pub async fn validate(&self, token: &str) -> Result<VerifiedToken, ValidationError> {
        let invalid = |why: &str| ValidationError::InvalidToken(why.to_owned());
        let header = decode_header(token).map_err(|_| invalid("the token is not a JWT"))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(invalid("the token's algorithm is not accepted"));
        }
        if let Some(want) = &self.typ {
            let typ = header.typ.as_deref().unwrap_or_default();
            let typ = typ.strip_prefix("application/").unwrap_or(typ);
            if !typ.eq_ignore_ascii_case(want) {
                return Err(invalid("the token type is not an access token"));
            }
        }
        let kid = header.kid.as_deref().ok_or_else(|| invalid("the token names no key"))?;
        let key = self.jwks.key(kid).await?;
        if key.alg.is_some_and(|a| a != header.alg) {
            return Err(invalid("the token's algorithm does not match its key"));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        match &self.audience {
            // RFC 9068 §4. jsonwebtoken checks `aud` only when the token has one: require it too.
            Audience::OneOf(audiences) => {
                validation.set_audience(audiences);
                validation.set_required_spec_claims(&["exp", "iss", "aud"]);
            }
            Audience::Any => {
                validation.validate_aud = false;
                validation.set_required_spec_claims(&["exp", "iss"]);
            }
        }
        let claims = decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                ValidationError::InvalidToken(
                    match e.kind() {
                        ErrorKind::ExpiredSignature => "the token has expired",
                        ErrorKind::ImmatureSignature => "the token is not valid yet",
                        ErrorKind::InvalidAudience => "the token is for another audience",
                        ErrorKind::InvalidIssuer => "the token is from another issuer",
                        ErrorKind::InvalidSignature => "the token's signature does not verify",
                        ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                        _ => "the token could not be verified",
                    }
                    .to_owned(),
                )
            })?
            .claims;
        let scopes =
            claims.get("scope").and_then(Value::as_str).and_then(|s| ScopeSet::parse(s).ok()).unwrap_or_default();
        if let Some(feed) = &self.feed {
            if let Some(why) = feed.cache.refuses(&claims) {
                return Err(invalid(why));
            }
            if !feed.is_current() {
                match &self.feed_fallback {
                    Some(fallback) => fallback.check(token, claims.get("exp").and_then(Value::as_i64)).await?,
                    None => return Err(ValidationError::Unavailable("the revocation feed is down".to_owned())),
                }
            }
        }
        if let Some(introspection) = &self.introspection {
            introspection.check(token, claims.get("exp").and_then(Value::as_i64)).await?;
        }
        Ok(VerifiedToken { claims, scopes })
    }
}
