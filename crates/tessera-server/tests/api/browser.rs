//! The end-to-end test in a real browser: Debian's Chromium, driven by playwright-core from `e2e/`
//! (`executablePath: '/usr/bin/chromium'`; no tool ever downloads a browser). `.ci/run` installs both and
//! sets `TESSERA_TEST_BROWSER=required`, so CI cannot skip it; elsewhere a machine without Chromium
//! skips it with a note.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

pub(crate) fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// Whether the browser and its driver are here; installs the driver (npm ci) when only it is missing.
pub(crate) async fn browser_ready(e2e: &Path) -> Result<(), String> {
    if !Path::new("/usr/bin/chromium").exists() {
        return Err("/usr/bin/chromium is missing (apt-get install chromium)".into());
    }
    // npm ci installs every e2e package at once; keycloak-js is the newest of them.
    crate::keycloak_libs::node_packages_ready(e2e, "keycloak-js").await?;
    crate::keycloak_libs::node_packages_ready(e2e, "playwright-core").await
}

#[tokio::test]
async fn a_person_signs_in_and_consents_in_headless_chromium_and_lands_on_the_redirect_uri_with_a_code() {
    let e2e = e2e_dir();
    if let Err(why) = browser_ready(&e2e).await {
        assert!(std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"), "browser test required: {why}");
        eprintln!("browser test skipped: {why}");
        return;
    }
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json");
    let server = TestServer::builder().import_realm(fixture).spawn().await;
    let spec = NewClient {
        client_id: "e2e-app".into(),
        name: Some("Order Desk".into()),
        public_client: true,
        redirect_uris: vec!["http://127.0.0.1/callback".into()],
        default_scopes: vec!["profile".into(), "email".into()],
        consent_required: true,
        ..NewClient::default()
    };
    server.client("acme", spec).await;
    let out = tempfile::tempdir().unwrap();
    let run = tokio::process::Command::new("node")
        .arg(e2e.join("signin.mjs"))
        .args([server.base_url.as_str(), "acme", "e2e-app"])
        .arg(out.path())
        .output()
        .await
        .unwrap();
    assert!(
        run.status.success(),
        "the browser run failed: {}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.path().join("login-page.png").metadata().unwrap().len() > 10_000, "a real screenshot was taken");
    let landed: Value = serde_json::from_slice(&run.stdout).unwrap();
    // The code the browser carried back is good for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5).
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", "e2e-app"),
        ("code", landed["code"].as_str().unwrap()),
        ("redirect_uri", landed["redirect_uri"].as_str().unwrap()),
        ("code_verifier", landed["verifier"].as_str().unwrap()),
    ];
    let tokens: Value =
        server.http.post(server.token_url("acme")).form(&form).send().await.unwrap().json().await.unwrap();
    let id = crate::support::claims_of(tokens["id_token"].as_str().expect("an ID token"));
    assert_eq!(id["nonce"], "e2e-nonce");
    assert_eq!(id["preferred_username"], "wile");
    if let Ok(dir) = std::env::var("TESSERA_SCREENSHOT_DIR") {
        std::fs::copy(out.path().join("login-page.png"), Path::new(&dir).join("login-page.png")).unwrap();
    }
}

/// A port free on 127.0.0.1 right now, for the app the node script serves (its origin must be registered
/// before the browser starts).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// keycloak-js with its defaults (fragment response mode, PKCE S256, its session-iframe check) in an app on
/// another origin than Tessera's: it signs in (RFC 6749 §4.1 with RFC 7636, the response in the fragment,
/// OAuth 2.0 Multiple Response Types §2.1), refreshes (RFC 6749 §6, a CORS request from the app's origin),
/// loads userinfo (OIDC Core §5.3) and logs out (RP-Initiated Logout §2), which ends the session.
#[tokio::test]
async fn keycloak_js_with_its_defaults_signs_in_refreshes_loads_userinfo_and_logs_out_in_chromium() {
    let e2e = e2e_dir();
    if let Err(why) = browser_ready(&e2e).await {
        assert!(std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"), "browser test required: {why}");
        eprintln!("browser test skipped: {why}");
        return;
    }
    let port = free_port();
    let app = format!("http://127.0.0.1:{port}/");
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(crate::signin::fixture()).unwrap()).unwrap();
    realm["clients"].as_array_mut().unwrap().push(serde_json::json!({
        "clientId": "order-desk", "name": "Order Desk", "enabled": true, "publicClient": true,
        "standardFlowEnabled": true, "redirectUris": [app], "webOrigins": ["+"],
        "attributes": { "post.logout.redirect.uris": "+" },
        "defaultClientScopes": ["profile", "email"], "optionalClientScopes": []
    }));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.json");
    std::fs::write(&path, realm.to_string()).unwrap();
    let server = TestServer::builder().import_realm(path).spawn().await;
    let run = tokio::process::Command::new("node")
        .arg(e2e.join("keycloak-js.mjs"))
        .args([server.base_url.as_str(), "acme", "order-desk", &port.to_string()])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "the browser run failed: {stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap();
    let authorize = url::Url::parse(seen["authorizeUrl"].as_str().unwrap()).unwrap();
    let asked: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!((asked["response_mode"].as_str(), asked["code_challenge_method"].as_str()), ("fragment", "S256"));
    assert_eq!(seen["refreshed"], true, "{seen}");
    assert_ne!(seen["before"]["token"], seen["afterRefresh"]["token"]);
    assert_eq!(seen["userinfo"]["preferred_username"], "wile", "{seen}");
    assert!(seen["logoutRequest"].as_str().unwrap().contains("id_token_hint="), "{seen}");
    assert_eq!(seen["afterLogout"]["authenticated"], false, "{seen}");
    // The session is over at the server: neither refresh token works any more.
    for token in [&seen["afterRefresh"]["refreshToken"], &seen["before"]["refreshToken"]] {
        let response = crate::signin::refresh(&server, "order-desk", token.as_str().unwrap()).await;
        assert_eq!(crate::signin::error_of(response).await.1, "invalid_grant");
    }
}
