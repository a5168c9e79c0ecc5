//! Password sign-in with temporary lockout per user and per source address (Keycloak's brute-force
//! detection). Argon2 runs behind [`PasswordVerifier`] so the server can
//! keep it off its async workers; unknown users cost one dummy verification, like known ones.

use std::sync::OnceLock;

use secrecy::{ExposeSecret, SecretString};

use crate::audit::{AuditEvent, AuditKind};
use crate::model::{LoginFailures, Realm, User};
use crate::ports::{AuditSink, PasswordVerifier, VerifierBusy};
use crate::ports::{LoginFailureStore, StoreError, UserStore};
use crate::sign_in::SignInPolicy;

/// A PHC string no password matches, verified for unknown users so that they take as long as known ones.
pub fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let random = crate::secret::random_token(32).unwrap_or_else(|_| "tessera-dummy".to_owned());
            crate::password::hash_password(&random).unwrap_or_default()
        })
        .clone()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    /// Wrong username or password: the page says which of the two never.
    InvalidCredentials,
    /// Too many failures for this user or address; try again at `until`.
    LockedOut { until: i64 },
    /// The password was right but the account is disabled.
    Disabled,
    /// Too many verifications are waiting already: try again in a moment.
    Busy,
}

pub struct PasswordLogin<'a> {
    pub realm: &'a Realm,
    pub policy: &'a SignInPolicy,
    pub users: &'a dyn UserStore,
    pub failures: &'a dyn LoginFailureStore,
    pub verifier: &'a dyn PasswordVerifier,
    pub audit: &'a dyn AuditSink,
    pub client_id: &'a str,
    pub source_ip: Option<&'a str>,
    pub now: i64,
}

/// The key a user's failed sign-ins are counted under (also read and cleared by the admin API).
pub fn user_failure_key(username: &str) -> String {
    format!("user:{}", username.to_lowercase())
}

impl PasswordLogin<'_> {
    fn user_key(username: &str) -> String {
        user_failure_key(username)
    }

    fn address_key(&self) -> Option<String> {
        self.source_ip.map(|ip| format!("ip:{ip}"))
    }

    /// The end of the lockout on `key`, if one is in force.
    async fn locked_until(&self, key: &str, threshold: u32) -> Result<Option<i64>, StoreError> {
        let Some(f) = self.failures.login_failures(&self.realm.id, key).await? else {
            return Ok(None);
        };
        let until = f.window_start + self.policy.lockout_window;
        Ok((f.failures >= threshold && self.now < until).then_some(until))
    }

    fn event(&self, kind: AuditKind, username: &str) -> AuditEvent {
        AuditEvent::new(self.now, &self.realm.name, kind)
            .client(self.client_id)
            .subject(username)
            .source(self.source_ip)
    }

    /// One sign-in attempt. It is counted against the user BEFORE the password is verified, in one atomic
    /// upsert: however many attempts arrive at once, no more than the allowed number are ever verified (the
    /// rest are refused as locked out), and a success clears the count.
    pub async fn attempt(
        &self,
        username: &str,
        password: SecretString,
    ) -> Result<Result<User, LoginRefusal>, StoreError> {
        let username = username.trim();
        let user_key = Self::user_key(username);
        let window = self.policy.lockout_window;
        let realm = &self.realm.id;
        let address_key = self.address_key();
        // The address counts failures only (many people may share one); its lockout is checked first.
        let mut over = match &address_key {
            Some(key) => self.locked_until(key, self.policy.address_failures).await?,
            None => None,
        };
        let by_user = self.failures.record_login_failure(realm, &user_key, self.now, window).await?;
        if by_user.failures > self.policy.user_failures {
            over = over.max(Some(by_user.window_start + window));
        }
        if let Some(until) = over {
            self.audit.record(self.event(AuditKind::LoginFailed, username).failed().reason("locked out"));
            return Ok(Err(LoginRefusal::LockedOut { until }));
        }
        let user = self.users.find_user(realm, username).await?;
        let phc = user.as_ref().and_then(|u| u.password_hash.clone()).unwrap_or_else(dummy_hash);
        let password_ok = if password.expose_secret().is_empty() {
            false
        } else {
            match self.verifier.verify(password, phc).await {
                Ok(ok) => ok,
                Err(VerifierBusy) => return Ok(Err(LoginRefusal::Busy)),
            }
        };
        let user = match user {
            Some(u) if password_ok && u.service_account_client_id.is_none() => u,
            _ => {
                let by_address = match &address_key {
                    Some(key) => Some(self.failures.record_login_failure(realm, key, self.now, window).await?),
                    None => None,
                };
                return Ok(Err(self.failed(username, by_user, by_address)));
            }
        };
        self.failures.clear_login_failures(realm, &user_key).await?;
        if !user.enabled {
            self.audit.record(self.event(AuditKind::LoginFailed, username).failed().reason("user disabled"));
            return Ok(Err(LoginRefusal::Disabled));
        }
        self.audit.record(self.event(AuditKind::Login, username));
        Ok(Ok(user))
    }

    /// A wrong password, already counted: audited, and told at once when it reached the threshold.
    fn failed(&self, username: &str, by_user: LoginFailures, by_address: Option<LoginFailures>) -> LoginRefusal {
        self.audit.record(self.event(AuditKind::LoginFailed, username).failed().reason("invalid credentials"));
        if by_user.failures == self.policy.user_failures {
            self.audit.record(self.event(AuditKind::UserLockedOut, username).failed().reason("user"));
        }
        if by_address.is_some_and(|a| a.failures == self.policy.address_failures) {
            self.audit.record(self.event(AuditKind::UserLockedOut, username).failed().reason("source address"));
        }
        // The attempt that reaches the threshold is told at once, not on the next try.
        if by_user.failures >= self.policy.user_failures {
            return LoginRefusal::LockedOut { until: by_user.window_start + self.policy.lockout_window };
        }
        LoginRefusal::InvalidCredentials
    }
}
