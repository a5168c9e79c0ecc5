//! Prometheus metrics on the management listener, scraped over real HTTP after real traffic and read with a
//! Prometheus text-format parser: exact counts, route templates rather than raw paths, and per-client series
//! only for the busiest clients.

use std::collections::HashMap;

use tessera_core::model::SigningAlgorithm;
use tessera_testkit::{TestServer, TestServerBuilder};

use crate::python_keycloak::{e2e_dir, python_ready, required};

fn with_metrics(top_clients: usize) -> TestServerBuilder {
    TestServer::builder().configure(move |c| {
        c.metrics_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        c.metrics_top_clients = top_clients;
    })
}

/// One sample of a scrape, as prometheus_client's OpenMetrics parser read it.
#[derive(Debug, serde::Deserialize)]
pub struct Sample {
    pub name: String,
    pub labels: HashMap<String, String>,
    pub value: f64,
}

pub struct Scrape(pub Vec<Sample>);

impl Scrape {
    /// Scrapes `/metrics` and parses it with the Prometheus project's own Python parser (strict
    /// OpenMetrics); `None` when python is not available here (and not required).
    pub async fn of(server: &TestServer) -> Option<Self> {
        let e2e = e2e_dir();
        let python = match python_ready(&e2e, "prometheus_client").await {
            Ok(p) => p,
            Err(why) => {
                assert!(!required(), "metrics parser required: {why}");
                eprintln!("metrics test skipped: {why}");
                return None;
            }
        };
        let url = server.metrics_url.as_deref().expect("metrics are on");
        let response = server.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
        let text = response.text().await.unwrap();
        let mut child = tokio::process::Command::new(python)
            .arg("python/parse_metrics.py")
            .current_dir(&e2e)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut stdin, text.as_bytes()).await.unwrap();
        drop(stdin);
        let out = child.wait_with_output().await.unwrap();
        assert!(out.status.success(), "the parser refused the exposition:\n{text}");
        Some(Self(serde_json::from_slice(&out.stdout).unwrap()))
    }

    /// The value of the one sample named `metric` whose labels include `labels`; 0 when there is none.
    pub fn value(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        let matching: Vec<f64> = self
            .0
            .iter()
            .filter(|s| {
                s.name == metric && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .collect();
        assert!(matching.len() <= 1, "{metric} {labels:?}: {} samples", matching.len());
        matching.first().copied().unwrap_or(0.0)
    }

    fn label_values(&self, metric: &str, label: &str) -> Vec<String> {
        let mut values: Vec<String> =
            self.0.iter().filter(|s| s.name == metric).filter_map(|s| s.labels.get(label).cloned()).collect();
        values.sort();
        values.dedup();
        values
    }
}

const TOKEN_ROUTE: &str = "/realms/{realm}/protocol/openid-connect/token";

#[tokio::test]
async fn metrics_count_tokens_failures_introspections_and_revocations_exactly_per_route_template() {
    let server = with_metrics(20).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let svc = server.service_client("shop", "svc", &[], &[]).await;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        tokens.push(server.access_token("shop", "svc", &svc.secret).await);
    }
    for _ in 0..2 {
        assert_eq!(server.client_credentials("shop", "svc", "wrong-secret", None).await.status(), 401);
    }
    assert_eq!(server.introspect("shop", "svc", &svc.secret, &tokens[0]).await["active"], true);
    assert_eq!(server.introspect("shop", "svc", &svc.secret, "not-a-token").await["active"], false);
    assert_eq!(server.revoke("shop", "svc", &svc.secret, &tokens[1]).await.status(), 200);
    // A raw path never becomes a label value: unknown paths are one `unmatched` series.
    let stray = server.http.get(server.url("/no/such/path-7f3a9c")).send().await.unwrap();
    assert_eq!(stray.status(), 404);

    let Some(scrape) = Scrape::of(&server).await else { return };
    let realm = ("realm", "shop");
    let mut failures = HashMap::new();
    let mut check = |what: &str, got: f64, want: f64| {
        if got != want {
            failures.insert(what.to_owned(), (got, want));
        }
    };
    check(
        "tokens issued",
        scrape.value("tessera_tokens_issued_total", &[realm, ("grant_type", "client_credentials"), ("alg", "ES256")]),
        3.0,
    );
    check(
        "client auth failures",
        scrape.value("tessera_client_auth_failures_total", &[realm, ("reason", "client_secret_post")]),
        2.0,
    );
    check("active introspections", scrape.value("tessera_introspections_total", &[realm, ("outcome", "active")]), 1.0);
    check(
        "inactive introspections",
        scrape.value("tessera_introspections_total", &[realm, ("outcome", "inactive")]),
        1.0,
    );
    check("revocations", scrape.value("tessera_revocations_total", &[realm]), 1.0);
    check(
        "token 200s",
        scrape.value("tessera_http_requests_total", &[("route", TOKEN_ROUTE), ("method", "POST"), ("status", "200")]),
        3.0,
    );
    check(
        "token 401s",
        scrape.value("tessera_http_requests_total", &[("route", TOKEN_ROUTE), ("method", "POST"), ("status", "401")]),
        2.0,
    );
    check(
        "unmatched 404s",
        scrape.value("tessera_http_requests_total", &[("route", "unmatched"), ("status", "404")]),
        1.0,
    );
    check(
        "token latency observations",
        scrape.value(
            "tessera_http_request_duration_seconds_count",
            &[("route", TOKEN_ROUTE), ("method", "POST"), ("status", "200")],
        ),
        3.0,
    );
    check("per-client tokens", scrape.value("tessera_client_tokens_issued_total", &[realm, ("client_id", "svc")]), 3.0);
    check("denylist", scrape.value("tessera_denylist_entries", &[]), 1.0);
    check("argon2 queue", scrape.value("tessera_argon2_queue_depth", &[]), 0.0);
    assert!(failures.is_empty(), "{failures:#?}");
    let routes = scrape.label_values("tessera_http_requests_total", "route");
    assert!(routes.iter().all(|r| !r.contains("7f3a9c") && !r.contains("shop")), "{routes:?}");
    // Every client authentication looks the client up; the first (and any after a configuration change)
    // loads it.
    assert!(scrape.value("tessera_cache_lookups_total", &[("cache", "clients")]) >= 9.0);
    assert!(scrape.value("tessera_cache_loads_total", &[("cache", "clients")]) >= 1.0);
}

#[tokio::test]
async fn only_the_busiest_clients_get_series_of_their_own() {
    let server = with_metrics(2).spawn().await;
    server.realm("shop", SigningAlgorithm::EdDsa, &[]).await;
    for (id, n) in [("quiet", 1), ("busy", 4), ("steady", 2)] {
        let c = server.service_client("shop", id, &[], &[]).await;
        for _ in 0..n {
            server.access_token("shop", id, &c.secret).await;
        }
    }
    let Some(scrape) = Scrape::of(&server).await else { return };
    assert_eq!(scrape.label_values("tessera_client_tokens_issued_total", "client_id"), ["busy", "steady"]);
    assert_eq!(scrape.value("tessera_client_tokens_issued_total", &[("client_id", "busy")]), 4.0);
    assert_eq!(
        scrape.value("tessera_tokens_issued_total", &[("grant_type", "client_credentials"), ("alg", "EdDSA")]),
        7.0
    );
}

#[tokio::test]
async fn without_a_metrics_listener_nothing_is_served_or_kept() {
    let server = TestServer::spawn().await;
    assert!(server.metrics_url.is_none());
    let response = server.http.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404, "metrics are never on the public listener");
}
