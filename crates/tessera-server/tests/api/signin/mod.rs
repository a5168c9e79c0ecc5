//! People signing in: the authorization endpoint, login and consent pages, the code, refresh and password
//! grants, ID tokens, userinfo and logout, driven over HTTP by a cookie-keeping client like a browser.
//! The fixture and helpers here (`acme`, `Browser`, `pkce`, …) are the crate's, shared with `attacks`.

mod code_flow;
mod consent;
mod login_page;
mod password_grant;
mod refresh;
mod required_actions;
mod session;
mod userinfo;

use std::path::PathBuf;

use aws_lc_rs::digest;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;
use tessera_testkit::TestServer;

use crate::support::b64;

pub(crate) const SPA: &str = "storefront";
pub(crate) const SPA_REDIRECT: &str = "https://shop.acme.test/callback";
pub(crate) const WEB: &str = "backoffice";
pub(crate) const WEB_SECRET: &str = "backoffice-secret-0d2e8b6a4c7f1359";
pub(crate) const WEB_REDIRECT: &str = "https://admin.acme.test/oauth/callback";

pub(crate) fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json")
}

/// The acme realm with extra realm attributes (written into a copy of the fixture).
pub(crate) fn fixture_with(attributes: Value) -> (tempfile::TempDir, PathBuf) {
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    realm["attributes"] = attributes;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.json");
    std::fs::write(&path, realm.to_string()).unwrap();
    (dir, path)
}

pub(crate) async fn acme() -> TestServer {
    TestServer::builder().import_realm(fixture()).spawn().await
}

/// A browser: keeps cookies, does not follow redirects (the test reads each `Location`).
pub(crate) struct Browser<'a> {
    server: &'a TestServer,
    pub(crate) http: reqwest::Client,
}

pub(crate) struct Pkce {
    pub(crate) verifier: String,
    pub(crate) challenge: String,
}

pub(crate) fn pkce() -> Pkce {
    let verifier = b64(tessera_core::secret::random_token(32).unwrap().as_bytes());
    let challenge = b64(digest::digest(&digest::SHA256, verifier.as_bytes()).as_ref());
    Pkce { verifier, challenge }
}

/// The `value` of the form field `name` in a page.
pub(crate) fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no field {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub(crate) fn form_action(html: &str) -> String {
    let start = html.find("action=\"").unwrap() + "action=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub(crate) fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

impl<'a> Browser<'a> {
    pub(crate) fn new(server: &'a TestServer) -> Self {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { server, http }
    }

    fn auth_url(&self) -> String {
        self.server.url("/realms/acme/protocol/openid-connect/auth")
    }

    pub(crate) async fn authorize(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.http.get(self.auth_url()).query(params).send().await.unwrap()
    }

    /// The storefront's request, as an SPA would send it.
    pub(crate) async fn authorize_spa(&self, pkce: &Pkce, extra: &[(&str, &str)]) -> reqwest::Response {
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

    pub(crate) async fn submit(&self, html: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("pending".to_owned(), field(html, "pending")), ("csrf".to_owned(), field(html, "csrf"))];
        form.extend(fields.iter().map(|(a, b)| (a.to_string(), b.to_string())));
        self.http.post(self.server.url(&form_action(html))).form(&form).send().await.unwrap()
    }

    pub(crate) async fn login(&self, page: reqwest::Response, username: &str, password: &str) -> reqwest::Response {
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        self.submit(&html, &[("username", username), ("password", password), ("action", "login")]).await
    }

    /// Signs wile in to the storefront and returns the code from the redirect.
    pub(crate) async fn spa_code(&self, pkce: &Pkce) -> String {
        let done = self.login(self.authorize_spa(pkce, &[]).await, "wile", "Super-Genius-1949").await;
        assert_eq!(done.status(), StatusCode::FOUND);
        let location = done.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(location.starts_with(SPA_REDIRECT), "{location}");
        query_of(&location)["code"].clone()
    }
}

pub(crate) async fn redeem_spa(server: &TestServer, code: &str, verifier: &str) -> reqwest::Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", SPA_REDIRECT),
        ("client_id", SPA),
        ("code_verifier", verifier),
    ];
    server.http.post(server.token_url("acme")).form(&form).send().await.unwrap()
}

pub(crate) async fn refresh(server: &TestServer, client: &str, token: &str) -> reqwest::Response {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", client)];
    server.http.post(server.token_url("acme")).form(&form).send().await.unwrap()
}

pub(crate) async fn userinfo(server: &TestServer, token: &str) -> reqwest::Response {
    server
        .http
        .get(server.url("/realms/acme/protocol/openid-connect/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (status, body["error"].as_str().unwrap().to_owned(), body["error_description"].as_str().unwrap_or("").to_owned())
}
