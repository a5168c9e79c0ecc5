//! OpenID Connect Back-Channel Logout 1.0: when a session ends, each client it signed in to that registered
//! a `backchannel.logout.url` (Keycloak's client attribute) receives a signed Logout Token, POSTed in the
//! background with retries. A real HTTP receiver on 127.0.0.1 stands for the client.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use serde_json::{Value, json};
use tessera_core::audit::{AuditKind, AuditQuery};
use tessera_core::ports::AuditStore;
use tessera_testkit::TestServer;
use tokio::sync::mpsc;

use crate::admin::{ADMIN_PASSWORD, call, master_token};
use crate::signin::{Browser, SPA, fixture, pkce, redeem_spa};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// What the receiver got: the Content-Type and the form body of each successful POST.
struct Receiver {
    failures_left: AtomicUsize,
    attempts: AtomicUsize,
    got: mpsc::UnboundedSender<(String, String)>,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: String) -> StatusCode {
    r.attempts.fetch_add(1, Ordering::SeqCst);
    let failing = r.failures_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if failing {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let _ = r.got.send((content_type, body));
    StatusCode::OK
}

/// A receiver that answers 503 `failures` times before it accepts; its URL and what it accepted.
async fn receiver(failures: usize) -> (String, Arc<Receiver>, mpsc::UnboundedReceiver<(String, String)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state =
        Arc::new(Receiver { failures_left: AtomicUsize::new(failures), attempts: AtomicUsize::new(0), got: tx });
    let app = axum::Router::new().route("/backchannel", axum::routing::post(receive)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/backchannel", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state, rx)
}

/// The acme realm with the storefront registered for back-channel logout at `url` (the back office, which
/// the same session also signs in to in some tests, has no URL), and an administrator. Retries come after
/// 200 ms, then 400 ms (the defaults are longer).
async fn server_with_receiver(url: &str) -> (TestServer, tempfile::TempDir) {
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    let storefront = realm["clients"].as_array_mut().unwrap().iter_mut().find(|c| c["clientId"] == SPA).unwrap();
    storefront["attributes"]["backchannel.logout.url"] = json!(url);
    storefront["attributes"]["backchannel.logout.session.required"] = json!("true");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.json");
    std::fs::write(&path, realm.to_string()).unwrap();
    let server = TestServer::builder()
        .import_realm(path)
        .configure(|c| {
            c.bootstrap_admin = Some(("admin".into(), ADMIN_PASSWORD.to_owned().into()));
            c.backchannel_logout_retry_delays = vec![Duration::from_millis(200), Duration::from_millis(400)];
        })
        .spawn()
        .await;
    (server, dir)
}

/// Signs wile in to the storefront in a browser; the ID token (its `sid` names the session).
async fn sign_in(server: &TestServer, browser: &Browser<'_>) -> Value {
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let tokens: Value = redeem_spa(server, &code, &p.verifier).await.json().await.unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();
    let claims = crate::support::claims_of(id_token);
    json!({ "id_token": id_token, "sid": claims["sid"], "sub": claims["sub"] })
}

async fn next_token(rx: &mut mpsc::UnboundedReceiver<(String, String)>, within: Duration) -> String {
    let (content_type, body) = tokio::time::timeout(within, rx.recv()).await.expect("a logout token arrives").unwrap();
    // §2.5: "using the application/x-www-form-urlencoded encoding".
    assert!(content_type.starts_with("application/x-www-form-urlencoded"), "{content_type}");
    let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    assert_eq!(form.len(), 1, "{body}");
    assert_eq!(form[0].0, "logout_token");
    form[0].1.clone()
}

/// §2.6: verifies the Logout Token as an RP must: the signature against the realm's JWKS, `iss`, `aud`,
/// `iat`/`exp`, `typ`, `events`, no `nonce`; returns its claims.
async fn verify_logout_token(server: &TestServer, token: &str) -> Value {
    let header = decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"), "§2.4 explicit typing");
    let jwks: JwkSet = server.http.get(server.certs_url("acme")).send().await.unwrap().json().await.unwrap();
    let jwk = jwks.find(&header.kid.clone().expect("kid")).expect("signed with a published key");
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[server.issuer("acme")]);
    validation.set_audience(&[SPA]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "iat"]);
    let claims = decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .expect("verifies against the realm's JWKS")
        .claims;
    assert_eq!(claims["events"], json!({ EVENT: {} }), "§2.4 events");
    assert!(claims.get("nonce").is_none(), "§2.4: a nonce MUST NOT be present");
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()), "§2.4 jti");
    let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    assert!(iat < exp && exp - iat <= 300, "§2.4 a short-lived token: {iat}..{exp}");
    claims
}

/// RP-Initiated Logout §2 with the ID token as hint: the browser's session ends at once.
async fn rp_logout(server: &TestServer, browser: &Browser<'_>, signed_in: &Value) -> reqwest::Response {
    let hint = signed_in["id_token"].as_str().unwrap();
    let logout = browser.http.get(server.url("/realms/acme/protocol/openid-connect/logout"));
    logout.query(&[("id_token_hint", hint)]).send().await.unwrap()
}

#[tokio::test]
async fn rp_initiated_logout_posts_a_signed_logout_token_with_sid_and_no_nonce_backchannel_2_4_2_5() {
    let (url, _receiver, mut rx) = receiver(0).await;
    let (server, _dir) = server_with_receiver(&url).await;
    let browser = Browser::new(&server);
    let signed_in = sign_in(&server, &browser).await;
    let out = rp_logout(&server, &browser, &signed_in).await;
    assert!(out.status().is_success(), "{}", out.status());
    let token = next_token(&mut rx, Duration::from_secs(3)).await;
    let claims = verify_logout_token(&server, &token).await;
    assert_eq!(claims["sid"], signed_in["sid"], "§2.4 sid names the session that ended");
    assert_eq!(claims["sub"], signed_in["sub"]);
}

#[tokio::test]
async fn an_admin_logout_of_the_user_delivers_a_logout_token_too_backchannel_2_7() {
    let (url, _receiver, mut rx) = receiver(0).await;
    let (server, _dir) = server_with_receiver(&url).await;
    let browser = Browser::new(&server);
    let signed_in = sign_in(&server, &browser).await;
    let admin = master_token(&server).await;
    let path = format!("/admin/realms/acme/users/{}/logout", signed_in["sub"].as_str().unwrap());
    let (status, _, _) = call(&server, reqwest::Method::POST, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let claims = verify_logout_token(&server, &next_token(&mut rx, Duration::from_secs(3)).await).await;
    assert_eq!(claims["sid"], signed_in["sid"]);
    assert_eq!(claims["sub"], signed_in["sub"]);
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_logout_token_on_a_retry_backchannel_2_8() {
    let (url, receiver, mut rx) = receiver(2).await;
    let (server, _dir) = server_with_receiver(&url).await;
    let browser = Browser::new(&server);
    let signed_in = sign_in(&server, &browser).await;
    let started = std::time::Instant::now();
    let out = rp_logout(&server, &browser, &signed_in).await;
    assert!(out.status().is_success(), "the user's logout does not wait on the client: {}", out.status());
    assert!(receiver.attempts.load(Ordering::SeqCst) < 3, "the logout answered without waiting for the retries");
    let token = next_token(&mut rx, Duration::from_secs(3)).await;
    assert!(started.elapsed() >= Duration::from_millis(600), "delivered on the second retry, after both waits");
    verify_logout_token(&server, &token).await;
    assert_eq!(receiver.attempts.load(Ordering::SeqCst), 3, "two failures, then the delivery");
}

#[tokio::test]
async fn a_client_without_a_backchannel_logout_url_gets_nothing_backchannel_2_2() {
    let (url, receiver, mut rx) = receiver(0).await;
    let (server, _dir) = server_with_receiver(&url).await;
    // The session signs in to the storefront (with a URL) and to the back office (without one).
    let browser = Browser::new(&server);
    let signed_in = sign_in(&server, &browser).await;
    let web = [
        ("client_id", crate::signin::WEB),
        ("redirect_uri", crate::signin::WEB_REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
    ];
    let html = browser.authorize(&web).await.text().await.unwrap();
    let granted = browser.submit(&html, &[("action", "accept")]).await;
    assert_eq!(granted.status(), StatusCode::FOUND, "the back office got its code in the same session");
    let out = rp_logout(&server, &browser, &signed_in).await;
    assert!(out.status().is_success());
    let claims = verify_logout_token(&server, &next_token(&mut rx, Duration::from_secs(3)).await).await;
    assert_eq!(claims["aud"], SPA, "only the storefront registered a URL");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(rx.try_recv().is_err(), "no second delivery");
    assert_eq!(receiver.attempts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn discovery_advertises_backchannel_logout_with_sid_backchannel_2_1() {
    let server = crate::signin::acme().await;
    let metadata: Value = server
        .http
        .get(server.url("/realms/acme/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["backchannel_logout_supported"], true);
    assert_eq!(metadata["backchannel_logout_session_supported"], true);
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_is_given_up_and_audited_never_the_users_error_backchannel_2_8() {
    let (url, receiver, _rx) = receiver(usize::MAX).await;
    let (server, _dir) = server_with_receiver(&url).await;
    let browser = Browser::new(&server);
    let signed_in = sign_in(&server, &browser).await;
    let out = rp_logout(&server, &browser, &signed_in).await;
    assert!(out.status().is_success(), "{}", out.status());
    let failed =
        AuditQuery { realm: "acme".into(), kind: Some(AuditKind::BackchannelLogoutFailed), ..AuditQuery::default() };
    let audited = TestServer::eventually(Duration::from_secs(4), || async {
        !server.store.audit_events(&failed).await.unwrap().is_empty()
    })
    .await;
    assert!(audited.is_some(), "the failure is in the audit trail");
    let events = server.store.audit_events(&failed).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].client_id.as_deref(), Some(SPA));
    assert_eq!(receiver.attempts.load(Ordering::SeqCst), 3, "the first attempt and two retries");
}

#[tokio::test]
async fn disabling_the_user_through_the_admin_api_delivers_a_logout_token_backchannel_2_7() {
    let (url, _receiver, mut rx) = receiver(0).await;
    let (server, _dir) = server_with_receiver(&url).await;
    let browser = Browser::new(&server);
    let signed_in = sign_in(&server, &browser).await;
    let admin = master_token(&server).await;
    let path = format!("/admin/realms/acme/users/{}", signed_in["sub"].as_str().unwrap());
    let (status, _, _) =
        call(&server, reqwest::Method::PUT, &path, Some(&admin), Some(json!({ "enabled": false }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let claims = verify_logout_token(&server, &next_token(&mut rx, Duration::from_secs(3)).await).await;
    assert_eq!(claims["sid"], signed_in["sid"]);
}

#[tokio::test]
async fn keycloaks_logout_with_a_refresh_token_delivers_a_logout_token_backchannel_2_7() {
    let (url, _receiver, mut rx) = receiver(0).await;
    let (server, _dir) = server_with_receiver(&url).await;
    let browser = Browser::new(&server);
    // Without offline_access: the refresh token belongs to the SSO session.
    let p = pkce();
    let params = [
        ("client_id", SPA),
        ("redirect_uri", crate::signin::SPA_REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "st"),
        ("code_challenge", p.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let done = browser.login(browser.authorize(&params).await, "wile", "Super-Genius-1949").await;
    let location = done.headers()["location"].to_str().unwrap().to_owned();
    let code = crate::signin::query_of(&location)["code"].clone();
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let sid = crate::support::claims_of(tokens["id_token"].as_str().unwrap())["sid"].clone();
    let form = [("client_id", SPA), ("refresh_token", tokens["refresh_token"].as_str().unwrap())];
    let out =
        server.http.post(server.url("/realms/acme/protocol/openid-connect/logout")).form(&form).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let claims = verify_logout_token(&server, &next_token(&mut rx, Duration::from_secs(3)).await).await;
    assert_eq!(claims["sid"], sid);
}
