//! `tessera admin bootstrap` (Keycloak's `kc.sh bootstrap-admin user|service`) and `tessera events --admin`
//! (Keycloak's admin events), run as a user would against a real server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_testkit::TestServer;

mod common;
use common::*;

const PASSWORD: &str = "Bootstrap-Admin-Password-1";

fn bootstrap_with_env(d: &Path, args: &[&str], password: &str) -> Output {
    let mut cmd = tessera(d);
    cmd.args(["admin", "bootstrap"]).args(args).env("TESSERA_BOOTSTRAP_ADMIN_PASSWORD", password);
    cmd.output().unwrap()
}

/// Keycloak's `admin-cli` password grant in `master`; `None` when refused.
async fn password_token(server: &TestServer, username: &str, password: &str) -> Option<String> {
    let form = [("grant_type", "password"), ("client_id", "admin-cli"), ("username", username), ("password", password)];
    let body: Value =
        server.http.post(server.token_url("master")).form(&form).send().await.unwrap().json().await.unwrap();
    body["access_token"].as_str().map(str::to_owned)
}

async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = server.http.request(method, server.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Keycloak's bootstrap admin: a `master` user (or a service account) holding the realm role `admin`, which
/// administers every realm; a second run for the same name changes nothing; an ordinary `master` user gets 403.
#[tokio::test]
async fn admin_bootstrap_makes_a_master_administrator_of_every_realm_and_refuses_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    ok(&d, &["realm", "create", "shop"]);
    let o = run_with_stdin(&d, &["admin", "bootstrap", "--password-stdin"], &format!("{PASSWORD}\n"));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("created realm master"), "{out}");
    assert!(out.contains("created administrator admin in realm master"), "{out}");
    assert!(out.contains("/realms/master/protocol/openid-connect/token -d grant_type=password -d client_id=admin-cli -d username=admin"), "{out}");
    assert!(!out.contains(PASSWORD), "the password is printed");
    let out = ok(&d, &["admin", "bootstrap", "--client-id", "ci-admin"]);
    assert!(!out.contains("created realm"), "{out}");
    let secret = secret_from(&out);
    assert!(out.contains("grant_type=client_credentials -d client_id=ci-admin"), "{out}");
    // The same names again: one line, nothing replaced.
    failed_with(
        &bootstrap_with_env(&d, &[], "Another-Password-2"),
        "second bootstrap",
        "user \"admin\" already exists in realm master",
    );
    fails_with(
        &d,
        &["admin", "bootstrap", "--client-id", "ci-admin"],
        "client \"ci-admin\" already exists in realm master",
    );
    let db =
        [std::fs::read(d.join("tessera.db")).unwrap(), std::fs::read(d.join("tessera.db-wal")).unwrap_or_default()]
            .concat();
    assert!(!db.windows(PASSWORD.len()).any(|w| w == PASSWORD.as_bytes()), "the password is stored in clear");

    let server = TestServer::builder().data_dir(&d).spawn().await;
    // The first password still works: the refused second run did not replace it.
    assert!(password_token(&server, "admin", "Another-Password-2").await.is_none());
    let admin = password_token(&server, "admin", PASSWORD).await.expect("the administrator gets a token");
    let (status, realms) = call(&server, Method::GET, "/admin/realms", &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = realms.as_array().unwrap().iter().filter_map(|r| r["realm"].as_str()).collect();
    assert!(names.contains(&"master") && names.contains(&"shop"), "{realms}");
    let (status, _) =
        call(&server, Method::POST, "/admin/realms/shop/users", &admin, Some(json!({"username": "alice"}))).await;
    assert_eq!(status, StatusCode::CREATED, "master's admin writes in another realm");
    let (status, _) = call(&server, Method::POST, "/admin/realms", &admin, Some(json!({"realm": "made-by-api"}))).await;
    assert_eq!(status, StatusCode::CREATED, "master's admin creates realms");

    // The service account: client credentials, the same rights.
    let body: Value = server.client_credentials("master", "ci-admin", &secret, None).await.json().await.unwrap();
    let ci = body["access_token"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let (status, users) = call(&server, Method::GET, "/admin/realms/shop/users", &ci, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(users.as_array().unwrap().iter().any(|u| u["username"] == "alice"), "{users}");

    // A master user without `admin` administers nothing.
    let o =
        run_with_stdin(&d, &["user", "create", "--realm", "master", "bob", "--password-stdin"], "Bob-Password-123\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let bob = TestServer::eventually(Duration::from_secs(5), || async {
        password_token(&server, "bob", "Bob-Password-123").await.is_some()
    })
    .await;
    assert!(bob.is_some(), "bob cannot sign in");
    let bob = password_token(&server, "bob", "Bob-Password-123").await.unwrap();
    assert_eq!(call(&server, Method::GET, "/admin/realms/shop/users", &bob, None).await.0, StatusCode::FORBIDDEN);

    // Bootstrapping while the server runs adds an administrator to the existing `master`.
    let o = bootstrap_with_env(&d, &["--username", "ops"], "Ops-Password-3");
    assert!(o.status.success() && !stdout(&o).contains("created realm"), "{}", stderr(&o));
    let ops = TestServer::eventually(Duration::from_secs(5), || async {
        password_token(&server, "ops", "Ops-Password-3").await.is_some()
    })
    .await;
    assert!(ops.is_some(), "the new administrator cannot sign in");
    let ops = password_token(&server, "ops", "Ops-Password-3").await.unwrap();
    assert_eq!(call(&server, Method::GET, "/admin/realms/shop/users", &ops, None).await.0, StatusCode::OK);
}

#[test]
fn admin_bootstrap_refuses_bad_input_in_one_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fails_with(d, &["admin", "bootstrap"], "--password-stdin");
    let empty = run_with_stdin(d, &["admin", "bootstrap", "--password-stdin"], "\n");
    failed_with(&empty, "empty password", "the password on stdin is empty");
    let long = run_with_stdin(d, &["admin", "bootstrap", "--password-stdin"], &format!("{}\n", "x".repeat(1025)));
    failed_with(&long, "long password", "longer than 1024 bytes");
    failed_with(&bootstrap_with_env(d, &["--username", "a\u{7}b"], PASSWORD), "control character", "invalid username");
    fails_with(d, &["admin", "bootstrap", "--client-id", "has space"], "invalid client id");
    // None of these made `master`.
    fails_with(d, &["user", "list", "--realm", "master"], "realm \"master\" does not exist");
    // A flag for users with --client-id: clap's usage error.
    let both = run(d, &["admin", "bootstrap", "--client-id", "ci", "--password-stdin"]);
    assert!(!both.status.success() && stderr(&both).contains("cannot be used with"), "{}", stderr(&both));
    // A `master` made by hand has no `admin` role to give.
    ok(d, &["realm", "create", "master"]);
    failed_with(&bootstrap_with_env(d, &[], PASSWORD), "hand-made master", "has no realm role admin");
}

/// Keycloak's admin events (`GET …/admin-events`, `operationTypes`, `resourceTypes`): every write through the
/// admin API, newest first, with who made it; `--json` prints `AdminEventRepresentation`s.
#[tokio::test]
async fn events_admin_lists_admin_api_writes_newest_first_with_keycloaks_filters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    ok(&d, &["realm", "create", "shop"]);
    let o = bootstrap_with_env(&d, &[], PASSWORD);
    assert!(o.status.success(), "{}", stderr(&o));
    let server = TestServer::builder().data_dir(&d).spawn().await;
    let admin = password_token(&server, "admin", PASSWORD).await.unwrap();
    let user = json!({"username": "alice", "credentials": [{"type": "password", "value": "Alice-Password-77"}]});
    let response =
        server.http.post(server.url("/admin/realms/shop/users")).bearer_auth(&admin).json(&user).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let user_id = location.rsplit('/').next().unwrap().to_owned();
    let response = server
        .http
        .post(server.url("/admin/realms/shop/clients"))
        .bearer_auth(&admin)
        .json(&json!({"clientId": "orders"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let client_id = response.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let secret_path = format!("/admin/realms/shop/clients/{client_id}/client-secret");
    assert_eq!(call(&server, Method::POST, &secret_path, &admin, None).await.0, StatusCode::OK);
    let user_path = format!("/admin/realms/shop/users/{user_id}");
    assert_eq!(call(&server, Method::DELETE, &user_path, &admin, None).await.0, StatusCode::NO_CONTENT);

    let rows = |args: &[&str]| -> Vec<String> {
        let out = ok(&d, &[&["events", "--admin", "--realm", "shop"], args].concat());
        let mut lines = out.lines().map(str::to_owned);
        assert!(lines.next().unwrap().starts_with("TIME (UTC)"), "{out}");
        lines.collect()
    };
    let all = rows(&[]);
    let kinds: Vec<(&str, &str)> = all
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[2], f[3])
        })
        .collect();
    assert_eq!(kinds, [("DELETE", "USER"), ("ACTION", "CLIENT"), ("CREATE", "CLIENT"), ("CREATE", "USER")], "{all:?}");
    assert!(all.iter().all(|l| l.contains("admin@master")), "{all:?}");
    assert!(all[0].contains(&format!("users/{user_id}")) && all[1].contains("client-secret"), "{all:?}");
    // Filters, as Keycloak's operationTypes and resourceTypes (names in any case), --max and --since.
    let created = rows(&["--operation", "create"]);
    assert!(created.len() == 2 && created.iter().all(|l| l.contains(" CREATE ")), "{created:?}");
    let users = rows(&["--resource-type", "user"]);
    assert!(users.len() == 2 && users.iter().all(|l| l.contains(" USER ")), "{users:?}");
    assert_eq!(rows(&["--max", "1"]).len(), 1);
    assert_eq!(rows(&["--since", "1h"]).len(), 4);
    assert_eq!(rows(&["--since", "99999999999"]).len(), 0);
    // JSON lines: Keycloak's AdminEventRepresentation, the password never kept.
    let json =
        ok(&d, &["events", "--admin", "--realm", "shop", "--operation", "CREATE", "--resource-type", "USER", "--json"]);
    let events: Vec<Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 1, "{json}");
    let e = &events[0];
    assert_eq!((e["operationType"].as_str(), e["resourceType"].as_str()), (Some("CREATE"), Some("USER")));
    assert_eq!(e["resourcePath"], format!("users/{user_id}"));
    assert_eq!(e["authDetails"]["realmId"], "master");
    assert!(e["time"].as_i64().unwrap() > 1_000_000_000_000, "milliseconds: {e}");
    let representation = e["representation"].as_str().unwrap();
    assert!(representation.contains("alice") && !representation.contains("Alice-Password-77"), "{representation}");
    // Bad input: one line, or clap's usage error for flags of the other trail.
    fails_with(
        &d,
        &["events", "--admin", "--realm", "shop", "--resource-type", "NOPE"],
        "unknown resource type \"NOPE\"",
    );
    fails_with(&d, &["events", "--admin", "--realm", "nowhere"], "realm \"nowhere\" does not exist");
    for args in [
        &["events", "--admin", "--realm", "shop", "--operation", "CHANGE"][..],
        &["events", "--admin", "--realm", "shop", "--type", "token_issued"],
        &["events", "--realm", "shop", "--operation", "CREATE"],
        &["events", "--admin", "--realm", "shop", "--max", "0"],
    ] {
        let o = run(&d, args);
        assert!(!o.status.success() && stderr(&o).starts_with("error:"), "{args:?}: {}", stderr(&o));
    }
    // The audit trail is as it was: JSON lines, and it saw the bootstrap.
    let audit = ok(&d, &["events", "--realm", "master", "--type", "realm_created"]);
    assert!(audit.contains("first administrator"), "{audit}");
}
