//! The revocation feed's events (Tessera's extension, `revocation_feed_endpoint` in discovery): what a
//! Server-Sent Events stream (WHATWG HTML §9.2) carries to resource servers. Each event's `event:` field is
//! its type, its `data:` one JSON object, and its `id:` the cursor to resume from (`Last-Event-ID`).
//!
//! ```
//! use tessera_proto::FeedEvent;
//! let event = FeedEvent::parse("token-revoked", r#"{"jti":"abc","exp":1700000000}"#).unwrap();
//! assert_eq!(event, FeedEvent::TokenRevoked { jti: "abc".into(), exp: 1_700_000_000 });
//! assert_eq!(event.event_type(), "token-revoked");
//! ```

use serde::{Deserialize, Serialize};

/// Sent once, after the entries live when the stream (re)started: the receiver is up to date.
pub const FEED_READY_EVENT: &str = "ready";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEvent {
    /// RFC 7009: the access token with this `jti` is revoked; forget it after `exp`.
    TokenRevoked { jti: String, exp: i64 },
    /// The client's tokens (`azp` / `client_id`) issued (`iat`) before `not_before` are void.
    ClientNotBefore { client_id: String, not_before: i64 },
    /// The user's tokens (`sub`) issued before `not_before` are void; forget it after `expires_at`.
    UserNotBefore { sub: String, not_before: i64, expires_at: i64 },
    /// Every token of the realm issued before `not_before` is void.
    RealmNotBefore { not_before: i64 },
}

#[derive(Serialize, Deserialize)]
struct TokenData {
    jti: String,
    exp: i64,
}

#[derive(Serialize, Deserialize)]
struct ClientData {
    client_id: String,
    not_before: i64,
}

#[derive(Serialize, Deserialize)]
struct UserData {
    sub: String,
    not_before: i64,
    expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct RealmData {
    not_before: i64,
}

impl FeedEvent {
    pub const TOKEN_REVOKED: &'static str = "token-revoked";
    pub const CLIENT_NOT_BEFORE: &'static str = "client-not-before";
    pub const USER_NOT_BEFORE: &'static str = "user-not-before";
    pub const REALM_NOT_BEFORE: &'static str = "realm-not-before";

    /// The SSE `event:` field.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::TokenRevoked { .. } => Self::TOKEN_REVOKED,
            Self::ClientNotBefore { .. } => Self::CLIENT_NOT_BEFORE,
            Self::UserNotBefore { .. } => Self::USER_NOT_BEFORE,
            Self::RealmNotBefore { .. } => Self::REALM_NOT_BEFORE,
        }
    }

    /// The SSE `data:` field: one line of JSON.
    pub fn data(&self) -> String {
        let json = match self {
            Self::TokenRevoked { jti, exp } => serde_json::to_string(&TokenData { jti: jti.clone(), exp: *exp }),
            Self::ClientNotBefore { client_id, not_before } => {
                serde_json::to_string(&ClientData { client_id: client_id.clone(), not_before: *not_before })
            }
            Self::UserNotBefore { sub, not_before, expires_at } => {
                serde_json::to_string(&UserData { sub: sub.clone(), not_before: *not_before, expires_at: *expires_at })
            }
            Self::RealmNotBefore { not_before } => serde_json::to_string(&RealmData { not_before: *not_before }),
        };
        json.unwrap_or_default()
    }

    /// An event from its `event:` and `data:` fields; `None` for a type this version does not know (a
    /// receiver skips it) or data that does not fit the type.
    pub fn parse(event_type: &str, data: &str) -> Option<Self> {
        Some(match event_type {
            Self::TOKEN_REVOKED => {
                let d: TokenData = serde_json::from_str(data).ok()?;
                Self::TokenRevoked { jti: d.jti, exp: d.exp }
            }
            Self::CLIENT_NOT_BEFORE => {
                let d: ClientData = serde_json::from_str(data).ok()?;
                Self::ClientNotBefore { client_id: d.client_id, not_before: d.not_before }
            }
            Self::USER_NOT_BEFORE => {
                let d: UserData = serde_json::from_str(data).ok()?;
                Self::UserNotBefore { sub: d.sub, not_before: d.not_before, expires_at: d.expires_at }
            }
            Self::REALM_NOT_BEFORE => {
                let d: RealmData = serde_json::from_str(data).ok()?;
                Self::RealmNotBefore { not_before: d.not_before }
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back_as_written_and_unknown_types_are_skipped() {
        for event in [
            FeedEvent::TokenRevoked { jti: "j".into(), exp: 5 },
            FeedEvent::ClientNotBefore { client_id: "svc".into(), not_before: 6 },
            FeedEvent::UserNotBefore { sub: "u".into(), not_before: 7, expires_at: 8 },
            FeedEvent::RealmNotBefore { not_before: 9 },
        ] {
            assert_eq!(FeedEvent::parse(event.event_type(), &event.data()), Some(event.clone()));
            assert!(!event.data().contains('\n'));
        }
        assert_eq!(FeedEvent::parse("something-new", "{}"), None);
        assert_eq!(FeedEvent::parse(FeedEvent::TOKEN_REVOKED, "{\"jti\":1}"), None);
    }
}
