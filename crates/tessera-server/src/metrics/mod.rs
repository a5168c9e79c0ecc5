//! Prometheus metrics, served on a separate management listener (`--metrics-listen`), as Keycloak serves
//! them on its management port. The core knows nothing of them: the server counts at the HTTP layer
//! ([`http::HttpMetricsLayer`]), in the handlers that map a core result, and in the audit trail every
//! security event passes through. What every request counts goes to per-thread shards merged at each
//! scrape ([`shards`]: no cache line shared between the cores on the request path); label sets are bounded by construction (route
//! templates, never raw paths; realms; a fixed vocabulary of reasons), and per-client series exist only
//! for the [`top_clients::TopClients`] by traffic.

pub mod dependencies;
mod families;
pub mod gauges;
pub mod http;
mod shards;
pub mod top_clients;

use std::sync::Arc;

use prometheus_client::registry::Registry;
use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::model::SigningAlgorithm;
use tessera_core::request::GrantType;

use self::families::{HttpSeries, RealmCounters};
use self::top_clients::TopClients;

/// Latency buckets in seconds: a cached client_credentials token takes well under a millisecond, a password
/// check tens of milliseconds, a slow dependency seconds.
const LATENCY_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct HttpLabels {
    /// The route table's template (`/realms/{realm}/protocol/openid-connect/token`), `unmatched` otherwise.
    pub route: http::Route,
    pub method: &'static str,
    pub status: u16,
}

/// Every series this node exports. Built once per [`crate::Application`]; no process-wide registry, so two
/// servers in one test process count apart.
pub struct Metrics {
    registry: Registry,
    http: Arc<HttpSeries>,
    tokens_issued: Arc<RealmCounters<2>>,
    client_auth_failures: Arc<RealmCounters<1>>,
    introspections: Arc<RealmCounters<1>>,
    revocations: Arc<RealmCounters<0>>,
    sign_ins: Arc<RealmCounters<1>>,
    lockouts: Arc<RealmCounters<0>>,
    rate_limited: Arc<RealmCounters<2>>,
    anomalies: Arc<RealmCounters<1>>,
    top_clients: Arc<TopClients>,
    /// The OIDC endpoints' route templates, for the HTTP series' `route` label.
    pub(crate) endpoint_routes: http::EndpointRoutes,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// `top_clients`: how many clients get series of their own.
    pub fn new(top_clients: usize) -> Self {
        let mut registry = Registry::with_prefix("tessera");
        let r = &mut registry;
        let tokens_issued = counters(
            r,
            "tokens_issued",
            "Tokens issued by the token endpoint, by realm, grant type and signing algorithm",
            ["grant_type", "alg"],
        );
        let client_auth_failures = counters(
            r,
            "client_auth_failures",
            "Failed client authentications (RFC 6749 §2.3), by realm and method or endpoint",
            ["reason"],
        );
        let introspections = counters(
            r,
            "introspections",
            "Introspection requests (RFC 7662), by realm and outcome: active, inactive, error",
            ["outcome"],
        );
        let revocations = counters(r, "revocations", "Tokens revoked (RFC 7009 and administrators)", []);
        let sign_ins = counters(r, "sign_ins", "Password sign-ins, by realm and outcome", ["outcome"]);
        let lockouts = counters(r, "lockouts", "Users locked out by brute-force detection", []);
        let rate_limited = counters(
            r,
            "rate_limited",
            "Requests refused with 429, by realm, endpoint and what was limited (client, address, failed_auth)",
            ["endpoint", "scope"],
        );
        let anomalies = counters(r, "anomalies", "Anomalies detected per client, by realm and rule", ["rule"]);
        let http = Arc::new(HttpSeries::new(&LATENCY_BUCKETS));
        registry.register_collector(Box::new(http.clone()));
        dependencies::register(&mut registry);
        let top_clients = Arc::new(TopClients::new(top_clients));
        registry.register_collector(Box::new(top_clients.clone()));
        Self {
            registry,
            http,
            tokens_issued,
            client_auth_failures,
            introspections,
            revocations,
            sign_ins,
            lockouts,
            rate_limited,
            anomalies,
            top_clients,
            endpoint_routes: http::EndpointRoutes::default(),
        }
    }

    /// Adds collectors read at each scrape (gauges over the server's own structures).
    pub fn register_collector(&mut self, collector: impl prometheus_client::collector::Collector) {
        self.registry.register_collector(Box::new(collector));
    }

    /// The Prometheus text exposition of everything.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::with_capacity(16 * 1024);
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }

    pub fn http_request(&self, labels: &HttpLabels, seconds: f64) {
        self.http.observe(labels, seconds);
    }

    /// A token endpoint success: the grant type as requested (mapped to a closed vocabulary) and the
    /// algorithm of the realm's active key, which signs every access token (RFC 7515 §4.1.1).
    pub fn token_issued(&self, realm: &str, grant_type: Option<&str>, alg: SigningAlgorithm) {
        let grant_type = grant_type.and_then(GrantType::parse).map_or("other", GrantType::as_str);
        self.tokens_issued.inc_by(realm, [grant_type, alg.as_str()], 1);
    }

    pub fn introspection(&self, realm: &str, outcome: &'static str) {
        self.introspections.inc_by(realm, [outcome], 1);
    }

    /// Counts `error` when it is a rate limit's refusal.
    pub fn refusal(&self, realm: &str, endpoint: &'static str, error: &tessera_core::OAuthError) {
        if let tessera_core::OAuthError::RateLimited(refusal) = error {
            self.rate_limited(realm, endpoint, refusal.scope);
        }
    }

    /// A request refused by a rate limit. `realm` names a realm that exists (a refusal needs its settings).
    pub fn rate_limited(&self, realm: &str, endpoint: &'static str, scope: tessera_core::rate_limit::LimitScope) {
        self.rate_limited.inc_by(realm, [endpoint, scope.as_str()], 1);
    }

    /// An anomaly the detector raised (`rule`: the closed vocabulary of `AnomalyRule::as_str`).
    pub fn anomaly(&self, realm: &str, rule: &'static str) {
        self.anomalies.inc_by(realm, [rule], 1);
    }

    /// A token counted for its client (the per-client series of the busiest clients).
    pub fn client_token(&self, realm: &str, client_id: &str) {
        self.top_clients.add(realm, client_id);
    }

    /// Every audit event passes here: the security counters follow the trail, so the two never disagree.
    pub fn audit_event(&self, e: &AuditEvent) {
        let (realm, n) = (&e.realm, e.count);
        match e.kind {
            AuditKind::ClientAuthFailed => {
                let reason = auth_failure_reason(e.reason.as_deref());
                self.client_auth_failures.inc_by(realm, [reason], n);
            }
            AuditKind::TokenRevoked => {
                self.revocations.inc_by(realm, [], n);
            }
            AuditKind::Login => {
                self.sign_ins.inc_by(realm, ["success"], n);
            }
            AuditKind::LoginFailed => {
                self.sign_ins.inc_by(realm, ["failure"], n);
            }
            AuditKind::UserLockedOut => {
                self.lockouts.inc_by(realm, [], n);
            }
            _ => {}
        }
    }
}

/// A family of counters per realm and `labels`, registered.
fn counters<const N: usize>(
    registry: &mut Registry,
    name: &'static str,
    help: &'static str,
    labels: [&'static str; N],
) -> Arc<RealmCounters<N>> {
    let family = Arc::new(RealmCounters::new(name, help, labels));
    registry.register_collector(Box::new(family.clone()));
    family
}

/// The audit trail's reason for a failed client authentication is the method or the endpoint; anything
/// else (never expected) is `other`, so no value from a request becomes a label.
fn auth_failure_reason(reason: Option<&str>) -> &'static str {
    const KNOWN: [&str; 7] = [
        "client_secret_basic",
        "client_secret_post",
        "none",
        "introspection",
        "revocation",
        "logout",
        "device authorization",
    ];
    match reason.and_then(|r| KNOWN.into_iter().find(|k| *k == r)) {
        Some("device authorization") => "device_authorization",
        Some(known) => known,
        None => "other",
    }
}
