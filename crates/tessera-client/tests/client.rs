#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tessera_client::{ClientSecret, Clock, ErrorCode, TokenError, TokenSource};
use tessera_core::audit::{AuditKind, AuditQuery};
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::{AuditStore, RealmStore};
use tessera_testkit::TestServer;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug)]
struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

async fn shop() -> (TestServer, String) {
    shop_in(TestServer::spawn().await).await
}

async fn shop_in(server: TestServer) -> (TestServer, String) {
    server.realm("shop", SigningAlgorithm::Es256, &["api:read"]).await;
    let secret = server.service_client("shop", "svc", &["api:read"], &[]).await.secret;
    (server, secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_callers_cause_one_token_request() {
    let dir = tempfile::tempdir().unwrap();
    let (server, secret) = shop_in(TestServer::builder().data_dir(dir.path()).spawn().await).await;
    let data_dir = dir.path().to_path_buf();
    let source = TokenSource::builder()
        .issuer(server.issuer("shop"))
        .client_id("svc")
        .client_secret(ClientSecret::Value(secret))
        .build()
        .await
        .unwrap();
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let s = source.clone();
            tokio::spawn(async move { s.token().await })
        })
        .collect();
    let mut tokens = std::collections::BTreeSet::new();
    for c in calls {
        tokens.insert(c.await.unwrap().unwrap());
    }
    assert_eq!(tokens.len(), 1, "every caller got the same token");
    // The server's audit trail counts issued tokens; stopping it flushes the count.
    server.stop().await;
    let store =
        tessera_store::SqlStore::connect(&tessera_store::SqlStore::sqlite_url_for_dir(&data_dir)).await.unwrap();
    let q = AuditQuery { realm: "shop".into(), kind: Some(AuditKind::TokenIssued), ..AuditQuery::default() };
    let issued: u64 = store.audit_events(&q).await.unwrap().iter().map(|e| e.count).sum();
    assert_eq!(issued, 1, "one token request for a hundred callers");
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let (server, secret) = shop().await;
    let clock = Arc::new(ManualClock(AtomicI64::new(1_000)));
    let source = TokenSource::builder()
        .token_url(server.token_url("shop"))
        .client_id("svc")
        .client_secret(ClientSecret::Value(secret))
        .skew(Duration::from_secs(30))
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    let first = source.token().await.unwrap();
    clock.0.fetch_add(269, Ordering::SeqCst);
    assert_eq!(source.token().await.unwrap(), first, "cached until 30 s before expiry");
    clock.0.fetch_add(1, Ordering::SeqCst);
    assert_ne!(source.token().await.unwrap(), first, "renewed 30 s before expiry (expires_in 300)");
}

#[tokio::test]
async fn a_changed_secret_file_is_picked_up() {
    let (server, old) = shop().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    std::fs::write(&file, format!("{old}\n")).unwrap();
    let clock = Arc::new(ManualClock(AtomicI64::new(1_000)));
    let source = TokenSource::builder()
        .token_url(server.token_url("shop"))
        .client_id("svc")
        .client_secret(ClientSecret::File(file.clone()))
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    source.token().await.unwrap();
    // The secret is rotated with no grace: the old one stops working at once.
    let realm = server.store.find_realm("shop").await.unwrap().unwrap();
    let now = tessera_core::ports::Clock::now(&tessera_core::clock::SystemClock);
    let new =
        tessera_server::operations::rotate_client_secret(&server.store, &server.secrets, &realm, "svc", 0, now - 1)
            .await
            .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    clock.0.fetch_add(400, Ordering::SeqCst);
    let refused = source.token().await.unwrap_err();
    assert!(matches!(refused, TokenError::OAuth { status: 401, error: ErrorCode::InvalidClient, .. }), "{refused:?}");
    // Ensure a new modification time even on coarse file systems.
    tokio::time::sleep(Duration::from_millis(20)).await;
    std::fs::write(&file, secrecy::ExposeSecret::expose_secret(&new)).unwrap();
    let t = std::time::SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options().write(true).open(&file).unwrap().set_modified(t).unwrap();
    source.token().await.expect("the new secret from the file works");
}

#[tokio::test]
async fn errors_are_typed_with_the_rfc_code() {
    let (server, _) = shop().await;
    let source = TokenSource::builder()
        .token_url(server.token_url("shop"))
        .client_id("svc")
        .client_secret(ClientSecret::Env("TESSERA_CLIENT_TEST_UNSET_VARIABLE".into()))
        .build()
        .await;
    assert!(matches!(source, Err(TokenError::Secret(_))));
    let source = TokenSource::builder()
        .token_url(server.token_url("shop"))
        .client_id("svc")
        .client_secret(ClientSecret::Value("wrong".into()))
        .scope("api:read")
        .build()
        .await
        .unwrap();
    let err = source.token().await.unwrap_err();
    assert_eq!(
        err,
        TokenError::OAuth {
            status: 401,
            error: ErrorCode::InvalidClient,
            description: Some("client authentication failed".into())
        }
    );
}

#[tokio::test]
async fn only_5xx_and_connection_errors_are_retried_and_the_bearer_header_is_added() {
    let idp = MockServer::start().await;
    let ok = serde_json::json!({"access_token": "abc", "expires_in": 300, "refresh_expires_in": 0,
        "token_type": "Bearer", "not-before-policy": 0, "scope": ""});
    Mock::given(method("POST"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&idp)
        .await;
    Mock::given(method("POST"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&ok))
        .mount(&idp)
        .await;
    Mock::given(method("POST"))
        .and(path("/refuses"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_scope"})))
        .mount(&idp)
        .await;
    Mock::given(method("GET"))
        .and(path("/api"))
        .and(header("authorization", "Bearer abc"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&idp)
        .await;
    let source = |p: &str| {
        TokenSource::builder()
            .token_url(format!("{}{p}", idp.uri()))
            .client_id("c")
            .client_secret(ClientSecret::Value("s".into()))
            .build()
    };
    let flaky = source("/flaky").await.unwrap();
    assert_eq!(flaky.token().await.unwrap(), "abc");
    let refusing = source("/refuses").await.unwrap();
    assert!(matches!(refusing.token().await, Err(TokenError::OAuth { error: ErrorCode::InvalidScope, .. })));
    let count = |p: &'static str| {
        let idp = &idp;
        async move { idp.received_requests().await.unwrap().iter().filter(|r| r.url.path() == p).count() }
    };
    assert_eq!(count("/flaky").await, 3, "two 503s retried, then success");
    assert_eq!(count("/refuses").await, 1, "a 4xx is not retried");
    let api = flaky.authorize(reqwest::Client::new().get(format!("{}/api", idp.uri()))).await.unwrap();
    assert_eq!(api.send().await.unwrap().status(), 204);
}

/// RFC 8707 §2: `.resource(…)` gets a token whose `aud` is exactly that API; an unregistered resource is
/// the server's `invalid_target`, surfaced as such.
#[tokio::test]
async fn a_resource_gives_a_token_for_that_api_only_and_an_unregistered_one_is_invalid_target_rfc8707_2() {
    use base64::Engine;
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &["api:read"]).await;
    let spec = tessera_core::provisioning::NewClient {
        client_id: "svc".into(),
        service_accounts_enabled: true,
        default_scopes: vec!["api:read".into()],
        resources: vec!["https://orders.shop.test/".into()],
        ..Default::default()
    };
    let secret = server.client("shop", spec).await.secret;
    let source = |resource: &str| {
        TokenSource::builder()
            .issuer(server.issuer("shop"))
            .client_id("svc")
            .client_secret(ClientSecret::Value(secret.clone()))
            .resource(resource)
            .build()
    };
    let token = source("https://orders.shop.test/").await.unwrap().token().await.unwrap();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(claims["aud"], "https://orders.shop.test/");
    let refused = source("https://payroll.shop.test/").await.unwrap().token().await.unwrap_err();
    assert!(matches!(refused, TokenError::OAuth { status: 400, error: ErrorCode::InvalidTarget, .. }), "{refused:?}");
}

/// The claims of a compact JWS, unverified.
fn jws_claims(jws: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = jws.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn private_key_jwt_sends_a_fresh_rfc7523_assertion_with_every_token_request() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "t", "token_type": "Bearer", "expires_in": 300, "refresh_expires_in": 0,
            "not-before-policy": 0, "scope": ""
        })))
        .mount(&mock)
        .await;
    let pem = rcgen::KeyPair::generate().unwrap().serialize_pem();
    let key = tessera_client::PrivateKey::from_pem(pem.as_bytes()).unwrap().key_id("k1");
    let token_url = format!("{}/token", mock.uri());
    let source =
        TokenSource::builder().token_url(&token_url).client_id("svc").private_key_jwt(key).build().await.unwrap();
    source.request_token().await.unwrap();
    source.request_token().await.unwrap();
    let requests = mock.received_requests().await.unwrap();
    let mut jtis = Vec::new();
    for r in &requests {
        assert!(r.headers.get("authorization").is_none(), "no Basic beside the assertion (RFC 6749 §2.3)");
        let form: std::collections::HashMap<String, String> =
            form_urlencoded::parse(&r.body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        assert_eq!(form["client_assertion_type"], "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        let claims = jws_claims(&form["client_assertion"]);
        assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some("svc"), Some("svc")));
        assert_eq!(claims["aud"], token_url.as_str());
        assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() <= 300);
        jtis.push(claims["jti"].as_str().unwrap().to_owned());
    }
    assert_eq!(jtis.len(), 2);
    assert_ne!(jtis[0], jtis[1], "a jti is single use (RFC 7523 §3 item 7)");
}

/// RFC 8705 §2.1 and §3.1 against the real server over TLS: the client's certificate authenticates it
/// (`tls_client_auth`, only `client_id` in the body) and the token is bound to it (`cnf.x5t#S256`).
#[tokio::test]
async fn rfc8705_2_1_a_tls_identity_authenticates_and_the_token_is_bound_to_it() {
    use base64::Engine;
    use tessera_testkit::mtls::Pki;
    let pki = Pki::new();
    let server = TestServer::builder().configure(|c| pki.serve_tls(c, true)).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let attributes = [("tessera.client.authenticator", "client-x509"), ("x509.subjectdn", "CN=svc,O=Example")];
    server.service_client_with("shop", "svc", &attributes).await;
    let cert = pki.client("svc", &[]);
    let identity = tessera_client::TlsIdentity::from_pem(cert.cert_pem.as_bytes(), cert.key_pem.as_bytes()).unwrap();
    let source = TokenSource::builder()
        .issuer(server.issuer("shop"))
        .client_id("svc")
        .tls_identity(identity)
        .root_certificate_pem(pki.ca_pem().as_bytes())
        .unwrap()
        .build()
        .await
        .unwrap();
    let token = source.token().await.unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["cnf"]["x5t#S256"], cert.thumbprint().as_str());
}
