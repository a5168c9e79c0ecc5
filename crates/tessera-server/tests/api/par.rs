//! RFC 9126 pushed authorization requests at Keycloak's path: client authentication as at the token
//! endpoint (§2), the authorization endpoint's checks (§2.1), a short-lived single-use `request_uri`
//! (§2.2, §4), errors as at the token endpoint (§2.3), and Keycloak's per-client "require PAR" (§6).

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};
use tessera_core::clock::ManualClock;
use tessera_testkit::TestServer;

use crate::resource_indicators::{ORDERS, acme_with_client_attributes};
use crate::signin::{Browser, Pkce, SPA, SPA_REDIRECT, WEB, WEB_SECRET, acme, error_of, pkce, query_of, redeem_spa};
use crate::support::claims_of;

type Form = Vec<(&'static str, String)>;

const PAR_PATH: &str = "/realms/acme/protocol/openid-connect/ext/par/request";
const PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

fn spa_parameters(p: &Pkce) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", SPA.to_owned()),
        ("redirect_uri", SPA_REDIRECT.to_owned()),
        ("response_type", "code".to_owned()),
        ("scope", "openid profile".to_owned()),
        ("state", "st-par".to_owned()),
        ("code_challenge", p.challenge.clone()),
        ("code_challenge_method", "S256".to_owned()),
    ]
}

async fn push(server: &TestServer, form: &[(&str, String)]) -> reqwest::Response {
    server.http.post(server.url(PAR_PATH)).form(form).send().await.unwrap()
}

async fn pushed_uri(server: &TestServer, form: &[(&str, String)]) -> String {
    let response = push(server, form).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    body["request_uri"].as_str().unwrap().to_owned()
}

/// The browser arrives with `client_id` and `request_uri` only (§4).
async fn authorize_with(browser: &Browser<'_>, client_id: &str, request_uri: &str) -> reqwest::Response {
    browser.authorize(&[("client_id", client_id), ("request_uri", request_uri)]).await
}

#[tokio::test]
async fn rfc9126_2_2_a_pushed_request_gives_a_single_use_request_uri_that_signs_the_user_in() {
    let server = acme().await;
    let p = pkce();
    let response = push(&server, &spa_parameters(&p)).await;
    // §2.2: 201 Created, JSON, not cached.
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 60);
    let request_uri = body["request_uri"].as_str().unwrap();
    assert!(request_uri.starts_with(PREFIX) && request_uri.len() >= PREFIX.len() + 43, "{request_uri}");

    let browser = Browser::new(&server);
    let page = authorize_with(&browser, SPA, request_uri).await;
    let done = browser.login(page, "wile", "Super-Genius-1949").await;
    assert_eq!(done.status(), StatusCode::FOUND);
    let query = query_of(done.headers()[LOCATION].to_str().unwrap());
    assert_eq!(query["state"], "st-par", "the pushed parameters were used");
    let tokens: Value = redeem_spa(&server, &query["code"], &p.verifier).await.json().await.unwrap();
    assert!(tokens["id_token"].is_string(), "the pushed scope (openid) was granted: {tokens}");

    // §4 (one-time use): the same request_uri again is refused, even in a signed-in browser.
    let again = authorize_with(&browser, SPA, request_uri).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.headers().get(LOCATION).is_none(), "never a redirect");
}

#[tokio::test]
async fn rfc9126_4_a_request_uri_is_refused_after_60_seconds_or_for_another_client() {
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = TestServer::builder().import_realm(crate::signin::fixture()).clock(clock.clone()).spawn().await;
    let p = pkce();
    let browser = Browser::new(&server);
    let expired = pushed_uri(&server, &spa_parameters(&p)).await;
    clock.advance(60);
    assert_eq!(authorize_with(&browser, SPA, &expired).await.status(), StatusCode::BAD_REQUEST);
    let theirs = pushed_uri(&server, &spa_parameters(&p)).await;
    let other = authorize_with(&browser, WEB, &theirs).await;
    assert_eq!(other.status(), StatusCode::BAD_REQUEST);
    assert!(other.headers().get(LOCATION).is_none());
    let unknown = format!("{PREFIX}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(authorize_with(&browser, SPA, &unknown).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn rfc9126_2_the_client_authenticates_as_at_the_token_endpoint() {
    let server = acme().await;
    let form = |secret: &str| {
        vec![
            ("redirect_uri", "https://admin.acme.test/oauth/callback".to_owned()),
            ("response_type", "code".to_owned()),
            ("client_secret", secret.to_owned()),
            ("client_id", WEB.to_owned()),
        ]
    };
    let wrong = push(&server, &form("wrong-secret")).await;
    let (status, error, _) = error_of(wrong).await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let basic = server
        .http
        .post(server.url(PAR_PATH))
        .basic_auth(WEB, Some("wrong-secret"))
        .form(&[("response_type", "code"), ("redirect_uri", "https://admin.acme.test/oauth/callback")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    assert!(basic.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"), "RFC 6749 §5.2");
    assert_eq!(push(&server, &form(WEB_SECRET)).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn rfc9126_2_1_pushed_parameters_get_the_authorization_endpoints_checks_as_token_endpoint_errors() {
    let server = acme().await;
    let p = pkce();
    let with = |name: &'static str, value: &str| {
        let mut form: Vec<(&str, String)> = spa_parameters(&p).into_iter().filter(|(n, _)| *n != name).collect();
        form.push((name, value.to_owned()));
        form
    };
    let without = |name: &'static str| -> Vec<(&str, String)> {
        spa_parameters(&p).into_iter().filter(|(n, _)| *n != name).collect()
    };
    let cases: Vec<(&str, Form, &str)> = vec![
        // §2.1: "request_uri ... MUST NOT be provided".
        ("request_uri", with("request_uri", &format!("{PREFIX}x")), "invalid_request"),
        ("unregistered redirect_uri", with("redirect_uri", "https://evil.test/cb"), "invalid_request"),
        ("no redirect_uri", without("redirect_uri"), "invalid_request"),
        ("implicit", with("response_type", "token"), "unsupported_response_type"),
        ("unknown scope", with("scope", "openid admin:everything"), "invalid_scope"),
        ("no PKCE for a public client", without("code_challenge"), "invalid_request"),
        ("unregistered resource (RFC 8707)", with("resource", ORDERS), "invalid_target"),
    ];
    for (name, form, expected) in cases {
        let response = push(&server, &form).await;
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store", "{name}");
        let (status, error, _) = error_of(response).await;
        assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, expected), "{name}");
    }
}

#[tokio::test]
async fn rfc9126_6_a_client_that_requires_par_is_refused_at_the_authorization_endpoint_without_it() {
    let attributes = json!({ "require.pushed.authorization.requests": "true", "tessera.resources": ORDERS });
    let (_dir, file) = acme_with_client_attributes(SPA, attributes);
    let server = TestServer::builder().import_realm(file).spawn().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let refused = browser.authorize_spa(&p, &[]).await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let query = query_of(refused.headers()[LOCATION].to_str().unwrap());
    assert_eq!(query["error"], "invalid_request");
    // Pushed, with a resource (RFC 8707 travels through PAR too), it signs in.
    let mut form = spa_parameters(&p);
    form.push(("resource", ORDERS.to_owned()));
    let request_uri = pushed_uri(&server, &form).await;
    let done = browser.login(authorize_with(&browser, SPA, &request_uri).await, "wile", "Super-Genius-1949").await;
    let query = query_of(done.headers()[LOCATION].to_str().unwrap());
    let tokens: Value = redeem_spa(&server, &query["code"], &p.verifier).await.json().await.unwrap();
    assert_eq!(claims_of(tokens["access_token"].as_str().unwrap())["aud"], ORDERS);
}
