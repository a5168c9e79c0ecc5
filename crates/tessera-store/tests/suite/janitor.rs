//! The janitor's purges: rows past their retention go, rows inside it stay, another realm's rows are never
//! touched. The rules are `tessera_core::janitor`'s; here every cutoff is given outright.

use tessera_core::model::{AuthorizationCode, CodeIssue, SsoSession};
use tessera_core::ports::{
    AuthorizationCodeStore, Janitor, LoginFailureStore, Purged, RealmStore, RefreshTokenStore, Retention, SessionStore,
};
use tessera_core::provisioning::new_realm;

use super::sign_in::{code, realm_with_user, refresh};
use super::{Fixture, realm_spec};

const DEAD_BY: i64 = 1000;

fn retention(realm_id: &str) -> Retention {
    Retention {
        realm_id: realm_id.into(),
        dead_by: DEAD_BY,
        idle_by: 400,
        started_by: 100,
        failure_windows_started_by: 100,
    }
}

/// A second realm holding one row that every rule would delete: no purge of the first realm touches it.
async fn other_realm(f: &Fixture) -> String {
    let other = new_realm(&realm_spec("other"), &f.secrets.master_key(), 10).unwrap();
    f.store.create_realm(&other).await.unwrap();
    other.realm.id
}

/// The first column of `query`, in order: what is left after a purge.
async fn left(f: &Fixture, query: &'static str) -> Vec<String> {
    let pool = sqlx::AnyPool::connect(&f.url).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as(query).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows.into_iter().map(|(v,)| v).collect()
}

async fn redeemed(f: &Fixture, realm_id: &str, hash: &str, access_exp: i64, family: &str) {
    f.store.insert_code(&code(realm_id, hash, 160)).await.unwrap();
    let issue = CodeIssue { access_jti: format!("at-{hash}"), access_exp, family_id: family.into() };
    f.store.redeem_code(realm_id, hash, "spa", 130, &issue).await.unwrap();
}

/// RFC 6749 §4.1.2: a redeemed code detects a replay, and a replay revokes what the code issued; that is
/// worth keeping the code exactly while its access token or any token of its refresh family can be used.
pub async fn codes_stay_while_anything_they_issued_can_still_be_used(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    let other = other_realm(&f).await;
    f.store.insert_code(&code(&realm_id, "unredeemed-expired", 900)).await.unwrap();
    f.store.insert_code(&code(&realm_id, "unredeemed-expires-at-the-cutoff", DEAD_BY)).await.unwrap();
    f.store.insert_code(&code(&realm_id, "unredeemed-unexpired", 1100)).await.unwrap();
    f.store.insert_code(&code(&other, "other-realm", 900)).await.unwrap();
    redeemed(&f, &realm_id, "no-refresh", 950, "no-family").await;
    redeemed(&f, &realm_id, "access-token-live", 1200, "no-family").await;
    redeemed(&f, &realm_id, "family-live", 950, "fam-live").await;
    redeemed(&f, &realm_id, "family-dead", 950, "fam-dead").await;
    redeemed(&f, &realm_id, "family-access-live", 950, "fam-access").await;
    for (hash, family, expires_at, access_exp) in
        [("r-live", "fam-live", 2000, 400), ("r-dead", "fam-dead", 900, 900), ("r-access", "fam-access", 900, 1100)]
    {
        let token = tessera_core::model::RefreshToken {
            expires_at,
            access_exp,
            ..refresh(&realm_id, hash, family, "s1", false)
        };
        f.store.insert_refresh_token(&token).await.unwrap();
    }

    let purged = f.store.purge(&retention(&realm_id)).await.unwrap();
    assert_eq!(purged, Purged { codes: 4, refresh_tokens: 1, ..Purged::default() });
    assert_eq!(
        left(&f, "SELECT code_hash FROM authorization_codes ORDER BY code_hash").await,
        ["access-token-live", "family-access-live", "family-live", "other-realm", "unredeemed-unexpired"]
    );
    // What stays still detects its replay and names what to revoke.
    let issue = CodeIssue { access_jti: "x".into(), access_exp: 1, family_id: "y".into() };
    let replay = f.store.redeem_code(&realm_id, "family-live", "spa", 1000, &issue).await.unwrap();
    assert!(matches!(replay, tessera_core::model::CodeRedemption::Replayed(i) if i.family_id == "fam-live"));
    assert_eq!(f.store.purge(&retention(&realm_id)).await.unwrap(), Purged::default(), "a second run finds nothing");
}

/// RFC 9700 §4.14.2: a rotated token detects reuse while its family can be used, even once it has expired
/// itself; a family goes whole, once every token and every access token issued with them is dead.
pub async fn refresh_families_go_whole_once_every_token_in_them_is_dead(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    let other = other_realm(&f).await;
    let token = |realm: &str, hash: &str, family: &str, offline: bool, expires_at: i64, access_exp: i64| {
        tessera_core::model::RefreshToken { expires_at, access_exp, ..refresh(realm, hash, family, "s1", offline) }
    };
    let rows = [
        // Rotated, then its successor expired too: nothing of the family can be used.
        (token(&realm_id, "dead-1", "fam-dead", false, 900, 800), Some(950)),
        (token(&realm_id, "dead-2", "fam-dead", false, DEAD_BY, DEAD_BY), None),
        // Rotated and expired, but its successor lives: presenting it must still revoke the family.
        (token(&realm_id, "live-1", "fam-live", false, 900, 800), Some(950)),
        (token(&realm_id, "live-2", "fam-live", false, 2000, 1300), None),
        // Expired, but the access token issued with it outlives it.
        (token(&realm_id, "access-1", "fam-access", false, 900, 1100), None),
        // Revoked: kept until it expires, as any other.
        (token(&realm_id, "revoked-1", "fam-revoked", false, 2000, 800), None),
        (token(&realm_id, "offline-live", "fam-offline", true, 5000, 800), None),
        (token(&realm_id, "offline-dead", "fam-offline-dead", true, 900, 800), None),
        (token(&other, "other-realm", "fam-other", false, 900, 800), None),
    ];
    for (row, rotated_at) in rows {
        f.store.insert_refresh_token(&tessera_core::model::RefreshToken { rotated_at, ..row }).await.unwrap();
    }
    f.store.revoke_refresh_family("fam-revoked", 500).await.unwrap();

    let purged = f.store.purge(&retention(&realm_id)).await.unwrap();
    assert_eq!(purged, Purged { refresh_tokens: 3, ..Purged::default() });
    assert_eq!(
        left(&f, "SELECT token_hash FROM refresh_tokens ORDER BY token_hash").await,
        ["access-1", "live-1", "live-2", "offline-live", "other-realm", "revoked-1"]
    );
    let rotated = f.store.find_refresh_token("live-1").await.unwrap().unwrap();
    assert_eq!(rotated.rotated_at, Some(950), "the expired rotated token still detects reuse");
}

fn session(realm_id: &str, id: &str, auth_time: i64, last_seen_at: i64, ended_at: Option<i64>) -> SsoSession {
    SsoSession {
        id: id.into(),
        cookie_hash: format!("cookie-{id}"),
        realm_id: realm_id.into(),
        user_id: "u1".into(),
        auth_time,
        last_seen_at,
        ended_at,
    }
}

/// A dead session (ended, idle or past its lifespan) goes, unless a refresh token issued in it can still be
/// used (offline tokens included) or an unexpired code would issue tokens in it.
pub async fn sessions_go_once_dead_unless_a_usable_token_or_code_names_them(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    let other = other_realm(&f).await;
    for s in [
        session(&realm_id, "ended", 500, 900, Some(900)),
        session(&realm_id, "ended-in-the-grace", 500, 1100, Some(1100)),
        session(&realm_id, "idle", 200, 400, None),
        session(&realm_id, "too-old", 100, 990, None),
        session(&realm_id, "live", 500, 950, None),
        session(&realm_id, "ended-with-offline-token", 500, 900, Some(900)),
        session(&realm_id, "idle-with-session-token", 200, 300, None),
        session(&realm_id, "ended-with-revoked-token", 500, 900, Some(900)),
        session(&realm_id, "ended-with-expired-token", 500, 900, Some(900)),
        session(&realm_id, "idle-with-live-code", 200, 300, None),
        session(&other, "other-realm", 100, 300, Some(300)),
    ] {
        f.store.create_session(&s).await.unwrap();
    }
    let token = |hash: &str, session: &str, offline: bool, expires_at: i64| tessera_core::model::RefreshToken {
        expires_at,
        ..refresh(&realm_id, hash, &format!("fam-{hash}"), session, offline)
    };
    for t in [
        token("offline", "ended-with-offline-token", true, 5000),
        token("session", "idle-with-session-token", false, 1500),
        token("revoked", "ended-with-revoked-token", false, 1500),
        token("expired", "ended-with-expired-token", false, 950),
    ] {
        f.store.insert_refresh_token(&t).await.unwrap();
    }
    f.store.revoke_refresh_family("fam-revoked", 900).await.unwrap();
    let live_code = AuthorizationCode { session_id: "idle-with-live-code".into(), ..code(&realm_id, "c", 1100) };
    f.store.insert_code(&live_code).await.unwrap();

    let purged = f.store.purge(&retention(&realm_id)).await.unwrap();
    // The expired token goes too: its family is dead.
    assert_eq!(purged, Purged { sessions: 5, refresh_tokens: 1, ..Purged::default() });
    assert_eq!(
        left(&f, "SELECT id FROM sso_sessions ORDER BY id").await,
        [
            "ended-in-the-grace",
            "ended-with-offline-token",
            "idle-with-live-code",
            "idle-with-session-token",
            "live",
            "other-realm"
        ]
    );
    assert!(f.store.find_session(&realm_id, "idle-with-session-token").await.unwrap().is_some());
}

/// A failure row whose window has ended counts and locks nothing, like no row at all.
pub async fn login_failure_rows_go_once_their_window_ended(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    let other = other_realm(&f).await;
    for (realm, key, at) in
        [(&realm_id, "user:ended", 90), (&realm_id, "user:at-the-cutoff", 100), (&realm_id, "user:open", 101)]
    {
        f.store.record_login_failure(realm, key, at, 60).await.unwrap();
    }
    f.store.record_login_failure(&other, "user:other", 50, 60).await.unwrap();
    let purged = f.store.purge(&retention(&realm_id)).await.unwrap();
    assert_eq!(purged, Purged { login_failures: 2, ..Purged::default() });
    assert_eq!(
        left(&f, "SELECT subject_key FROM login_failures ORDER BY subject_key").await,
        ["user:open", "user:other"]
    );
}
