//! `tessera serve --metrics-listen` (issue #15): the latency and errors of the node's dependencies in
//! `/metrics`, from a real server process with a real Redis: every database statement timed by its verb
//! (sqlx's own statement events, read by the layer the CLI installs), Redis round trips by command, and the
//! Redis failures counted once Redis is gone. And the monitoring docs' Grafana dashboard and alert rules
//! name only series the server exports.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Serve, tessera};
use tessera_testkit::{PrivateRedis, TestServer};

/// The value of the first sample whose line starts with `series` (name and labels), 0 when absent.
fn sample(exposition: &str, series: &str) -> f64 {
    exposition.lines().find_map(|l| l.strip_prefix(series)?.trim().parse().ok()).unwrap_or_default()
}

async fn scrape(metrics: &str) -> String {
    reqwest::get(metrics).await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn database_and_redis_latency_and_redis_errors_are_in_metrics() {
    let mut redis = PrivateRedis::start().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(tessera(dir.path()).args([
        "serve",
        "--dev",
        "--listen",
        "127.0.0.1:0",
        "--metrics-listen",
        "127.0.0.1:0",
        "--redis-url",
        &redis.url(),
    ]));
    let base = serve.public_url();
    let metrics = serve.line("Prometheus metrics at").split("at ").nth(1).unwrap().trim().to_owned();
    let curl = serve.line("-d grant_type=client_credentials");
    let secret = curl.split("client_secret=").nth(1).unwrap().split(' ').next().unwrap().to_owned();
    let http = reqwest::Client::new();
    let token_url = format!("{base}/realms/demo/protocol/openid-connect/token");
    let token = |secret: String| {
        let request = http
            .post(&token_url)
            .basic_auth("demo-service", Some(secret))
            .form(&[("grant_type", "client_credentials")]);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(token(secret.clone()).await, 200);
    // A wrong secret: the failure is written to the audit trail (an INSERT), and counted in Redis.
    assert_eq!(token("wrong".to_owned()).await, 401);

    // The audit trail and usage counts are flushed in the background (every second or so).
    let selects = "tessera_store_query_duration_seconds_count{statement=\"select\"}";
    let inserts = "tessera_store_query_duration_seconds_count{statement=\"insert\"}";
    let flushes = "tessera_redis_command_duration_seconds_count{command=\"usage_flush\"}";
    let found = TestServer::eventually(Duration::from_secs(10), || async {
        let m = scrape(&metrics).await;
        sample(&m, selects) > 0.0 && sample(&m, inserts) > 0.0 && sample(&m, flushes) > 0.0
    });
    assert!(found.await.is_some(), "statements and Redis round trips timed:\n{}", scrape(&metrics).await);
    // Introspection and revocation, for their series (the docs' check below).
    let access: serde_json::Value = http
        .post(&token_url)
        .basic_auth("demo-service", Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = access["access_token"].as_str().unwrap();
    for endpoint in ["token/introspect", "revoke"] {
        let url = format!("{base}/realms/demo/protocol/openid-connect/{endpoint}");
        let answer = http.post(url).basic_auth("demo-service", Some(&secret)).form(&[("token", access)]).send().await;
        assert_eq!(answer.unwrap().status(), 200, "{endpoint}");
    }
    let m = scrape(&metrics).await;
    assert!(m.contains("# TYPE tessera_store_query_duration_seconds histogram"), "{m}");
    assert!(sample(&m, "tessera_store_query_duration_seconds_sum{statement=\"select\"}") > 0.0, "{m}");
    assert_eq!(sample(&m, "tessera_redis_errors_total{command=\"usage_flush\"}"), 0.0, "Redis is up: {m}");

    // Redis goes away: the node keeps answering, and its failed round trips are counted.
    redis.stop();
    assert_eq!(token(secret.clone()).await, 200, "tokens are issued without Redis");
    let counted = TestServer::eventually(Duration::from_secs(15), || async {
        let m = scrape(&metrics).await;
        m.lines().any(|l| {
            l.starts_with("tessera_redis_errors_total{")
                && l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()).is_some_and(|v| v > 0.0)
        })
    });
    assert!(counted.await.is_some(), "Redis failures counted:\n{}", scrape(&metrics).await);
    assert_the_docs_use_only(&scrape(&metrics).await);
}

/// The metric names a PromQL text uses (`tessera_…`), with the suffix a histogram's or counter's samples add
/// taken off: what a `# TYPE` line names.
fn metric_families(promql: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in promql.match_indices("tessera_") {
        if i > 0 && promql.as_bytes()[i - 1].is_ascii_alphanumeric() {
            continue;
        }
        let name: String = promql[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let family = ["_bucket", "_count", "_sum", "_total"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name)
            .to_owned();
        if !names.contains(&family) {
            names.push(family);
        }
    }
    names
}

/// Every series the docs' Grafana dashboard and alert rules use: the family names.
fn families_the_docs_use() -> Vec<String> {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(docs.join("grafana/tessera-dashboard.json")).unwrap()).unwrap();
    let exprs: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().iter().map(|t| t["expr"].as_str().unwrap().to_owned()))
        .collect();
    assert!(exprs.len() >= 16, "a panel per concern");
    let guide = std::fs::read_to_string(docs.join("monitoring.md")).unwrap();
    let rules = guide.split("```yaml").nth(1).expect("the alert rules").split("```").next().unwrap();
    metric_families(&(exprs.join("\n") + rules))
}

/// The docs name only series the server has: each is in `exported` (a scrape after traffic), or — for the
/// few a family shows only after a rare event (a lockout, a 429, an anomaly, a database failure, a password
/// sign-in) — registered under that name by the server's metrics.
fn assert_the_docs_use_only(exported: &str) {
    let used = families_the_docs_use();
    assert!(used.len() >= 20, "{used:?}");
    let source: String = ["mod.rs", "dependencies.rs", "gauges.rs", "top_clients.rs"]
        .iter()
        .map(|f| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tessera-server/src/metrics").join(f);
            std::fs::read_to_string(path).unwrap()
        })
        .collect();
    let event_only =
        ["tessera_anomalies", "tessera_lockouts", "tessera_rate_limited", "tessera_store_errors", "tessera_sign_ins"];
    let missing: Vec<&String> = used
        .iter()
        .filter(|f| !exported.lines().any(|l| l.starts_with(&format!("# TYPE {f} "))))
        .filter(|f| {
            !(event_only.contains(&f.as_str()) && source.contains(&format!("\"{}\"", f.trim_start_matches("tessera_"))))
        })
        .collect();
    assert!(missing.is_empty(), "the docs use series the server does not have: {missing:?}\n{exported}");
}
