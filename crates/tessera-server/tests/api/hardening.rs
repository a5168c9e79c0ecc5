//! Findings of the attacker's review, each reproduced: sizes from outside are bounded where the request
//! enters, and nothing is parsed or looked up per scope before the client is authenticated.

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
    let huge = "c".repeat(300_000);
    for _ in 0..3 {
        let response = server
            .http
            .post(server.token_url("shop"))
            .basic_auth(&huge, Some("whatever"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(error_of(response).await, (401, "invalid_client".to_owned()));
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
    let long = "r".repeat(10_000);
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
