//! The end-to-end test in a real browser: Debian's Chromium, driven by playwright-core from `e2e/`
//! (`executablePath: '/usr/bin/chromium'`; no tool ever downloads a browser). `.ci/run` installs both and
//! sets `TESSERA_TEST_BROWSER=required`, so CI cannot skip it; elsewhere a machine without Chromium
//! skips it with a note.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// Whether the browser and its driver are here; installs the driver (npm ci) when only it is missing.
async fn browser_ready(e2e: &Path) -> Result<(), String> {
    if !Path::new("/usr/bin/chromium").exists() {
        return Err("/usr/bin/chromium is missing (apt-get install chromium)".into());
    }
    if !e2e.join("node_modules/playwright-core").exists() {
        let status = tokio::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(e2e)
            .status()
            .await
            .map_err(|e| format!("npm: {e}"))?;
        if !status.success() {
            return Err(format!("npm ci in e2e/ failed: {status}"));
        }
    }
    Ok(())
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
