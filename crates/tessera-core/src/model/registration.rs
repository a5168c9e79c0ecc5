//! Dynamic client registration's credentials (RFC 7591 §3, RFC 7592 §1.2), stored only as hashes.

/// An initial access token (RFC 7591 §3, Keycloak's "client initial access"): lets its holder register up to
/// `count` clients in one realm until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialAccessToken {
    pub id: String,
    pub realm_id: String,
    /// [`crate::secret::token_hash`] of the token; the token itself is shown once, at creation.
    pub token_hash: String,
    pub created_at: i64,
    /// Its lifetime in seconds from `created_at`; 0: no expiry (Keycloak's `expiration`).
    pub expiration: i64,
    pub count: i64,
    /// Registrations still allowed; taken one at a time, atomically, by a registration.
    pub remaining: i64,
}

impl InitialAccessToken {
    /// The instant it stops working, when it expires.
    pub fn expires_at(&self) -> Option<i64> {
        (self.expiration > 0).then(|| self.created_at.saturating_add(self.expiration))
    }
}
