//! Every port the core depends on, in one place: the storage role traits (implemented by `tessera-store`)
//! composed into [`Store`], and the infrastructure the server provides (client directory, denylist,
//! revocations, audit sink, clock, password verifier, token reuse cache).
//!
//! Storage methods are shaped by use case and atomic inside the adapter. Finders return
//! `Result<Option<T>, StoreError>`: "not found" and "the database failed" are never the same value.

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::SecretString;
use tessera_proto::TokenResponse;

use crate::audit::AuditEvent;
use crate::model::{Client, RealmContext, RealmName, RevokedToken, UserNotBefore};

mod configuration;
mod grants;
mod registration;
mod revocation_feed;
mod usage;

pub use configuration::*;
pub use grants::*;
pub use registration::*;
pub use revocation_feed::RevocationFeedStore;
pub use usage::UsageSource;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or timed out: worth retrying.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness rule was broken (the realm, client or scope exists).
    #[error("already exists: {0}")]
    Conflict(String),
    /// A row could not be read back into the model.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("storage failed: {0}")]
    Other(String),
}

/// Time as the protocol sees it: whole seconds since the Unix epoch (RFC 7519 `NumericDate`).
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> i64;
    /// Milliseconds, for rate limits; a clock that keeps only seconds answers whole seconds.
    fn now_millis(&self) -> i64 {
        self.now().saturating_mul(1000)
    }
}

/// Finds realms by name (the `/realms/{name}` path segment), loaded with their scopes and keys; the
/// server answers from its cache. Disabled realms are not found.
#[async_trait]
pub trait RealmDirectory: Send + Sync {
    async fn realm(&self, name: &RealmName) -> Result<Option<Arc<RealmContext>>, StoreError>;
}

/// Finds clients by id; the server answers from its cache.
#[async_trait]
pub trait ClientDirectory: Send + Sync {
    async fn client(&self, realm_id: &str, client_id: &str) -> Result<Option<Arc<Client>>, StoreError>;
}

/// The in-memory set of revoked token ids.
pub trait Denylist: Send + Sync {
    fn is_revoked(&self, jti: &str) -> bool;
    /// False while revocations made elsewhere may not be reaching this list (the feed is down).
    fn is_current(&self) -> bool {
        true
    }
    /// The user's not-before instant (tokens issued to them before it are void), when one is in force.
    fn user_not_before(&self, _realm_id: &str, _user_id: &str) -> Option<i64> {
        None
    }
}

/// Remembers a revocation durably, then in memory; answers only after both.
#[async_trait]
pub trait Revocations: Denylist {
    async fn revoke(&self, token: RevokedToken) -> Result<(), StoreError>;
    /// Makes a per-user not-before that the store already holds known here and, at once, on every node.
    /// Best effort: the other nodes read it from the database tail anyway.
    async fn user_revoked(&self, entry: &UserNotBefore);
}

/// Where audit events go. Recording never blocks a request: the server batches writes off the request path.
pub trait AuditSink: Send + Sync {
    fn record(&self, event: AuditEvent);
    /// Counted, not recorded one by one.
    fn token_issued(&self, realm: &str, client_id: &str, at: i64);
    /// What a request did for the usage counts and anomaly detection (tokens with their scopes and source,
    /// revoked tokens presented); counted in memory, never blocking. Failed authentications and refresh
    /// token reuse arrive as events through [`AuditSink::record`].
    fn usage(&self, _event: &crate::model::usage::UsageEvent<'_>) {}
}

/// Discards everything: for callers that have no trail (unit tests, benches).
#[derive(Debug, Default)]
pub struct NoAudit;

impl AuditSink for NoAudit {
    fn record(&self, _: AuditEvent) {}
    fn token_issued(&self, _: &str, _: &str, _: i64) {}
}

/// Checks a password against an Argon2id PHC string, and hashes new ones, off the async workers (each
/// costs milliseconds of CPU and ~19 MiB), a bounded number at a time.
#[async_trait]
pub trait PasswordVerifier: Send + Sync {
    async fn verify(&self, password: SecretString, phc: String) -> Result<bool, VerifierBusy>;
    /// The Argon2id PHC string of a new password; `Ok(None)` when hashing failed (never expected).
    async fn hash(&self, password: SecretString) -> Result<Option<String>, VerifierBusy>;
}

/// Too many verifications are running and waiting: the caller answers 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password verifications are waiting")]
pub struct VerifierBusy;

/// A token handed out under the reuse window, with what is needed to decide whether it may go out again.
#[derive(Debug, Clone)]
pub struct ReusableToken {
    pub response: TokenResponse,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

/// Tokens recently issued to clients that opted into reuse, by realm, client and requested scope.
pub trait TokenReuseCache: Send + Sync {
    fn get(&self, key: &str) -> Option<ReusableToken>;
    fn put(&self, key: String, token: ReusableToken);
}

/// Single-use identifiers (a client assertion's `jti`, RFC 7523 §3 item 7): remembered until they expire,
/// shared by every node through Redis when one is configured, bounded in memory otherwise.
#[async_trait]
pub trait ReplayCache: Send + Sync {
    /// True the first time `key` is presented; false when it was seen before and has not yet expired
    /// (`expires_at`, Unix seconds, is when it may be forgotten).
    async fn first_use(&self, key: &str, expires_at: i64) -> bool;
}

/// Why a client's `jwks_uri` gave no key set. Never shown to the client (it sees `invalid_client`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("client jwks_uri: {0}")]
pub struct JwksFetchError(pub String);

/// The JWK Sets clients publish at their `jwks_uri` (RFC 7591 §2, Keycloak's `jwks.url`), fetched with a
/// timeout and a size limit and cached by the server.
#[async_trait]
pub trait ClientJwks: Send + Sync {
    /// The set at `uri`, from the cache when held. `refresh` asks for a new fetch because a `kid` was not
    /// found: honoured at most once per rate-limit interval per URI, else the held set is returned.
    async fn jwks(&self, uri: &str, refresh: bool) -> Result<Arc<jsonwebtoken::jwk::JwkSet>, JwksFetchError>;
}

/// Every port the server needs, behind one `Arc<dyn Store>`.
pub trait Store:
    RevisionStore
    + RealmStore
    + ScopeStore
    + ClientStore
    + ClientRegistrationStore
    + UserStore
    + RoleStore
    + AdminEventStore
    + KeyStore
    + RevocationStore
    + RevocationFeedStore
    + UserRevocationStore
    + AuditStore
    + AuthorizationCodeStore
    + DeviceGrantStore
    + PushedRequestStore
    + RefreshTokenStore
    + SessionStore
    + LoginFailureStore
    + Janitor
    + Operations
{
}

impl<T> Store for T where
    T: RevisionStore
        + RealmStore
        + ScopeStore
        + ClientStore
        + ClientRegistrationStore
        + ClientRegistrationStore
        + UserStore
        + RoleStore
        + AdminEventStore
        + KeyStore
        + RevocationStore
        + RevocationFeedStore
        + UserRevocationStore
        + AuditStore
        + AuthorizationCodeStore
        + DeviceGrantStore
        + PushedRequestStore
        + RefreshTokenStore
        + SessionStore
        + LoginFailureStore
        + Janitor
        + Operations
{
}
