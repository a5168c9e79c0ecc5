//! RFC 9126 pushed authorization requests: taken once (8 concurrent takers, one winner), only by their
//! client, in their realm, before they expire; purged once expired. RFC 8707 resources round-trip with the
//! code and the refresh token they were granted with.

use tessera_core::model::{AuthorizationCode, CodeIssue, CodeRedemption, PushedAuthorizationRequest, Resources};
use tessera_core::ports::{AuthorizationCodeStore, Janitor, Purged, PushedRequestStore, RefreshTokenStore, Retention};

use super::Fixture;
use super::sign_in::{code, realm_with_user, refresh};

fn pushed(realm_id: &str, hash: &str, expires_at: i64) -> PushedAuthorizationRequest {
    PushedAuthorizationRequest {
        request_uri_hash: hash.into(),
        realm_id: realm_id.into(),
        client_id: "spa".into(),
        parameters: "response_type=code&redirect_uri=https%3A%2F%2Fapp.test%2Fcb".into(),
        created_at: 100,
        expires_at,
    }
}

/// §4 ("one-time use") and STYLE.md habit 7: of 8 parallel takers exactly one gets the request.
pub async fn a_pushed_request_is_taken_once_by_its_client_before_it_expires(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    let p = pushed(&realm_id, "r1", 160);
    f.store.insert_pushed_request(&p).await.unwrap();
    assert_eq!(f.store.take_pushed_request(&realm_id, "r1", "other", 110).await.unwrap(), None, "another client");
    assert_eq!(f.store.take_pushed_request("other-realm", "r1", "spa", 110).await.unwrap(), None, "another realm");
    assert_eq!(f.store.take_pushed_request(&realm_id, "r1", "spa", 160).await.unwrap(), None, "expired");
    let attempts = (0..8).map(|_| {
        let store = f.store.clone();
        let realm_id = realm_id.clone();
        tokio::spawn(async move { store.take_pushed_request(&realm_id, "r1", "spa", 120).await.unwrap() })
    });
    let mut winners = Vec::new();
    for attempt in attempts {
        winners.extend(attempt.await.unwrap());
    }
    assert_eq!(winners, [p], "exactly one taker gets it, whole");
    assert_eq!(f.store.take_pushed_request(&realm_id, "r1", "spa", 121).await.unwrap(), None, "used");
}

/// The janitor: a pushed request goes once expired.
pub async fn pushed_requests_go_once_expired(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    f.store.insert_pushed_request(&pushed(&realm_id, "old", 400)).await.unwrap();
    f.store.insert_pushed_request(&pushed(&realm_id, "live", 900)).await.unwrap();
    let retention = Retention {
        realm_id: realm_id.clone(),
        dead_by: 500,
        idle_by: 0,
        started_by: 0,
        failure_windows_started_by: 0,
    };
    assert_eq!(f.store.purge(&retention).await.unwrap(), Purged { pushed_requests: 1, ..Purged::default() });
    assert!(f.store.take_pushed_request(&realm_id, "live", "spa", 500).await.unwrap().is_some());
}

/// RFC 8707 §2.2: a code and a refresh token read back with the resources they were granted for.
pub async fn codes_and_refresh_tokens_keep_their_resources(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    let resources = Resources::parse(["https://a.example/", "urn:example:b"]).unwrap();
    let c = AuthorizationCode { resources: resources.clone(), ..code(&realm_id, "h1", 160) };
    f.store.insert_code(&c).await.unwrap();
    let issue = CodeIssue { access_jti: "j".into(), access_exp: 400, family_id: "fam".into() };
    let CodeRedemption::Redeemed(back) = f.store.redeem_code(&realm_id, "h1", "spa", 130, &issue).await.unwrap() else {
        panic!("the code exists")
    };
    assert_eq!(back, c);
    let mut r = refresh(&realm_id, "t1", "fam", "s1", false);
    r.resources = resources;
    f.store.insert_refresh_token(&r).await.unwrap();
    assert_eq!(f.store.find_refresh_token("t1").await.unwrap(), Some(r));
}
