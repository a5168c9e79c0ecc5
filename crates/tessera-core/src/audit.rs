//! The audit trail: security events with who, what, when, from where, and how it ended.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// Counted per client and minute, never a row per token: the token path stays write-free.
    TokenIssued,
    ClientAuthFailed,
    TokenRevoked,
    RevokeAll,
    SecretRotated,
    KeyRotated,
    KeyRemoved,
    RealmCreated,
    RealmImported,
    ClientCreated,
    ClientDeleted,
    /// A person signed in with a password.
    Login,
    LoginFailed,
    UserLockedOut,
    /// An authorization code was presented a second time (RFC 6749 §4.1.2).
    CodeReplayed,
    /// A rotated refresh token was presented again (RFC 9700 §4.14.2).
    RefreshTokenReused,
    Logout,
    /// A person replaced a temporary password at sign-in (Keycloak's `UPDATE_PASSWORD` required action).
    PasswordUpdated,
    /// An administrator created a user.
    UserCreated,
    /// RFC 8693: a token exchange, granted or refused (`reason`: from which client, for which audience, or why not).
    TokenExchanged,
    /// An administrator revoked everything a user holds (`count`: sessions plus refresh tokens ended; `reason`:
    /// why, and the breakdown).
    UserRevoked,
    /// The janitor deleted rows of the realm that were of no further use (`count`: how many; `reason`: per table).
    Purged,
    /// A Back-Channel Logout 1.0 Logout Token could not be delivered to a client after every retry
    /// (`client`; `reason`: the last failure).
    BackchannelLogoutFailed,
    /// RFC 7591: a client registered itself with an initial access token (`client`; `reason`: its grants).
    ClientRegistered,
    /// RFC 7592 §2.2: a registered client replaced its metadata.
    ClientRegistrationUpdated,
    /// RFC 7592 §2.3: a registered client deleted itself.
    ClientRegistrationDeleted,
    /// An administrator issued an initial access token (`count`: registrations it allows).
    InitialAccessCreated,
    /// An administrator deleted an initial access token.
    InitialAccessDeleted,
    /// The anomaly detector flagged a client (`reason`: the rule and its evidence as JSON).
    AnomalyDetected,
}

impl AuditKind {
    pub const ALL: [AuditKind; 29] = [
        Self::TokenIssued,
        Self::ClientAuthFailed,
        Self::TokenRevoked,
        Self::RevokeAll,
        Self::SecretRotated,
        Self::KeyRotated,
        Self::KeyRemoved,
        Self::RealmCreated,
        Self::RealmImported,
        Self::ClientCreated,
        Self::ClientDeleted,
        Self::Login,
        Self::LoginFailed,
        Self::UserLockedOut,
        Self::CodeReplayed,
        Self::RefreshTokenReused,
        Self::Logout,
        Self::Purged,
        Self::PasswordUpdated,
        Self::UserCreated,
        Self::TokenExchanged,
        Self::UserRevoked,
        Self::BackchannelLogoutFailed,
        Self::ClientRegistered,
        Self::ClientRegistrationUpdated,
        Self::ClientRegistrationDeleted,
        Self::InitialAccessCreated,
        Self::InitialAccessDeleted,
        Self::AnomalyDetected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenIssued => "token_issued",
            Self::ClientAuthFailed => "client_auth_failed",
            Self::TokenRevoked => "token_revoked",
            Self::RevokeAll => "revoke_all",
            Self::SecretRotated => "secret_rotated",
            Self::KeyRotated => "key_rotated",
            Self::KeyRemoved => "key_removed",
            Self::RealmCreated => "realm_created",
            Self::RealmImported => "realm_imported",
            Self::ClientCreated => "client_created",
            Self::ClientDeleted => "client_deleted",
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::UserLockedOut => "user_locked_out",
            Self::CodeReplayed => "code_replayed",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::Logout => "logout",
            Self::Purged => "purged",
            Self::PasswordUpdated => "password_updated",
            Self::UserCreated => "user_created",
            Self::TokenExchanged => "token_exchanged",
            Self::UserRevoked => "user_revoked",
            Self::BackchannelLogoutFailed => "backchannel_logout_failed",
            Self::ClientRegistered => "client_registered",
            Self::ClientRegistrationUpdated => "client_registration_updated",
            Self::ClientRegistrationDeleted => "client_registration_deleted",
            Self::InitialAccessCreated => "initial_access_created",
            Self::InitialAccessDeleted => "initial_access_deleted",
            Self::AnomalyDetected => "anomaly_detected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// The most of an attacker-supplied string an event keeps.
pub const MAX_FIELD_CHARS: usize = 256;

/// Event fields often come from the request (a username, a client id): keep at most [`MAX_FIELD_CHARS`]
/// characters and escape control characters, so that no request can grow the trail by more than a row's
/// worth or forge lines in a log that prints it.
fn bounded(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_FIELD_CHARS));
    for (i, c) in value.chars().enumerate() {
        if i == MAX_FIELD_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// One security event. Never carries a secret or a token: only ids, instants and reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub at: i64,
    pub realm: String,
    pub kind: AuditKind,
    pub client_id: Option<String>,
    pub subject: Option<String>,
    pub source_ip: Option<String>,
    pub outcome: Outcome,
    pub reason: Option<String>,
    /// How many acts this row stands for (more than one for counted events).
    pub count: u64,
}

impl AuditEvent {
    pub fn new(at: i64, realm: &str, kind: AuditKind) -> Self {
        Self {
            at,
            realm: realm.to_owned(),
            kind,
            client_id: None,
            subject: None,
            source_ip: None,
            outcome: Outcome::Success,
            reason: None,
            count: 1,
        }
    }

    pub fn client(mut self, client_id: &str) -> Self {
        self.client_id = Some(bounded(client_id));
        self
    }

    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = Some(bounded(subject));
        self
    }

    pub fn source(mut self, ip: Option<&str>) -> Self {
        self.source_ip = ip.map(bounded);
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(bounded(&reason.into()));
        self
    }

    /// For an event that stands for `count` acts.
    pub fn count(mut self, count: u64) -> Self {
        self.count = count;
        self
    }

    pub fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }
}

/// A filter for reading the trail back.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub realm: String,
    pub since: Option<i64>,
    pub kind: Option<AuditKind>,
    pub client_id: Option<String>,
    pub limit: i64,
    /// The newest events first (the console's table) instead of the order they were written in.
    pub newest_first: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attacker_supplied_fields_are_truncated_and_escaped() {
        let huge = "x".repeat(300_000);
        let event = AuditEvent::new(0, "r", AuditKind::LoginFailed).subject(&huge).client("a\nforged line\r");
        assert_eq!(event.subject.as_deref().map(|s| s.chars().count()), Some(MAX_FIELD_CHARS + 1));
        assert_eq!(event.client_id.as_deref(), Some("a\\nforged line\\r"));
    }
}
