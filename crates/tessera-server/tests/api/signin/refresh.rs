//! Refresh tokens: rotation and reuse detection (RFC 9700 §4.14.2), the retry window, concurrency,
//! introspection and revocation (RFC 7662, RFC 7009).

use std::sync::Arc;

use serde_json::Value;
use tessera_core::clock::ManualClock;
use tessera_testkit::TestServer;

use super::{Browser, SPA, WEB, WEB_SECRET, acme, error_of, fixture_with, pkce, redeem_spa, refresh, userinfo};

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family_rfc9700_4_14_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let first: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let old = first["refresh_token"].as_str().unwrap();
    let second: Value = refresh(&server, SPA, old).await.json().await.unwrap();
    let new = second["refresh_token"].as_str().unwrap();
    assert_ne!(new, old, "rotated on use");
    assert!(second["id_token"].is_string());
    // Another client cannot use it (§6).
    let (_, error, _) = error_of(refresh(&server, "billing-service", new).await).await;
    assert!(error == "invalid_grant" || error == "invalid_client", "{error}");
    // Reuse of the rotated token: refused, and the family goes with it.
    assert_eq!(error_of(refresh(&server, SPA, old).await).await.1, "invalid_grant");
    assert_eq!(error_of(refresh(&server, SPA, new).await).await.1, "invalid_grant");
    assert_eq!(userinfo(&server, second["access_token"].as_str().unwrap()).await.status(), 401);
    let seen = TestServer::eventually(std::time::Duration::from_secs(5), || async {
        use tessera_core::audit::{AuditKind, AuditQuery};
        use tessera_core::ports::AuditStore;
        let q = AuditQuery {
            realm: "acme".into(),
            kind: Some(AuditKind::RefreshTokenReused),
            limit: 10,
            ..AuditQuery::default()
        };
        !server.store.audit_events(&q).await.unwrap().is_empty()
    })
    .await;
    assert!(seen.is_some(), "refresh_token_reused is in the audit trail");
}

#[tokio::test]
async fn the_retry_window_hands_back_the_identical_pair_and_only_within_it() {
    let (_dir, file) = fixture_with(serde_json::json!({ "tessera.refresh.retry.window": "30" }));
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = TestServer::builder().import_realm(file).clock(clock.clone()).spawn().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let first: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let old = first["refresh_token"].as_str().unwrap();
    let rotated = refresh(&server, SPA, old).await.text().await.unwrap();
    clock.advance(10);
    let lost_and_retried = refresh(&server, SPA, old).await;
    assert_eq!(lost_and_retried.status(), 200);
    assert_eq!(lost_and_retried.text().await.unwrap(), rotated, "the same pair, byte for byte");
    clock.advance(30);
    assert_eq!(error_of(refresh(&server, SPA, old).await).await.1, "invalid_grant", "outside the window it is reuse");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_of_one_token_make_exactly_one_rotation() {
    let server = Arc::new(acme().await);
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let first: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let token = first["refresh_token"].as_str().unwrap().to_owned();
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let (server, token) = (server.clone(), token.clone());
            tokio::spawn(async move { refresh(&server, SPA, &token).await.status() })
        })
        .collect();
    let mut ok = 0;
    for a in attempts {
        ok += usize::from(a.await.unwrap() == 200);
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn refresh_tokens_are_introspectable_and_revoking_one_revokes_its_grant_rfc7662_2_rfc7009_2_1() {
    use tessera_core::provisioning::NewClient;
    let server = acme().await;
    let spec = NewClient { client_id: "importer".into(), direct_access_grants: true, ..NewClient::default() };
    let importer = server.client("acme", spec).await;
    let form =
        [("grant_type", "password"), ("username", "wile"), ("password", "Super-Genius-1949"), ("scope", "openid")];
    let tokens: Value = server
        .http
        .post(server.token_url("acme"))
        .basic_auth("importer", Some(&importer.secret))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let seen = server.introspect("acme", "importer", &importer.secret, refresh_token).await;
    assert_eq!(seen["active"], true);
    assert_eq!(seen["token_type"], "Refresh");
    assert_eq!(seen["client_id"], "importer");
    assert_eq!(seen["sub"], "u1");
    // Another client's revocation request changes nothing (§2.1), and still answers 200.
    assert_eq!(server.revoke("acme", WEB, WEB_SECRET, refresh_token).await.status(), 200);
    assert_eq!(server.introspect("acme", "importer", &importer.secret, refresh_token).await["active"], true);
    assert_eq!(server.revoke("acme", "importer", &importer.secret, refresh_token).await.status(), 200);
    assert_eq!(
        server.introspect("acme", "importer", &importer.secret, refresh_token).await,
        serde_json::json!({"active": false})
    );
    assert_eq!(
        userinfo(&server, tokens["access_token"].as_str().unwrap()).await.status(),
        401,
        "its access token went too"
    );
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    let response = server
        .http
        .post(server.token_url("acme"))
        .basic_auth("importer", Some(&importer.secret))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.1, "invalid_grant");
}
