//! Per-user revocation ("log out everywhere", Keycloak's user logout): one transaction ends the user's
//! sessions, live refresh tokens (offline ones too) and unredeemed codes, and records their not-before, which
//! every node reads in sequence and which is purged once every token it voids has expired.

use tessera_core::model::{CodeIssue, CodeRedemption, SsoSession, UserNotBefore};
use tessera_core::ports::{AuthorizationCodeStore, RefreshTokenStore, SessionStore, UserRevocationStore, UserRevoked};

use super::Fixture;
use super::sign_in::{code, realm_with_user, refresh};

fn session(realm_id: &str, id: &str, user: &str, ended_at: Option<i64>) -> SsoSession {
    SsoSession {
        id: id.into(),
        cookie_hash: format!("cookie-{id}"),
        realm_id: realm_id.into(),
        user_id: user.into(),
        auth_time: 100,
        last_seen_at: 100,
        ended_at,
    }
}

/// RFC 7009 §2.1 (revoking a grant invalidates what was issued from it), for every grant one user holds.
pub async fn revoking_a_user_ends_only_their_sessions_tokens_and_codes_and_their_not_before_is_sequenced(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    for s in [
        session(&realm_id, "s1", "u1", None),
        session(&realm_id, "s2", "u1", None),
        session(&realm_id, "ended", "u1", Some(120)),
        session(&realm_id, "theirs", "u2", None),
    ] {
        f.store.create_session(&s).await.unwrap();
    }
    let mut rotated = refresh(&realm_id, "rotated", "fam1", "s1", false);
    rotated.rotated_at = Some(110);
    let mut expired = refresh(&realm_id, "expired", "fam3", "s2", false);
    expired.expires_at = 140;
    let mut theirs = refresh(&realm_id, "theirs", "fam4", "theirs", false);
    theirs.user_id = "u2".into();
    for t in [
        rotated,
        refresh(&realm_id, "live", "fam1", "s1", false),
        refresh(&realm_id, "offline", "fam2", "s2", true),
        expired,
        theirs,
    ] {
        f.store.insert_refresh_token(&t).await.unwrap();
    }
    let mut their_code = code(&realm_id, "their-code", 300);
    their_code.user_id = "u2".into();
    f.store.insert_code(&code(&realm_id, "my-code", 300)).await.unwrap();
    f.store.insert_code(&their_code).await.unwrap();

    let entry = UserNotBefore { realm_id: realm_id.clone(), user_id: "u1".into(), not_before: 150, expires_at: 450 };
    let ended = f.store.revoke_user(&entry).await.unwrap();
    assert_eq!(ended, UserRevoked { sessions: 2, refresh_tokens: 2 }, "live ones only, offline included");

    for (id, ended_at) in [("s1", Some(150)), ("s2", Some(150)), ("ended", Some(120)), ("theirs", None)] {
        assert_eq!(f.store.find_session(&realm_id, id).await.unwrap().unwrap().ended_at, ended_at, "{id}");
    }
    for (hash, revoked) in [("live", true), ("offline", true), ("theirs", false)] {
        let t = f.store.find_refresh_token(hash).await.unwrap().unwrap();
        assert_eq!(t.revoked_at.is_some(), revoked, "{hash}");
    }
    let issue = CodeIssue { access_jti: "j".into(), access_exp: 500, family_id: "f".into() };
    let mine = f.store.redeem_code(&realm_id, "my-code", "spa", 151, &issue).await.unwrap();
    assert_eq!(mine, CodeRedemption::Unknown, "a code issued before the revocation is void");
    let theirs = f.store.redeem_code(&realm_id, "their-code", "spa", 151, &issue).await.unwrap();
    assert!(matches!(theirs, CodeRedemption::Redeemed(_)));

    // A second revocation is a second entry, after the first in sequence; nodes read from where they were.
    let later = UserNotBefore { not_before: 200, expires_at: 500, ..entry.clone() };
    assert_eq!(f.store.revoke_user(&later).await.unwrap(), UserRevoked::default());
    let all = f.store.user_not_before_since(0, 10).await.unwrap();
    assert_eq!(all.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>(), vec![entry.clone(), later.clone()]);
    assert!(all[0].0 < all[1].0);
    assert_eq!(f.store.user_not_before_since(all[0].0, 10).await.unwrap(), vec![all[1].clone()]);
    assert_eq!(f.store.user_not_before_since(0, 1).await.unwrap().len(), 1, "the limit holds");

    assert_eq!(f.store.purge_expired_user_not_before(460).await.unwrap(), 1);
    assert_eq!(f.store.user_not_before_since(0, 10).await.unwrap(), vec![all[1].clone()]);
}

/// Keycloak's client "Revocation → Set to now" with RFC 7009 §2.1: the client's not-before also revokes its
/// live refresh tokens issued before it (offline ones too), in the same transaction; other clients' tokens,
/// and its own issued at or after the instant, stay.
pub async fn a_clients_not_before_revokes_its_refresh_tokens_issued_before_it(f: Fixture) {
    use tessera_core::ports::ClientStore;
    use tessera_core::provisioning::{NewClient, new_client};
    let realm_id = realm_with_user(&f).await;
    let spec = NewClient { client_id: "spa".into(), ..NewClient::default() };
    let (client, _) = new_client(&realm_id, &spec, &[], &f.secrets.secret_hasher(), 20).unwrap();
    f.store.create_client(&client).await.unwrap();
    let mut other = refresh(&realm_id, "other-client", "fam3", "s1", false);
    other.client_id = "another".into();
    let mut later = refresh(&realm_id, "later", "fam4", "s1", false);
    later.issued_at = 150;
    for t in [
        refresh(&realm_id, "live", "fam1", "s1", false),
        refresh(&realm_id, "offline", "fam2", "s1", true),
        other,
        later,
    ] {
        f.store.insert_refresh_token(&t).await.unwrap();
    }
    assert!(f.store.set_client_not_before(&realm_id, "spa", 150).await.unwrap());
    for (hash, revoked) in [("live", Some(150)), ("offline", Some(150)), ("other-client", None), ("later", None)] {
        assert_eq!(f.store.find_refresh_token(hash).await.unwrap().unwrap().revoked_at, revoked, "{hash}");
    }
}
