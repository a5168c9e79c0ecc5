//! Usage per client and anomaly detection, as the server runs them. The request path only counts in
//! memory ([`UsageRecorder::record`]: one short lock, no I/O); a background task ([`spawn`]) takes the
//! counts every second, adds them to the shared store (Redis hashes, or [`local::LocalUsage`]), feeds the
//! core's [`Detector`], and hands each anomaly to the audit trail, the metrics and the realm's webhook.

pub mod audit_source;
pub mod local;
pub mod redis;
pub mod webhook;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tessera_core::anomaly::{Activity, Anomaly, AnomalyResponse, AnomalySettings, Detector};
use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::model::RealmName;
use tessera_core::ports::{AuditSink, Clock, RealmDirectory, Store, StoreError, UsageSource};
use tessera_core::usage::{UsageEvent, UsageKind, UsageMetric, UsageRow, network_of, requested_scopes};

use crate::metrics::Metrics;

/// Clients counted per realm between two flushes; more wait for the next second's batch (dropped).
const MAX_PENDING_CLIENTS: usize = 262_144;
/// Distinct networks, scopes and failure reasons kept per client between two flushes.
const MAX_VALUES: usize = 8;
/// Clients the detector watches; a few dozen bytes each.
pub const MAX_WATCHED_CLIENTS: usize = 1 << 20;
/// How often a realm's detector settings are read again from its attributes.
const SETTINGS_EVERY_SECONDS: i64 = 60;

/// One client's counts since the last flush.
#[derive(Debug, Default)]
struct Pending {
    minute: i64,
    tokens: u32,
    revoked: u32,
    reuses: u32,
    failures: Vec<(&'static str, u32)>,
    scopes: Vec<(Box<str>, u32)>,
    networks: Vec<(Box<str>, u32)>,
    /// The networks failed authentications came from (the evidence of a burst).
    failure_networks: Vec<Box<str>>,
}

fn bump<K: PartialEq + ?Sized, B: std::borrow::Borrow<K>>(
    values: &mut Vec<(B, u32)>,
    key: &K,
    make: impl FnOnce() -> B,
) {
    if let Some((_, n)) = values.iter_mut().find(|(k, _)| k.borrow() == key) {
        *n += 1;
    } else if values.len() < MAX_VALUES {
        values.push((make(), 1));
    }
}

/// realm → client → counts since the last flush; nested so that a lookup borrows the request's strings.
type PendingByRealm = HashMap<Box<str>, HashMap<Box<str>, Pending>>;

/// Where the counts go and are read back from.
pub enum UsageStore {
    Local(local::LocalUsage),
    Redis(redis::RedisUsage),
}

impl UsageStore {
    async fn add(&self, realm: &str, rows: &[UsageRow]) {
        match self {
            Self::Local(local) => local.add(realm, rows),
            Self::Redis(redis) => {
                if let Err(e) = redis.add(realm, rows).await {
                    tracing::warn!(error = %e, rows = rows.len(), "could not add usage counts to redis");
                }
            }
        }
    }
}

#[async_trait]
impl UsageSource for UsageStore {
    async fn usage(
        &self,
        realm: &str,
        client: Option<&str>,
        from: i64,
        until: i64,
    ) -> Result<Vec<UsageRow>, StoreError> {
        match self {
            Self::Local(local) => local.usage(realm, client, from, until).await,
            Self::Redis(redis) => redis.usage(realm, client, from, until).await,
        }
    }
}

pub struct UsageRecorder {
    pending: Mutex<PendingByRealm>,
    /// Events not counted because a flush's batch was full.
    pub dropped: AtomicU64,
    pub store: UsageStore,
    detector: Mutex<Detector>,
    /// When each realm's settings were last read.
    configured: Mutex<HashMap<String, i64>>,
}

impl UsageRecorder {
    pub fn new(store: UsageStore, max_watched: usize) -> Self {
        Self {
            pending: Mutex::default(),
            dropped: AtomicU64::new(0),
            store,
            detector: Mutex::new(Detector::new(max_watched)),
            configured: Mutex::default(),
        }
    }

    /// Counts one event: a short lock and a few increments, never I/O.
    pub fn record(&self, event: &UsageEvent<'_>) {
        let Ok(mut pending) = self.pending.lock() else { return };
        let clients = match pending.get_mut(event.realm) {
            Some(clients) => clients,
            None => pending.entry(event.realm.into()).or_default(),
        };
        if !clients.contains_key(event.client) {
            if clients.len() >= MAX_PENDING_CLIENTS {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            clients.insert(event.client.into(), Pending { minute: event.at.div_euclid(60), ..Pending::default() });
        }
        let Some(p) = clients.get_mut(event.client) else { return };
        match event.kind {
            UsageKind::TokenIssued { scope } => {
                p.tokens += 1;
                for s in requested_scopes(scope) {
                    bump(&mut p.scopes, s, || s.into());
                }
            }
            UsageKind::AuthFailed { reason } => bump(&mut p.failures, &reason, || reason),
            UsageKind::RevokedTokenUsed => p.revoked += 1,
            UsageKind::RefreshTokenReused => p.reuses += 1,
        }
        if let Some(net) = event.source_ip.and_then(network_of) {
            bump(&mut p.networks, net.as_str(), || net.as_str().into());
            let failed = matches!(event.kind, UsageKind::AuthFailed { .. });
            if failed && p.failure_networks.len() < MAX_VALUES && !p.failure_networks.iter().any(|n| **n == *net) {
                p.failure_networks.push(net.into());
            }
        }
    }

    /// The usage an audit event stands for: failed client authentications and refresh-token reuse.
    pub fn record_audit(&self, e: &AuditEvent) {
        let kind = match e.kind {
            AuditKind::ClientAuthFailed => UsageKind::AuthFailed { reason: failure_reason(e.reason.as_deref()) },
            AuditKind::RefreshTokenReused => UsageKind::RefreshTokenReused,
            _ => return,
        };
        let Some(client) = e.client_id.as_deref() else { return };
        self.record(&UsageEvent { realm: &e.realm, client, at: e.at, source_ip: e.source_ip.as_deref(), kind });
    }

    /// Takes the counts since the last flush, stores them and runs detection; returns the anomalies.
    pub async fn flush(&self, now: i64, realms: Option<&dyn RealmDirectory>) -> Vec<Anomaly> {
        let taken = match self.pending.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return Vec::new(),
        };
        if let Some(realms) = realms {
            self.configure(realms, taken.keys(), now).await;
        }
        let mut activities = Vec::new();
        for (realm, clients) in taken {
            let mut rows = Vec::new();
            for (client, p) in clients {
                rows.extend(rows_of(&client, &p));
                let activity = Activity {
                    tokens: p.tokens,
                    failures: p.failures.iter().map(|(_, n)| n).sum(),
                    networks: p.networks.iter().map(|(s, _)| s.to_string()).collect(),
                    failure_networks: p.failure_networks.iter().map(|s| s.to_string()).collect(),
                    scopes: p.scopes.iter().map(|(s, _)| s.to_string()).collect(),
                    revoked_uses: p.revoked,
                    refresh_reuses: p.reuses,
                };
                activities.push((realm.clone(), client, activity));
            }
            self.store.add(&realm, &rows).await;
        }
        let Ok(mut detector) = self.detector.lock() else { return Vec::new() };
        let mut found = Vec::new();
        for (realm, client, activity) in &activities {
            found.extend(detector.observe(realm, client, activity, now));
        }
        found.extend(detector.tick(now));
        found
    }

    /// Reads the detector settings of the realms in a batch that were not read in the last minute.
    async fn configure<'a>(&self, realms: &dyn RealmDirectory, names: impl Iterator<Item = &'a Box<str>>, now: i64) {
        let due: Vec<String> = match self.configured.lock() {
            Ok(configured) => names
                .filter(|n| configured.get(n.as_ref()).is_none_or(|at| now - at >= SETTINGS_EVERY_SECONDS))
                .map(|n| n.to_string())
                .collect(),
            Err(_) => return,
        };
        for name in due {
            let Some(realm_name) = RealmName::parse(&name) else { continue };
            let settings = match realms.realm(&realm_name).await {
                Ok(Some(ctx)) => AnomalySettings::from_attributes(&ctx.realm.attributes),
                Ok(None) => AnomalySettings { enabled: false, ..AnomalySettings::default() },
                Err(e) => {
                    tracing::warn!(error = %e, realm = %name, "anomaly settings: realm not readable");
                    continue;
                }
            };
            if let Ok(mut detector) = self.detector.lock() {
                detector.configure(&name, settings);
            }
            if let Ok(mut configured) = self.configured.lock() {
                configured.insert(name, now);
            }
        }
    }

    /// The counts not yet flushed, as rows, for reads on this node to include them.
    fn pending_rows(&self, realm: &str, client: Option<&str>) -> Vec<UsageRow> {
        let Ok(pending) = self.pending.lock() else { return Vec::new() };
        let Some(clients) = pending.get(realm) else { return Vec::new() };
        clients
            .iter()
            .filter(|(name, _)| client.is_none_or(|c| c == name.as_ref()))
            .flat_map(|(name, p)| rows_of(name, p))
            .collect()
    }

    /// Clients the detector watches.
    pub fn watched(&self) -> usize {
        self.detector.lock().map(|d| d.clients()).unwrap_or(0)
    }
}

/// One client's pending counts as rows.
fn rows_of(client: &str, p: &Pending) -> Vec<UsageRow> {
    let row =
        |metric, count: u32| UsageRow { minute: p.minute, client: client.to_owned(), metric, count: u64::from(count) };
    let mut rows: Vec<UsageRow> =
        [(UsageMetric::Tokens, p.tokens), (UsageMetric::RevokedUse, p.revoked), (UsageMetric::RefreshReuse, p.reuses)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(m, n)| row(m, n))
            .collect();
    rows.extend(p.failures.iter().map(|(r, n)| row(UsageMetric::Failure((*r).to_owned()), *n)));
    rows.extend(p.scopes.iter().map(|(s, n)| row(UsageMetric::Scope(s.to_string()), *n)));
    rows.extend(p.networks.iter().map(|(s, n)| row(UsageMetric::Network(s.to_string()), *n)));
    rows
}

/// A failed authentication's reason as counted: the method or endpoint, from a closed vocabulary, so no
/// value from a request becomes a field.
fn failure_reason(reason: Option<&str>) -> &'static str {
    const KNOWN: [&str; 13] = [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
        "private_key_jwt",
        "tls_client_auth",
        "self_signed_tls_client_auth",
        "none",
        "introspection",
        "revocation",
        "revocation_feed",
        "logout",
        "device_authorization",
        "pushed_authorization",
    ];
    let reason = reason.unwrap_or_default().replace(' ', "_");
    KNOWN.into_iter().find(|k| *k == reason).unwrap_or("other")
}

/// Reads see this node's counts not yet flushed as well as the store's.
#[async_trait]
impl UsageSource for UsageRecorder {
    async fn usage(
        &self,
        realm: &str,
        client: Option<&str>,
        from: i64,
        until: i64,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let pending = self.pending_rows(realm, client);
        let mut rows = self.store.usage(realm, client, from, until).await?;
        rows.extend(pending);
        Ok(rows)
    }
}

/// What the background task needs besides the recorder.
pub struct UsageTask {
    pub recorder: Arc<UsageRecorder>,
    /// Where a response (throttle, disable) changes the client.
    pub store: Arc<dyn Store>,
    pub realms: Arc<dyn RealmDirectory>,
    pub audit: Arc<dyn AuditSink>,
    pub metrics: Option<Arc<Metrics>>,
    pub webhooks: Arc<webhook::Webhooks>,
    pub clock: Arc<dyn Clock>,
}

impl UsageTask {
    /// One flush, and what follows from its anomalies.
    pub async fn run_once(&self) {
        let now = self.clock.now();
        for mut anomaly in self.recorder.flush(now, Some(self.realms.as_ref())).await {
            anomaly.response = self.respond(&anomaly).await;
            tracing::warn!(realm = %anomaly.realm, client = %anomaly.client_id, rule = anomaly.rule.as_str(), "anomaly detected");
            self.audit.record(anomaly.audit_event());
            if let Some(metrics) = &self.metrics {
                metrics.anomaly(&anomaly.realm, anomaly.rule.as_str());
            }
            self.webhooks.send(anomaly);
        }
    }
}

impl UsageTask {
    /// The realm's or client's configured response to `anomaly`, applied; what was done.
    async fn respond(&self, anomaly: &Anomaly) -> Option<&'static str> {
        let realm = self.realms.realm(&RealmName::parse(&anomaly.realm)?).await.ok()??;
        let found = self.store.find_client(&realm.realm.id, &anomaly.client_id).await;
        let mut client = match found {
            Ok(Some(client)) => client,
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "anomaly response: client not readable");
                return None;
            }
        };
        let response = AnomalyResponse::for_rule(&realm.realm.attributes, &client.attributes, anomaly.rule)?;
        if !response.apply(&mut client) {
            return None;
        }
        match self.store.update_client(&client).await {
            Ok(true) => Some(response.as_str()),
            Ok(false) => None,
            Err(e) => {
                tracing::error!(error = %e, client = %anomaly.client_id, "anomaly response: client not updated");
                None
            }
        }
    }
}

/// Flushes every `every` until aborted.
pub fn spawn(task: Arc<UsageTask>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            task.run_once().await;
        }
    })
}
