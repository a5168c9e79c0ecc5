//! The wire behaviour Keycloak's own libraries rely on (issue #13, item 3): CORS for the client's
//! `webOrigins`, response modes, refresh tokens for public clients, the realm-info document, logout with a
//! refresh token, credentials sent twice, the password grant's 401, `session_state`. Each test names the
//! spec section it rests on and, where Keycloak differs from the letter of an RFC, the line of
//! docs/keycloak-compat.md that says so.

mod client_auth;
mod cors;
mod logout;
mod password;
mod realm_info;
mod refresh;
mod response_mode;
mod session_state;

use std::path::PathBuf;

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

use crate::signin::{Browser, Pkce, SPA, SPA_REDIRECT, fixture, query_of, redeem_spa};

/// A confidential client allowed the password grant (as python-keycloak's apps are), with its secret.
pub(crate) async fn direct_access_client(server: &TestServer) -> String {
    let spec = NewClient {
        client_id: IMPORTER.into(),
        direct_access_grants: true,
        default_scopes: vec!["profile".into()],
        ..NewClient::default()
    };
    server.client("acme", spec).await.secret
}

pub(crate) const IMPORTER: &str = "importer";

/// Status and JSON body of a response.
pub(crate) async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The acme realm with the storefront (public SPA) changed by `edit`, served from a temporary copy.
pub(crate) async fn acme_with_storefront(edit: impl FnOnce(&mut Value)) -> (tempfile::TempDir, TestServer) {
    acme_with_client(SPA, edit).await
}

/// The acme realm with the client `client_id` of the export changed by `edit`.
pub(crate) async fn acme_with_client(
    client_id: &str,
    edit: impl FnOnce(&mut Value),
) -> (tempfile::TempDir, TestServer) {
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    let clients = realm["clients"].as_array_mut().unwrap();
    edit(clients.iter_mut().find(|c| c["clientId"] == client_id).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("acme.json");
    std::fs::write(&path, realm.to_string()).unwrap();
    let server = TestServer::builder().import_realm(path).spawn().await;
    (dir, server)
}

/// The storefront's authorization request for `scope` with `extra` parameters.
pub(crate) fn spa_params<'a>(pkce: &'a Pkce, scope: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("client_id", SPA),
        ("redirect_uri", SPA_REDIRECT),
        ("response_type", "code"),
        ("scope", scope),
        ("state", "st-kc"),
        ("nonce", "n-kc"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    params
}

/// wile signs in to the storefront with `scope` (query response mode) and redeems the code: the token
/// response.
pub(crate) async fn spa_tokens(server: &TestServer, scope: &str) -> Value {
    let browser = Browser::new(server);
    let pkce = crate::signin::pkce();
    let page = browser.authorize(&spa_params(&pkce, scope, &[])).await;
    let done = browser.login(page, "wile", "Super-Genius-1949").await;
    assert_eq!(done.status(), StatusCode::FOUND);
    let code = query_of(done.headers()[LOCATION].to_str().unwrap())["code"].clone();
    let response = redeem_spa(server, &code, &pkce.verifier).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}
