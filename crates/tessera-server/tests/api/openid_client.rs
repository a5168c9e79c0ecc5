//! openid-client (Node), unchanged, against the real server (e2e/openid-client.mjs): its
//! `buildAuthorizationUrlWithPAR` pushes the authorization request (RFC 9126) with a `resource`
//! (RFC 8707), the user signs in here, the library redeems the code and asks for a signed introspection
//! answer (RFC 9701), whose signature it checks against our JWKS. `.ci/run` installs Node's packages and
//! sets `TESSERA_TEST_BROWSER=required`, so CI cannot skip it.

use std::path::PathBuf;

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use tessera_testkit::TestServer;

use crate::resource_indicators::ORDERS;
use crate::signin::{Browser, SPA, SPA_REDIRECT, fixture};

const INTROSPECTOR: &str = "billing-service";
const INTROSPECTOR_SECRET: &str = "billing-service-secret-77f0c2b5d1e94a3c";

fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

async fn node(args: &[&str]) -> Value {
    let out = tokio::process::Command::new("node")
        .arg(e2e_dir().join("openid-client.mjs"))
        .args(args)
        .output()
        .await
        .unwrap();
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!("node said: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert!(value.get("error").is_none(), "{value}");
    value
}

#[tokio::test]
async fn openid_client_pushes_the_request_redeems_the_code_and_verifies_a_signed_introspection() {
    let e2e = e2e_dir();
    if let Err(why) = crate::keycloak_libs::node_packages_ready(&e2e, "openid-client").await {
        assert!(
            std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"),
            "openid-client test required: {why}"
        );
        eprintln!("openid-client test skipped: {why}");
        return;
    }
    // The storefront may ask for the orders API; any confidential client may introspect (Keycloak's way).
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    realm["attributes"] = json!({ "tessera.introspection.scope": "realm" });
    let storefront = realm["clients"].as_array_mut().unwrap().iter_mut().find(|c| c["clientId"] == SPA).unwrap();
    storefront["attributes"]["tessera.resources"] = json!(ORDERS);
    storefront["attributes"]["require.pushed.authorization.requests"] = json!("true");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme.json");
    std::fs::write(&file, realm.to_string()).unwrap();
    let server = TestServer::builder().import_realm(file).spawn().await;
    let issuer = server.issuer("acme");

    let pushed = node(&["par", &issuer, SPA, SPA_REDIRECT, ORDERS]).await;
    let url = pushed["url"].as_str().unwrap();
    assert!(url.contains("request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A"), "{url}");
    let browser = Browser::new(&server);
    let page = browser.http.get(url).send().await.unwrap();
    let done = browser.login(page, "wile", "Super-Genius-1949").await;
    assert_eq!(done.status(), StatusCode::FOUND);
    let callback = done.headers()[LOCATION].to_str().unwrap().to_owned();

    let verifier = pushed["verifier"].as_str().unwrap();
    let state = pushed["state"].as_str().unwrap();
    let out = node(&["redeem", &issuer, SPA, &callback, verifier, state, INTROSPECTOR, INTROSPECTOR_SECRET]).await;
    assert!(out["id_token_sub"].is_string(), "{out}");
    assert_eq!(out["aud"], ORDERS, "{out}");
    assert_eq!(out["introspection"]["active"], true, "{out}");
    assert_eq!(out["introspection"]["client_id"], SPA, "{out}");
    assert_eq!(out["introspection"]["aud"], ORDERS, "{out}");
}
