//! A device authorization grant as stored (RFC 8628 §3.1-3.5): the SHA-256 of its device code and of its
//! user code, never the codes, with where the user's answer stands.

use tessera_proto::ScopeSet;

/// Where the user's answer stands (RFC 8628 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Not answered yet: the device hears `authorization_pending`.
    Pending,
    /// Approved by `user_id`, who signed in at `auth_time`.
    Approved { user_id: String, auth_time: i64 },
    /// Denied: the device hears `access_denied`.
    Denied,
}

impl DeviceStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            DeviceStatus::Pending => "pending",
            DeviceStatus::Approved { .. } => "approved",
            DeviceStatus::Denied => "denied",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceGrant {
    pub device_code_hash: String,
    /// SHA-256 of the normalized user code (upper case, no dash).
    pub user_code_hash: String,
    pub realm_id: String,
    pub client_id: String,
    /// The scopes that approval grants.
    pub scope: ScopeSet,
    pub created_at: i64,
    pub expires_at: i64,
    /// Seconds the device must wait between polls; raised by 5 at each `slow_down` (§3.5).
    pub interval: i64,
    pub last_polled_at: Option<i64>,
    pub status: DeviceStatus,
    /// Set by the one redemption that issued tokens.
    pub redeemed_at: Option<i64>,
}
