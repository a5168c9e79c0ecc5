//! Keycloak's own Python library, unchanged: python-keycloak's `KeycloakOpenID` (PyPI `python-keycloak`,
//! pinned in `e2e/python/requirements.txt`) runs `e2e/python/keycloak_openid.py` against the real server
//! and prints what each call returned. The venv (`e2e/.venv`) is made and filled here when it is missing;
//! `.ci/run` makes it first and sets `TESSERA_TEST_PYTHON=required`, so CI cannot skip this. Elsewhere a
//! machine without python3 or PyPI skips it with a note.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tessera_testkit::TestServer;

use crate::device::{acme_with, tv_client};
use crate::token_exchange::{GATEWAY, GATEWAY_SECRET, exchange_clients};

const APP: &str = "python-app";
const APP_SECRET: &str = "python-app-secret-2b4d6f8a0c1e3579";

pub fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// CI sets this: a missing python or venv is then a failure, not a skip.
pub fn required() -> bool {
    std::env::var("TESSERA_TEST_PYTHON").as_deref() == Ok("required")
        || std::env::var("TESSERA_TEST_BROWSER").as_deref() == Ok("required")
}

async fn run(program: &Path, args: &[&str], dir: &Path) -> Result<(), String> {
    let status = tokio::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .await
        .map_err(|e| format!("{}: {e}", program.display()))?;
    if status.success() { Ok(()) } else { Err(format!("{} {args:?} failed: {status}", program.display())) }
}

/// The venv's python with `module` (one of the pinned requirements) importable; makes the venv and installs
/// the pinned requirements when they are missing.
pub async fn python_ready(e2e: &Path, module: &str) -> Result<PathBuf, String> {
    let python = e2e.join(".venv/bin/python");
    if !python.exists() {
        run(Path::new("python3"), &["-m", "venv", ".venv"], e2e).await?;
    }
    if run(&python, &["-c", &format!("import {module}")], e2e).await.is_err() {
        let pip = e2e.join(".venv/bin/pip");
        run(&pip, &["install", "-q", "-r", "python/requirements.txt"], e2e).await?;
    }
    Ok(python)
}

/// The acme realm with a confidential app that signs users in (password grant), may use the device grant
/// and puts `gateway` in its tokens' `aud`, beside the token-exchange clients.
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let app = serde_json::json!({
        "clientId": APP, "enabled": true, "publicClient": false, "secret": APP_SECRET,
        "standardFlowEnabled": false, "directAccessGrantsEnabled": true,
        "defaultClientScopes": ["profile", "email"], "optionalClientScopes": ["offline_access"],
        "attributes": {"oauth2.device.authorization.grant.enabled": "true"},
        "protocolMappers": [{"name": "aud gateway", "protocol": "openid-connect",
            "protocolMapper": "oidc-audience-mapper", "config": {"included.client.audience": GATEWAY}}]
    });
    let mut clients = exchange_clients();
    clients.push(app);
    clients.push(tv_client());
    acme_with(clients, serde_json::json!({}))
}

/// Runs the script against a fresh server; `None` when python is not available here (and not required).
async fn results() -> Option<Value> {
    let e2e = e2e_dir();
    let python = match python_ready(&e2e, "keycloak").await {
        Ok(p) => p,
        Err(why) => {
            assert!(!required(), "python-keycloak test required: {why}");
            eprintln!("python-keycloak test skipped: {why}");
            return None;
        }
    };
    let (_dir, file) = fixture();
    let server = TestServer::builder().import_realm(file).spawn().await;
    let base = format!("{}/", server.base_url);
    let out = tokio::process::Command::new(python)
        .arg(e2e.join("python/keycloak_openid.py"))
        .args([base.as_str(), "acme", APP, APP_SECRET, GATEWAY, GATEWAY_SECRET, "orders-api"])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "script failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}")))
}

fn value<'a>(results: &'a Value, call: &str) -> &'a Value {
    let r = &results[call];
    assert_eq!(r["ok"], true, "{call}: {r}");
    &r["value"]
}

/// RFC 6749 §4.3 and §6, OIDC Core §5.3, RFC 7662 §2.2, RFC 7519 §7.2 (signature check against the served
/// JWKS), RFC 8628 §3.2, RFC 8693 §2.2.1: the calls a Keycloak app makes, through Keycloak's own library.
#[tokio::test]
async fn python_keycloak_signs_in_refreshes_reads_userinfo_introspects_decodes_starts_a_device_and_exchanges() {
    let Some(r) = results().await else { return };
    let token = value(&r, "token");
    for member in ["access_token", "refresh_token", "id_token"] {
        assert!(token[member].is_string(), "token: {member} in {token}");
    }
    let refreshed = value(&r, "refresh_token");
    assert_ne!(refreshed["refresh_token"], token["refresh_token"], "rotated");
    let userinfo = value(&r, "userinfo");
    assert_eq!(userinfo["preferred_username"], "wile");
    let introspection = value(&r, "introspect");
    assert_eq!((introspection["active"].as_bool(), introspection["client_id"].as_str()), (Some(true), Some(APP)));
    let claims = value(&r, "decode_token");
    assert_eq!((claims["azp"].as_str(), claims["sub"].as_str()), (Some(APP), userinfo["sub"].as_str()));
    let device = value(&r, "device");
    assert_eq!(device["user_code"].as_str().map(str::len), Some(9));
    assert!(device["verification_uri_complete"].as_str().unwrap().contains("/realms/acme/device?user_code="));
    let exchanged = value(&r, "exchange_token");
    assert_eq!(exchanged["issued_token_type"], "urn:ietf:params:oauth:token-type:access_token");
    let exchanged_claims = value(&r, "exchanged_claims");
    assert_eq!(
        (exchanged_claims["azp"].as_str(), exchanged_claims["aud"].as_str()),
        (Some(GATEWAY), Some("orders-api"))
    );
    assert_eq!(exchanged_claims["sub"], claims["sub"]);
}

/// Keycloak's realm document (`GET /realms/{realm}`, for `public_key()`) and non-interactive logout
/// (`POST …/logout` with a refresh token, 204): after the logout the refresh token is refused.
#[tokio::test]
async fn python_keycloak_reads_the_public_key_and_logs_out_without_a_browser() {
    let Some(r) = results().await else { return };
    let key = value(&r, "public_key");
    assert!(key.as_str().is_some_and(|k| !k.is_empty()), "public_key: {key}");
    value(&r, "logout");
    let after = &r["refresh_after_logout"];
    assert_eq!((after["ok"].as_bool(), after["status"].as_u64()), (Some(false), Some(400)), "{after}");
}
