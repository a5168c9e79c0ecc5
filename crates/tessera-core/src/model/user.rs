//! Users, their single sign-on sessions and failed sign-in counts.

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
    pub created_at: i64,
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
