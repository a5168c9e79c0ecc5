//! Prometheus metrics, served on a separate management listener (`--metrics-listen`), as Keycloak serves
//! them on its management port. The core knows nothing of them: the server counts at the HTTP layer
//! ([`http::HttpMetricsLayer`]), in the handlers that map a core result, and in the audit trail every
//! security event passes through. Counters are atomics; label sets are bounded by construction (route
//! templates, never raw paths; realms; a fixed vocabulary of reasons), and per-client series exist only
//! for the [`top_clients::TopClients`] by traffic.

pub mod dependencies;
pub mod gauges;
pub mod http;
pub mod top_clients;

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::model::SigningAlgorithm;
use tessera_core::request::GrantType;

use self::top_clients::TopClients;

/// Latency buckets in seconds: a cached client_credentials token takes well under a millisecond, a password
/// check tens of milliseconds, a slow dependency seconds.
const LATENCY_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// The route table's template (`/realms/{realm}/protocol/openid-connect/token`), `unmatched` otherwise.
    pub route: http::Route,
    pub method: &'static str,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    realm: String,
    grant_type: &'static str,
    alg: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RealmLabels {
    realm: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    realm: String,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    realm: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    realm: String,
    endpoint: &'static str,
    scope: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleLabels {
    realm: String,
    rule: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Every series this node exports. Built once per [`crate::Application`]; no process-wide registry, so two
/// servers in one test process count apart.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<HttpLabels, Histogram, fn() -> Histogram>,
    tokens_issued: Family<TokenLabels, Counter>,
    client_auth_failures: Family<ReasonLabels, Counter>,
    introspections: Family<OutcomeLabels, Counter>,
    revocations: Family<RealmLabels, Counter>,
    sign_ins: Family<OutcomeLabels, Counter>,
    lockouts: Family<RealmLabels, Counter>,
    rate_limited: Family<EndpointLabels, Counter>,
    anomalies: Family<RuleLabels, Counter>,
    top_clients: Arc<TopClients>,
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
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            http_requests.clone(),
        );
        let http_duration = Family::<HttpLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time from the request's head to the response's head",
            prometheus_client::registry::Unit::Seconds,
            http_duration.clone(),
        );
        let tokens_issued = Family::<TokenLabels, Counter>::default();
        registry.register(
            "tokens_issued",
            "Tokens issued by the token endpoint, by realm, grant type and signing algorithm",
            tokens_issued.clone(),
        );
        let client_auth_failures = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "client_auth_failures",
            "Failed client authentications (RFC 6749 §2.3), by realm and method or endpoint",
            client_auth_failures.clone(),
        );
        let introspections = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "introspections",
            "Introspection requests (RFC 7662), by realm and outcome: active, inactive, error",
            introspections.clone(),
        );
        let revocations = Family::<RealmLabels, Counter>::default();
        registry.register("revocations", "Tokens revoked (RFC 7009 and administrators)", revocations.clone());
        let sign_ins = Family::<OutcomeLabels, Counter>::default();
        registry.register("sign_ins", "Password sign-ins, by realm and outcome", sign_ins.clone());
        let lockouts = Family::<RealmLabels, Counter>::default();
        registry.register("lockouts", "Users locked out by brute-force detection", lockouts.clone());
        let rate_limited = Family::<EndpointLabels, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused with 429, by realm, endpoint and what was limited (client, address, failed_auth)",
            rate_limited.clone(),
        );
        let anomalies = Family::<RuleLabels, Counter>::default();
        registry.register("anomalies", "Anomalies detected per client, by realm and rule", anomalies.clone());
        dependencies::register(&mut registry);
        let top_clients = Arc::new(TopClients::new(top_clients));
        registry.register_collector(Box::new(top_clients.clone()));
        Self {
            registry,
            http_requests,
            http_duration,
            tokens_issued,
            client_auth_failures,
            introspections,
            revocations,
            sign_ins,
            lockouts,
            rate_limited,
            anomalies,
            top_clients,
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
        self.http_requests.get_or_create(labels).inc();
        self.http_duration.get_or_create(labels).observe(seconds);
    }

    /// A token endpoint success: the grant type as requested, the algorithm as the access token's JOSE
    /// header says (RFC 7515 §4.1.1); both mapped to closed vocabularies.
    pub fn token_issued(&self, realm: &str, grant_type: Option<&str>, access_token: &str) {
        let grant_type = grant_type.and_then(GrantType::parse).map_or("other", GrantType::as_str);
        let alg = token_alg(access_token).map_or("other", SigningAlgorithm::as_str);
        self.tokens_issued.get_or_create(&TokenLabels { realm: realm.to_owned(), grant_type, alg }).inc();
    }

    pub fn introspection(&self, realm: &str, outcome: &'static str) {
        self.introspections.get_or_create(&OutcomeLabels { realm: realm.to_owned(), outcome }).inc();
    }

    /// Counts `error` when it is a rate limit's refusal.
    pub fn refusal(&self, realm: &str, endpoint: &'static str, error: &tessera_core::OAuthError) {
        if let tessera_core::OAuthError::RateLimited(refusal) = error {
            self.rate_limited(realm, endpoint, refusal.scope);
        }
    }

    /// A request refused by a rate limit. `realm` names a realm that exists (a refusal needs its settings).
    pub fn rate_limited(&self, realm: &str, endpoint: &'static str, scope: tessera_core::rate_limit::LimitScope) {
        let labels = EndpointLabels { realm: realm.to_owned(), endpoint, scope: scope.as_str() };
        self.rate_limited.get_or_create(&labels).inc();
    }

    /// An anomaly the detector raised (`rule`: the closed vocabulary of `AnomalyRule::as_str`).
    pub fn anomaly(&self, realm: &str, rule: &'static str) {
        self.anomalies.get_or_create(&RuleLabels { realm: realm.to_owned(), rule }).inc();
    }

    /// A token counted for its client (the per-client series of the busiest clients).
    pub fn client_token(&self, realm: &str, client_id: &str) {
        self.top_clients.add(realm, client_id);
    }

    /// Every audit event passes here: the security counters follow the trail, so the two never disagree.
    pub fn audit_event(&self, e: &AuditEvent) {
        let realm = || e.realm.clone();
        let n = e.count;
        match e.kind {
            AuditKind::ClientAuthFailed => {
                let reason = auth_failure_reason(e.reason.as_deref());
                self.client_auth_failures.get_or_create(&ReasonLabels { realm: realm(), reason }).inc_by(n);
            }
            AuditKind::TokenRevoked => {
                self.revocations.get_or_create(&RealmLabels { realm: realm() }).inc_by(n);
            }
            AuditKind::Login => {
                self.sign_ins.get_or_create(&OutcomeLabels { realm: realm(), outcome: "success" }).inc_by(n);
            }
            AuditKind::LoginFailed => {
                self.sign_ins.get_or_create(&OutcomeLabels { realm: realm(), outcome: "failure" }).inc_by(n);
            }
            AuditKind::UserLockedOut => {
                self.lockouts.get_or_create(&RealmLabels { realm: realm() }).inc_by(n);
            }
            _ => {}
        }
    }
}

fn token_alg(jwt: &str) -> Option<SigningAlgorithm> {
    #[derive(serde::Deserialize)]
    struct Header {
        alg: String,
    }
    use base64::Engine as _;
    let header = jwt.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).ok()?;
    SigningAlgorithm::parse(&serde_json::from_slice::<Header>(&bytes).ok()?.alg)
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
