//! The admin console end to end in Debian's Chromium (`e2e/console.mjs`, playwright-core), against the real
//! server: required under `TESSERA_TEST_BROWSER=required` as the sign-in browser test is. The screenshots
//! it takes are the ones in `docs/console/` (set `TESSERA_SCREENSHOT_DIR` to refresh them).

use serde_json::{Value, json};

use crate::admin::{ADMIN_PASSWORD, master_token, server};
use crate::browser::{browser_ready, e2e_dir};

const DELEGATED: &str = "northwind-admin";
const DELEGATED_PASSWORD: &str = "Northwind-Admin-Password-1";

/// RFC 6749 §4.1 with RFC 7636 (the console signing in as `master`'s public client), RFC 6749 §4.4 (the
/// copied secret), RFC 7662 §2.2 (`active: false` once the user is signed out everywhere).
#[tokio::test]
async fn an_administrator_runs_a_realm_from_the_console_in_chromium_and_a_realm_administrator_sees_only_theirs() {
    let e2e = e2e_dir();
    if let Err(why) = browser_ready(&e2e).await {
        assert!(std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"), "browser test required: {why}");
        eprintln!("browser test skipped: {why}");
        return;
    }
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    super::delegated_administrator(&server, &token, DELEGATED, DELEGATED_PASSWORD, "realm-admin").await;
    let shots = tempfile::tempdir().unwrap();
    let run = tokio::process::Command::new("node")
        .arg(e2e.join("console.mjs"))
        .args([server.base_url.as_str(), ADMIN_PASSWORD, DELEGATED, DELEGATED_PASSWORD])
        .arg(shots.path())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "the browser run failed: {stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(seen["askedForNewPassword"], true, "{seen}");
    assert_eq!((&seen["activeBefore"], &seen["activeAfter"]), (&json!(true), &json!(false)), "{seen}");
    assert_eq!((&seen["resetInEvents"], &seen["logoutInEvents"]), (&json!(true), &json!(true)), "{seen}");
    assert_eq!(seen["keysRotated"], true, "{seen}");
    // Unforced, the rotation waits for the next key's publication lead and says how long is left.
    assert!(seen["rotationWithoutForce"].as_str().unwrap().starts_with("Not rotated"), "{seen}");
    assert_eq!(seen["accessAdded"], true, "{seen}");
    assert_eq!(seen["signedOut"], true, "{seen}");
    // The editors: a composite, a membership and a role seen on the user's page; the client's tokens revoked
    // (RFC 7662 §2.2: its earlier token inactive, a later one active); the usage chart with a line.
    assert_eq!(seen["compositeAdded"], true, "{seen}");
    assert_eq!((&seen["roleOnUserPage"], &seen["groupOnUserPage"]), (&json!(true), &json!(true)), "{seen}");
    assert_eq!(seen["clientTokenActiveAfterRevoke"], false, "{seen}");
    assert_eq!(seen["newClientTokenActive"], true, "{seen}");
    assert!(seen["usageSeries"].as_u64().unwrap() >= 1, "{seen}");
    assert_eq!(seen["serverErrors"], 0, "{seen}");
    // The delegated administrator sees northwind, and neither the new realm nor master.
    assert_eq!(seen["delegatedRealms"], json!(["northwind"]), "{seen}");
    assert_eq!(seen["delegatedDirectStatus"], 403, "{seen}");
    // Independently of the browser: the copied secret gets tokens, and the user's token is inactive.
    let secret = seen["secret"].as_str().unwrap();
    let again = server.access_token("console-e2e", "orders-api", secret).await;
    assert!(!again.is_empty());
    let user_token = seen["userToken"].as_str().unwrap();
    let introspection = server.introspect("console-e2e", "orders-api", secret, user_token).await;
    assert_eq!(introspection["active"], false, "{introspection}");
    let shots_taken = [
        "realms.png",
        "realm-settings-keys.png",
        "client-secret.png",
        "user.png",
        "events.png",
        "access.png",
        "role.png",
        "group.png",
        "client.png",
        "usage.png",
    ];
    for shot in shots_taken {
        assert!(shots.path().join(shot).metadata().unwrap().len() > 10_000, "{shot} is a real screenshot");
        if let Ok(dir) = std::env::var("TESSERA_SCREENSHOT_DIR") {
            std::fs::copy(shots.path().join(shot), std::path::Path::new(&dir).join(shot)).unwrap();
        }
    }
}
