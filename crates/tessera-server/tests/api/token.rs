use jsonwebtoken::Algorithm;
use reqwest::header;
use serde_json::Value;
use tessera_core::model::SigningAlgorithm;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

use crate::support::{access_token, verify_with_served_jwks};

#[tokio::test]
async fn client_credentials_via_basic_answers_exactly_as_keycloak_rfc6749_4_4_3() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Rs256, &["orders:read", "orders:write"]).await;
    let c = server.service_client("shop", "billing", &["orders:read"], &["orders:write"]).await;
    let response = server
        .http
        .post(server.token_url("shop"))
        .basic_auth("billing", Some(&c.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(response.headers()[header::PRAGMA], "no-cache");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    let body: Value = response.json().await.unwrap();
    let mut keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["access_token", "expires_in", "not-before-policy", "refresh_expires_in", "scope", "token_type"]);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 0);
    assert_eq!(body["not-before-policy"], 0);
    assert_eq!(body["scope"], "orders:read");
}

#[tokio::test]
async fn client_secret_post_is_accepted_rfc6749_2_3_1() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let c = server.service_client("shop", "svc", &[], &[]).await;
    let response = server.client_credentials("shop", "svc", &c.secret, None).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn basic_credentials_are_form_url_decoded_before_checking_rfc6749_2_3_1() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let c = server.service_client("shop", "team:svc+1", &[], &[]).await;
    // RFC 6749 §2.3.1: id and secret are form-url-encoded before Basic encoding.
    let response = server
        .http
        .post(server.token_url("shop"))
        .basic_auth("team%3Asvc%2B1", Some(&c.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn access_token_is_an_rfc9068_jwt_verified_by_jsonwebtoken_against_served_jwks() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Rs256, &["orders:read", "orders:write"]).await;
    let c = server.service_client("shop", "billing", &["orders:read"], &["orders:write"]).await;
    let token = access_token(server.client_credentials("shop", "billing", &c.secret, Some("orders:write")).await).await;
    let claims = verify_with_served_jwks(&server, "shop", &token, Algorithm::RS256).await;
    // RFC 9068 §2.2
    assert_eq!(claims["iss"], server.issuer("shop"));
    assert_eq!(claims["sub"], c.client.service_account_user_id.clone().unwrap());
    assert_eq!(claims["aud"], server.issuer("shop"));
    assert_eq!(claims["client_id"], "billing");
    assert_eq!(claims["azp"], "billing");
    assert_eq!(claims["scope"], "orders:read orders:write");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 300);
    assert!(claims["jti"].as_str().unwrap().len() >= 22);
    // Keycloak's claims that its users' APIs read.
    assert_eq!(claims["typ"], "Bearer");
    assert_eq!(claims["clientId"], "billing");
    assert_eq!(claims["preferred_username"], "service-account-billing");

    let again = access_token(server.client_credentials("shop", "billing", &c.secret, None).await).await;
    let again = verify_with_served_jwks(&server, "shop", &again, Algorithm::RS256).await;
    assert_ne!(claims["jti"], again["jti"], "jti is unique (RFC 7519 §4.1.7)");
}

#[tokio::test]
async fn es256_and_eddsa_realms_sign_with_their_algorithm_rfc7518_3_4_rfc8037_3_1() {
    let server = TestServer::spawn().await;
    for (realm, alg, jwt_alg) in
        [("ec", SigningAlgorithm::Es256, Algorithm::ES256), ("ed", SigningAlgorithm::EdDsa, Algorithm::EdDSA)]
    {
        server.realm(realm, alg, &[]).await;
        let c = server.service_client(realm, "svc", &[], &[]).await;
        let token = access_token(server.client_credentials(realm, "svc", &c.secret, None).await).await;
        let claims = verify_with_served_jwks(&server, realm, &token, jwt_alg).await;
        assert_eq!(claims["client_id"], "svc");
    }
}

#[tokio::test]
async fn registered_audiences_become_aud_rfc9068_3() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let spec = NewClient {
        client_id: "svc".into(),
        service_accounts_enabled: true,
        audiences: vec!["orders-api".into(), "billing-api".into()],
        ..NewClient::default()
    };
    let c = server.client("shop", spec).await;
    let token = access_token(server.client_credentials("shop", "svc", &c.secret, None).await).await;
    let claims = verify_with_served_jwks(&server, "shop", &token, Algorithm::ES256).await;
    assert_eq!(claims["aud"], serde_json::json!(["orders-api", "billing-api"]));
}

#[tokio::test]
async fn default_scopes_always_optional_on_request_openid_accepted_keycloak_client_scopes() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &["a", "b", "c"]).await;
    let c = server.service_client("shop", "svc", &["a"], &["b", "c"]).await;
    for (requested, granted) in
        [(None, "a"), (Some("b"), "a b"), (Some("c b"), "a c b"), (Some("openid a"), "openid a")]
    {
        let response = server.client_credentials("shop", "svc", &c.secret, requested).await;
        assert_eq!(response.status(), 200, "{requested:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["scope"], granted, "{requested:?}");
    }
}

#[tokio::test]
async fn issuing_a_token_writes_nothing_to_the_database() {
    // The clock stands still: the audit trail writes each minute's token counts once the minute is over,
    // and a minute that ended during the 25 requests would be such a write, not one of the requests'.
    let clock = std::sync::Arc::new(tessera_core::clock::ManualClock::new(1_900_000_000));
    let server = TestServer::builder().clock(clock).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let c = server.service_client("shop", "svc", &[], &[]).await;
    // Warm the caches, then let the start's own writes (key upkeep, the janitor's first pass, a checkpoint)
    // settle: on a loaded machine they can take longer than any fixed pause, so wait for 300 ms unchanged.
    access_token(server.client_credentials("shop", "svc", &c.secret, None).await).await;
    let snapshot =
        || ["tessera.db", "tessera.db-wal"].map(|f| std::fs::read(server.data_dir.join(f)).unwrap_or_default());
    let mut before = snapshot();
    for _ in 0..30 {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let now = snapshot();
        if now == before {
            break;
        }
        before = now;
    }
    for _ in 0..25 {
        access_token(server.client_credentials("shop", "svc", &c.secret, None).await).await;
    }
    assert!(before == snapshot(), "the database or its WAL changed while issuing tokens");
}

#[tokio::test]
async fn the_opt_in_reuse_window_hands_back_the_same_fresh_token_and_never_a_revoked_one() {
    use std::sync::Arc;
    use tessera_core::clock::ManualClock;
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = TestServer::builder().clock(clock.clone()).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &["a"]).await;
    let spec = |id: &str, reuse| NewClient {
        client_id: id.into(),
        service_accounts_enabled: true,
        default_scopes: vec!["a".into()],
        token_reuse: reuse,
        ..NewClient::default()
    };
    let reuser = server.client("shop", spec("reuser", Some(0.5))).await.secret;
    let plain = server.client("shop", spec("plain", None)).await.secret;
    let body = |r: reqwest::Response| async move { r.json::<Value>().await.unwrap() };

    let first = body(server.client_credentials("shop", "reuser", &reuser, None).await).await;
    clock.advance(100);
    let again = body(server.client_credentials("shop", "reuser", &reuser, None).await).await;
    assert_eq!(again["access_token"], first["access_token"], "same token within the window");
    assert_eq!(again["expires_in"], 200, "expires_in counts down");
    // Another scope request is another token.
    let scoped = body(server.client_credentials("shop", "reuser", &reuser, Some("a")).await).await;
    assert_ne!(scoped["access_token"], first["access_token"]);
    clock.advance(50);
    let after = body(server.client_credentials("shop", "reuser", &reuser, None).await).await;
    assert_ne!(after["access_token"], first["access_token"], "half the lifetime passed: a new token");
    // A revoked token is never handed out again.
    let token = after["access_token"].as_str().unwrap();
    assert_eq!(server.revoke("shop", "reuser", &reuser, token).await.status(), 200);
    let fresh = body(server.client_credentials("shop", "reuser", &reuser, None).await).await;
    assert_ne!(fresh["access_token"], after["access_token"]);
    // Off by default.
    let a = body(server.client_credentials("shop", "plain", &plain, None).await).await;
    let b = body(server.client_credentials("shop", "plain", &plain, None).await).await;
    assert_ne!(a["access_token"], b["access_token"]);
}
