//! Findings of the attacker's review, each reproduced: sizes from outside are bounded where the request
//! enters, and nothing is parsed or looked up per scope before the client is authenticated.

use std::time::Duration;

use serde_json::Value;
use tessera_core::audit::{AuditQuery, MAX_FIELD_CHARS};
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::AuditStore;
use tessera_testkit::TestServer;

async fn shop(dir: &std::path::Path) -> (TestServer, String) {
    let server = TestServer::builder().data_dir(dir).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &["a"]).await;
    let svc = server.service_client("shop", "svc", &["a"], &[]).await;
    (server, svc.secret)
}

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_300_kb_client_id_in_basic_is_invalid_client_and_no_audit_row_grows_with_it_rfc6749_2_3_1() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = shop(dir.path()).await;
    // 40 KB fits in a request head (64 KiB) but not in a client id; 300 KB does not fit in a head at all
    // (431, RFC 6585 §5, before anything reads it).
    let basic = |id: String| {
        server
            .http
            .post(server.token_url("shop"))
            .basic_auth(id, Some("whatever"))
            .form(&[("grant_type", "client_credentials")])
    };
    for _ in 0..3 {
        let response = basic("c".repeat(40_000)).send().await.unwrap();
        assert_eq!(error_of(response).await, (401, "invalid_client".to_owned()));
        let status = basic("c".repeat(300_000)).send().await.map(|r| r.status().as_u16());
        assert!(matches!(status, Ok(431) | Err(_)), "{status:?}");
    }
    // A well-formed attempt at a long (but legal) name is still audited, bounded.
    let long = "d".repeat(255);
    assert_eq!(server.client_credentials("shop", &long, "wrong", None).await.status(), 401);
    let store =
        tessera_store::SqlStore::connect(&tessera_store::SqlStore::sqlite_url_for_dir(dir.path())).await.unwrap();
    server.stop().await;
    let events = store.audit_events(&AuditQuery { realm: "shop".into(), ..AuditQuery::default() }).await.unwrap();
    assert!(events.iter().any(|e| e.client_id.as_deref() == Some(long.as_str())), "{events:?}");
    let widest = events.iter().filter_map(|e| e.client_id.as_ref()).map(|c| c.chars().count()).max();
    assert!(widest.is_some_and(|w| w <= MAX_FIELD_CHARS + 1), "an audit row holds a {widest:?}-character client id");
}

#[tokio::test]
async fn client_authentication_comes_before_any_scope_parsing_rfc6749_3_3() {
    let dir = tempfile::tempdir().unwrap();
    let (server, secret) = shop(dir.path()).await;
    // A wrong secret with a malformed scope: the client learns only that it is not authenticated.
    let response = server.client_credentials("shop", "svc", "wrong", Some("a\\b")).await;
    assert_eq!(error_of(response).await, (401, "invalid_client".to_owned()));
    // 1,000 distinct scopes are refused whole (at most 256 are read), once the client is known; 10,000
    // do not fit the scope parameter's bound at all.
    for (count, error) in [(1_000, "invalid_scope"), (10_000, "invalid_request")] {
        let many: Vec<String> = (0..count).map(|i| format!("s{i}")).collect();
        let response = server.client_credentials("shop", "svc", &secret, Some(&many.join(" "))).await;
        assert_eq!(error_of(response).await, (400, error.to_owned()), "{count} scopes");
    }
    assert_eq!(server.client_credentials("shop", "svc", &secret, Some("a")).await.status(), 200);
}

#[tokio::test]
async fn overlong_parameters_are_invalid_request_where_they_enter_rfc6749_3_2() {
    let dir = tempfile::tempdir().unwrap();
    let (server, secret) = shop(dir.path()).await;
    // Past the 16 KiB that a JWT-shaped refresh token may take.
    let long = "r".repeat(20_000);
    let response = server
        .http
        .post(server.token_url("shop"))
        .basic_auth("svc", Some(&secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await, (400, "invalid_request".to_owned()));
    // A realm name no realm can have is a 404 before any lookup.
    let response = server.http.post(server.token_url(&"n".repeat(60_000))).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

/// RFC 6749 §10.10 (credentials guessing) / Keycloak's brute-force detection: attempts are counted before
/// the password is checked, so 20 at once cannot all be verified.
#[tokio::test]
async fn concurrent_password_attempts_verify_no_more_than_the_failure_factor_rfc6749_4_3_rfc6749_10_10() {
    use tessera_core::audit::AuditKind;
    use tessera_core::provisioning::NewClient;
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json");
    let server = TestServer::builder().data_dir(dir.path()).import_realm(fixture).spawn().await;
    let spec = NewClient { client_id: "importer".into(), direct_access_grants: true, ..NewClient::default() };
    let importer = server.client("acme", spec).await;
    let attempt = |password: &'static str| {
        let form = [("grant_type", "password"), ("username", "roadrunner"), ("password", password)];
        server.http.post(server.token_url("acme")).basic_auth("importer", Some(&importer.secret)).form(&form).send()
    };
    let mut attempts: Vec<_> = (0..19).map(|_| attempt("wrong")).collect();
    attempts.push(attempt("Beep-Beep-Meep-2024"));
    let statuses: Vec<u16> =
        futures_util::future::join_all(attempts).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    let store =
        tessera_store::SqlStore::connect(&tessera_store::SqlStore::sqlite_url_for_dir(dir.path())).await.unwrap();
    server.stop().await;
    let query = AuditQuery { realm: "acme".into(), ..AuditQuery::default() };
    let events = store.audit_events(&query).await.unwrap();
    let verified = events
        .iter()
        .filter(|e| {
            (e.kind == AuditKind::LoginFailed && e.reason.as_deref() == Some("invalid credentials"))
                || e.kind == AuditKind::Login
        })
        .count();
    assert!(verified <= 5, "{verified} passwords were checked with failureFactor 5: {statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 200).count() <= 1, "{statuses:?}");
}

/// RFC 6797 §7.1: over https every answer carries `Strict-Transport-Security`; over plain http none may.
#[tokio::test]
async fn https_deployments_send_strict_transport_security_rfc6797_7_1() {
    let behind_tls =
        TestServer::builder().configure(|c| c.public_url = Some("https://id.acme.test".to_owned())).spawn().await;
    behind_tls.realm("shop", SigningAlgorithm::Es256, &[]).await;
    for path in ["/realms/shop/.well-known/openid-configuration", "/no/such/endpoint"] {
        let response = behind_tls.http.get(behind_tls.url(path)).send().await.unwrap();
        let hsts = response.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(hsts.as_deref(), Some("max-age=31536000"), "{path}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (plain, _) = shop(dir.path()).await;
    let response = plain.http.get(plain.url("/realms/shop/.well-known/openid-configuration")).send().await.unwrap();
    assert!(response.headers().get("strict-transport-security").is_none(), "RFC 6797 §7.2: not over http");
}

/// RFC 7239 §5.2: the forwarded client address is believed only from a configured proxy, and it is what
/// the audit trail (and every per-address lockout) sees.
#[tokio::test]
async fn forwarding_headers_name_the_client_only_behind_a_trusted_proxy_rfc7239_5_2() {
    let forwarded_from = |trusted: bool| async move {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::builder()
            .data_dir(dir.path())
            .configure(|c| {
                if trusted {
                    c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
                }
            })
            .spawn()
            .await;
        server.realm("shop", SigningAlgorithm::Es256, &[]).await;
        let response = server
            .http
            .post(server.token_url("shop"))
            .header("x-forwarded-for", "203.0.113.9, 127.0.0.1")
            .form(&[("grant_type", "client_credentials"), ("client_id", "nobody"), ("client_secret", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let store =
            tessera_store::SqlStore::connect(&tessera_store::SqlStore::sqlite_url_for_dir(dir.path())).await.unwrap();
        server.stop().await;
        let events = store.audit_events(&AuditQuery { realm: "shop".into(), ..AuditQuery::default() }).await.unwrap();
        events.into_iter().find_map(|e| (e.client_id.as_deref() == Some("nobody")).then_some(e.source_ip)).flatten()
    };
    assert_eq!(forwarded_from(true).await.as_deref(), Some("203.0.113.9"));
    assert_eq!(forwarded_from(false).await.as_deref(), Some("127.0.0.1"), "an untrusted peer's header is ignored");
}

/// RFC 6749 §6: a refresh may ask for less, but "the refresh token scope MUST be identical to that of the
/// refresh token included by the client in the request": narrowing once does not narrow for good.
#[tokio::test]
async fn a_narrower_refresh_keeps_the_original_scope_on_the_new_refresh_token_rfc6749_6() {
    use tessera_core::provisioning::NewClient;
    let fixture =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json");
    let server = TestServer::builder().import_realm(fixture).spawn().await;
    let spec = NewClient {
        client_id: "importer".into(),
        direct_access_grants: true,
        default_scopes: vec!["profile".into()],
        ..NewClient::default()
    };
    let importer = server.client("acme", spec).await;
    let token = |form: Vec<(&'static str, String)>| {
        server.http.post(server.token_url("acme")).basic_auth("importer", Some(&importer.secret)).form(&form).send()
    };
    let first: Value = token(vec![
        ("grant_type", "password".into()),
        ("username", "roadrunner".into()),
        ("password", "Beep-Beep-Meep-2024".into()),
        ("scope", "openid".into()),
    ])
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let scope_of = |body: &Value| -> Vec<String> {
        let mut s: Vec<String> = body["scope"].as_str().unwrap().split(' ').map(str::to_owned).collect();
        s.sort();
        s
    };
    assert_eq!(scope_of(&first), ["openid", "profile"]);
    let refresh = |rt: String, scope: Option<&'static str>| {
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", rt.as_str())];
        let owned: Vec<(&'static str, String)> = {
            if let Some(s) = scope {
                form.push(("scope", s));
            }
            form.into_iter().map(|(k, v)| (k, v.to_owned())).collect()
        };
        token(owned)
    };
    let narrowed: Value = refresh(first["refresh_token"].as_str().unwrap().to_owned(), Some("openid"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(scope_of(&narrowed), ["openid"], "the access token is narrowed: {narrowed}");
    let again: Value =
        refresh(narrowed["refresh_token"].as_str().unwrap().to_owned(), None).await.unwrap().json().await.unwrap();
    assert_eq!(scope_of(&again), ["openid", "profile"], "the refresh token kept the original scope: {again}");
}

/// RFC 9700 §4.7.1 / RFC 6265bis §4.1.3.2: over https the CSRF cookie is `__Host-` prefixed, so a cookie
/// planted by a sibling subdomain (which cannot set `__Host-` cookies) is never adopted as the form token.
#[tokio::test]
async fn over_https_the_csrf_cookie_is_host_prefixed_and_a_planted_one_is_ignored_rfc9700_4_7_1() {
    let fixture =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json");
    let server = TestServer::builder()
        .import_realm(fixture)
        .configure(|c| c.public_url = Some("https://id.acme.test".to_owned()))
        .spawn()
        .await;
    let url = server.url(
        "/realms/acme/protocol/openid-connect/auth?client_id=storefront&response_type=code&scope=openid\
         &redirect_uri=https%3A%2F%2Fshop.acme.test%2Fcallback&code_challenge_method=S256\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
    let planted = "planted-by-a-sibling-subdomain-0000000000000";
    let response = server.http.get(&url).header("cookie", format!("TESSERA_CSRF={planted}")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let set: Vec<String> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let csrf_cookie = set.iter().find(|c| c.starts_with("__Host-TESSERA_CSRF=")).expect("a __Host- CSRF cookie");
    let attributes: Vec<&str> = csrf_cookie.split(';').map(str::trim).collect();
    assert!(attributes.contains(&"Secure") && attributes.contains(&"Path=/"), "{csrf_cookie}");
    assert!(!csrf_cookie.contains("Domain"), "{csrf_cookie}");
    let html = response.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let token = html[start..].split('"').next().unwrap();
    assert_ne!(token, planted, "the planted cookie was adopted as the form's CSRF token");
}

/// The database, its WAL and the key file hold hashes and sealed keys: readable by the owner only.
#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_database_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (server, secret) = shop(&data).await;
    assert_eq!(server.client_credentials("shop", "svc", &secret, None).await.status(), 200);
    let mode = |name: &str| std::fs::metadata(data.join(name)).map(|m| m.permissions().mode() & 0o777).ok();
    assert_eq!(mode(""), Some(0o700), "the data directory");
    for name in ["tessera.db", "tessera.db-wal", "master.key"] {
        assert_eq!(mode(name), Some(0o600), "{name}");
    }
    server.stop().await;
}

/// A slowloris sends a request head a byte at a time and never finishes: the connection is closed once
/// the head is overdue, so such clients cannot hold every connection.
#[tokio::test]
async fn a_request_head_that_never_completes_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::builder().configure(|c| c.header_read_timeout = Duration::from_millis(500)).spawn().await;
    let mut slow = tokio::net::TcpStream::connect(server.base_url.trim_start_matches("http://")).await.unwrap();
    slow.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut rest = Vec::new();
    // The server answers (408) and closes, or just closes; either way the read ends well before 10 s.
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the half-sent request kept its connection for 10 s");
}

/// A request head is bounded in bytes (64 KiB, as Keycloak's): a 100 KiB header is refused with 431
/// (RFC 6585 §5) before any handler runs, instead of hyper's ~400 KiB buffer per connection.
#[tokio::test]
async fn a_request_head_over_64_kib_is_431_rfc6585_5() {
    let server = TestServer::builder().spawn().await;
    let url = server.url("/health/live");
    let small = server.http.get(&url).header("x-padding", "a".repeat(32 * 1024)).send().await.unwrap();
    assert_eq!(small.status(), 200, "a 32 KiB header is within the bound");
    let status = match server.http.get(&url).header("x-padding", "a".repeat(100 * 1024)).send().await {
        Ok(response) => Some(response.status()),
        Err(_) => None, // the connection closed before the answer was read
    };
    assert!(matches!(status, Some(s) if s == 431) || status.is_none(), "{status:?}");
    assert_ne!(status.map(|s| s.as_u16()), Some(200));
}

/// Beyond `max_concurrent_requests`, requests are refused at once with 503 `temporarily_unavailable` and
/// `Retry-After` (RFC 9110 §15.6.4) instead of queueing without bound; a request that takes longer than
/// `request_timeout` (a body trickling in) is answered 408.
#[tokio::test]
async fn requests_beyond_the_concurrency_limit_get_503_and_slow_ones_408_rfc9110_15_6_4() {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::builder()
        .configure(|c| {
            c.max_concurrent_requests = 1;
            c.request_timeout = Duration::from_secs(2);
        })
        .spawn()
        .await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    // Holds the one slot: a token request whose body never finishes arriving.
    let mut holder = tokio::net::TcpStream::connect(server.base_url.trim_start_matches("http://")).await.unwrap();
    let head = "POST /realms/shop/protocol/openid-connect/token HTTP/1.1\r\nHost: x\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=";
    holder.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = server.http.get(server.url("/realms/shop/.well-known/openid-configuration")).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    // The trickling request is cut at the timeout, which frees the slot.
    let mut answer = Vec::new();
    let _ =
        tokio::time::timeout(Duration::from_secs(10), tokio::io::AsyncReadExt::read_to_end(&mut holder, &mut answer))
            .await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"), "{}", String::from_utf8_lossy(&answer));
    let served = server.http.get(server.url("/realms/shop/.well-known/openid-configuration")).send().await.unwrap();
    assert_eq!(served.status(), 200);
}

/// RFC 7662 §4: the server decides which protected resources may introspect a token. By default a
/// client sees its own tokens and those naming it in `aud`; any other confidential client is told only
/// `{"active": false}`, unless the realm opts into Keycloak's realm-wide introspection.
#[tokio::test]
async fn a_client_may_introspect_only_its_own_tokens_and_those_for_it_by_default_rfc7662_4() {
    use tessera_core::provisioning::NewClient;
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let api = server.service_client("shop", "orders-api", &[], &[]).await.secret;
    let nosy = server.service_client("shop", "nosy", &[], &[]).await.secret;
    let spec = NewClient {
        client_id: "billing".into(),
        service_accounts_enabled: true,
        audiences: vec!["orders-api".into()],
        ..NewClient::default()
    };
    let billing = server.client("shop", spec).await.secret;
    let token = server.access_token("shop", "billing", &billing).await;
    assert_eq!(server.introspect("shop", "billing", &billing, &token).await["active"], true, "its own");
    assert_eq!(server.introspect("shop", "orders-api", &api, &token).await["active"], true, "its audience");
    assert_eq!(server.introspect("shop", "nosy", &nosy, &token).await, serde_json::json!({"active": false}));

    server
        .realm_with_attributes("open", SigningAlgorithm::Es256, &[], &[("tessera.introspection.scope", "realm")])
        .await;
    let svc = server.service_client("open", "svc", &[], &[]).await.secret;
    let other = server.service_client("open", "other", &[], &[]).await.secret;
    let token = server.access_token("open", "svc", &svc).await;
    assert_eq!(server.introspect("open", "other", &other, &token).await["active"], true, "realm-wide by choice");
}
