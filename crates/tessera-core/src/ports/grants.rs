//! What grants and sign-in leave behind: codes, device grants, refresh tokens, sessions, consent and login
//! failures, and the jobs that clean them up.

use async_trait::async_trait;
use tessera_proto::ScopeSet;

use super::StoreError;
use crate::model::{
    AuthorizationCode, CodeIssue, CodeRedemption, DeviceGrant, DeviceStatus, LoginFailures, PushedAuthorizationRequest,
    RefreshToken, SsoSession,
};

/// An access token issued alongside a refresh token or from a code: revoked with them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IssuedAccessToken {
    pub jti: String,
    pub client_id: String,
    pub exp: i64,
}

#[async_trait]
pub trait AuthorizationCodeStore: Send + Sync {
    async fn insert_code(&self, code: &AuthorizationCode) -> Result<(), StoreError>;
    /// One atomic statement: marks the unexpired, unredeemed code of `client_id` in `realm_id` redeemed and
    /// records what the redemption issues. A code redeemed before answers `Replayed` with what that redemption
    /// issued; a code of another realm or client is `Unknown`.
    async fn redeem_code(
        &self,
        realm_id: &str,
        code_hash: &str,
        client_id: &str,
        now: i64,
        issue: &CodeIssue,
    ) -> Result<CodeRedemption, StoreError>;
}

/// RFC 8628: device authorization grants, found by the hash of either code. Deciding and redeeming are
/// each one conditional statement, so that a grant is answered once and redeemed once.
#[async_trait]
pub trait DeviceGrantStore: Send + Sync {
    /// `Conflict` when the user code's hash is taken (the caller draws another).
    async fn insert_device_grant(&self, grant: &DeviceGrant) -> Result<(), StoreError>;
    async fn find_device_grant(
        &self,
        realm_id: &str,
        device_code_hash: &str,
    ) -> Result<Option<DeviceGrant>, StoreError>;
    async fn find_device_grant_by_user_code(
        &self,
        realm_id: &str,
        user_code_hash: &str,
    ) -> Result<Option<DeviceGrant>, StoreError>;
    /// Records the user's answer (`Approved` or `Denied`) on a pending, unexpired grant; false when the grant
    /// was answered already, expired or does not exist.
    async fn decide_device_grant(
        &self,
        realm_id: &str,
        user_code_hash: &str,
        decision: &DeviceStatus,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Remembers a poll and the interval from now on (§3.5 `slow_down` raises it).
    async fn record_device_poll(&self, device_code_hash: &str, now: i64, interval: i64) -> Result<(), StoreError>;
    /// One atomic statement: marks the approved, unredeemed, unexpired grant of `client_id` redeemed and
    /// returns it; `None` for every other case (exactly one of concurrent redemptions gets it).
    async fn redeem_device_grant(
        &self,
        realm_id: &str,
        device_code_hash: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Option<DeviceGrant>, StoreError>;
}

#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<(), StoreError>;
    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, StoreError>;
    /// One transaction: marks `old_hash` rotated, keeping `successor` (the sealed response), and inserts
    /// `new`, only when `old_hash` was neither rotated nor revoked. False when another rotation won.
    async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        successor: &str,
        new: &RefreshToken,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Revokes every token of the family; returns the access tokens issued with them that are unexpired.
    async fn revoke_refresh_family(&self, family_id: &str, now: i64) -> Result<Vec<IssuedAccessToken>, StoreError>;
    /// Revokes the session's refresh tokens (offline ones survive, as in Keycloak); returns the unexpired
    /// access tokens issued with them.
    async fn revoke_session_refresh_tokens(
        &self,
        session_id: &str,
        now: i64,
    ) -> Result<Vec<IssuedAccessToken>, StoreError>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(&self, session: &SsoSession) -> Result<(), StoreError>;
    async fn find_session_by_cookie(&self, realm_id: &str, cookie_hash: &str)
    -> Result<Option<SsoSession>, StoreError>;
    async fn find_session(&self, realm_id: &str, id: &str) -> Result<Option<SsoSession>, StoreError>;
    /// The user's sessions not ended, newest first (at most `limit`).
    async fn user_sessions(&self, realm_id: &str, user_id: &str, limit: i64) -> Result<Vec<SsoSession>, StoreError>;
    async fn touch_session(&self, id: &str, now: i64) -> Result<(), StoreError>;
    /// The clients the session signed in to: those issued a code or a refresh token in it (Back-Channel
    /// Logout 1.0 §2.7 notifies them).
    async fn session_clients(&self, session_id: &str) -> Result<Vec<String>, StoreError>;
    /// False when the session was already ended or does not exist.
    async fn end_session(&self, id: &str, now: i64) -> Result<bool, StoreError>;
    /// The scopes the user consented to for the client.
    async fn find_consent(
        &self,
        realm_id: &str,
        user_id: &str,
        client_id: &str,
    ) -> Result<Option<ScopeSet>, StoreError>;
    async fn grant_consent(
        &self,
        realm_id: &str,
        user_id: &str,
        client_id: &str,
        scopes: &ScopeSet,
        now: i64,
    ) -> Result<(), StoreError>;
}

#[async_trait]
pub trait LoginFailureStore: Send + Sync {
    /// One atomic upsert: counts a failure for `key`, starting a new window when the last one began before
    /// `now - window`.
    async fn record_login_failure(
        &self,
        realm_id: &str,
        key: &str,
        now: i64,
        window: i64,
    ) -> Result<LoginFailures, StoreError>;
    async fn login_failures(&self, realm_id: &str, key: &str) -> Result<Option<LoginFailures>, StoreError>;
    async fn clear_login_failures(&self, realm_id: &str, key: &str) -> Result<(), StoreError>;
}

/// What one realm's janitor run may delete: rows dead at or before these instants (the rules, and why each
/// row is kept until then, are in `crate::janitor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    pub realm_id: String,
    /// Codes, refresh tokens and access tokens that expired, and sessions that ended, at or before this.
    pub dead_by: i64,
    /// Sessions last seen at or before this are past the realm's idle timeout.
    pub idle_by: i64,
    /// Sessions started at or before this are past the realm's maximum lifespan.
    pub started_by: i64,
    /// Login-failure windows that started at or before this have ended.
    pub failure_windows_started_by: i64,
}

/// How many rows a purge deleted, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub codes: u64,
    pub sessions: u64,
    pub refresh_tokens: u64,
    pub login_failures: u64,
    pub device_grants: u64,
    pub pushed_requests: u64,
    /// RFC 7591 §3 initial access tokens that can register nothing more: spent or expired.
    pub initial_access: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.codes
            + self.sessions
            + self.refresh_tokens
            + self.login_failures
            + self.device_grants
            + self.pushed_requests
            + self.initial_access
    }
}

/// RFC 9126: pushed authorization requests, each taken once.
#[async_trait]
pub trait PushedRequestStore: Send + Sync {
    async fn insert_pushed_request(&self, request: &PushedAuthorizationRequest) -> Result<(), StoreError>;
    /// Takes (deletes) the unexpired request of `client_id` in the realm with this hash, in one statement:
    /// of concurrent callers exactly one gets it (§4: "one-time use").
    async fn take_pushed_request(
        &self,
        realm_id: &str,
        request_uri_hash: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Option<PushedAuthorizationRequest>, StoreError>;
}

/// Forgets what the sign-in tables no longer need.
#[async_trait]
pub trait Janitor: Send + Sync {
    /// Deletes the realm's authorization codes, refresh tokens, SSO sessions, login-failure rows and device
    /// grants that `retention` says are dead, one statement per table (each atomic, none depending on
    /// another's order).
    async fn purge(&self, retention: &Retention) -> Result<Purged, StoreError>;
}

/// Background work that must happen once across nodes, and the readiness probe.
#[async_trait]
pub trait Operations: Send + Sync {
    /// True when this node won the job `name` until `until`: only one node can hold it at a time.
    async fn claim_job(&self, name: &str, node: &str, now: i64, until: i64) -> Result<bool, StoreError>;
    /// Succeeds when the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
}
