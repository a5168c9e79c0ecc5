//! Keycloak's own Node library, unchanged, against the real server: keycloak-connect protects an Express
//! API by realm role, client role and scope, validates online and gets a direct grant (e2e/keycloak-connect.mjs).
//! `.ci/run` installs Node's packages and sets `TESSERA_TEST_BROWSER=required`, so CI cannot skip it.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tessera_testkit::TestServer;

use crate::roles::{SECRET, northwind};

fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// Node and the e2e packages are here (installed with `npm ci` when missing); `Err` says why not.
pub async fn node_packages_ready(e2e: &Path, package: &str) -> Result<(), String> {
    if !e2e.join("node_modules").join(package).exists() {
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
async fn keycloak_connect_protects_an_express_api_by_realm_role_client_role_and_scope_and_validates_online() {
    let e2e = e2e_dir();
    if let Err(why) = node_packages_ready(&e2e, "keycloak-connect").await {
        assert!(
            std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"),
            "keycloak-connect test required: {why}"
        );
        eprintln!("keycloak-connect test skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder().import_realm(northwind(dir.path())).spawn().await;
    let run = |user: &'static str, password: &'static str| {
        tokio::process::Command::new("node")
            .arg(e2e.join("keycloak-connect.mjs"))
            .args([server.base_url.as_str(), "northwind", "roles-app", SECRET, user, password])
            .output()
    };
    let grace = run("grace", "Grace-Hopper-1906").await.unwrap();
    let out: Value = serde_json::from_slice(&grace.stdout).unwrap_or_else(|_| {
        panic!("node said: {}\n{}", String::from_utf8_lossy(&grace.stdout), String::from_utf8_lossy(&grace.stderr))
    });
    assert!(out.get("error").is_none(), "{out}");
    assert_eq!(out["direct_grant"]["manager"], true, "{out}");
    // grace is a manager (through /staff/managers), an orders-api auditor, and asked for the `orders` scope.
    assert_eq!(out["/realm-role"], 200, "{out}");
    assert_eq!(out["/client-role"], 200, "{out}");
    assert_eq!(out["/scope"], 200, "{out}");
    assert_eq!(out["/nobody"], 403, "{out}");
    // keycloak-connect answers a request without a token, or with a forged one, 403 (its own choice).
    assert_eq!(out["without_token"], 403, "{out}");
    assert_eq!(out["forged"], 403, "{out}");
    // Basic and body credentials that agree are one client (RFC 6749 §2.3); introspection says active.
    assert_eq!(out["validate_online"], true, "{out}");
    assert_eq!(out["userinfo_username"], "grace", "{out}");
    assert!(out["wrong_password"].as_str().unwrap().contains("401"), "{out}");

    // alan has none of those roles: the same API refuses him.
    let alan = run("alan", "Alan-Kay-1940").await.unwrap();
    let out: Value = serde_json::from_slice(&alan.stdout).unwrap();
    assert_eq!(
        (out["/realm-role"].as_u64(), out["/client-role"].as_u64(), out["/scope"].as_u64()),
        (Some(403), Some(403), Some(200)),
        "{out}"
    );
}

#[tokio::test]
async fn keycloaks_admin_client_creates_a_realm_client_user_role_and_group_and_a_realm_service_account_stays_in_its_realm()
 {
    let e2e = e2e_dir();
    if let Err(why) = node_packages_ready(&e2e, "@keycloak/keycloak-admin-client").await {
        assert!(
            std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"),
            "admin client test required: {why}"
        );
        eprintln!("keycloak-admin-client test skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let password = "Admin-Password-For-Tests-2";
    let server = TestServer::builder()
        .import_realm(northwind(dir.path()))
        .configure(|c| c.bootstrap_admin = Some(("admin".into(), password.to_owned().into())))
        .spawn()
        .await;
    let run = tokio::process::Command::new("node")
        .arg(e2e.join("keycloak-admin-client.mjs"))
        .args([server.base_url.as_str(), password, SECRET])
        .output()
        .await
        .unwrap();
    let out: Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|_| {
        panic!("node said: {}\n{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr))
    });
    assert!(out.get("error").is_none(), "{out}");
    assert_eq!(out["realms"], serde_json::json!(["master", "northwind"]), "{out}");
    assert_eq!(out["client_found"], true, "{out}");
    assert_eq!(out["token_with_new_secret"], 200, "{out}");
    assert_eq!(out["user_roles"], serde_json::json!(["auditor", "default-roles-day"]), "{out}");
    assert_eq!(out["user_groups"], serde_json::json!(["/staff"]), "{out}");
    assert_eq!(out["users_found"], serde_json::json!(["dora"]), "{out}");
    assert_eq!(out["users_count"], 1, "{out}");
    assert_eq!(out["deleted_client"], "gone", "{out}");
    assert_eq!(out["ci_users"], serde_json::json!(["grace"]), "{out}");
    assert_eq!(out["ci_other_realm"], 403, "{out}");
}

/// #16's administrator's day, driven by Keycloak's own admin client against node A of a two-node
/// deployment (PostgreSQL and Redis shared), with node B checked for what must reach every node: the new
/// realm and client, and the user's logout (their earlier access token inactive there within a second).
#[tokio::test]
async fn keycloaks_admin_client_runs_an_administrators_whole_day_on_two_nodes() {
    let e2e = e2e_dir();
    if let Err(why) = node_packages_ready(&e2e, "@keycloak/keycloak-admin-client").await {
        assert!(
            std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"),
            "admin client test required: {why}"
        );
        return eprintln!("keycloak-admin-client test skipped: {why}");
    }
    let (Some(db), Some(redis)) = (tessera_testkit::fresh_postgres().await, tessera_testkit::redis_url().await) else {
        return eprintln!("no PostgreSQL and Redis: skipped");
    };
    let keys = tempfile::tempdir().unwrap();
    let password = "Admin-Password-For-Tests-3";
    let node = |admin: bool| {
        let (db, redis, key) = (db.clone(), redis.clone(), keys.path().join("master.key"));
        TestServer::builder()
            .database_url(db)
            .configure(move |c| {
                c.public_url = Some("http://tessera.test".into());
                c.master_key_file = Some(key);
                c.redis_url = Some(redis);
                if admin {
                    c.bootstrap_admin = Some(("admin".into(), password.to_owned().into()));
                }
            })
            .spawn()
    };
    let a = node(true).await;
    let b = node(false).await;
    let run = tokio::process::Command::new("node")
        .arg(e2e.join("keycloak-admin-day.mjs"))
        .args([a.base_url.as_str(), b.base_url.as_str(), password])
        .output()
        .await
        .unwrap();
    let out: Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|_| {
        panic!("node said: {}\n{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr))
    });
    assert!(out.get("error").is_none(), "{out}");
    assert_eq!(out["realm"], serde_json::json!({"displayName": "An administrator's day", "failureFactor": 3}));
    assert_eq!(out["secret_read_back"], "not readable", "only a keyed hash is kept: {out}");
    assert_eq!(out["token_with_new_secret"], 200, "{out}");
    assert_eq!(out["token_roles"], serde_json::json!({"realm": true, "client": ["editor"], "warehouse": "north"}));
    assert_eq!(out["role_mappings"], serde_json::json!(["web"]), "{out}");
    assert_eq!((out["locked"].as_bool(), out["locked_grant"].as_u64()), (Some(true), Some(400)), "{out}");
    assert_eq!(out["unlocked_grant"], 200, "{out}");
    assert_eq!(out["active_on_b_before"], true, "{out}");
    let ms = out["inactive_on_b_after_ms"].as_u64().unwrap_or_else(|| panic!("still active on B: {out}"));
    eprintln!("the logout reached node B in {ms} ms");
    assert!(ms <= 1000, "the logout reached node B in {ms} ms");
    assert_eq!(out["ci_on_b_sees"], serde_json::json!(["dora"]), "{out}");
    let types: Vec<&str> = out["event_types"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(types.contains(&"LOGIN") && types.contains(&"LOGIN_ERROR"), "{out}");
    let kinds: Vec<&str> = out["admin_event_kinds"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for kind in ["CREATE USER", "CREATE CLIENT_SCOPE", "CREATE CLIENT_ROLE_MAPPING", "ACTION USER", "UPDATE REALM"] {
        assert!(kinds.contains(&kind), "admin events have {kind}: {out}");
    }
    assert_eq!(out["secret_in_admin_events"], false, "{out}");
    assert_eq!(out["left"], serde_json::json!({"user": true, "scope": true, "client": true}), "{out}");
    assert_eq!(out["realms_after"], serde_json::json!(["master"]), "{out}");
}
