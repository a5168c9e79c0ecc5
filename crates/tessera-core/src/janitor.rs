//! The janitor: what the sign-in tables keep, and for how long. A row stays while anything can still use
//! it, and goes once it, and everything that leans on it, has been dead for [`GRACE`]:
//!
//! - **Authorization codes** are single-use and live 60 s, but a redeemed code is kept for replay detection
//!   (RFC 6749 §4.1.2: a second use revokes what the first issued). That matters only while something it
//!   issued can still be used, so a code stays until it has expired, the access token its redemption issued
//!   has expired, and every token of the refresh family it started is dead (see below). A replay after that
//!   is refused as an unknown code, with nothing left to revoke. Unredeemed codes go once expired.
//! - **Refresh tokens** go a whole family at a time: a rotated or revoked token is what detects reuse
//!   (RFC 9700 §4.14.2), and it must be remembered as long as any token of its family can still be used.
//!   A family is dead when every one of its tokens has expired and so has every access token issued with
//!   them (an access token can outlive the refresh token it came with, at the end of a session's lifespan).
//! - **SSO sessions** go once ended, idle past the realm's `ssoSessionIdleTimeout` or older than its
//!   `ssoSessionMaxLifespan` (read at each run: raising them spares sessions not yet purged), but never
//!   while a refresh token issued in them is unrevoked and unexpired: refreshing a session token needs its
//!   session, and a logout by `id_token_hint` finds the tokens to revoke through it. Offline tokens count
//!   too, so that the `sid` they carry always names a session that exists. Nor while an unexpired code
//!   names them: redeeming it issues tokens in that session.
//! - **Login-failure rows** go once their window (`maxFailureWaitSeconds`) has ended: a row past its window
//!   counts and locks nothing, exactly as no row at all.
//! - **Device grants** (RFC 8628) go once expired: an expired device code is refused (`expired_token`)
//!   whether or not its row is there, and the tokens a redemption issued live in their own rows.
//! - **Initial access tokens** (RFC 7591 §3) go once spent (no registration left: the count is taken in
//!   the registering transaction, so a spent row is never given back) or expired, as Keycloak's clean-up
//!   task removes them; the clients they registered are rows of their own.
//!
//! The realm's settings decide the session and lockout cutoffs, so the purge runs realm by realm.

use crate::audit::{AuditEvent, AuditKind};
use crate::model::Realm;
use crate::ports::{AuditSink, Purged, Retention, Store, StoreError};
use crate::sign_in::SignInPolicy;

/// How long a row outlives the instant it died: nodes whose clocks disagree by less than this never see a
/// row vanish that they still consider alive, and a redemption or refresh in flight never loses its row.
pub const GRACE: i64 = 300;

/// The cutoffs of `realm` at `now`.
pub fn retention(realm: &Realm, now: i64) -> Retention {
    let policy = SignInPolicy::of(realm);
    let dead_by = now - GRACE;
    Retention {
        realm_id: realm.id.clone(),
        dead_by,
        idle_by: dead_by - policy.sso_idle,
        started_by: dead_by - policy.sso_max,
        failure_windows_started_by: dead_by - policy.lockout_window,
    }
}

/// `authorization_codes=1 sso_sessions=0 refresh_tokens=2 login_failures=0`: the audit event's reason, with
/// ` device_grants=N` when device grants went too.
pub fn describe(purged: &Purged) -> String {
    let mut words = format!(
        "authorization_codes={} sso_sessions={} refresh_tokens={} login_failures={}",
        purged.codes, purged.sessions, purged.refresh_tokens, purged.login_failures
    );
    if purged.device_grants > 0 {
        words.push_str(&format!(" device_grants={}", purged.device_grants));
    }
    if purged.pushed_requests > 0 {
        words.push_str(&format!(" pushed_authorization_requests={}", purged.pushed_requests));
    }
    if purged.initial_access > 0 {
        words.push_str(&format!(" client_initial_access={}", purged.initial_access));
    }
    words
}

/// Purges every realm, recording one `purged` event for each realm that lost rows; returns the totals.
/// The caller makes sure one node at a time runs it (the server claims the job first).
pub async fn purge_realms(store: &dyn Store, audit: &dyn AuditSink, now: i64) -> Result<Purged, StoreError> {
    let mut total = Purged::default();
    for realm in store.list_realms().await? {
        let purged = store.purge(&retention(&realm, now)).await?;
        if purged.total() > 0 {
            audit.record(
                AuditEvent::new(now, &realm.name, AuditKind::Purged).count(purged.total()).reason(describe(&purged)),
            );
        }
        total.codes += purged.codes;
        total.sessions += purged.sessions;
        total.refresh_tokens += purged.refresh_tokens;
        total.login_failures += purged.login_failures;
        total.device_grants += purged.device_grants;
        total.pushed_requests += purged.pushed_requests;
        total.initial_access += purged.initial_access;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_follow_the_realms_lifetimes_after_the_grace() {
        let mut realm = Realm {
            id: "r1".into(),
            name: "shop".into(),
            display_name: None,
            enabled: true,
            access_token_lifespan: 300,
            signing_alg: crate::model::SigningAlgorithm::Es256,
            not_before: 0,
            attributes: Default::default(),
            created_at: 0,
        };
        realm.attributes.insert("ssoSessionIdleTimeout".into(), "600".into());
        realm.attributes.insert("maxFailureWaitSeconds".into(), "120".into());
        let r = retention(&realm, 100_000);
        assert_eq!(
            r,
            Retention {
                realm_id: "r1".into(),
                dead_by: 100_000 - GRACE,
                idle_by: 100_000 - GRACE - 600,
                started_by: 100_000 - GRACE - 36_000,
                failure_windows_started_by: 100_000 - GRACE - 120,
            }
        );
    }
}
