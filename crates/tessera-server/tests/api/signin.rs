//! People signing in: the authorization endpoint, login and consent pages, the code, refresh and password
//! grants, ID tokens, userinfo and logout, driven over HTTP by a cookie-keeping client like a browser.

use std::path::PathBuf;
use std::sync::Arc;

use aws_lc_rs::digest;
use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_SECURITY_POLICY, LOCATION, REFERRER_POLICY, SET_COOKIE, WWW_AUTHENTICATE, X_FRAME_OPTIONS,
};
use serde_json::Value;
use tessera_core::clock::ManualClock;
use tessera_testkit::TestServer;

use crate::support::{b64, claims_of};

const SPA: &str = "storefront";
const SPA_REDIRECT: &str = "https://shop.acme.test/callback";
const WEB: &str = "backoffice";
const WEB_SECRET: &str = "backoffice-secret-0d2e8b6a4c7f1359";
const WEB_REDIRECT: &str = "https://admin.acme.test/oauth/callback";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json")
}

/// The acme realm with extra realm attributes (written into a copy of the fixture).
fn fixture_with(attributes: Value) -> (tempfile::TempDir, PathBuf) {
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    realm["attributes"] = attributes;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.json");
    std::fs::write(&path, realm.to_string()).unwrap();
    (dir, path)
}

async fn acme() -> TestServer {
    TestServer::builder().import_realm(fixture()).spawn().await
}

/// A browser: keeps cookies, does not follow redirects (the test reads each `Location`).
struct Browser<'a> {
    server: &'a TestServer,
    http: reqwest::Client,
}

struct Pkce {
    verifier: String,
    challenge: String,
}

fn pkce() -> Pkce {
    let verifier = b64(tessera_core::secret::random_token(32).unwrap().as_bytes());
    let challenge = b64(digest::digest(&digest::SHA256, verifier.as_bytes()).as_ref());
    Pkce { verifier, challenge }
}

/// The `value` of the form field `name` in a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no field {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

fn form_action(html: &str) -> String {
    let start = html.find("action=\"").unwrap() + "action=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

impl<'a> Browser<'a> {
    fn new(server: &'a TestServer) -> Self {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { server, http }
    }

    fn auth_url(&self) -> String {
        self.server.url("/realms/acme/protocol/openid-connect/auth")
    }

    async fn authorize(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.http.get(self.auth_url()).query(params).send().await.unwrap()
    }

    /// The storefront's request, as an SPA would send it.
    async fn authorize_spa(&self, pkce: &Pkce, extra: &[(&str, &str)]) -> reqwest::Response {
        let mut params = vec![
            ("client_id", SPA),
            ("redirect_uri", SPA_REDIRECT),
            ("response_type", "code"),
            ("scope", "openid profile email offline_access"),
            ("state", "st-123"),
            ("nonce", "n-0S6_WzA2Mj"),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        params.extend_from_slice(extra);
        self.authorize(&params).await
    }

    async fn submit(&self, html: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("pending".to_owned(), field(html, "pending")), ("csrf".to_owned(), field(html, "csrf"))];
        form.extend(fields.iter().map(|(a, b)| (a.to_string(), b.to_string())));
        self.http.post(self.server.url(&form_action(html))).form(&form).send().await.unwrap()
    }

    async fn login(&self, page: reqwest::Response, username: &str, password: &str) -> reqwest::Response {
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        self.submit(&html, &[("username", username), ("password", password), ("action", "login")]).await
    }

    /// Signs wile in to the storefront and returns the code from the redirect.
    async fn spa_code(&self, pkce: &Pkce) -> String {
        let done = self.login(self.authorize_spa(pkce, &[]).await, "wile", "Super-Genius-1949").await;
        assert_eq!(done.status(), StatusCode::FOUND);
        let location = done.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(location.starts_with(SPA_REDIRECT), "{location}");
        query_of(&location)["code"].clone()
    }
}

async fn redeem_spa(server: &TestServer, code: &str, verifier: &str) -> reqwest::Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", SPA_REDIRECT),
        ("client_id", SPA),
        ("code_verifier", verifier),
    ];
    server.http.post(server.token_url("acme")).form(&form).send().await.unwrap()
}

async fn refresh(server: &TestServer, client: &str, token: &str) -> reqwest::Response {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", client)];
    server.http.post(server.token_url("acme")).form(&form).send().await.unwrap()
}

async fn userinfo(server: &TestServer, token: &str) -> reqwest::Response {
    server
        .http
        .get(server.url("/realms/acme/protocol/openid-connect/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (status, body["error"].as_str().unwrap().to_owned(), body["error_description"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn code_flow_with_pkce_signs_in_and_issues_id_access_and_refresh_tokens_rfc6749_4_1_oidc_core_3_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let pkce = pkce();
    let page = browser.authorize_spa(&pkce, &[]).await;
    assert_eq!(page.status(), 200);
    let h = page.headers();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(h[CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h[X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[REFERRER_POLICY], "no-referrer");
    let csrf_cookie =
        h.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap()).find(|c| c.starts_with("TESSERA_CSRF=")).unwrap();
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"), "{csrf_cookie}");
    let html = page.text().await.unwrap();
    assert!(html.contains("ACME Corp") && html.contains("Storefront SPA") && html.contains(">Cancel<"), "{html}");

    let done =
        browser.submit(&html, &[("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")]).await;
    assert_eq!(done.status(), StatusCode::FOUND);
    let session_cookie = done
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("TESSERA_SESSION="))
        .unwrap();
    assert!(session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"));
    assert!(!session_cookie.contains("Secure"), "plain-http dev server: no Secure flag");
    let location = done.headers()[LOCATION].to_str().unwrap().to_owned();
    let q = query_of(&location);
    assert_eq!(q["state"], "st-123");
    assert_eq!(q["iss"], server.issuer("acme"), "RFC 9207 iss");

    let response = redeem_spa(&server, &q["code"], &pkce.verifier).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    let id = body["id_token"].as_str().unwrap();
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43, "public client with offline_access gets one");
    assert!(body["refresh_expires_in"].as_u64().unwrap() > 0);
    let at = claims_of(access);
    assert_eq!(at["sub"], "u1");
    assert_eq!(at["preferred_username"], "wile");
    assert!(at["scope"].as_str().unwrap().contains("openid"));
    let claims = claims_of(id);
    assert_eq!(claims["aud"], SPA);
    assert_eq!(claims["azp"], SPA);
    assert_eq!(claims["iss"], server.issuer("acme"));
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["sub"], "u1");
    assert_eq!(claims["email"], "wile@acme.test");
    assert_eq!(claims["name"], "Wile E. Coyote");
    assert_eq!(claims["sid"], at["sid"]);
    assert!(claims["auth_time"].as_i64().unwrap() <= claims["iat"].as_i64().unwrap());
    // OIDC Core §3.1.3.6: at_hash is the left half of SHA-256 of the access token.
    let hash = digest::digest(&digest::SHA256, access.as_bytes());
    assert_eq!(claims["at_hash"], b64(&hash.as_ref()[..16]));
    // The ID token verifies against the served JWKS with an independent library.
    let header = jsonwebtoken::decode_header(id).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let jwks: jsonwebtoken::jwk::JwkSet =
        server.http.get(server.certs_url("acme")).send().await.unwrap().json().await.unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwks.find(header.kid.as_deref().unwrap()).unwrap()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&[SPA]);
    v.set_issuer(&[server.issuer("acme")]);
    jsonwebtoken::decode::<Value>(id, &key, &v).unwrap();
    // userinfo (OIDC Core §5.3) with the access token.
    let info: Value = userinfo(&server, access).await.json().await.unwrap();
    assert_eq!(info["sub"], "u1");
    assert_eq!(info["email_verified"], true);
}

#[tokio::test]
async fn a_second_client_signs_in_through_the_sso_cookie_and_consent_is_remembered_oidc_core_3_1_2_4() {
    let server = acme().await;
    let browser = Browser::new(&server);
    browser.spa_code(&pkce()).await;
    let web = [
        ("client_id", WEB),
        ("redirect_uri", WEB_REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "w1"),
    ];
    let consent = browser.authorize(&web).await;
    assert_eq!(consent.status(), 200, "no password asked: the SSO session signs the user in");
    let html = consent.text().await.unwrap();
    assert!(
        html.contains("Allow Back office") && html.contains("Read your orders") && !html.contains("password"),
        "{html}"
    );
    let granted = browser.submit(&html, &[("action", "accept")]).await;
    assert_eq!(granted.status(), StatusCode::FOUND);
    let q = query_of(granted.headers()[LOCATION].to_str().unwrap());
    assert_eq!(q["state"], "w1");
    // Confidential client, no PKCE: the code redeems with its secret.
    let form = [("grant_type", "authorization_code"), ("code", q["code"].as_str()), ("redirect_uri", WEB_REDIRECT)];
    let tokens =
        server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    let body: Value = tokens.json().await.unwrap();
    assert!(body["refresh_token"].is_string(), "confidential clients get refresh tokens");
    // Remembered: straight to the code next time.
    let again = browser.authorize(&web).await;
    assert_eq!(again.status(), StatusCode::FOUND);
    assert!(query_of(again.headers()[LOCATION].to_str().unwrap()).contains_key("code"));
    // prompt=consent asks again.
    let mut asked = web.to_vec();
    asked.push(("prompt", "consent"));
    assert_eq!(browser.authorize(&asked).await.status(), 200);
}

#[tokio::test]
async fn denying_consent_or_cancelling_login_returns_access_denied_rfc6749_4_1_2_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let page = browser.authorize_spa(&pkce(), &[]).await.text().await.unwrap();
    let cancelled = browser.submit(&page, &[("action", "cancel")]).await;
    assert_eq!(cancelled.status(), StatusCode::FOUND);
    let q = query_of(cancelled.headers()[LOCATION].to_str().unwrap());
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("access_denied", "st-123"));

    browser.spa_code(&pkce()).await;
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code")];
    let html = browser.authorize(&web).await.text().await.unwrap();
    let denied = browser.submit(&html, &[("action", "deny")]).await;
    assert_eq!(query_of(denied.headers()[LOCATION].to_str().unwrap())["error"], "access_denied");
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_the_tokens_of_its_first_use_rfc6749_4_1_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let pkce = pkce();
    let code = browser.spa_code(&pkce).await;
    let first: Value = redeem_spa(&server, &code, &pkce.verifier).await.json().await.unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&server, access).await.status(), 200);
    let (status, error, _) = error_of(redeem_spa(&server, &code, &pkce.verifier).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    assert_eq!(userinfo(&server, access).await.status(), 401, "the first access token is revoked");
    let (_, error, _) = error_of(refresh(&server, SPA, first["refresh_token"].as_str().unwrap()).await).await;
    assert_eq!(error, "invalid_grant", "the first refresh token is revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_redemptions_of_one_code_yield_exactly_one_success_rfc6749_4_1_2() {
    let server = Arc::new(acme().await);
    let browser = Browser::new(&server);
    let pkce = pkce();
    let code = browser.spa_code(&pkce).await;
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let (server, code, verifier) = (server.clone(), code.clone(), pkce.verifier.clone());
            tokio::spawn(async move { redeem_spa(&server, &code, &verifier).await.status() })
        })
        .collect();
    let mut ok = 0;
    for a in attempts {
        let status = a.await.unwrap();
        assert!(status == 200 || status == 400, "{status}");
        ok += usize::from(status == 200);
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn pkce_is_required_plain_is_refused_and_verifiers_must_match_rfc7636_4_4_1_rfc9700_2_1_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let base = [("client_id", SPA), ("redirect_uri", SPA_REDIRECT), ("response_type", "code"), ("state", "s")];
    let p = pkce();
    for extra in [
        vec![],
        vec![("code_challenge", p.challenge.as_str()), ("code_challenge_method", "plain")],
        vec![("code_challenge", p.challenge.as_str())],
    ] {
        let mut params = base.to_vec();
        params.extend(extra);
        let refused = browser.authorize(&params).await;
        assert_eq!(refused.status(), StatusCode::FOUND);
        let q = query_of(refused.headers()[LOCATION].to_str().unwrap());
        assert_eq!((q["error"].as_str(), q["state"].as_str()), ("invalid_request", "s"), "{params:?}");
    }
    // A wrong verifier is invalid_grant (§4.6).
    let code = browser.spa_code(&p).await;
    let (_, error, _) = error_of(redeem_spa(&server, &code, &pkce().verifier).await).await;
    assert_eq!(error, "invalid_grant");
    // Downgrade: a code issued without a challenge cannot be redeemed with a verifier (RFC 9700 §2.1.1).
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code")];
    let html = browser.authorize(&web).await.text().await.unwrap();
    let granted = browser.submit(&html, &[("action", "accept")]).await;
    let code = query_of(granted.headers()[LOCATION].to_str().unwrap())["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", WEB_REDIRECT),
        ("code_verifier", p.verifier.as_str()),
    ];
    let response =
        server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "invalid_grant");
}

#[tokio::test]
async fn redirect_uri_tricks_get_an_error_page_and_never_a_redirect_rfc6749_3_1_2_rfc9700_4_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    for uri in [
        "https://evil.test/callback",
        "https://shop.acme.test/callback/extra",
        "https://shop.acme.test/callback?next=https://evil.test",
        "https://attacker@shop.acme.test/callback",
        "https://shop.acme.test/callback#frag",
        "http://127.0.0.1:5173/../admin",
        "http://127.0.0.1:9999/other",
    ] {
        let params = [
            ("client_id", SPA),
            ("redirect_uri", uri),
            ("response_type", "code"),
            ("code_challenge", p.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        let response = browser.authorize(&params).await;
        assert_eq!(response.status(), 400, "{uri}");
        assert!(response.headers().get(LOCATION).is_none(), "{uri} must not redirect");
        assert!(response.text().await.unwrap().contains("not registered"), "{uri}");
    }
    // Keycloak's trailing wildcard: a path prefix on the same origin (the loopback port is part of the origin).
    let ok = [
        ("client_id", SPA),
        ("redirect_uri", "http://127.0.0.1:5173/app/cb"),
        ("response_type", "code"),
        ("code_challenge", p.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    assert_eq!(browser.authorize(&ok).await.status(), 200);
    let unknown = [("client_id", "nobody"), ("redirect_uri", SPA_REDIRECT), ("response_type", "code")];
    let response = browser.authorize(&unknown).await;
    assert_eq!(response.status(), 400);
    assert!(response.headers().get(LOCATION).is_none());
}

#[tokio::test]
async fn implicit_and_hybrid_are_unsupported_response_type_by_redirect_rfc6749_4_1_2_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    for rt in ["token", "id_token token", "code id_token"] {
        let response = browser
            .authorize(&[("client_id", SPA), ("redirect_uri", SPA_REDIRECT), ("response_type", rt), ("state", "x")])
            .await;
        assert_eq!(response.status(), StatusCode::FOUND);
        let q = query_of(response.headers()[LOCATION].to_str().unwrap());
        assert_eq!((q["error"].as_str(), q["state"].as_str()), ("unsupported_response_type", "x"), "{rt}");
    }
}

#[tokio::test]
async fn a_form_without_the_csrf_token_or_with_another_browsers_is_refused() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let html = browser.authorize_spa(&pkce(), &[]).await.text().await.unwrap();
    let action = server.url(&form_action(&html));
    let pending = field(&html, "pending");
    let missing =
        [("pending", pending.as_str()), ("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")];
    let response = browser.http.post(&action).form(&missing).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get(LOCATION).is_none());
    // The right token from a browser without the cookie (a cross-site post) fails too.
    let csrf = field(&html, "csrf");
    let stranger = Browser::new(&server);
    let forged = [
        ("pending", pending.as_str()),
        ("csrf", csrf.as_str()),
        ("username", "wile"),
        ("password", "Super-Genius-1949"),
        ("action", "login"),
    ];
    assert_eq!(stranger.http.post(&action).form(&forged).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn prompt_none_prompt_login_and_max_age_are_honoured_oidc_core_3_1_2_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let response = browser.authorize_spa(&p, &[("prompt", "none")]).await;
    assert_eq!(query_of(response.headers()[LOCATION].to_str().unwrap())["error"], "login_required");
    browser.spa_code(&p).await;
    let silent = browser.authorize_spa(&p, &[("prompt", "none")]).await;
    assert!(query_of(silent.headers()[LOCATION].to_str().unwrap()).contains_key("code"));
    assert_eq!(browser.authorize_spa(&p, &[("prompt", "login")]).await.status(), 200, "the form again");
    let hinted =
        browser.authorize_spa(&p, &[("prompt", "login"), ("login_hint", "roadrunner")]).await.text().await.unwrap();
    assert!(hinted.contains("value=\"roadrunner\""));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(browser.authorize_spa(&p, &[("max_age", "0")]).await.status(), 200, "too old a sign-in");
}

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
async fn sso_idle_timeout_ends_the_session_and_its_refresh_tokens() {
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = TestServer::builder().import_realm(fixture()).clock(clock.clone()).spawn().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code"), ("scope", "openid")];
    let html = browser.authorize(&web).await.text().await.unwrap();
    let granted = browser.submit(&html, &[("action", "accept")]).await;
    let web_code = query_of(granted.headers()[LOCATION].to_str().unwrap())["code"].clone();
    let form = [("grant_type", "authorization_code"), ("code", web_code.as_str()), ("redirect_uri", WEB_REDIRECT)];
    let web_tokens: Value = server
        .http
        .post(server.token_url("acme"))
        .basic_auth(WEB, Some(WEB_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(web_tokens["refresh_expires_in"], 1800, "the realm's ssoSessionIdleTimeout");
    drop(code);
    clock.advance(1801);
    assert_eq!(browser.authorize_spa(&p, &[]).await.status(), 200, "idle too long: the login form again");
    let form = [("grant_type", "refresh_token"), ("refresh_token", web_tokens["refresh_token"].as_str().unwrap())];
    let response =
        server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "invalid_grant");
}

#[tokio::test]
async fn userinfo_needs_a_bearer_token_with_openid_rfc6750_3_1() {
    let server = acme().await;
    let url = server.url("/realms/acme/protocol/openid-connect/userinfo");
    let none = server.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()[WWW_AUTHENTICATE], "Bearer realm=\"tessera\"");
    let bad = userinfo(&server, "not-a-token").await;
    assert_eq!(bad.status(), 401);
    assert!(bad.headers()[WWW_AUTHENTICATE].to_str().unwrap().contains("error=\"invalid_token\""));
    let m2m = server.access_token("acme", "billing-service", "billing-service-secret-77f0c2b5d1e94a3c").await;
    let no_openid = userinfo(&server, &m2m).await;
    assert_eq!(no_openid.status(), 403);
    assert!(no_openid.headers()[WWW_AUTHENTICATE].to_str().unwrap().contains("insufficient_scope"));
    // RFC 6750 §2.2: the token in a POST body works too.
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let posted = server
        .http
        .post(&url)
        .form(&[("access_token", tokens["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
}

#[tokio::test]
async fn the_password_grant_is_only_for_direct_access_clients_and_locks_out_after_failures_rfc6749_4_3() {
    use tessera_core::provisioning::NewClient;
    let server = acme().await;
    let migration = server
        .client(
            "acme",
            NewClient {
                client_id: "importer".into(),
                direct_access_grants: true,
                default_scopes: vec!["profile".into()],
                ..NewClient::default()
            },
        )
        .await;
    let grant = |client: &str, secret: &str, password: &str| {
        let form =
            [("grant_type", "password"), ("username", "roadrunner"), ("password", password), ("scope", "openid")];
        server.http.post(server.token_url("acme")).basic_auth(client, Some(secret)).form(&form).send()
    };
    let (status, error, _) = error_of(grant(WEB, WEB_SECRET, "Beep-Beep-Meep-2024").await.unwrap()).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "unauthorized_client"));
    let ok: Value = grant("importer", &migration.secret, "Beep-Beep-Meep-2024").await.unwrap().json().await.unwrap();
    assert!(ok["id_token"].is_string() && ok["refresh_token"].is_string(), "{ok}");
    for _ in 0..5 {
        assert_eq!(error_of(grant("importer", &migration.secret, "wrong").await.unwrap()).await.1, "invalid_grant");
    }
    let (_, error, description) =
        error_of(grant("importer", &migration.secret, "Beep-Beep-Meep-2024").await.unwrap()).await;
    assert_eq!(error, "invalid_grant");
    assert!(description.contains("too many"), "locked out even with the right password: {description}");
}

#[tokio::test]
async fn the_login_page_says_when_the_password_is_wrong_and_when_the_account_is_locked() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let mut page = browser.authorize_spa(&pkce(), &[]).await.text().await.unwrap();
    for _ in 0..4 {
        let again = browser.submit(&page, &[("username", "wile"), ("password", "nope"), ("action", "login")]).await;
        assert_eq!(again.status(), 200);
        page = again.text().await.unwrap();
        assert!(page.contains("role=\"alert\"") && page.contains("Invalid username or password."), "{page}");
        assert!(page.contains("value=\"wile\""), "the username is kept");
    }
    let locked = browser
        .submit(&page, &[("username", "wile"), ("password", "nope"), ("action", "login")])
        .await
        .text()
        .await
        .unwrap();
    assert!(locked.contains("Too many failed attempts"), "{locked}");
    let still =
        browser.submit(&locked, &[("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")]).await;
    assert_eq!(still.status(), 200, "no redirect while locked");
    let unknown = browser
        .submit(&locked, &[("username", "nobody"), ("password", "x"), ("action", "login")])
        .await
        .text()
        .await
        .unwrap();
    assert!(unknown.contains("Invalid username or password."), "unknown users look like wrong passwords");
}

#[tokio::test]
async fn logout_ends_the_session_revokes_its_refresh_tokens_and_checks_the_redirect_rp_initiated_logout_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let hint = tokens["id_token"].as_str().unwrap();
    let url = server.url("/realms/acme/protocol/openid-connect/logout");
    let bad = browser
        .http
        .get(&url)
        .query(&[("id_token_hint", hint), ("post_logout_redirect_uri", "https://evil.test/")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.headers().get(LOCATION).is_none());
    let out = browser
        .http
        .get(&url)
        .query(&[("id_token_hint", hint), ("post_logout_redirect_uri", "https://shop.acme.test/"), ("state", "bye")])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::FOUND);
    assert_eq!(out.headers()[LOCATION], "https://shop.acme.test/?state=bye");
    // The offline token survives logout (Keycloak); a session token does not.
    let offline = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&server, SPA, offline).await.status(), 200);
    assert_eq!(browser.authorize_spa(&p, &[]).await.status(), 200, "signed out: the form again");

    // Without a hint, the user confirms first.
    let code = browser.spa_code(&p).await;
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code"), ("scope", "openid")];
    let html = browser.authorize(&web).await.text().await.unwrap();
    let granted = browser.submit(&html, &[("action", "accept")]).await;
    let web_code = query_of(granted.headers()[LOCATION].to_str().unwrap())["code"].clone();
    let form = [("grant_type", "authorization_code"), ("code", web_code.as_str()), ("redirect_uri", WEB_REDIRECT)];
    let web_tokens: Value = server
        .http
        .post(server.token_url("acme"))
        .basic_auth(WEB, Some(WEB_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    drop(code);
    let confirm = browser.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(confirm.contains("Do you want to sign out?"));
    let done = browser
        .http
        .post(&url)
        .form(&[("csrf", field(&confirm, "csrf").as_str()), ("action", "logout")])
        .send()
        .await
        .unwrap();
    assert!(done.text().await.unwrap().contains("You are signed out"));
    let form = [("grant_type", "refresh_token"), ("refresh_token", web_tokens["refresh_token"].as_str().unwrap())];
    let response =
        server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "invalid_grant", "the session's refresh token is revoked");
    assert_eq!(userinfo(&server, web_tokens["access_token"].as_str().unwrap()).await.status(), 401);
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
