//! `tessera usage` after real token requests: a table with a sparkline per client, read from the audit
//! trail on a single node or from Redis, where every node adds its counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use tessera_testkit::{TestServer, redis_url};

mod common;
use common::{ok, secret_from};

const BARS: &str = "▁▂▃▄▅▆▇█";

#[tokio::test]
async fn usage_prints_tokens_failures_and_a_sparkline_per_client_from_the_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    ok(&d, &["realm", "create", "shop"]);
    let secret = secret_from(&ok(&d, &["client", "create", "--realm", "shop", "svc"]));
    let server = TestServer::builder().data_dir(&d).spawn().await;
    for _ in 0..3 {
        assert_eq!(server.client_credentials("shop", "svc", &secret, None).await.status(), 200);
    }
    assert_eq!(server.client_credentials("shop", "svc", "wrong-secret", None).await.status(), 401);
    // A clean stop writes everything recorded.
    server.stop().await;

    let table = ok(&d, &["usage", "--realm", "shop", "--since", "2h"]);
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("CLIENT") && header.contains("TOKENS/MIN"), "{table}");
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(&row[..2], ["svc", "3"], "{table}");
    assert_eq!(row[5], "1", "one failure: {table}");
    assert!(row.last().unwrap().chars().any(|c| BARS.contains(c)), "a sparkline: {table}");

    let json: Value =
        serde_json::from_str(&ok(&d, &["usage", "--realm", "shop", "--client", "svc", "--json"])).unwrap();
    assert_eq!(json["clients"][0]["clientId"], "svc");
    assert_eq!(json["clients"][0]["tokens"], 3);
    assert_eq!(json["clients"][0]["failures"]["client_secret_post"], 1);
    common::fails_with(&d, &["usage", "--realm", "nowhere"], "does not exist");
}

#[tokio::test]
async fn usage_reads_every_nodes_counts_from_redis() {
    let Some(redis) = redis_url().await else { return eprintln!("no Redis: skipped") };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    // A realm name of its own: the Redis is shared with other tests.
    let realm = format!("usage{}", std::process::id());
    ok(&d, &["realm", "create", &realm]);
    ok(&d, &["scope", "create", "--realm", &realm, "orders:read"]);
    let secret =
        secret_from(&ok(&d, &["client", "create", "--realm", &realm, "svc", "--default-scope", "orders:read"]));
    let url = redis.clone();
    let server = TestServer::builder().data_dir(&d).configure(move |c| c.redis_url = Some(url)).spawn().await;
    for _ in 0..4 {
        assert_eq!(server.client_credentials(&realm, "svc", &secret, Some("orders:read")).await.status(), 200);
    }
    server.stop().await;

    let out = ok(&d, &["usage", "--realm", &realm, "--redis-url", &redis, "--json"]);
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["clients"][0]["clientId"], "svc", "{out}");
    assert_eq!(json["clients"][0]["tokens"], 4);
    assert_eq!(json["clients"][0]["networks"], serde_json::json!(["127.0.0.0/24"]));
    assert_eq!(json["clients"][0]["scopes"]["orders:read"], 4);
    let table = ok(&d, &["usage", "--realm", &realm, "--redis-url", &redis]);
    assert!(table.lines().nth(1).is_some_and(|l| l.starts_with("svc ")), "{table}");
}
