//! Users, their single sign-on sessions and failed sign-in counts.

use std::collections::BTreeMap;

use super::roles::RoleMappings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub realm_id: String,
    pub username: String,
    pub enabled: bool,
    pub email: Option<String>,
    pub email_verified: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: Option<String>,
    /// Set on the service-account user of a client.
    pub service_account_client_id: Option<String>,
    /// Keycloak's required actions, by Keycloak's names: what the user must do at the next sign-in before
    /// being let through. [`UPDATE_PASSWORD`] is acted on; others are kept as imported.
    pub required_actions: Vec<String>,
    pub created_at: i64,
    /// Keycloak's user attributes (multi-valued), read by attribute mappers.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Roles and groups mapped to the user directly.
    pub roles: RoleMappings,
}

/// The user must choose a new password at the next sign-in (a temporary password, Keycloak's
/// `"temporary": true` credential or `UPDATE_PASSWORD` required action).
pub const UPDATE_PASSWORD: &str = "UPDATE_PASSWORD";

impl User {
    pub fn must_update_password(&self) -> bool {
        self.required_actions.iter().any(|a| a == UPDATE_PASSWORD)
    }
}

/// A single sign-on session: what the browser's session cookie stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    /// Public: the `sid` claim.
    pub id: String,
    /// SHA-256 of the cookie value; the cookie itself is never stored.
    pub cookie_hash: String,
    pub realm_id: String,
    pub user_id: String,
    pub auth_time: i64,
    pub last_seen_at: i64,
    pub ended_at: Option<i64>,
}

/// Failed sign-in attempts counted for one key (a user or a source address) in a window that starts at
/// the first failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub failures: u32,
    pub window_start: i64,
}
