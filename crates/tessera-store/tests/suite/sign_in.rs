//! The sign-in tables: codes redeemed once, refresh tokens rotated once, sessions, consent and lockout
//! counters.

use tessera_core::ports::{IssuedAccessToken, RealmStore, StoreError};
use tessera_core::proto::ScopeSet;
use tessera_core::provisioning::new_realm;

use super::{Fixture, realm_spec};

pub async fn realm_with_user(f: &Fixture) -> String {
    use tessera_core::ports::UserStore;
    use tessera_core::provisioning::new_user;
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    f.store.create_realm(&bundle).await.unwrap();
    f.store.create_user(&new_user(&bundle.realm.id, "wile", None, 20).unwrap()).await.unwrap();
    bundle.realm.id
}

pub fn code(realm_id: &str, hash: &str, expires_at: i64) -> tessera_core::model::AuthorizationCode {
    tessera_core::model::AuthorizationCode {
        code_hash: hash.into(),
        realm_id: realm_id.into(),
        client_id: "spa".into(),
        user_id: "u1".into(),
        session_id: "s1".into(),
        redirect_uri: "https://app.test/cb".into(),
        scope: ScopeSet::parse("openid profile").unwrap(),
        nonce: Some("n-0S6".into()),
        code_challenge: None,
        resources: Default::default(),
        auth_time: 100,
        created_at: 100,
        expires_at,
        dpop_jkt: None,
    }
}

/// RFC 6749 §4.1.2 and STYLE.md habit 7: N parallel redemptions of one code, exactly one wins; the others
/// learn what the winner issued, so that they can revoke it.
pub async fn a_code_is_redeemed_once_and_replays_name_the_first_issue(f: Fixture) {
    use tessera_core::model::{CodeIssue, CodeRedemption};
    use tessera_core::ports::AuthorizationCodeStore;
    let realm_id = realm_with_user(&f).await;
    f.store.insert_code(&code(&realm_id, "h1", 160)).await.unwrap();
    f.store.insert_code(&code(&realm_id, "expired", 120)).await.unwrap();
    let attempts = (0..8).map(|i| {
        let store = f.store.clone();
        let realm_id = realm_id.clone();
        tokio::spawn(async move {
            let issue = CodeIssue { access_jti: format!("jti-{i}"), access_exp: 400, family_id: format!("fam-{i}") };
            store.redeem_code(&realm_id, "h1", "spa", 130, &issue).await.unwrap()
        })
    });
    let (mut redeemed, mut replays) = (Vec::new(), Vec::new());
    for attempt in attempts {
        match attempt.await.unwrap() {
            CodeRedemption::Redeemed(c) => redeemed.push(c),
            CodeRedemption::Replayed(issue) => replays.push(issue),
            CodeRedemption::Unknown => panic!("the code exists"),
        }
    }
    assert_eq!(redeemed.len(), 1);
    assert_eq!(redeemed[0], code(&realm_id, "h1", 160));
    assert_eq!(replays.len(), 7);
    let first = &replays[0];
    assert!(first.access_jti.starts_with("jti-") && first.family_id.starts_with("fam-"));
    assert!(replays.iter().all(|r| r == first), "every replay names the one winning issue");
    let issue = CodeIssue { access_jti: "x".into(), access_exp: 1, family_id: "f".into() };
    assert_eq!(f.store.redeem_code(&realm_id, "expired", "spa", 130, &issue).await.unwrap(), CodeRedemption::Unknown);
    assert_eq!(f.store.redeem_code(&realm_id, "h1", "other", 130, &issue).await.unwrap(), CodeRedemption::Unknown);
    assert_eq!(f.store.redeem_code(&realm_id, "nope", "spa", 130, &issue).await.unwrap(), CodeRedemption::Unknown);
}

/// A code is bound to the realm it was minted in: presented in another realm (with a client of the same
/// client_id) it is unknown, before and after its redemption, and it stays redeemable where it belongs.
pub async fn a_code_is_unknown_in_another_realm(f: Fixture) {
    use tessera_core::model::{CodeIssue, CodeRedemption};
    use tessera_core::ports::AuthorizationCodeStore;
    let realm_a = realm_with_user(&f).await;
    let other = new_realm(&realm_spec("other"), &f.secrets.master_key(), 10).unwrap();
    f.store.create_realm(&other).await.unwrap();
    let realm_b = other.realm.id;
    f.store.insert_code(&code(&realm_a, "h1", 160)).await.unwrap();
    let issue = |n: &str| CodeIssue { access_jti: format!("jti-{n}"), access_exp: 400, family_id: format!("fam-{n}") };
    assert_eq!(f.store.redeem_code(&realm_b, "h1", "spa", 130, &issue("b")).await.unwrap(), CodeRedemption::Unknown);
    assert_eq!(
        f.store.redeem_code(&realm_a, "h1", "spa", 131, &issue("a")).await.unwrap(),
        CodeRedemption::Redeemed(code(&realm_a, "h1", 160))
    );
    // Once redeemed in A, realm B still learns nothing about it (and cannot trigger A's replay revocation).
    assert_eq!(f.store.redeem_code(&realm_b, "h1", "spa", 132, &issue("b2")).await.unwrap(), CodeRedemption::Unknown);
    assert_eq!(
        f.store.redeem_code(&realm_a, "h1", "spa", 133, &issue("a2")).await.unwrap(),
        CodeRedemption::Replayed(issue("a"))
    );
}

pub fn refresh(
    realm_id: &str,
    hash: &str,
    family: &str,
    session: &str,
    offline: bool,
) -> tessera_core::model::RefreshToken {
    tessera_core::model::RefreshToken {
        token_hash: hash.into(),
        family_id: family.into(),
        realm_id: realm_id.into(),
        client_id: "spa".into(),
        user_id: "u1".into(),
        session_id: session.into(),
        scope: ScopeSet::parse("openid").unwrap(),
        auth_time: 100,
        offline,
        issued_at: 100,
        expires_at: 2000,
        access_jti: format!("at-{hash}"),
        access_exp: 400,
        rotated_at: None,
        revoked_at: None,
        successor: None,
        resources: Default::default(),
        dpop_jkt: None,
        cert_thumbprint: None,
    }
}

/// RFC 9700 §4.14.2: concurrent rotations of one refresh token, exactly one wins; a family and a session
/// are revoked together, and the access tokens issued with them are returned for the denylist.
pub async fn a_refresh_token_rotates_once_and_families_and_sessions_revoke_together(f: Fixture) {
    use tessera_core::ports::RefreshTokenStore;
    let realm_id = realm_with_user(&f).await;
    f.store.insert_refresh_token(&refresh(&realm_id, "r1", "fam", "s1", false)).await.unwrap();
    let attempts = (0..8).map(|i| {
        let store = f.store.clone();
        let new = refresh(&realm_id, &format!("r2-{i}"), "fam", "s1", false);
        tokio::spawn(async move { store.rotate_refresh_token("r1", &format!("sealed-{i}"), &new, 150).await.unwrap() })
    });
    let mut won = 0;
    for attempt in attempts {
        won += usize::from(attempt.await.unwrap());
    }
    assert_eq!(won, 1);
    let old = f.store.find_refresh_token("r1").await.unwrap().unwrap();
    assert_eq!(old.rotated_at, Some(150));
    assert!(old.successor.as_deref().unwrap().starts_with("sealed-"));
    f.store.insert_refresh_token(&refresh(&realm_id, "off", "fam2", "s1", true)).await.unwrap();
    let mut revoked = f.store.revoke_session_refresh_tokens("s1", 200).await.unwrap();
    revoked.sort();
    assert_eq!(revoked.len(), 2, "r1 and its successor, not the offline token: {revoked:?}");
    assert!(f.store.find_refresh_token("off").await.unwrap().unwrap().revoked_at.is_none());
    let family = f.store.revoke_refresh_family("fam2", 300).await.unwrap();
    assert_eq!(family, vec![IssuedAccessToken { jti: "at-off".to_owned(), client_id: "spa".to_owned(), exp: 400 }]);
    assert_eq!(f.store.find_refresh_token("off").await.unwrap().unwrap().revoked_at, Some(300));
    // Access tokens already expired are not worth a denylist entry.
    assert!(f.store.revoke_refresh_family("fam2", 500).await.unwrap().is_empty());
    let late = refresh(&realm_id, "r3", "fam", "s1", false);
    assert!(!f.store.rotate_refresh_token("off", "x", &late, 600).await.unwrap(), "a revoked token never rotates");
    assert_eq!(f.store.find_refresh_token("r3").await.unwrap(), None);
}

/// Stored scopes read back as a `ScopeSet` or as `Corrupt`: a value that does not parse never reads as "no
/// scopes".
pub async fn a_stored_scope_that_is_not_a_scope_set_reads_back_as_corrupt(f: Fixture) {
    use tessera_core::model::CodeIssue;
    use tessera_core::ports::{AuthorizationCodeStore, RefreshTokenStore, SessionStore};
    let realm_id = realm_with_user(&f).await;
    f.store.insert_refresh_token(&refresh(&realm_id, "r1", "fam", "s1", false)).await.unwrap();
    f.store.insert_code(&code(&realm_id, "h1", 160)).await.unwrap();
    f.store.grant_consent(&realm_id, "u1", "spa", &ScopeSet::parse("profile").unwrap(), 100).await.unwrap();
    f.raw_sql(r#"UPDATE refresh_tokens SET scope = 'openid "quoted"' WHERE token_hash = 'r1'"#).await;
    f.raw_sql(r#"UPDATE authorization_codes SET scope = 'openid "quoted"' WHERE code_hash = 'h1'"#).await;
    f.raw_sql(r#"UPDATE user_consents SET scopes = 'profile "quoted"' WHERE client_id = 'spa'"#).await;
    let found = f.store.find_refresh_token("r1").await;
    assert!(matches!(found, Err(StoreError::Corrupt(_))), "refresh token: {found:?}");
    let issue = CodeIssue { access_jti: "j".into(), access_exp: 400, family_id: "f".into() };
    let redeemed = f.store.redeem_code(&realm_id, "h1", "spa", 130, &issue).await;
    assert!(matches!(redeemed, Err(StoreError::Corrupt(_))), "code: {redeemed:?}");
    let consent = f.store.find_consent(&realm_id, "u1", "spa").await;
    assert!(matches!(consent, Err(StoreError::Corrupt(_))), "consent: {consent:?}");
}

pub async fn sessions_consent_and_login_failure_windows(f: Fixture) {
    use tessera_core::model::{LoginFailures, SsoSession};
    use tessera_core::ports::{LoginFailureStore, SessionStore};
    let realm_id = realm_with_user(&f).await;
    let session = SsoSession {
        id: "s1".into(),
        cookie_hash: "c1".into(),
        realm_id: realm_id.clone(),
        user_id: "u1".into(),
        auth_time: 100,
        last_seen_at: 100,
        ended_at: None,
    };
    f.store.create_session(&session).await.unwrap();
    assert_eq!(f.store.find_session_by_cookie(&realm_id, "c1").await.unwrap().as_ref(), Some(&session));
    assert_eq!(f.store.find_session_by_cookie(&realm_id, "c2").await.unwrap(), None);
    f.store.touch_session("s1", 150).await.unwrap();
    assert_eq!(f.store.find_session(&realm_id, "s1").await.unwrap().unwrap().last_seen_at, 150);
    assert!(f.store.end_session("s1", 160).await.unwrap());
    assert!(!f.store.end_session("s1", 170).await.unwrap());
    assert_eq!(f.store.find_session(&realm_id, "s1").await.unwrap().unwrap().ended_at, Some(160));

    assert_eq!(f.store.find_consent(&realm_id, "u1", "spa").await.unwrap(), None);
    f.store.grant_consent(&realm_id, "u1", "spa", &ScopeSet::parse("profile").unwrap(), 100).await.unwrap();
    let both = ScopeSet::parse("profile email").unwrap();
    f.store.grant_consent(&realm_id, "u1", "spa", &both, 110).await.unwrap();
    assert_eq!(f.store.find_consent(&realm_id, "u1", "spa").await.unwrap(), Some(both));

    for (now, expected) in [(100, 1), (110, 2), (150, 3)] {
        let counted = f.store.record_login_failure(&realm_id, "user:wile", now, 60).await.unwrap();
        assert_eq!(counted, LoginFailures { failures: expected, window_start: 100 });
    }
    // A failure after the window closes starts a new one.
    let fresh = f.store.record_login_failure(&realm_id, "user:wile", 170, 60).await.unwrap();
    assert_eq!(fresh, LoginFailures { failures: 1, window_start: 170 });
    assert_eq!(f.store.login_failures(&realm_id, "user:wile").await.unwrap(), Some(fresh));
    f.store.clear_login_failures(&realm_id, "user:wile").await.unwrap();
    assert_eq!(f.store.login_failures(&realm_id, "user:wile").await.unwrap(), None);
}

/// Back-Channel Logout 1.0 §2.7: the clients a session signed in to are those issued a code or a refresh
/// token in it (each once), whatever became of them; never another session's.
pub async fn a_sessions_clients_are_those_given_a_code_or_refresh_token_in_it(f: Fixture) {
    use tessera_core::ports::{AuthorizationCodeStore, RefreshTokenStore, SessionStore};
    let realm_id = realm_with_user(&f).await;
    f.store.insert_code(&code(&realm_id, "h1", 160)).await.unwrap();
    let mut web = code(&realm_id, "h2", 160);
    web.client_id = "web".into();
    f.store.insert_code(&web).await.unwrap();
    f.store.insert_refresh_token(&refresh(&realm_id, "r1", "fam", "s1", false)).await.unwrap();
    let mut cli = refresh(&realm_id, "r2", "fam2", "s1", false);
    cli.client_id = "cli".into();
    f.store.insert_refresh_token(&cli).await.unwrap();
    let mut elsewhere = refresh(&realm_id, "r3", "fam3", "s2", false);
    elsewhere.client_id = "other".into();
    f.store.insert_refresh_token(&elsewhere).await.unwrap();
    f.store.revoke_session_refresh_tokens("s1", 200).await.unwrap();
    let mut clients = f.store.session_clients("s1").await.unwrap();
    clients.sort();
    assert_eq!(clients, vec!["cli".to_owned(), "spa".to_owned(), "web".to_owned()]);
    assert_eq!(f.store.session_clients("s2").await.unwrap(), vec!["other".to_owned()]);
    assert!(f.store.session_clients("nope").await.unwrap().is_empty());
}
