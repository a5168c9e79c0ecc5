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
}

impl AuditKind {
    pub const ALL: [AuditKind; 17] = [
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
        self.client_id = Some(client_id.to_owned());
        self
    }

    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = Some(subject.to_owned());
        self
    }

    pub fn source(mut self, ip: Option<&str>) -> Self {
        self.source_ip = ip.map(str::to_owned);
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
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
}
