//! The audit trail as the server writes it: events go through a channel to one writer task that appends
//! them in batches, off the request path. Issued tokens are counted per realm, client and minute and
//! written as one event each. Closing the trail flushes everything, so a clean shutdown loses nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::ports::AuditSink;
use tessera_core::ports::Store;
use tokio::sync::mpsc;

use crate::metrics::Metrics;
use crate::redis_fanout::RedisFanout;
use crate::usage::UsageRecorder;

/// One JSON log line per event (target `tessera::audit`).
pub fn log_event(e: &AuditEvent) {
    let line = serde_json::to_string(e).unwrap_or_default();
    tracing::info!(target: "tessera::audit", audit = %line);
}

type Minute = (String, String, i64);

pub struct AuditTrail {
    sender: Mutex<Option<mpsc::UnboundedSender<AuditEvent>>>,
    issued: Arc<Mutex<HashMap<Minute, u64>>>,
    writer: Mutex<Option<tokio::task::JoinHandle<()>>>,
    metrics: Option<Arc<Metrics>>,
    /// Usage counts and anomaly detection, once attached.
    usage: OnceLock<Arc<UsageRecorder>>,
}

impl AuditTrail {
    /// Counts usage from now on (tokens, failures, revoked tokens presented) into `usage`.
    pub fn attach_usage(&self, usage: Arc<UsageRecorder>) {
        let _ = self.usage.set(usage);
    }

    /// Starts the writer task: it flushes every `every`.
    pub fn start(
        store: Arc<dyn Store>,
        every: Duration,
        clock: Arc<dyn tessera_core::ports::Clock>,
        redis: Option<Arc<RedisFanout>>,
        metrics: Option<Arc<Metrics>>,
    ) -> Arc<Self> {
        let (tx, mut rx) = mpsc::unbounded_channel::<AuditEvent>();
        let issued: Arc<Mutex<HashMap<Minute, u64>>> = Arc::default();
        let counts = issued.clone();
        let writer = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            let mut batch = Vec::new();
            loop {
                let open = tokio::select! {
                    received = rx.recv() => match received {
                        Some(e) => {
                            batch.push(e);
                            if batch.len() < 500 {
                                continue;
                            }
                            true
                        }
                        None => false,
                    },
                    _ = tick.tick() => true,
                };
                // Counts of minutes that are over; everything when closing.
                let current_minute = clock.now().div_euclid(60);
                let issued = take_counts(&counts, |minute| !open || minute < current_minute);
                if let Some(redis) = &redis {
                    let usage: Vec<_> = issued
                        .iter()
                        .map(|e| {
                            (e.realm.clone(), e.client_id.clone().unwrap_or_default(), e.at.div_euclid(60), e.count)
                        })
                        .collect();
                    if let Err(e) = redis.add_usage(&usage).await {
                        tracing::warn!(error = %e, "could not add usage counts to redis");
                    }
                }
                batch.extend(issued);
                flush(store.as_ref(), &mut batch).await;
                if !open {
                    return;
                }
            }
        });
        Arc::new(Self {
            sender: Mutex::new(Some(tx)),
            issued,
            writer: Mutex::new(Some(writer)),
            metrics,
            usage: OnceLock::new(),
        })
    }

    /// Stops accepting events and waits until everything recorded is written.
    pub async fn close(&self) {
        let sender = self.sender.lock().ok().and_then(|mut s| s.take());
        drop(sender);
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(writer) = writer {
            let _ = writer.await;
        }
    }
}

async fn flush(store: &dyn Store, batch: &mut Vec<AuditEvent>) {
    if batch.is_empty() {
        return;
    }
    for e in batch.iter().filter(|e| e.kind == AuditKind::TokenIssued) {
        log_event(e);
    }
    if let Err(e) = store.append_audit(batch).await {
        tracing::error!(error = %e, events = batch.len(), "could not write audit events");
    }
    batch.clear();
}

fn take_counts(counts: &Mutex<HashMap<Minute, u64>>, due: impl Fn(i64) -> bool) -> Vec<AuditEvent> {
    let Ok(mut counts) = counts.lock() else {
        return Vec::new();
    };
    let ready: Vec<Minute> = counts.keys().filter(|(_, _, m)| due(*m)).cloned().collect();
    ready
        .into_iter()
        .filter_map(|key| {
            let n = counts.remove(&key)?;
            let (realm, client, minute) = key;
            let mut e = AuditEvent::new(minute * 60, &realm, AuditKind::TokenIssued).client(&client);
            e.count = n;
            Some(e)
        })
        .collect()
}

impl AuditSink for AuditTrail {
    fn record(&self, event: AuditEvent) {
        log_event(&event);
        if let Some(metrics) = &self.metrics {
            metrics.audit_event(&event);
        }
        if let Some(usage) = self.usage.get() {
            usage.record_audit(&event);
        }
        if let Ok(sender) = self.sender.lock()
            && let Some(sender) = sender.as_ref()
        {
            let _ = sender.send(event);
        }
    }

    fn token_issued(&self, realm: &str, client_id: &str, at: i64) {
        if let Some(metrics) = &self.metrics {
            metrics.client_token(realm, client_id);
        }
        if let Ok(mut counts) = self.issued.lock() {
            *counts.entry((realm.to_owned(), client_id.to_owned(), at.div_euclid(60))).or_default() += 1;
        }
    }

    fn usage(&self, event: &tessera_core::usage::UsageEvent<'_>) {
        if let Some(usage) = self.usage.get() {
            usage.record(event);
        }
    }
}
