//! Every port the core depends on, in one place: the storage role traits (implemented by `tessera-store`)
//! composed into [`Store`], and the infrastructure the server provides (client directory, denylist,
//! revocations, audit sink, clock, password verifier, token reuse cache).
//!
//! Storage methods are shaped by use case and atomic inside the adapter. Finders return
//! `Result<Option<T>, StoreError>`: "not found" and "the database failed" are never the same value.

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::SecretString;
use tessera_proto::{ScopeSet, TokenResponse};

use crate::admin::events::{AdminEvent, AdminEventQuery};
use crate::audit::{AuditEvent, AuditQuery};
use crate::model::{
    AuthorizationCode, Client, ClientScope, ClientSecret, CodeIssue, CodeRedemption, DeviceGrant, DeviceStatus, Group,
    LoginFailures, Realm, RealmBundle, RealmContext, RealmName, RefreshToken, RevokedToken, Role, SsoSession,
    StoredSigningKey, User, UserNotBefore,
};

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

/// A counter bumped by every committed change to realms, clients, scopes or keys. Servers poll it to know
/// when their caches are stale, which is how a change made by the CLI or another node reaches them.
#[async_trait]
pub trait RevisionStore: Send + Sync {
    async fn revision(&self) -> Result<i64, StoreError>;
}

#[async_trait]
pub trait RealmStore: Send + Sync {
    /// Writes a whole realm (realm, scopes, clients, users, keys) in one transaction.
    /// `Conflict` when a realm of that name exists.
    async fn create_realm(&self, bundle: &RealmBundle) -> Result<(), StoreError>;
    async fn find_realm(&self, name: &str) -> Result<Option<Realm>, StoreError>;
    async fn list_realms(&self) -> Result<Vec<Realm>, StoreError>;
    /// Realm-wide revoke-all: tokens issued before `at` are invalid.
    async fn set_realm_not_before(&self, realm_id: &str, at: i64) -> Result<(), StoreError>;
}

#[async_trait]
pub trait ScopeStore: Send + Sync {
    async fn create_scope(&self, realm_id: &str, scope: &ClientScope) -> Result<(), StoreError>;
    async fn list_scopes(&self, realm_id: &str) -> Result<Vec<ClientScope>, StoreError>;
}

#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Inserts the client with its secrets (and its service-account user when it has one).
    async fn create_client(&self, client: &Client) -> Result<(), StoreError>;
    /// The client with its secrets.
    async fn find_client(&self, realm_id: &str, client_id: &str) -> Result<Option<Client>, StoreError>;
    async fn list_clients(&self, realm_id: &str) -> Result<Vec<Client>, StoreError>;
    /// True when a client was deleted.
    async fn delete_client(&self, realm_id: &str, client_id: &str) -> Result<bool, StoreError>;
    /// Revoke-all for one client: its tokens issued before `at` are invalid. False when there is no client.
    async fn set_client_not_before(&self, realm_id: &str, client_id: &str, at: i64) -> Result<bool, StoreError>;
    /// Adds `new` and makes every other secret of the client expire at `old_expire_at` at the latest, in one
    /// transaction. False when there is no client.
    async fn rotate_client_secret(
        &self,
        realm_id: &str,
        client_id: &str,
        new: &ClientSecret,
        old_expire_at: i64,
    ) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// The realm's keys that are not removed.
    async fn signing_keys(&self, realm_id: &str) -> Result<Vec<StoredSigningKey>, StoreError>;
    /// One atomic claim: promotes `promote` from next to active, retires the active key (no token it signed
    /// outlives `retired_not_after`) and adds `new_next`. False when another process promoted it first.
    async fn rotate_signing_keys(
        &self,
        realm_id: &str,
        promote: &str,
        new_next: &StoredSigningKey,
        now: i64,
        retired_not_after: i64,
    ) -> Result<bool, StoreError>;
    /// Unpublishes retired keys; returns how many went.
    async fn remove_retired_keys(&self, realm_id: &str, kids: &[String]) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Idempotent: revoking a token twice keeps one record.
    async fn insert_revocation(&self, token: &RevokedToken) -> Result<(), StoreError>;
    /// Revocations recorded after `seq`, oldest first, with their sequence numbers.
    async fn revocations_since(&self, seq: i64, limit: i64) -> Result<Vec<(i64, RevokedToken)>, StoreError>;
    /// Forgets revocations of tokens that expired before `now`; returns how many.
    async fn purge_expired_revocations(&self, now: i64) -> Result<u64, StoreError>;
}

/// Per-user revocation ("log out everywhere"), durable, and read back in sequence by every node.
#[async_trait]
pub trait UserRevocationStore: Send + Sync {
    /// One transaction: ends the user's SSO sessions, revokes every live refresh token of theirs (offline ones
    /// included), voids their unredeemed authorization codes, and records `entry`.
    async fn revoke_user(&self, entry: &UserNotBefore) -> Result<UserRevoked, StoreError>;
    /// Per-user not-before instants recorded after `seq`, oldest first, with their sequence numbers.
    async fn user_not_before_since(&self, seq: i64, limit: i64) -> Result<Vec<(i64, UserNotBefore)>, StoreError>;
    /// Forgets entries whose tokens have all expired (`expires_at` before `now`); returns how many.
    async fn purge_expired_user_not_before(&self, now: i64) -> Result<u64, StoreError>;
}

/// What a per-user revocation ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserRevoked {
    pub sessions: u64,
    pub refresh_tokens: u64,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError>;
    async fn audit_events(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// `Conflict` when the username is taken in the realm.
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;
    async fn find_user(&self, realm_id: &str, username: &str) -> Result<Option<User>, StoreError>;
    async fn find_user_by_id(&self, realm_id: &str, id: &str) -> Result<Option<User>, StoreError>;
    async fn list_users(&self, realm_id: &str) -> Result<Vec<User>, StoreError>;
    /// False when there is no such user. A `temporary` password must be changed at the next sign-in
    /// (Keycloak's `UPDATE_PASSWORD` required action); a permanent one clears that action.
    async fn set_user_password(
        &self,
        realm_id: &str,
        username: &str,
        password_hash: &str,
        temporary: bool,
    ) -> Result<bool, StoreError>;
    /// The user chose a new password at sign-in: sets it and clears `UPDATE_PASSWORD`. False when there is
    /// no such enabled user.
    async fn complete_password_update(
        &self,
        realm_id: &str,
        user_id: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError>;
    /// False when there is no such user.
    async fn set_user_enabled(&self, realm_id: &str, username: &str, enabled: bool) -> Result<bool, StoreError>;
}

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
    async fn touch_session(&self, id: &str, now: i64) -> Result<(), StoreError>;
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
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.codes + self.sessions + self.refresh_tokens + self.login_failures + self.device_grants
    }
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

/// Who holds a role mapping: a user (a person or a service account) or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleHolder<'a> {
    User(&'a str),
    Group(&'a str),
}

/// Roles, groups and their mappings (Keycloak's model). Every write moves the revision: the realm's roles
/// and groups and the service accounts' mappings are cached with the realm and the client.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// A role with its composites; `Conflict` when its container already has one of that name.
    async fn create_role(&self, role: &Role) -> Result<(), StoreError>;
    async fn list_roles(&self, realm_id: &str) -> Result<Vec<Role>, StoreError>;
    async fn delete_role(&self, realm_id: &str, role_id: &str) -> Result<bool, StoreError>;
    /// Replaces the roles a composite includes.
    async fn set_role_composites(&self, realm_id: &str, role_id: &str, children: &[String])
    -> Result<bool, StoreError>;
    /// `Conflict` when its parent already has a subgroup of that name.
    async fn create_group(&self, group: &Group) -> Result<(), StoreError>;
    async fn list_groups(&self, realm_id: &str) -> Result<Vec<Group>, StoreError>;
    /// Deletes the group and its subgroups, with their mappings and memberships.
    async fn delete_group(&self, realm_id: &str, group_id: &str) -> Result<bool, StoreError>;
    /// Adds or removes one role mapping; `false` when the holder or the role is not in the realm, or
    /// nothing changed.
    async fn map_role(
        &self,
        realm_id: &str,
        holder: RoleHolder<'_>,
        role_id: &str,
        granted: bool,
    ) -> Result<bool, StoreError>;
    /// Adds or removes a user's membership of a group; `false` when nothing changed.
    async fn set_group_member(
        &self,
        realm_id: &str,
        user_id: &str,
        group_id: &str,
        member: bool,
    ) -> Result<bool, StoreError>;
}

/// Admin events: appended once per administrator's write, read back newest first.
#[async_trait]
pub trait AdminEventStore: Send + Sync {
    async fn append_admin_event(&self, event: &AdminEvent) -> Result<(), StoreError>;
    async fn admin_events(&self, query: &AdminEventQuery) -> Result<Vec<AdminEvent>, StoreError>;
}

/// Every port the server needs, behind one `Arc<dyn Store>`.
pub trait Store:
    RevisionStore
    + RealmStore
    + ScopeStore
    + ClientStore
    + UserStore
    + RoleStore
    + AdminEventStore
    + KeyStore
    + RevocationStore
    + UserRevocationStore
    + AuditStore
    + AuthorizationCodeStore
    + DeviceGrantStore
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
        + UserStore
        + RoleStore
        + AdminEventStore
        + KeyStore
        + RevocationStore
        + UserRevocationStore
        + AuditStore
        + AuthorizationCodeStore
        + DeviceGrantStore
        + RefreshTokenStore
        + SessionStore
        + LoginFailureStore
        + Janitor
        + Operations
{
}
