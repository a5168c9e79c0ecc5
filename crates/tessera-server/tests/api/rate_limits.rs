//! Rate limits (GCRA) per client, per source address and on failed client authentication, configured by
//! realm and client attributes; shared across nodes through Redis, per node when Redis is away. Time is the
//! server's injectable clock: requests are counted at simulated instants, never timed.

use std::sync::Arc;

use serde_json::Value;
use tessera_core::clock::ManualClock;
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::ClientStore;
use tessera_testkit::{PrivateRedis, TestServer, fresh_postgres, redis_url};

use crate::multinode::shared;

const T0: i64 = 1_900_000_000;

fn behind_proxy(c: &mut tessera_server::Config) {
    c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
}

async fn token_from(server: &TestServer, address: &str, id: &str, secret: &str) -> reqwest::Response {
    let form = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)];
    server.http.post(server.token_url("shop")).header("x-forwarded-for", address).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn rfc6585_4_a_client_over_its_limit_gets_429_with_retry_after_and_an_rfc6749_error_body() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::builder()
        .clock(clock.clone())
        .configure(|c| c.metrics_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))))
        .spawn()
        .await;
    server
        .realm_with_attributes("shop", SigningAlgorithm::Es256, &[], &[("tessera.rateLimit.client", "5/m,burst=3")])
        .await;
    let svc = server.service_client("shop", "svc", &[], &[]).await;
    let batch = server.service_client("shop", "batch", &[], &[]).await;
    let mut exempt = batch.client.clone();
    exempt.attributes.insert("tessera.rateLimit.client".into(), "off".into());
    assert!(server.store.update_client(&exempt).await.unwrap());

    for _ in 0..3 {
        assert_eq!(server.client_credentials("shop", "svc", &svc.secret, None).await.status(), 200);
    }
    let refused = server.client_credentials("shop", "svc", &svc.secret, None).await;
    assert_eq!(refused.status(), 429);
    // 5 per minute: one every 12 s once the burst of 3 is spent.
    assert_eq!(refused.headers()["retry-after"], "12");
    assert_eq!(refused.headers()["content-type"], "application/json");
    assert_eq!(refused.headers()["cache-control"], "no-store");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(body["error_description"].is_string());
    // The client attribute `off` exempts one client from the realm's limit.
    for _ in 0..10 {
        assert_eq!(server.client_credentials("shop", "batch", &batch.secret, None).await.status(), 200);
    }
    clock.advance(12);
    assert_eq!(server.client_credentials("shop", "svc", &svc.secret, None).await.status(), 200);
    assert_eq!(server.client_credentials("shop", "svc", &svc.secret, None).await.status(), 429);
    if let Some(scrape) = crate::metrics::Scrape::of(&server).await {
        let labels = [("realm", "shop"), ("endpoint", "token"), ("scope", "client")];
        assert_eq!(scrape.value("tessera_rate_limited_total", &labels), 2.0);
    }
}

#[tokio::test]
async fn rfc7662_2_introspection_is_limited_per_source_address_from_the_trusted_proxy_rules() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::builder().clock(clock.clone()).configure(behind_proxy).spawn().await;
    server
        .realm_with_attributes("shop", SigningAlgorithm::Es256, &[], &[("tessera.rateLimit.address", "2/m,burst=2")])
        .await;
    let svc = server.service_client("shop", "svc", &[], &[]).await;
    let introspect = |address: &'static str| {
        server
            .http
            .post(server.url("/realms/shop/protocol/openid-connect/token/introspect"))
            .header("x-forwarded-for", address)
            .basic_auth("svc", Some(&svc.secret))
            .form(&[("token", "x")])
            .send()
    };
    let statuses = [
        introspect("192.0.2.1").await.unwrap().status().as_u16(),
        introspect("192.0.2.1").await.unwrap().status().as_u16(),
        introspect("192.0.2.1").await.unwrap().status().as_u16(),
        introspect("192.0.2.2").await.unwrap().status().as_u16(),
    ];
    assert_eq!(statuses, [200, 200, 429, 200]);
}

#[tokio::test]
async fn rfc6749_2_3_a_client_guessing_secrets_is_refused_from_that_address_only() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::builder().clock(clock.clone()).configure(behind_proxy).spawn().await;
    server
        .realm_with_attributes("shop", SigningAlgorithm::Es256, &[], &[("tessera.rateLimit.failedAuth", "3/m,burst=3")])
        .await;
    let svc = server.service_client("shop", "svc", &[], &[]).await;
    let attacker = "198.51.100.7";
    for _ in 0..3 {
        assert_eq!(token_from(&server, attacker, "svc", "guess").await.status(), 401);
    }
    assert_eq!(token_from(&server, attacker, "svc", "guess").await.status(), 429);
    assert_eq!(token_from(&server, attacker, "svc", &svc.secret).await.status(), 429, "refused before checking");
    assert_eq!(token_from(&server, "203.0.113.9", "svc", &svc.secret).await.status(), 200);
    // Successes never count: the right secret goes on working at any rate.
    for _ in 0..10 {
        assert_eq!(token_from(&server, "203.0.113.9", "svc", &svc.secret).await.status(), 200);
    }
    clock.advance(20);
    assert_eq!(token_from(&server, attacker, "svc", &svc.secret).await.status(), 200);
}

/// Sends `per_second` token requests per simulated second for `seconds`, alternating between `nodes`;
/// returns how many were admitted.
async fn admitted_over(
    nodes: &[&TestServer],
    clock: &ManualClock,
    secret: &str,
    seconds: usize,
    per_second: usize,
) -> usize {
    let mut admitted = 0;
    for _ in 0..seconds {
        for i in 0..per_second {
            let node = nodes[i % nodes.len()];
            match node.client_credentials("shop", "svc", secret, None).await.status().as_u16() {
                200 => admitted += 1,
                429 => {}
                other => panic!("unexpected {other}"),
            }
        }
        clock.advance(1);
    }
    admitted
}

#[tokio::test]
async fn two_nodes_sharing_redis_hold_the_configured_rate_across_both() {
    let (Some(db), Some(redis)) = (fresh_postgres().await, redis_url().await) else { return eprintln!("skipped") };
    let clock = Arc::new(ManualClock::new(T0));
    let node = |clock: Arc<ManualClock>| {
        let (db, redis) = (db.clone(), redis.clone());
        TestServer::builder()
            .database_url(db)
            .clock(clock)
            .configure(shared)
            .configure(move |c| c.redis_url = Some(redis))
            .spawn()
    };
    let a = node(clock.clone()).await;
    let b = node(clock.clone()).await;
    a.realm_with_attributes("shop", SigningAlgorithm::Es256, &[], &[("tessera.rateLimit.client", "60/m,burst=5")])
        .await;
    let svc = a.service_client("shop", "svc", &[], &[]).await;
    // 3 requests a second for 40 s against a limit of 1 a second (burst 5): 5 + 40 = 45 admitted in all,
    // where two unshared nodes would admit about twice that.
    let admitted = admitted_over(&[&a, &b], &clock, &svc.secret, 40, 3).await;
    assert!((41..=49).contains(&admitted), "admitted {admitted}, expected 45 ± 10%");
}

#[tokio::test]
async fn with_redis_stopped_each_node_still_limits_on_its_own() {
    let Some(db) = fresh_postgres().await else { return eprintln!("no PostgreSQL: skipped") };
    let mut redis = PrivateRedis::start().await;
    let clock = Arc::new(ManualClock::new(T0));
    let node = |clock: Arc<ManualClock>| {
        let (db, url) = (db.clone(), redis.url());
        TestServer::builder()
            .database_url(db)
            .clock(clock)
            .configure(shared)
            .configure(move |c| c.redis_url = Some(url))
            .spawn()
    };
    let a = node(clock.clone()).await;
    let b = node(clock.clone()).await;
    a.realm_with_attributes("shop", SigningAlgorithm::Es256, &[], &[("tessera.rateLimit.client", "60/m,burst=5")])
        .await;
    let svc = a.service_client("shop", "svc", &[], &[]).await;
    redis.stop();
    for node in [&a, &b] {
        let admitted = admitted_over(&[node], &clock, &svc.secret, 10, 3).await;
        assert!((14..=16).contains(&admitted), "admitted {admitted} on one node, expected 5 + 10");
    }
}

#[tokio::test]
async fn rfc6749_3_1_the_authorization_endpoint_is_limited_per_address_with_a_429_page() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::builder()
        .clock(clock.clone())
        .configure(behind_proxy)
        .configure(|c| c.metrics_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))))
        .spawn()
        .await;
    server
        .realm_with_attributes("shop", SigningAlgorithm::Es256, &[], &[("tessera.rateLimit.address", "2/m,burst=2")])
        .await;
    let authorize = |address: &'static str| {
        server
            .http
            .get(server.url("/realms/shop/protocol/openid-connect/auth?client_id=nobody&response_type=code"))
            .header("x-forwarded-for", address)
            .send()
    };
    assert_eq!(authorize("192.0.2.1").await.unwrap().status(), 400);
    assert_eq!(authorize("192.0.2.1").await.unwrap().status(), 400);
    let refused = authorize("192.0.2.1").await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "30");
    assert_eq!(authorize("192.0.2.2").await.unwrap().status(), 400, "another address is not limited");
    if let Some(scrape) = crate::metrics::Scrape::of(&server).await {
        let labels = [("realm", "shop"), ("endpoint", "authorization"), ("scope", "address")];
        assert_eq!(scrape.value("tessera_rate_limited_total", &labels), 1.0);
    }
}

#[tokio::test]
async fn an_administrator_turns_a_realm_limit_on_through_the_admin_api_and_every_request_meets_it() {
    use crate::admin::{SECRET, call, master_token, server};
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    let (status, mut realm, _) =
        call(&server, reqwest::Method::GET, "/admin/realms/northwind", Some(&token), None).await;
    assert_eq!(status, 200);
    realm["attributes"]["tessera.rateLimit.address"] = "2/m,burst=2".into();
    let (status, _, _) =
        call(&server, reqwest::Method::PUT, "/admin/realms/northwind", Some(&token), Some(realm)).await;
    assert_eq!(status, 204);
    let introspect = || {
        server
            .http
            .post(server.url("/realms/northwind/protocol/openid-connect/token/introspect"))
            .basic_auth("roles-app", Some(SECRET))
            .form(&[("token", "x")])
            .send()
    };
    // The change reaches the node within its refresh interval; then the third request in a minute is refused.
    let limited = TestServer::eventually(std::time::Duration::from_secs(3), || async {
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(introspect().await.unwrap().status().as_u16());
        }
        statuses.contains(&429)
    })
    .await;
    assert!(limited.is_some(), "the limit set through the admin API never applied");
}
