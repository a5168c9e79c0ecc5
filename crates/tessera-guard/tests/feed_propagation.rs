//! Issue #17's propagation figure (a measurement, not a test of time: it asserts only that every revocation
//! arrived): three nodes on PostgreSQL + Redis, two guards in feed mode on two of them, revocations made on
//! random nodes; prints the p50/p99/max from "revocation sent" to "refused by the guard".
//! Runs when `TESSERA_FEED_PROPAGATION_REVOCATIONS` is set (see `bench/feed_propagation.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::ClientStore;
use tessera_core::provisioning::NewClient;
use tessera_core::revocation_feed::REVOCATION_FEED_ATTRIBUTE;
use tessera_guard::{FeedConfig, ValidationError, Validator};
use tessera_testkit::{TestServer, fresh_postgres, redis_url};

fn pick(n: usize) -> usize {
    (std::collections::hash_map::RandomState::new().hash_one(Instant::now()) % n as u64) as usize
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_on_random_nodes_reach_two_guards() {
    let Ok(n) = std::env::var("TESSERA_FEED_PROPAGATION_REVOCATIONS") else {
        return eprintln!("set TESSERA_FEED_PROPAGATION_REVOCATIONS to measure: skipped");
    };
    let n: usize = n.parse().unwrap();
    let (Some(db), Some(redis)) = (fresh_postgres().await, redis_url().await) else { return eprintln!("skipped") };
    let keys = tempfile::tempdir().unwrap();
    let mut nodes = Vec::new();
    for _ in 0..3 {
        let (redis, key) = (redis.clone(), keys.path().join("master.key"));
        let node = TestServer::builder()
            .database_url(&db)
            .configure(move |c| {
                c.public_url = Some("http://tessera.test".into());
                c.master_key_file = Some(key);
                c.redis_url = Some(redis);
                // The default database poll: the safety net, not what carries revocations.
                c.refresh_interval = Duration::from_secs(1);
            })
            .spawn()
            .await;
        nodes.push(node);
    }
    nodes[0].realm("shop", SigningAlgorithm::Es256, &[]).await;
    let svc = nodes[0].service_client("shop", "svc", &[], &[]).await.secret;
    let spec = NewClient { client_id: "api".into(), service_accounts_enabled: true, ..NewClient::default() };
    let mut api = nodes[0].client("shop", spec).await;
    api.client.attributes.insert(REVOCATION_FEED_ATTRIBUTE.into(), "true".into());
    nodes[0].store.update_client(&api.client).await.unwrap();
    let issuer = nodes[0].issuer("shop");
    let mut guards = Vec::new();
    for node in &nodes[1..] {
        let mut config = FeedConfig::new("api", &api.secret);
        config.endpoint = Some(node.url("/realms/shop/protocol/openid-connect/revocations"));
        let guard = Validator::builder()
            .issuer(&issuer)
            .jwks_url(node.certs_url("shop"))
            .audience(&issuer)
            .revocation_feed(config)
            .build()
            .await
            .unwrap();
        guards.push(guard);
    }
    let mut delays = Vec::new();
    for _ in 0..n {
        let token = nodes[pick(3)].access_token("shop", "svc", &svc).await;
        for g in &guards {
            g.validate(&token).await.unwrap();
        }
        let sent = Instant::now();
        assert_eq!(nodes[pick(3)].revoke("shop", "svc", &svc, &token).await.status(), 200);
        let mut pending: Vec<&Validator> = guards.iter().collect();
        while !pending.is_empty() {
            assert!(sent.elapsed() < Duration::from_secs(30), "a revocation never reached a guard");
            let mut still = Vec::new();
            for g in pending {
                if matches!(g.validate(&token).await, Err(ValidationError::InvalidToken(_))) {
                    delays.push(sent.elapsed());
                } else {
                    still.push(g);
                }
            }
            pending = still;
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
    }
    delays.sort();
    println!(
        "feed propagation: {} revocations x 2 guards, 3 nodes: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        n,
        percentile(&delays, 0.5).as_secs_f64() * 1e3,
        percentile(&delays, 0.99).as_secs_f64() * 1e3,
        delays.last().unwrap().as_secs_f64() * 1e3
    );
}
