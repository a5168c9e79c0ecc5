//! RFC 8628, the device authorization grant, at Keycloak's paths: the device authorization endpoint, the
//! verification page driven like a browser (CSRF, login, "allow this device?"), and polling with every
//! error of §3.5 before the tokens, which come exactly once.

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_core::clock::ManualClock;
use tessera_testkit::TestServer;

use crate::signin::{Browser, SPA, error_of, field, fixture, form_action};
use crate::support::claims_of;

pub(crate) const TV: &str = "living-room-tv";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The acme realm with `extra` clients and realm `attributes` added (written into a copy of the fixture).
pub(crate) fn acme_with(extra: Vec<Value>, attributes: Value) -> (tempfile::TempDir, PathBuf) {
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    realm["clients"].as_array_mut().unwrap().extend(extra);
    realm["attributes"] = attributes;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.json");
    std::fs::write(&path, realm.to_string()).unwrap();
    (dir, path)
}

/// A public client allowed the device grant by Keycloak's attribute.
pub(crate) fn tv_client() -> Value {
    json!({
        "clientId": TV, "name": "Living-room TV", "enabled": true, "publicClient": true,
        "standardFlowEnabled": false, "defaultClientScopes": ["profile"],
        "optionalClientScopes": ["offline_access", "email"],
        "attributes": {"oauth2.device.authorization.grant.enabled": "true"}
    })
}

async fn server_with(attributes: Value) -> (TestServer, Arc<ManualClock>, tempfile::TempDir) {
    let (dir, file) = acme_with(vec![tv_client()], attributes);
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = TestServer::builder().import_realm(file).clock(clock.clone()).spawn().await;
    (server, clock, dir)
}

fn device_url(server: &TestServer) -> String {
    server.url("/realms/acme/protocol/openid-connect/auth/device")
}

pub(crate) async fn start(server: &TestServer, client: &str, scope: &str) -> reqwest::Response {
    let form = [("client_id", client), ("scope", scope)];
    server.http.post(device_url(server)).form(&form).send().await.unwrap()
}

async fn poll(server: &TestServer, client: &str, device_code: &str) -> reqwest::Response {
    let form = [("grant_type", DEVICE_GRANT), ("device_code", device_code), ("client_id", client)];
    server.http.post(server.token_url("acme")).form(&form).send().await.unwrap()
}

async fn poll_error(server: &TestServer, device_code: &str) -> String {
    let (status, error, _) = error_of(poll(server, TV, device_code).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    error
}

/// Opens the verification page, types `typed` into the code form, and returns the page that follows.
async fn enter_code(server: &TestServer, browser: &Browser<'_>, typed: &str) -> String {
    let page = browser.http.get(server.url("/realms/acme/device")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Enter the code shown on your device"), "{html}");
    let form = [("csrf", field(&html, "csrf")), ("user_code", typed.to_owned())];
    let next = browser.http.post(server.url(&form_action(&html))).form(&form).send().await.unwrap();
    next.text().await.unwrap()
}

async fn submit(server: &TestServer, browser: &Browser<'_>, html: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![("pending".to_owned(), field(html, "pending")), ("csrf".to_owned(), field(html, "csrf"))];
    form.extend(fields.iter().map(|(a, b)| (a.to_string(), b.to_string())));
    browser.http.post(server.url(&form_action(html))).form(&form).send().await.unwrap()
}

/// Signs wile in on the device flow's login page and returns the "allow this device?" page.
async fn sign_in(server: &TestServer, browser: &Browser<'_>, login_page: &str) -> String {
    assert!(login_page.contains("name=\"password\""), "{login_page}");
    let fields = [("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")];
    let consent = submit(server, browser, login_page, &fields).await;
    assert_eq!(consent.status(), 200);
    consent.text().await.unwrap()
}

#[tokio::test]
async fn device_authorization_answers_codes_and_verification_uris_rfc8628_3_2() {
    let (server, _clock, _dir) = server_with(json!({})).await;
    let response = start(&server, TV, "openid offline_access").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let user_code = body["user_code"].as_str().unwrap();
    // §6.1: 8 characters of a 20-consonant alphabet, shown as XXXX-XXXX.
    assert_eq!(user_code.len(), 9);
    assert_eq!(&user_code[4..5], "-");
    assert!(user_code.chars().filter(|c| *c != '-').all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c)), "{user_code}");
    assert!(body["device_code"].as_str().unwrap().len() >= 43);
    let verification = format!("{}/device", server.issuer("acme"));
    assert_eq!(body["verification_uri"], verification.as_str());
    assert_eq!(body["verification_uri_complete"], format!("{verification}?user_code={user_code}").as_str());
    assert_eq!((body["expires_in"].as_u64(), body["interval"].as_u64()), (Some(600), Some(5)));
}

#[tokio::test]
async fn clients_without_keycloaks_device_attribute_are_unauthorized_client_rfc8628_3_1_rfc6749_5_2() {
    let (server, _clock, _dir) = server_with(json!({})).await;
    let (status, error, _) = error_of(start(&server, SPA, "openid").await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "unauthorized_client"));
    let (status, error, _) = error_of(start(&server, "no-such-client", "openid").await).await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let (status, error, _) = error_of(start(&server, TV, "orders:write").await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_scope"));
    // §3.4: the same client must poll with the grant enabled, or it is unauthorized_client there too.
    let (_, error, _) = error_of(poll(&server, SPA, "whatever").await).await;
    assert_eq!(error, "unauthorized_client");
}

#[tokio::test]
async fn polling_is_pending_then_slow_down_then_tokens_exactly_once_after_approval_rfc8628_3_4_3_5() {
    let (server, clock, _dir) = server_with(json!({})).await;
    let body: Value = start(&server, TV, "openid offline_access").await.json().await.unwrap();
    let (device_code, user_code) = (body["device_code"].as_str().unwrap(), body["user_code"].as_str().unwrap());
    assert_eq!(poll_error(&server, device_code).await, "authorization_pending");
    // §3.5: polling faster than the interval is slow_down, and the interval grows by 5 s (to 10 s).
    clock.advance(2);
    assert_eq!(poll_error(&server, device_code).await, "slow_down");
    clock.advance(6);
    assert_eq!(poll_error(&server, device_code).await, "slow_down", "6 s is under the raised 10 s (now 15 s)");
    clock.advance(15);
    assert_eq!(poll_error(&server, device_code).await, "authorization_pending");

    // §3.3: the user types the code (any case, without the dash), signs in and allows the device.
    let browser = Browser::new(&server);
    let typed = user_code.replace('-', "").to_lowercase();
    let login = enter_code(&server, &browser, &typed).await;
    assert!(login.contains("Living-room TV"), "{login}");
    let consent = sign_in(&server, &browser, &login).await;
    assert!(consent.contains(user_code), "§5.4: the page repeats the code to compare: {consent}");
    let done = submit(&server, &browser, &consent, &[("action", "accept")]).await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("Device connected"));

    // Approved: tokens at once, whatever the interval, then never again.
    let response = poll(&server, TV, device_code).await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let access = claims_of(tokens["access_token"].as_str().unwrap());
    assert_eq!((access["azp"].as_str(), access["preferred_username"].as_str()), (Some(TV), Some("wile")));
    let id = claims_of(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], TV, "OIDC Core §2: an ID token for the device's client");
    assert!(tokens["refresh_token"].as_str().is_some(), "offline_access was granted");
    let (_, error, _) = error_of(poll(&server, TV, device_code).await).await;
    assert_eq!(error, "invalid_grant", "§3.5: a device code is single-use");
}

#[tokio::test]
async fn a_signed_in_user_goes_straight_to_the_question_and_a_denial_is_access_denied_rfc8628_3_3_3_5() {
    let (server, _clock, _dir) = server_with(json!({})).await;
    let browser = Browser::new(&server);
    let first: Value = start(&server, TV, "openid").await.json().await.unwrap();
    let login = enter_code(&server, &browser, first["user_code"].as_str().unwrap()).await;
    let consent = sign_in(&server, &browser, &login).await;
    submit(&server, &browser, &consent, &[("action", "accept")]).await;
    // A second device, through verification_uri_complete: the SSO session skips the login form.
    let second: Value = start(&server, TV, "openid").await.json().await.unwrap();
    let link = second["verification_uri_complete"].as_str().unwrap();
    let page = browser.http.get(link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Allow the device") && page.contains("wile"), "{page}");
    let denied = submit(&server, &browser, &page, &[("action", "deny")]).await;
    assert!(denied.text().await.unwrap().contains("Device denied"));
    assert_eq!(poll_error(&server, second["device_code"].as_str().unwrap()).await, "access_denied");
    // An answer is final: the same page cannot allow it afterwards.
    let again = submit(&server, &browser, &page, &[("action", "accept")]).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(poll_error(&server, second["device_code"].as_str().unwrap()).await, "access_denied");
}

#[tokio::test]
async fn an_expired_device_code_is_expired_token_and_its_user_code_no_longer_works_rfc8628_3_5() {
    let (server, clock, _dir) = server_with(json!({})).await;
    let body: Value = start(&server, TV, "openid").await.json().await.unwrap();
    clock.advance(601);
    assert_eq!(poll_error(&server, body["device_code"].as_str().unwrap()).await, "expired_token");
    let browser = Browser::new(&server);
    let page = enter_code(&server, &browser, body["user_code"].as_str().unwrap()).await;
    assert!(page.contains("not valid or has expired"), "{page}");
    let (_, error, _) = error_of(poll(&server, TV, "not-a-device-code").await).await;
    assert_eq!(error, "invalid_grant");
}

#[tokio::test]
async fn another_clients_device_code_is_invalid_grant_rfc8628_3_4() {
    let other = json!({
        "clientId": "kitchen-tv", "enabled": true, "publicClient": true, "standardFlowEnabled": false,
        "attributes": {"oauth2.device.authorization.grant.enabled": "true"}
    });
    let (_dir, file) = acme_with(vec![tv_client(), other], json!({}));
    let server = TestServer::builder().import_realm(file).spawn().await;
    let body: Value = start(&server, TV, "openid").await.json().await.unwrap();
    let (_, error, _) = error_of(poll(&server, "kitchen-tv", body["device_code"].as_str().unwrap()).await).await;
    assert_eq!(error, "invalid_grant");
}

#[tokio::test]
async fn wrong_user_codes_are_counted_per_address_and_lock_the_page_rfc8628_5_1() {
    let (server, _clock, _dir) = server_with(json!({"tessera.lockout.address.failures": "3"})).await;
    let body: Value = start(&server, TV, "openid").await.json().await.unwrap();
    let browser = Browser::new(&server);
    for guess in ["BBBB-BBBB", "CCCC-CCCC", "not a code"] {
        let page = enter_code(&server, &browser, guess).await;
        assert!(page.contains("not valid or has expired"), "{page}");
    }
    // The right code, after three wrong ones from this address: the guesses are bounded.
    let page = enter_code(&server, &browser, body["user_code"].as_str().unwrap()).await;
    assert!(page.contains("Too many wrong codes"), "{page}");
}

#[tokio::test]
async fn the_code_form_and_the_question_need_the_csrf_token_rfc8628_3_3() {
    let (server, _clock, _dir) = server_with(json!({})).await;
    let body: Value = start(&server, TV, "openid").await.json().await.unwrap();
    let user_code = body["user_code"].as_str().unwrap();
    let browser = Browser::new(&server);
    let forged = browser
        .http
        .post(server.url("/realms/acme/device"))
        .form(&[("user_code", user_code), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let login = enter_code(&server, &browser, user_code).await;
    let consent = sign_in(&server, &browser, &login).await;
    let forged = browser
        .http
        .post(server.url(&form_action(&consent)))
        .form(&[("pending", field(&consent, "pending").as_str()), ("csrf", "forged"), ("action", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(poll_error(&server, body["device_code"].as_str().unwrap()).await, "authorization_pending");
}
