//! The `tessera` binary, run as a user would: admin commands against a data directory, and `serve`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use tessera_testkit::TestServer;

mod common;
use common::{Serve, acme, fails_with, ok, run, secret_from, stderr, stdout, tessera};

#[test]
fn admin_commands_create_list_show_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["realm", "create", "shop", "--alg", "ES256", "--display-name", "Shop"]);
    assert!(ok(d, &["realm", "list"]).lines().any(|l| l.starts_with("shop ") && l.contains("ES256")));
    ok(d, &["scope", "create", "--realm", "shop", "orders:read", "--description", "Read orders"]);
    assert!(ok(d, &["scope", "list", "--realm", "shop"]).contains("orders:read"));
    let created = ok(
        d,
        &["client", "create", "--realm", "shop", "svc", "--default-scope", "orders:read", "--audience", "orders-api"],
    );
    let secret = secret_from(&created);
    assert_eq!(secret.len(), 43, "256-bit secret, base64url");
    assert!(ok(d, &["client", "list", "--realm", "shop"]).contains("svc"));
    let shown = ok(d, &["client", "show", "--realm", "shop", "svc"]);
    assert!(shown.contains("secret:") && shown.contains("expires never"), "{shown}");
    assert!(!shown.contains(&secret), "show must never print a secret");
    let db = std::fs::read(d.join("tessera.db")).unwrap();
    let wal = std::fs::read(d.join("tessera.db-wal")).unwrap_or_default();
    let needle = secret.as_bytes();
    assert!(![db, wal].iter().any(|f| f.windows(needle.len()).any(|w| w == needle)), "secret stored in clear");
    ok(d, &["client", "delete", "--realm", "shop", "svc"]);
    fails_with(d, &["client", "show", "--realm", "shop", "svc"], "does not exist");
    // RFC 8707: the resources a client may name are absolute URIs, shown with the client.
    let api = ["--resource", "https://orders.shop.test/", "--resource", "https://stock.shop.test/"];
    ok(d, &[&["client", "create", "--realm", "shop", "api-caller"][..], &api].concat());
    let shown = ok(d, &["client", "show", "--realm", "shop", "api-caller"]);
    assert!(shown.contains("resources:        https://orders.shop.test/ https://stock.shop.test/"), "{shown}");
    fails_with(d, &["client", "create", "--realm", "shop", "bad", "--resource", "orders-api"], "invalid resource");
}

#[test]
fn errors_are_one_line_naming_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fails_with(d, &["client", "create", "--realm", "nope", "svc"], "realm \"nope\" does not exist");
    fails_with(d, &["realm", "create", "bad/name"], "invalid realm name");
    ok(d, &["realm", "create", "shop"]);
    fails_with(d, &["realm", "create", "shop"], "exists");
    fails_with(
        d,
        &["client", "create", "--realm", "shop", "svc", "--default-scope", "ghost"],
        "scope \"ghost\" does not exist",
    );
    let bad = d.join("bad.json");
    std::fs::write(&bad, r#"{"realm":"r","clients":[{"clientId":"a"},{"clientId":5}]}"#).unwrap();
    fails_with(d, &["realm", "import", bad.to_str().unwrap()], "clients[1].clientId");
    fails_with(d, &["realm", "import", "/no/such/file.json"], "cannot read /no/such/file.json");
    let config = d.join("tessera.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nlisten_port = 3\n").unwrap();
    fails_with(d, &["--config", config.to_str().unwrap(), "realm", "list"], "unknown field `listen_port`");
    // A key file that cannot open this database's keys is refused up front, not discovered by a 500 later.
    let other_key = d.join("other.key");
    fails_with(
        d,
        &["--master-key-file", other_key.to_str().unwrap(), "realm", "list"],
        "does not open this database's keys",
    );
}

#[test]
fn realm_import_hashes_secrets_warns_once_and_refuses_a_second_import() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(d, &["realm", "import", acme().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("imported realm acme"));
    let warnings: Vec<String> = stderr(&o).lines().map(str::to_owned).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("warning: ignored fields Tessera does not use: "), "{warnings:?}");
    assert!(warnings[0].contains("smtpServer"));
    let db =
        [std::fs::read(d.join("tessera.db")).unwrap(), std::fs::read(d.join("tessera.db-wal")).unwrap_or_default()]
            .concat();
    for secret in ["billing-service-secret-77f0c2b5d1e94a3c", "Super-Genius-1949"] {
        assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} stored in clear");
    }
    fails_with(d, &["realm", "import", acme().to_str().unwrap()], "realm \"acme\" already exists");
}

#[tokio::test]
async fn cli_changes_reach_a_running_server_within_5_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    // The default poll interval, as a real deployment has it.
    let server =
        TestServer::builder().data_dir(&d).configure(|c| c.refresh_interval = Duration::from_secs(1)).spawn().await;
    // Ask first, so the server has cached "no such realm".
    assert_eq!(server.client_credentials("live", "svc", "x", None).await.status(), 404);
    ok(&d, &["realm", "create", "live"]);
    let secret = secret_from(&ok(&d, &["client", "create", "--realm", "live", "svc"]));
    let took = TestServer::eventually(Duration::from_secs(5), || async {
        server.client_credentials("live", "svc", &secret, None).await.status() == 200
    })
    .await;
    assert!(took.is_some(), "a client created by the CLI was not usable within 5 s");
    ok(&d, &["client", "delete", "--realm", "live", "svc"]);
    let took = TestServer::eventually(Duration::from_secs(5), || async {
        server.client_credentials("live", "svc", &secret, None).await.status() == 401
    })
    .await;
    assert!(took.is_some(), "a client deleted by the CLI still worked after 5 s");
}

#[test]
fn serve_refuses_plain_http_unless_dev_https_public_url_or_tls_rfc9700_2_6() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fails_with(d, &["serve", "--listen", "127.0.0.1:0"], "refusing to serve plain HTTP");
    fails_with(
        d,
        &["serve", "--listen", "127.0.0.1:0", "--public-url", "http://auth.example"],
        "refusing to serve plain HTTP",
    );
    let serve =
        Serve::start(tessera(d).args(["serve", "--listen", "127.0.0.1:0", "--public-url", "https://auth.example"]));
    assert_eq!(serve.public_url(), "https://auth.example");
}

#[tokio::test]
async fn metrics_listen_comes_from_the_file_the_environment_or_the_flag_and_serves_prometheus_text() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("tessera.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nmetrics_listen = \"127.0.0.1:0\"\n").unwrap();
    let from_file = Serve::start(tessera(d).args(["--config", config.to_str().unwrap(), "serve", "--dev"]));
    let line = from_file.line("Prometheus metrics at ");
    let url = line.split("metrics at ").nth(1).unwrap().trim().to_owned();
    let body = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(body.contains("# TYPE tessera_argon2_queue_depth gauge"), "{body}");
    assert!(body.ends_with("# EOF\n"));
    drop(from_file);
    let from_env = Serve::start(tessera(d).env("TESSERA_METRICS_LISTEN", "127.0.0.1:0").args([
        "serve",
        "--dev",
        "--listen",
        "127.0.0.1:0",
    ]));
    from_env.line("Prometheus metrics at http://127.0.0.1:");
    drop(from_env);
    let from_flag =
        Serve::start(tessera(d).args(["serve", "--dev", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"]));
    from_flag.line("Prometheus metrics at http://127.0.0.1:");
}

#[tokio::test]
async fn serve_dev_prints_a_curl_command_that_gets_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let secret;
    {
        let serve = Serve::start(tessera(d).args(["serve", "--dev", "--listen", "127.0.0.1:0"]));
        let base = serve.public_url();
        let curl = serve.line("-d grant_type=client_credentials");
        secret = curl.split("client_secret=").nth(1).unwrap().split(' ').next().unwrap().to_owned();
        assert!(d.join("master.key").exists(), "the master key is generated in the data dir");
        let response = reqwest::Client::new()
            .post(format!("{base}/realms/demo/protocol/openid-connect/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "demo-service"),
                ("client_secret", &secret),
                ("scope", "api:read"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["scope"], "api:read");
    }
    // Second start: the same realm, and the secret is not shown again.
    let serve = Serve::start(tessera(d).args(["serve", "--dev", "--listen", "127.0.0.1:0"]));
    let curl = serve.line("-d grant_type=client_credentials");
    assert!(!curl.contains(&secret));
    assert!(curl.contains("<the secret printed at first start>"));
}

#[test]
fn flags_beat_environment_which_beats_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("tessera.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\npublic_url = \"https://file.example\"\n").unwrap();
    let base = || {
        let mut c = tessera(d);
        c.args(["--config", config.to_str().unwrap(), "serve"]);
        c
    };
    assert_eq!(Serve::start(&mut base()).public_url(), "https://file.example");
    assert_eq!(
        Serve::start(base().env("TESSERA_PUBLIC_URL", "https://env.example")).public_url(),
        "https://env.example"
    );
    let flagged = Serve::start(
        base().env("TESSERA_PUBLIC_URL", "https://env.example").args(["--public-url", "https://flag.example"]),
    );
    assert_eq!(flagged.public_url(), "https://flag.example");
}

#[tokio::test]
async fn serve_speaks_https_directly_with_a_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(d.join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(d.join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    let serve = Serve::start(tessera(d).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        d.join("cert.pem").to_str().unwrap(),
        "--tls-key",
        d.join("key.pem").to_str().unwrap(),
        "--import-realm",
        acme().to_str().unwrap(),
    ]));
    let url = serve.public_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let port = url.rsplit(':').next().unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let response = client
        .post(format!("https://localhost:{port}/realms/acme/protocol/openid-connect/token"))
        .basic_auth("billing-service", Some("billing-service-secret-77f0c2b5d1e94a3c"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

fn shared_url(c: &mut tessera_server::Config) {
    c.public_url = Some("http://tessera.test".into());
}

fn kid_of(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let header: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn two_servers_on_one_sqlite_file_follow_a_cli_key_rotation_within_5_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let a = TestServer::builder()
        .data_dir(&d)
        .configure(shared_url)
        .configure(|c| c.refresh_interval = Duration::from_secs(1))
        .spawn()
        .await;
    let b = TestServer::builder()
        .data_dir(&d)
        .configure(shared_url)
        .configure(|c| c.refresh_interval = Duration::from_secs(1))
        .spawn()
        .await;
    ok(&d, &["realm", "create", "shop"]);
    let secret = secret_from(&ok(&d, &["client", "create", "--realm", "shop", "svc"]));
    let before = a.access_token("shop", "svc", &secret).await;
    let listed = ok(&d, &["keys", "list", "--realm", "shop"]);
    assert!(listed.contains(" active ") && listed.contains(" next "), "{listed}");
    // Without --force the CLI refuses: the next key is younger than the JWKS max-age.
    fails_with(&d, &["keys", "rotate", "--realm", "shop"], "wait, or force it");
    let out = ok(&d, &["keys", "rotate", "--realm", "shop", "--force"]);
    assert!(out.contains("now signs"), "{out}");
    for server in [&a, &b] {
        let followed = TestServer::eventually(Duration::from_secs(5), || async {
            let jwks: Value = server.http.get(server.certs_url("shop")).send().await.unwrap().json().await.unwrap();
            jwks["keys"].as_array().unwrap().len() == 3
                && kid_of(&server.access_token("shop", "svc", &secret).await) != kid_of(&before)
        })
        .await;
        assert!(followed.is_some(), "a server did not follow the rotation within 5 s");
        assert_eq!(server.introspect("shop", "svc", &secret, &before).await["active"], true);
    }
}

#[test]
fn rotate_secret_prints_the_new_secret_once_and_show_lists_only_instants() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["realm", "create", "shop"]);
    let first = secret_from(&ok(d, &["client", "create", "--realm", "shop", "svc"]));
    let second = secret_from(&ok(d, &["client", "rotate-secret", "--realm", "shop", "svc", "--grace", "1h"]));
    assert_ne!(first, second);
    let shown = ok(d, &["client", "show", "--realm", "shop", "svc"]);
    let secrets: Vec<&str> = shown.lines().filter(|l| l.starts_with("secret:")).collect();
    assert_eq!(secrets.len(), 2, "{shown}");
    assert_eq!(secrets.iter().filter(|l| l.ends_with("expires never")).count(), 1, "{shown}");
    assert!(!shown.contains(&first) && !shown.contains(&second));
    fails_with(d, &["client", "rotate-secret", "--realm", "shop", "svc", "--grace", "soon"], "invalid duration");
    fails_with(d, &["client", "rotate-secret", "--realm", "shop", "ghost"], "does not exist");
}

#[test]
fn revoke_and_admin_acts_are_listed_by_events_with_filters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["realm", "create", "shop"]);
    ok(d, &["client", "create", "--realm", "shop", "svc"]);
    ok(d, &["client", "create", "--realm", "shop", "gone"]);
    ok(d, &["client", "delete", "--realm", "shop", "gone"]);
    ok(d, &["revoke", "--realm", "shop", "--client", "svc", "--reason", "laptop stolen"]);
    ok(d, &["revoke", "--realm", "shop", "--all"]);
    fails_with(d, &["revoke", "--realm", "shop", "--client", "ghost"], "does not exist");
    let all: Vec<Value> =
        ok(d, &["events", "--realm", "shop"]).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let kinds: Vec<&str> = all.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["realm_created", "client_created", "client_created", "client_deleted", "revoke_all", "revoke_all"]
    );
    let revokes = ok(d, &["events", "--realm", "shop", "--type", "revoke_all", "--client", "svc", "--since", "1h"]);
    let revokes: Vec<Value> = revokes.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(revokes.len(), 1);
    assert_eq!(revokes[0]["reason"], "laptop stolen");
    fails_with(d, &["events", "--realm", "shop", "--type", "bogus"], "unknown event type \"bogus\"");
}

#[tokio::test]
async fn logs_carry_audit_lines_but_never_a_secret_or_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let serve = Serve::start(tessera(d).env("RUST_LOG", "debug").args([
        "serve",
        "--dev",
        "--listen",
        "127.0.0.1:0",
        "--log-json",
    ]));
    let base = serve.public_url();
    let curl = serve.line("-d grant_type=client_credentials");
    let secret = curl.split("client_secret=").nth(1).unwrap().split(' ').next().unwrap().to_owned();
    let http = reqwest::Client::new();
    let token_url = format!("{base}/realms/demo/protocol/openid-connect/token");
    let body: Value = http
        .post(&token_url)
        .basic_auth("demo-service", Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    let wrong = "wrong-secret-that-must-not-be-logged";
    let failed = http
        .post(&token_url)
        .basic_auth("demo-service", Some(wrong))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 401);
    let introspected = http
        .post(format!("{token_url}/introspect"))
        .basic_auth("demo-service", Some(&secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(introspected.status(), 200);
    let revoked = http
        .post(format!("{base}/realms/demo/protocol/openid-connect/revoke"))
        .basic_auth("demo-service", Some(&secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    // SIGTERM: a clean shutdown that must flush the batched audit events.
    let pid = serve.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let mut serve = serve;
    let status = serve.child.wait().unwrap();
    assert!(status.success(), "serve exited with {status}");
    let logs = serve.stderr.lock().unwrap().clone();
    assert!(logs.contains("client_auth_failed"), "no audit line for the failed authentication");
    assert!(logs.contains("token_revoked"));
    for needle in [secret.as_str(), wrong, token.as_str(), token.split('.').nth(2).unwrap()] {
        assert!(!logs.contains(needle), "a secret or token reached the logs");
    }
    let issued = ok(d, &["events", "--realm", "demo", "--type", "token_issued"]);
    assert!(issued.contains("\"count\":1"), "the token count was lost on shutdown: {issued}");
}

// Multi-threaded: the test blocks on child processes that call the in-process server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tessera_token_fetches_decodes_and_verifies() {
    let server = TestServer::spawn().await;
    server.realm("shop", tessera_core::model::SigningAlgorithm::Es256, &["api:read"]).await;
    let secret = server.service_client("shop", "svc", &["api:read"], &[]).await.secret;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let secret_file = d.join("svc.secret");
    std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
    let issuer = server.issuer("shop");
    let fetch = |extra: &[&str]| {
        let mut args = vec![
            "token",
            "--issuer",
            &issuer,
            "--client-id",
            "svc",
            "--client-secret-file",
            secret_file.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = run(d, &args);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let token = fetch(&[]).trim().to_owned();
    assert_eq!(token.split('.').count(), 3);
    let json: Value = serde_json::from_str(&fetch(&["--json", "--scope", "api:read"])).unwrap();
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["scope"], "api:read");

    let decoded = ok(d, &["token", "--decode", &token]);
    assert!(decoded.contains("\"typ\": \"at+jwt\"") && decoded.contains("\"client_id\": \"svc\""), "{decoded}");
    let verified = ok(d, &["token", "--decode", &token, "--verify", "--issuer", &issuer]);
    assert!(verified.contains("verified:") && verified.contains("audience not checked"), "{verified}");
    fails_with(
        d,
        &["token", "--decode", &token, "--verify", "--issuer", &issuer, "--audience", "x"],
        "another audience",
    );
    let tampered = format!("{}x", &token[..token.len() - 1]);
    let o = run(d, &["token", "--decode", &tampered, "--verify", "--issuer", &issuer]);
    assert!(!o.status.success());
    assert_eq!(stderr(&o).trim_end().lines().count(), 1);
    assert!(stderr(&o).contains("not verified"), "{}", stderr(&o));
    fails_with(d, &["token", "--decode", "nonsense"], "not a JWT");
    std::fs::write(&secret_file, "wrong").unwrap();
    fails_with(
        d,
        &["token", "--issuer", &issuer, "--client-id", "svc", "--client-secret-file", secret_file.to_str().unwrap()],
        "invalid_client",
    );
}
