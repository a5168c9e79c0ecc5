//! Single sign-on sessions: started by a sign-in (the login page or the password grant, through the one
//! [`start_session`]), found again by the browser's cookie, ended by logout with everything issued in them.

use crate::audit::{AuditEvent, AuditKind};
use crate::backchannel_logout::{LogoutDeliveries, notify_session_ended};
use crate::model::{RealmContext, SsoSession, User};
use crate::ports::{AuditSink, ClientDirectory, Revocations, SessionStore, Store, StoreError};
use crate::revocation::revoke_issued_access_tokens;
use crate::secret::{SecretError, random_token, token_hash};
use crate::sign_in::SignInPolicy;

/// A session just written, with the cookie value that stands for it (never stored: only its hash is).
#[derive(Debug)]
pub struct NewSession {
    pub session: SsoSession,
    pub cookie: String,
}

/// Starts a fresh session for `user` (never one named by the browser before the sign-in: session fixation,
/// RFC 9700 §4.14 / OWASP). The password grant keeps the cookie to itself: its session has no browser but
/// bounds the refresh tokens' lifetime and ends with logout.
pub async fn start_session<E>(store: &dyn SessionStore, user: &User, now: i64) -> Result<NewSession, E>
where
    E: From<StoreError> + From<SecretError>,
{
    let cookie = random_token(32)?;
    let session = SsoSession {
        id: random_token(16)?,
        cookie_hash: token_hash(&cookie),
        realm_id: user.realm_id.clone(),
        user_id: user.id.clone(),
        auth_time: now,
        last_seen_at: now,
        ended_at: None,
    };
    store.create_session(&session).await?;
    Ok(NewSession { session, cookie })
}

/// The session a browser's cookie names, when it is live and its user exists and is enabled.
pub async fn live_session(
    store: &dyn Store,
    realm: &RealmContext,
    policy: &SignInPolicy,
    cookie: Option<&str>,
    now: i64,
) -> Result<Option<(SsoSession, User)>, StoreError> {
    let Some(cookie) = cookie else {
        return Ok(None);
    };
    let Some(session) = store.find_session_by_cookie(&realm.realm.id, &token_hash(cookie)).await? else {
        return Ok(None);
    };
    if session.ended_at.is_some() || !policy.session_alive(now, session.auth_time, session.last_seen_at) {
        return Ok(None);
    }
    let user = store.find_user_by_id(&realm.realm.id, &session.user_id).await?;
    Ok(user.filter(|u| u.enabled).map(|u| (session, u)))
}

/// Who ends a session, for the audit trail, and who is told (Back-Channel Logout 1.0).
pub struct Ending<'a> {
    pub realm: &'a RealmContext,
    pub clients: &'a dyn ClientDirectory,
    pub deliveries: &'a dyn LogoutDeliveries,
    pub client_id: Option<&'a str>,
    pub source_ip: Option<&'a str>,
    pub now: i64,
}

/// Ends the session and revokes its refresh tokens and the access tokens issued with them (offline tokens
/// survive, as in Keycloak), records the logout, then hands the clients' Logout Tokens to be delivered.
pub async fn end_session(
    store: &dyn Store,
    revocations: &dyn Revocations,
    audit: &dyn AuditSink,
    session: &SsoSession,
    ending: &Ending<'_>,
) -> Result<(), StoreError> {
    store.end_session(&session.id, ending.now).await?;
    let issued = store.revoke_session_refresh_tokens(&session.id, ending.now).await?;
    revoke_issued_access_tokens(revocations, &ending.realm.realm.id, &issued, ending.now).await?;
    let mut event = AuditEvent::new(ending.now, &ending.realm.realm.name, AuditKind::Logout)
        .subject(&session.user_id)
        .source(ending.source_ip);
    if let Some(c) = ending.client_id {
        event = event.client(c);
    }
    audit.record(event);
    // The session has ended whatever happens next: a failure to tell the clients is logged, never the user's.
    if let Err(e) =
        notify_session_ended(store, ending.clients, ending.deliveries, ending.realm, session, ending.now).await
    {
        tracing::warn!(error = %e, "back-channel logout: could not list the session's clients");
    }
    Ok(())
}
