//! The admin REST API, Keycloak's paths and representations (#16): who may call it (a Bearer token of ours
//! with `realm-management` roles, or `master`'s `admin`), and an administrator's first steps over real HTTP.

use reqwest::StatusCode;
use serde_json::Value;
use tessera_testkit::TestServer;

pub use crate::roles::{SECRET, northwind};

pub const ADMIN_PASSWORD: &str = "Admin-Password-For-Tests-1";

pub async fn server() -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder()
        .import_realm(northwind(dir.path()))
        .configure(|c| c.bootstrap_admin = Some(("admin".into(), ADMIN_PASSWORD.to_owned().into())))
        .spawn()
        .await;
    (server, dir)
}

/// Keycloak's admin tools: the password grant of `admin-cli` in `master`.
pub async fn master_token(server: &TestServer) -> String {
    let form =
        [("grant_type", "password"), ("client_id", "admin-cli"), ("username", "admin"), ("password", ADMIN_PASSWORD)];
    let body: Value =
        server.http.post(server.token_url("master")).form(&form).send().await.unwrap().json().await.unwrap();
    body["access_token"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

pub async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value, Option<String>) {
    let mut request = server.http.request(method, server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), location)
}

mod access;
mod client_revocation;
mod events;
mod openapi;
mod resources;
mod users;
