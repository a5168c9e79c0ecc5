//! RFC 8707 resource indicators: `resource` names the APIs a token is for, the token's `aud` is exactly
//! those, only resources registered for the client are accepted (`invalid_target` otherwise), and a grant
//! made for some resources can be narrowed, never widened.

use std::path::PathBuf;

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use tessera_core::model::SigningAlgorithm;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

use crate::signin::{Browser, SPA, SPA_REDIRECT, error_of, fixture, pkce, query_of, redeem_spa};
use crate::support::{access_token, claims_of};

pub(crate) const ORDERS: &str = "https://orders.acme.test/";
pub(crate) const BILLING: &str = "https://billing.acme.test/api";
pub(crate) const STOCK: &str = "https://stock.acme.test/";

/// The acme realm with `attributes` added to the client `client_id` (written into a copy of the fixture).
pub(crate) fn acme_with_client_attributes(client_id: &str, attributes: Value) -> (tempfile::TempDir, PathBuf) {
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    let client = realm["clients"].as_array_mut().unwrap().iter_mut().find(|c| c["clientId"] == client_id).unwrap();
    for (name, value) in attributes.as_object().unwrap() {
        client["attributes"][name] = value.clone();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.json");
    std::fs::write(&path, realm.to_string()).unwrap();
    (dir, path)
}

async fn shop_with_service() -> (TestServer, String) {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &["orders:read"]).await;
    let spec = NewClient {
        client_id: "svc".into(),
        service_accounts_enabled: true,
        default_scopes: vec!["orders:read".into()],
        audiences: vec!["orders-api".into(), STOCK.into()],
        resources: vec![ORDERS.into(), BILLING.into()],
        ..NewClient::default()
    };
    let secret = server.client("shop", spec).await.secret;
    (server, secret)
}

async fn client_credentials(server: &TestServer, secret: &str, resources: &[&str]) -> reqwest::Response {
    let mut form = vec![("grant_type", "client_credentials")];
    form.extend(resources.iter().map(|r| ("resource", *r)));
    server.http.post(server.token_url("shop")).basic_auth("svc", Some(secret)).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn rfc8707_2_the_access_token_audience_is_exactly_the_resources_asked_for() {
    let (server, secret) = shop_with_service().await;
    let one = access_token(client_credentials(&server, &secret, &[ORDERS]).await).await;
    assert_eq!(claims_of(&one)["aud"], ORDERS);
    let two = access_token(client_credentials(&server, &secret, &[ORDERS, BILLING]).await).await;
    assert_eq!(claims_of(&two)["aud"], json!([ORDERS, BILLING]));
    // A configured audience that is an absolute URI counts as registered (Keycloak's audience mapper).
    let stock = access_token(client_credentials(&server, &secret, &[STOCK]).await).await;
    assert_eq!(claims_of(&stock)["aud"], STOCK);
    // Without `resource`, the client's configured audience, as before.
    let plain = access_token(client_credentials(&server, &secret, &[]).await).await;
    assert_eq!(claims_of(&plain)["aud"], json!(["orders-api", STOCK]));
}

#[tokio::test]
async fn rfc8707_2_unregistered_or_malformed_resource_is_invalid_target() {
    let (server, secret) = shop_with_service().await;
    for bad in [
        &["https://elsewhere.test/"][..],
        &[ORDERS, "https://elsewhere.test/"],
        &["orders-api"],
        &["https://orders.acme.test/#fragment"],
    ] {
        let (status, error, _) = error_of(client_credentials(&server, &secret, bad).await).await;
        assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_target"), "{bad:?}");
    }
}

/// The storefront SPA with resources registered, signing wile in for `resources`; returns the code.
async fn spa_code_for(browser: &Browser<'_>, p: &crate::signin::Pkce, resources: &[&str]) -> String {
    let extra: Vec<(&str, &str)> = resources.iter().map(|r| ("resource", *r)).collect();
    let page = browser.authorize_spa(p, &extra).await;
    let done = browser.login(page, "wile", "Super-Genius-1949").await;
    assert_eq!(done.status(), StatusCode::FOUND);
    let location = done.headers()[LOCATION].to_str().unwrap().to_owned();
    query_of(&location)["code"].clone()
}

async fn token_request(server: &TestServer, form: &[(&str, &str)]) -> reqwest::Response {
    server.http.post(server.token_url("acme")).form(form).send().await.unwrap()
}

#[tokio::test]
async fn rfc8707_2_2_a_code_and_its_refresh_tokens_may_narrow_the_granted_resources_never_widen_them() {
    let registered = json!({ "tessera.resources": format!("{ORDERS}##{BILLING}##{STOCK}") });
    let (_dir, file) = acme_with_client_attributes(SPA, registered);
    let server = TestServer::builder().import_realm(file).spawn().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = spa_code_for(&browser, &p, &[ORDERS, BILLING]).await;
    // At the token endpoint: a subset of the authorization's resources.
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", SPA_REDIRECT),
        ("client_id", SPA),
        ("code_verifier", p.verifier.as_str()),
        ("resource", ORDERS),
    ];
    let tokens: Value = token_request(&server, &form).await.json().await.unwrap();
    assert_eq!(claims_of(tokens["access_token"].as_str().unwrap())["aud"], ORDERS);
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    // A refresh may ask for another of the granted resources (the refresh token keeps the whole grant).
    let refresh = |token: String, resource: Option<&'static str>| {
        let server = &server;
        async move {
            let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token.as_str()), ("client_id", SPA)];
            form.extend(resource.map(|r| ("resource", r)));
            token_request(server, &form).await
        }
    };
    let billing: Value = refresh(refresh_token, Some(BILLING)).await.json().await.unwrap();
    assert_eq!(claims_of(billing["access_token"].as_str().unwrap())["aud"], BILLING);
    // STOCK is registered for the client but was not granted: never widened.
    let next = billing["refresh_token"].as_str().unwrap().to_owned();
    let (status, error, _) = error_of(refresh(next.clone(), Some(STOCK)).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_target"));
    // Without `resource`: every granted resource.
    let all: Value = refresh(next, None).await.json().await.unwrap();
    assert_eq!(claims_of(all["access_token"].as_str().unwrap())["aud"], json!([ORDERS, BILLING]));
}

#[tokio::test]
async fn rfc8707_2_an_unregistered_resource_at_the_authorization_endpoint_is_sent_back_as_invalid_target() {
    let (_dir, file) = acme_with_client_attributes(SPA, json!({ "tessera.resources": ORDERS }));
    let server = TestServer::builder().import_realm(file).spawn().await;
    let browser = Browser::new(&server);
    let refused = browser.authorize_spa(&pkce(), &[("resource", ORDERS), ("resource", BILLING)]).await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let query = query_of(refused.headers()[LOCATION].to_str().unwrap());
    assert_eq!(query["error"], "invalid_target");
    assert_eq!(query["state"], "st-123");
    // A code granted for ORDERS cannot be redeemed for a resource it was not granted for.
    let p = pkce();
    let code = spa_code_for(&Browser::new(&server), &p, &[ORDERS]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", SPA_REDIRECT),
        ("client_id", SPA),
        ("code_verifier", p.verifier.as_str()),
        ("resource", BILLING),
    ];
    let (status, error, _) = error_of(token_request(&server, &form).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_target"));
    // And without `resource` at the token endpoint, the authorization's.
    let p = pkce();
    let code = spa_code_for(&Browser::new(&server), &p, &[ORDERS]).await;
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    assert_eq!(claims_of(tokens["access_token"].as_str().unwrap())["aud"], ORDERS);
}
