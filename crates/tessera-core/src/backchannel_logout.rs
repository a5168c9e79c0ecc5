//! OpenID Connect Back-Channel Logout 1.0: when an SSO session ends, each client the session signed in to
//! (it was issued a code or a refresh token in it, §2.7 "RPs ... that the End-User is logged into") and that
//! registered a back-channel logout URL (Keycloak's client attribute `backchannel.logout.url`) is sent a
//! Logout Token (§2.4). Core decides who gets what and mints the token; the server delivers it in the
//! background (§2.5) through the [`LogoutDeliveries`] port, so a slow client never delays the user.

use serde::{Deserialize, Serialize};

use crate::keys::{KeyError, SigningKey};
use crate::model::{Realm, RealmContext, RealmName, SsoSession};
use crate::ports::{ClientDirectory, RealmDirectory, SessionStore, StoreError};
use crate::secret::random_token;

/// Keycloak's client attribute: where the Logout Token is POSTed (§2.2 `backchannel_logout_uri`).
pub const BACKCHANNEL_LOGOUT_URL: &str = "backchannel.logout.url";
/// Keycloak's client attribute: include `sid` (§2.2 `backchannel_logout_session_required`); default true.
pub const BACKCHANNEL_LOGOUT_SESSION_REQUIRED: &str = "backchannel.logout.session.required";
/// §2.4: the member of `events` that makes a JWT a Logout Token.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// §2.4 / RFC 8417: the `typ` header of a Logout Token (§4.1 recommends explicit typing).
pub const LOGOUT_TOKEN_TYPE: &str = "logout+jwt";
/// §2.4: a Logout Token lives briefly: two minutes, enough for the retries of one delivery.
pub const LOGOUT_TOKEN_LIFETIME: i64 = 120;

/// §2.4: the claims of a Logout Token. No `nonce`, ever (§2.4: "A nonce Claim MUST NOT be present").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutTokenClaims {
    pub iss: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub events: serde_json::Value,
}

impl LogoutTokenClaims {
    /// §2.4 for the session `session` of its user, addressed to `client_id`; `sid` only when the client
    /// wants it (it always has `sub`, so that either identifies the session's user).
    pub fn new(issuer: &str, client_id: &str, session: &SsoSession, with_sid: bool, now: i64, jti: String) -> Self {
        Self {
            iss: issuer.to_owned(),
            sub: Some(session.user_id.clone()),
            aud: client_id.to_owned(),
            iat: now,
            exp: now + LOGOUT_TOKEN_LIFETIME,
            jti,
            sid: with_sid.then(|| session.id.clone()),
            events: serde_json::json!({ BACKCHANNEL_LOGOUT_EVENT: {} }),
        }
    }

    pub fn sign(&self, key: &SigningKey) -> Result<String, KeyError> {
        key.sign_typed(LOGOUT_TOKEN_TYPE, self)
    }
}

/// One Logout Token to POST (§2.5) to one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutDelivery {
    pub realm: String,
    pub client_id: String,
    pub url: String,
    pub logout_token: String,
}

/// Sends Logout Tokens in the background. `deliver` never waits on the network: a full queue drops the
/// delivery (and says so in the log and the audit trail) rather than block a logout.
pub trait LogoutDeliveries: Send + Sync {
    fn deliver(&self, delivery: LogoutDelivery);
}

/// For callers with no server to deliver from (the CLI, unit tests).
pub struct NoLogoutDeliveries;

impl LogoutDeliveries for NoLogoutDeliveries {
    fn deliver(&self, _: LogoutDelivery) {}
}

/// Mints and hands over one Logout Token per client of the session that registered a URL. Failures to
/// mint are logged, never the user's error: the session has ended either way.
pub async fn notify_session_ended(
    sessions: &dyn SessionStore,
    clients: &dyn ClientDirectory,
    deliveries: &dyn LogoutDeliveries,
    realm: &RealmContext,
    session: &SsoSession,
    now: i64,
) -> Result<(), StoreError> {
    for client_id in sessions.session_clients(&session.id).await? {
        let Some(client) = clients.client(&realm.realm.id, &client_id).await? else {
            continue;
        };
        let Some(url) = client.attributes.get(BACKCHANNEL_LOGOUT_URL).filter(|u| !u.trim().is_empty()) else {
            continue;
        };
        let with_sid = client.attributes.get(BACKCHANNEL_LOGOUT_SESSION_REQUIRED).is_none_or(|v| v != "false");
        let Ok(jti) = random_token(16) else {
            tracing::warn!(client = %client_id, "no randomness for a logout token's jti");
            continue;
        };
        let claims = LogoutTokenClaims::new(&realm.issuer, &client_id, session, with_sid, now, jti);
        match claims.sign(realm.keys.active()) {
            Ok(logout_token) => deliveries.deliver(LogoutDelivery {
                realm: realm.realm.name.clone(),
                client_id,
                url: url.clone(),
                logout_token,
            }),
            Err(e) => tracing::warn!(client = %client_id, error = %e, "could not sign a logout token"),
        }
    }
    Ok(())
}

/// At most this many of a user's sessions are notified when an administrator ends them all (bounded work
/// per request; Keycloak's session limits keep real counts far below).
pub const MAX_NOTIFIED_SESSIONS: i64 = 1000;

/// What an administrator's ending of a user's sessions (logout, disable, delete) needs to tell the clients.
#[derive(Clone, Copy)]
pub struct Backchannel<'a> {
    pub realms: &'a dyn RealmDirectory,
    pub clients: &'a dyn ClientDirectory,
    pub deliveries: &'a dyn LogoutDeliveries,
}

impl Backchannel<'_> {
    /// The user's live sessions, read before they are ended (so that they can be notified after).
    pub async fn live_sessions(
        &self,
        sessions: &dyn SessionStore,
        realm: &Realm,
        user_id: &str,
    ) -> Result<Vec<SsoSession>, StoreError> {
        sessions.user_sessions(&realm.id, user_id, MAX_NOTIFIED_SESSIONS).await
    }

    /// Sends the Logout Tokens of `ended` sessions of `realm`.
    pub async fn sessions_ended(
        &self,
        sessions: &dyn SessionStore,
        realm: &Realm,
        ended: &[SsoSession],
        now: i64,
    ) -> Result<(), StoreError> {
        if ended.is_empty() {
            return Ok(());
        }
        let Some(context) = RealmName::parse(&realm.name) else {
            return Ok(());
        };
        let Some(context) = self.realms.realm(&context).await? else {
            return Ok(());
        };
        for session in ended {
            notify_session_ended(sessions, self.clients, self.deliveries, &context, session, now).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SsoSession {
        SsoSession {
            id: "sid-1".into(),
            cookie_hash: "c".into(),
            realm_id: "r".into(),
            user_id: "u-1".into(),
            auth_time: 100,
            last_seen_at: 100,
            ended_at: None,
        }
    }

    #[test]
    fn a_logout_token_has_the_claims_of_backchannel_2_4_and_never_a_nonce() {
        let claims = LogoutTokenClaims::new("https://op.test/realms/r", "shop", &session(), true, 1000, "j1".into());
        let json = serde_json::to_value(&claims).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "iss": "https://op.test/realms/r", "sub": "u-1", "aud": "shop", "iat": 1000,
                "exp": 1000 + LOGOUT_TOKEN_LIFETIME, "jti": "j1", "sid": "sid-1",
                "events": { "http://schemas.openid.net/event/backchannel-logout": {} }
            })
        );
        assert!(json.get("nonce").is_none());
    }

    #[test]
    fn sid_is_left_out_when_the_client_does_not_require_it_backchannel_2_2() {
        let claims = LogoutTokenClaims::new("iss", "shop", &session(), false, 1000, "j1".into());
        let json = serde_json::to_value(&claims).unwrap();
        assert!(json.get("sid").is_none());
        assert_eq!(json["sub"], "u-1", "§2.4: sub when sid is absent");
    }
}
