//! Usage per client and anomaly detection over real HTTP: the usage endpoint after real token requests,
//! and an anomaly's webhook received by a real local HTTP server with a valid HMAC-SHA256 signature. The
//! detector itself is tested on a manual clock in tessera-core (`anomaly::tests`).

use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::Value;
use tessera_core::audit::{AuditKind, AuditQuery};
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::{AuditStore, ClientStore, RealmStore};
use tessera_testkit::{TestServer, TestServerBuilder, fresh_postgres, redis_url};
use tokio::sync::mpsc;

use crate::admin::{ADMIN_PASSWORD, master_token};

fn with_admin() -> TestServerBuilder {
    TestServer::builder().configure(|c| {
        c.bootstrap_admin = Some(("admin".into(), ADMIN_PASSWORD.to_owned().into()));
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
}

async fn token_from(server: &TestServer, address: &str, id: &str, secret: &str, scope: &str) -> u16 {
    let form = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret), ("scope", scope)];
    let r = server.http.post(server.token_url("shop")).header("x-forwarded-for", address).form(&form).send().await;
    r.unwrap().status().as_u16()
}

async fn usage(server: &TestServer, token: &str, query: &str) -> (u16, Value) {
    let url = server.url(&format!("/admin/realms/shop/tessera/usage{query}"));
    let r = server.http.get(url).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_usage_endpoint_shows_tokens_failures_networks_and_scopes_per_client_after_real_requests() {
    let server = with_admin().spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &["orders:read"]).await;
    let svc = server.service_client("shop", "svc", &[], &["orders:read"]).await;
    let other = server.service_client("shop", "other", &[], &[]).await;
    for address in ["203.0.113.5", "203.0.113.77", "2001:db8:1:2ff::9"] {
        assert_eq!(token_from(&server, address, "svc", &svc.secret, "orders:read").await, 200);
    }
    assert_eq!(token_from(&server, "198.51.100.1", "svc", "wrong-secret", "orders:read").await, 401);
    assert_eq!(token_from(&server, "198.51.100.1", "other", &other.secret, "").await, 200);
    let admin = master_token(&server).await;

    // Counted in memory and flushed every second: the read includes what is not flushed yet. Polled, as
    // a flush may be under way (its counts briefly in neither place).
    let mut body = Value::Null;
    for _ in 0..50 {
        let (status, b) = usage(&server, &admin, "?client=svc&since=2h").await;
        assert_eq!(status, 200, "{b}");
        body = b;
        if body["clients"][0]["tokens"] == 3 && body["clients"][0]["failures"]["client_secret_post"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(body["clients"][0]["tokens"], 3, "{body}");
    assert_eq!(body["clients"][0]["failures"]["client_secret_post"], 1, "{body}");
    let svc_usage = &body["clients"][0];
    assert_eq!(body["clients"].as_array().unwrap().len(), 1, "one client asked for: {body}");
    assert_eq!(svc_usage["clientId"], "svc");
    assert_eq!(
        svc_usage["networks"],
        serde_json::json!(["198.51.100.0/24", "2001:db8:1:200::/56", "203.0.113.0/24"]),
        "IPv4 /24 and IPv6 /56, the failure's network too"
    );
    assert_eq!(svc_usage["scopes"]["orders:read"], 3);
    assert_eq!(svc_usage["tokensPerMinute"].as_array().unwrap().len(), 121, "two hours and the current minute");

    let (status, all) = usage(&server, &admin, "").await;
    assert_eq!(status, 200);
    let clients: Vec<&str> =
        all["clients"].as_array().unwrap().iter().map(|c| c["clientId"].as_str().unwrap()).collect();
    assert_eq!(clients, ["svc", "other"], "busiest first");

    let r = server.http.get(server.url("/admin/realms/shop/tessera/usage")).send().await.unwrap();
    assert_eq!(r.status(), 401, "the admin API's authentication, as every admin route");
    let (status, _) = usage(&server, &admin, "?since=yesterday").await;
    assert_eq!(status, 400);
    let (status, _) = usage(&server, "not-a-token", "").await;
    assert_eq!(status, 401);
}

/// A local HTTP server that hands each request's headers and body to the test.
async fn webhook_receiver() -> (String, mpsc::UnboundedReceiver<(HeaderMap, Bytes)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

fn hmac_sha256_hex(key: &str, body: &[u8]) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key.as_bytes());
    aws_lc_rs::hmac::sign(&key, body).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn a_burst_of_bad_secrets_is_an_anomaly_audited_and_posted_to_the_realm_webhook_with_a_valid_signature() {
    let (url, mut received) = webhook_receiver().await;
    let server = with_admin().spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    // Set as an administrator sets it: through the admin API, which seals the secret before storing it.
    let admin = master_token(&server).await;
    let attributes = serde_json::json!({
        "tessera.anomaly.webhookUrl": url,
        "tessera.anomaly.webhookSecret": "hook-secret-for-tests",
        "tessera.anomaly.failureBurst": "10",
    });
    let realm_url = server.url("/admin/realms/shop");
    let put = server.http.put(&realm_url).bearer_auth(&admin).json(&serde_json::json!({"attributes": attributes}));
    assert_eq!(put.send().await.unwrap().status(), 204);
    let stored =
        server.store.find_realm("shop").await.unwrap().unwrap().attributes["tessera.anomaly.webhookSecret"].clone();
    assert!(stored.starts_with("sealed:") && !stored.contains("hook-secret"), "never stored in clear: {stored}");
    let shown: Value = server.http.get(&realm_url).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["attributes"]["tessera.anomaly.webhookSecret"], "**********", "never shown back");
    // The representation PUT back as read leaves the secret as it was.
    let put = server.http.put(&realm_url).bearer_auth(&admin).json(&shown);
    assert_eq!(put.send().await.unwrap().status(), 204);
    let kept =
        server.store.find_realm("shop").await.unwrap().unwrap().attributes["tessera.anomaly.webhookSecret"].clone();
    assert_eq!(kept, stored);
    let svc = server.service_client("shop", "svc", &[], &[]).await;
    assert_eq!(token_from(&server, "203.0.113.5", "svc", &svc.secret, "").await, 200);
    for _ in 0..12 {
        assert_eq!(token_from(&server, "192.0.2.66", "svc", "guessed-secret", "").await, 401);
    }

    let (headers, body) = tokio::time::timeout(Duration::from_secs(20), received.recv())
        .await
        .expect("a webhook delivery within 20 s")
        .expect("the receiver is open");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-tessera-event"], "anomaly_detected");
    let expected = format!("sha256={}", hmac_sha256_hex("hook-secret-for-tests", &body));
    assert_eq!(headers["x-tessera-signature"].to_str().unwrap(), expected, "HMAC-SHA256 over the exact body");
    assert_ne!(headers["x-tessera-signature"].to_str().unwrap(), format!("sha256={}", hmac_sha256_hex("other", &body)));
    let delivery: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(delivery["type"], "anomaly_detected");
    assert_eq!(delivery["realm"], "shop");
    assert_eq!(delivery["clientId"], "svc");
    assert_eq!(delivery["rule"], "failure_burst");
    assert!(delivery["evidence"]["observed"].as_f64().unwrap() >= 10.0, "{delivery}");
    assert_eq!(delivery["evidence"]["expected"], 10.0);
    assert_eq!(delivery["evidence"]["networks"], serde_json::json!(["192.0.2.0/24"]));
    assert_eq!(delivery["id"].as_str().map(str::len), Some(32));
    assert_eq!(headers["x-tessera-delivery"], delivery["id"].as_str().unwrap());

    // The same anomaly is in the audit trail, once.
    let query =
        AuditQuery { realm: "shop".into(), kind: Some(AuditKind::AnomalyDetected), limit: 10, ..AuditQuery::default() };
    let store = &server.store;
    let audited = TestServer::eventually(Duration::from_secs(5), || {
        let query = query.clone();
        async move { store.audit_events(&query).await.unwrap().len() == 1 }
    })
    .await;
    assert!(audited.is_some(), "one anomaly_detected event");
    let event = server.store.audit_events(&query).await.unwrap().remove(0);
    assert_eq!(event.client_id.as_deref(), Some("svc"));
    assert!(event.reason.as_deref().unwrap().contains("\"rule\":\"failure_burst\""), "{event:?}");
    assert!(tokio::time::timeout(Duration::from_millis(1500), received.recv()).await.is_err(), "one alarm, one post");
}

#[tokio::test]
async fn with_redis_every_node_reads_the_usage_of_the_whole_realm() {
    let (Some(redis), Some(db)) = (redis_url().await, fresh_postgres().await) else {
        return eprintln!("no Redis or PostgreSQL: skipped");
    };
    let node = |db: String, redis: String| {
        with_admin().database_url(db).configure(move |c| {
            crate::multinode::shared(c);
            c.redis_url = Some(redis);
        })
    };
    let a = node(db.clone(), redis.clone()).spawn().await;
    let b = node(db, redis).spawn().await;
    // A realm name of its own: the Redis is shared with other tests.
    let realm = format!("shop{}", std::process::id());
    a.realm(&realm, SigningAlgorithm::Es256, &[]).await;
    let svc = a.service_client(&realm, "svc", &[], &[]).await;
    for server in [&a, &a, &b] {
        let form = [("grant_type", "client_credentials"), ("client_id", "svc"), ("client_secret", svc.secret.as_str())];
        let r = server.http.post(server.token_url(&realm)).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let admin = master_token(&b).await;
    let url = b.url(&format!("/admin/realms/{realm}/tessera/usage?client=svc"));
    let seen = TestServer::eventually(Duration::from_secs(10), || {
        let (b, url, admin) = (&b, &url, &admin);
        async move {
            let body: Value = b.http.get(url).bearer_auth(admin).send().await.unwrap().json().await.unwrap();
            body["clients"][0]["tokens"] == 3
        }
    })
    .await;
    assert!(seen.is_some(), "node b sees node a's two tokens and its own");
}

#[tokio::test]
async fn a_realm_that_asks_for_it_has_a_client_disabled_when_it_appears_from_a_new_network() {
    let server = with_admin().spawn().await;
    let attributes = [("tessera.anomaly.response", "disable"), ("tessera.anomaly.learnMinutes", "0")];
    server.realm_with_attributes("shop", SigningAlgorithm::Es256, &[], &attributes).await;
    let svc = server.service_client("shop", "svc", &[], &[]).await;
    assert_eq!(token_from(&server, "203.0.113.5", "svc", &svc.secret, "").await, 200);
    // A client's first networks are learnt (those of its first one-second batch); a later one is new.
    let mut refused = false;
    for i in 1..=100 {
        let status = token_from(&server, &format!("198.51.{i}.9"), "svc", &svc.secret, "").await;
        if status == 401 {
            refused = true;
            break;
        }
        assert_eq!(status, 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "the client was disabled");
    let realm = server.store.find_realm("shop").await.unwrap().unwrap();
    assert!(!server.store.find_client(&realm.id, "svc").await.unwrap().unwrap().enabled);
    let query =
        AuditQuery { realm: "shop".into(), kind: Some(AuditKind::AnomalyDetected), limit: 10, ..AuditQuery::default() };
    let store = &server.store;
    let audited = TestServer::eventually(Duration::from_secs(5), || {
        let query = query.clone();
        async move {
            let events = store.audit_events(&query).await.unwrap();
            events.iter().any(|e| e.reason.as_deref().is_some_and(|r| r.contains("\"response\":\"disabled\"")))
        }
    })
    .await;
    assert!(audited.is_some(), "the anomaly's event says what was done");
}
