//! The `tessera` binary, run as a user would: people, roles and groups, and what revoking a user ends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use serde_json::Value;
use tessera_testkit::TestServer;

mod common;
use common::*;

#[test]
fn roles_and_groups_are_managed_keycloaks_way_and_mistakes_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["realm", "create", "shop"]);
    ok(d, &["client", "create", "--realm", "shop", "orders-api"]);
    ok(d, &["role", "create", "--realm", "shop", "staff"]);
    ok(d, &["role", "create", "--realm", "shop", "--client", "orders-api", "orders:write"]);
    ok(
        d,
        &[
            "role",
            "create",
            "--realm",
            "shop",
            "manager",
            "--composite",
            "staff",
            "--composite",
            "orders-api/orders:write",
        ],
    );
    let roles = ok(d, &["role", "list", "--realm", "shop"]);
    let manager = roles.lines().find(|l| l.starts_with("manager ")).unwrap();
    assert!(manager.contains("staff") && manager.contains("orders-api/orders:write"), "{roles}");
    // A new realm has Keycloak's built-in roles; a new user gets the default one.
    assert!(roles.contains("default-roles-shop") && roles.contains("offline_access"), "{roles}");
    ok(d, &["group", "create", "--realm", "shop", "/staff"]);
    ok(d, &["group", "create", "--realm", "shop", "/staff/managers"]);
    ok(d, &["group", "grant-role", "--realm", "shop", "/staff/managers", "manager"]);
    ok(d, &["user", "create", "--realm", "shop", "alice"]);
    ok(d, &["group", "add-member", "--realm", "shop", "/staff/managers", "alice"]);
    ok(d, &["user", "grant-role", "--realm", "shop", "alice", "--client", "orders-api", "orders:write"]);
    ok(d, &["user", "grant-role", "--realm", "shop", "service-account-orders-api", "staff"]);
    let groups = ok(d, &["group", "list", "--realm", "shop"]);
    assert!(groups.lines().any(|l| l.starts_with("/staff/managers") && l.contains("manager")), "{groups}");
    ok(d, &["user", "revoke-role", "--realm", "shop", "alice", "orders-api/orders:write"]);
    fails_with(d, &["user", "grant-role", "--realm", "shop", "alice", "nope"], "role nope does not exist");
    fails_with(d, &["group", "create", "--realm", "shop", "/missing/child"], "group \"/missing\" does not exist");
    fails_with(d, &["role", "create", "--realm", "shop", "staff"], "exists");
    fails_with(d, &["group", "add-member", "--realm", "shop", "/staff", "nobody"], "user \"nobody\" does not exist");
    ok(d, &["group", "delete", "--realm", "shop", "/staff"]);
    assert!(!ok(d, &["group", "list", "--realm", "shop"]).contains("/staff"));
}

#[test]
fn users_are_managed_with_passwords_from_stdin_hashed_with_argon2id() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["realm", "create", "shop"]);
    let o = run_with_stdin(
        d,
        &["user", "create", "--realm", "shop", "wile", "--email", "wile@acme.test", "--password-stdin"],
        "Super-Genius-1949\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let listed = ok(d, &["user", "list", "--realm", "shop"]);
    assert!(listed.lines().any(|l| l.starts_with("wile ") && l.contains("true") && l.contains("set")), "{listed}");
    let o = run_with_stdin(d, &["user", "set-password", "--realm", "shop", "wile"], "Beep-Beep-2024\n");
    assert!(o.status.success(), "{}", stderr(&o));
    ok(d, &["user", "disable", "--realm", "shop", "wile"]);
    assert!(ok(d, &["user", "list", "--realm", "shop"]).lines().any(|l| l.starts_with("wile ") && l.contains("false")));
    ok(d, &["user", "enable", "--realm", "shop", "wile"]);
    let db =
        [std::fs::read(d.join("tessera.db")).unwrap(), std::fs::read(d.join("tessera.db-wal")).unwrap_or_default()]
            .concat();
    for clear in ["Super-Genius-1949", "Beep-Beep-2024"] {
        assert!(!db.windows(clear.len()).any(|w| w == clear.as_bytes()), "a password is stored in clear");
    }
    assert!(db.windows(10).any(|w| w == b"$argon2id$"));
    let empty = run_with_stdin(d, &["user", "set-password", "--realm", "shop", "wile"], "\n");
    assert!(!empty.status.success() && stderr(&empty).contains("empty"));
    fails_with(d, &["user", "disable", "--realm", "shop", "ghost"], "user \"ghost\" does not exist");
    fails_with(d, &["user", "create", "--realm", "shop", "wile"], "exists");
}

/// Keycloak's user logout from the command line: `revoke --user`, `user disable` and `user set-password` end the sessions and
/// refresh tokens of the user, and a running server finds their earlier access tokens inactive (RFC 7009 §2.1,
/// RFC 7662 §2.2); another user's stay active; each writes one audit event.

#[tokio::test]
async fn revoke_user_user_disable_and_a_password_reset_end_everything_the_user_holds_on_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    ok(&d, &["realm", "import", acme().to_str().unwrap()]);
    let server = TestServer::builder().data_dir(&d).spawn().await;
    let spec = tessera_core::provisioning::NewClient {
        client_id: "importer".into(),
        direct_access_grants: true,
        ..Default::default()
    };
    let secret = server.client("acme", spec).await.secret;
    let post = |form: Vec<(&'static str, String)>| {
        server.http.post(server.token_url("acme")).basic_auth("importer", Some(&secret)).form(&form).send()
    };
    let mut tokens = Vec::new();
    for (user, password) in [("wile", "Super-Genius-1949"), ("roadrunner", "Beep-Beep-Meep-2024")] {
        let form = vec![("grant_type", "password".into()), ("username", user.into()), ("password", password.into())];
        tokens.push(post(form).await.unwrap().json::<Value>().await.unwrap());
    }
    let at = |i: usize| tokens[i]["access_token"].as_str().unwrap().to_owned();
    let inactive = |token: String| {
        let (server, secret) = (&server, &secret);
        async move {
            TestServer::eventually(Duration::from_secs(5), || async {
                server.introspect("acme", "importer", secret, &token).await["active"] == false
            })
            .await
            .is_some()
        }
    };
    // `iat` has whole seconds: tokens issued in the second of a revocation stay valid.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let out = ok(&d, &["revoke", "--realm", "acme", "--user", "wile", "--reason", "laptop stolen"]);
    assert!(out.contains("user wile of realm acme: 1 sessions ended, 1 refresh tokens revoked"), "{out}");
    assert!(inactive(at(0)).await, "wile's earlier token is still active");
    let refresh_token = tokens[0]["refresh_token"].as_str().unwrap().to_owned();
    let refresh = vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", refresh_token)];
    let refused: Value = post(refresh).await.unwrap().json().await.unwrap();
    assert_eq!(refused["error"], "invalid_grant");
    assert_eq!(server.introspect("acme", "importer", &secret, &at(1)).await["active"], true);

    let out = ok(&d, &["user", "disable", "--realm", "acme", "roadrunner"]);
    assert!(out.contains("user roadrunner disabled\n1 sessions ended, 1 refresh tokens revoked"), "{out}");
    assert!(inactive(at(1)).await, "a disabled user's earlier token is still active");

    // An administrator's password reset ends what the old password got, too.
    let wile = post(vec![
        ("grant_type", "password".into()),
        ("username", "wile".into()),
        ("password", "Super-Genius-1949".into()),
    ]);
    let wile = wile.await.unwrap().json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let reset = run_with_stdin(&d, &["user", "set-password", "--realm", "acme", "wile"], "Acme-Rocket-Skates-1\n");
    assert!(stdout(&reset).contains("1 sessions ended, 1 refresh tokens revoked"), "{}", stderr(&reset));
    assert!(inactive(wile).await, "a token got with the old password is still active");

    let events: Vec<Value> = ok(&d, &["events", "--realm", "acme", "--type", "user_revoked"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0]["count"], 2);
    let reasons: Vec<&str> = events.iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert!(reasons[0].contains("user wile") && reasons[0].contains("laptop stolen"), "{reasons:?}");
    assert!(reasons[1].contains("user roadrunner") && reasons[1].contains("user disabled"), "{reasons:?}");
    assert!(reasons[2].contains("password reset by an administrator"), "{reasons:?}");
    fails_with(&d, &["revoke", "--realm", "acme", "--user", "ghost"], "user \"ghost\" does not exist");
    let both = run(&d, &["revoke", "--realm", "acme", "--user", "wile", "--all"]);
    assert!(!both.status.success() && stderr(&both).contains("cannot be used with"), "{}", stderr(&both));
}

/// Back-Channel Logout 1.0 §2.7 from the command line: `revoke --user` ends the user's sessions, and each client
/// of those sessions that registered a `backchannel.logout.url` receives a Logout Token (§2.4: `iss`, `aud`,
/// `sub`, `sid`, the event, no `nonce`) POSTed as a form (§2.5) before the command returns.
#[tokio::test]
async fn revoke_user_on_the_command_line_posts_a_logout_token_to_the_sessions_clients_backchannel_2_7() {
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/backchannel", receiver.local_addr().unwrap());
    let received = tokio::spawn(async move {
        let (mut conn, _) = receiver.accept().await.unwrap();
        let request = read_http_request(&mut conn).await;
        use tokio::io::AsyncWriteExt;
        conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await.unwrap();
        request
    });
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(acme()).unwrap()).unwrap();
    let importer = realm["clients"].as_array_mut().unwrap().iter_mut().find(|c| c["clientId"] == "legacy-importer");
    let importer = importer.unwrap();
    importer["enabled"] = Value::Bool(true);
    importer["attributes"] = serde_json::json!({ "backchannel.logout.url": url });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let file = d.join("acme.json");
    std::fs::write(&file, realm.to_string()).unwrap();
    ok(&d, &["realm", "import", file.to_str().unwrap()]);
    let server = TestServer::builder().data_dir(&d).spawn().await;
    let form = [("grant_type", "password"), ("username", "wile"), ("password", "Super-Genius-1949")];
    let got = server
        .http
        .post(server.token_url("acme"))
        .basic_auth("legacy-importer", Some("legacy-importer-secret-5a9c1e3f7b2d4608"));
    let tokens: Value = got.form(&form).send().await.unwrap().json().await.unwrap();
    assert!(tokens["access_token"].is_string(), "{tokens}");

    // The receiver runs on this test's runtime: the command is awaited, not waited for on its thread.
    let mut revoke = tessera(&d);
    revoke.env("TESSERA_PUBLIC_URL", server.url("")).args(["revoke", "--realm", "acme", "--user", "wile"]);
    let out = tokio::process::Command::from(revoke).output().await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 sessions ended"), "{}", stdout(&out));
    let request = tokio::time::timeout(Duration::from_secs(10), received).await.unwrap().unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("POST /backchannel "), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/x-www-form-urlencoded"), "{head}");
    let token = body.strip_prefix("logout_token=").expect("a logout_token form field");
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["iss"], server.issuer("acme"));
    assert_eq!(claims["aud"], "legacy-importer");
    assert!(claims["sub"].is_string() && claims["sid"].is_string(), "{claims}");
    assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object(), "{claims}");
    assert!(claims.get("nonce").is_none(), "§2.4: a Logout Token never has a nonce");
    let failed = ok(&d, &["events", "--realm", "acme", "--type", "backchannel_logout_failed"]);
    assert!(failed.trim().is_empty(), "delivered on the first attempt: {failed}");
}

/// One HTTP/1.1 request, head and body (by its content-length), as text.
async fn read_http_request(conn: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read(&mut buf).await.unwrap();
        assert!(n > 0, "the connection closed before a whole request");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
    }
}
