//! A realm's sign-in settings, read from its attributes by Keycloak's names where Keycloak has one.

use crate::model::Realm;

/// RFC 6749 §4.1.2 "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"; Keycloak uses 60 s.
pub const CODE_LIFETIME: i64 = 60;

/// The realm attribute (seconds, default 0 = off) of the refresh retry window: within it, a client that
/// lost a refresh response may present the old token again and gets the same new pair back.
pub const REFRESH_RETRY_WINDOW_ATTRIBUTE: &str = "tessera.refresh.retry.window";

/// The realm attribute that makes PKCE required for confidential clients too.
pub const PKCE_REQUIRED_ATTRIBUTE: &str = "tessera.pkce.required";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    /// Keycloak `ssoSessionIdleTimeout`.
    pub sso_idle: i64,
    /// Keycloak `ssoSessionMaxLifespan`.
    pub sso_max: i64,
    /// Keycloak `offlineSessionIdleTimeout`.
    pub offline_idle: i64,
    pub refresh_retry_window: i64,
    pub pkce_required: bool,
    /// Failures per user before a temporary lockout (Keycloak `failureFactor`).
    pub user_failures: u32,
    /// Failures per source address before a temporary lockout.
    pub address_failures: u32,
    /// How long failures are counted, and how long a lockout lasts at most (Keycloak `maxFailureWaitSeconds`).
    pub lockout_window: i64,
}

impl SignInPolicy {
    pub fn of(realm: &Realm) -> Self {
        let num = |name: &str, default: i64| -> i64 {
            realm.attributes.get(name).and_then(|v| v.parse::<i64>().ok()).filter(|v| *v >= 0).unwrap_or(default)
        };
        Self {
            sso_idle: num("ssoSessionIdleTimeout", 1800).max(1),
            sso_max: num("ssoSessionMaxLifespan", 36_000).max(1),
            offline_idle: num("offlineSessionIdleTimeout", 2_592_000).max(1),
            refresh_retry_window: num(REFRESH_RETRY_WINDOW_ATTRIBUTE, 0),
            pkce_required: realm.attributes.get(PKCE_REQUIRED_ATTRIBUTE).is_some_and(|v| v == "true"),
            user_failures: u32::try_from(num("failureFactor", 5)).unwrap_or(5).max(1),
            address_failures: u32::try_from(num("tessera.lockout.address.failures", 20)).unwrap_or(20).max(1),
            lockout_window: num("maxFailureWaitSeconds", 900).max(1),
        }
    }

    /// When a refresh token issued now expires: the idle timeout, capped by the session's maximum
    /// (offline tokens have their own idle timeout and no cap, as in Keycloak).
    pub fn refresh_expiry(&self, now: i64, auth_time: i64, offline: bool) -> i64 {
        if offline { now + self.offline_idle } else { (now + self.sso_idle).min(auth_time + self.sso_max) }
    }

    /// Whether an SSO session last seen at `last_seen` and started at `auth_time` is still alive.
    pub fn session_alive(&self, now: i64, auth_time: i64, last_seen: i64) -> bool {
        now < last_seen + self.sso_idle && now < auth_time + self.sso_max
    }
}
