//! The janitor job. Every node runs the schedule; the database claim makes one node at a time do the work,
//! as the revocation purge does. What goes, and why it is kept until then, is `tessera_core::janitor`'s.

use std::sync::Arc;
use std::time::Duration;

use tessera_core::ports::{AuditSink, Clock, Purged, Store, StoreError};

/// The job's name in `job_claims`.
const JOB: &str = "janitor";

/// One run, when this node wins the claim (held until the next run is due); `None` when another node
/// holds it.
async fn run_once(
    store: &dyn Store,
    audit: &dyn AuditSink,
    node: &str,
    now: i64,
    every: Duration,
) -> Result<Option<Purged>, StoreError> {
    let until = now.saturating_add(i64::try_from(every.as_secs()).unwrap_or(i64::MAX).max(1));
    if !store.claim_job(JOB, node, now, until).await? {
        return Ok(None);
    }
    tessera_core::janitor::purge_realms(store, audit, now).await.map(Some)
}

/// Runs the janitor at start and every `every` after, until the task is aborted.
pub fn spawn(
    store: Arc<dyn Store>,
    audit: Arc<dyn AuditSink>,
    clock: Arc<dyn Clock>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    let node = crate::denylist::node_id();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match run_once(store.as_ref(), audit.as_ref(), &node, clock.now(), every).await {
                Ok(Some(p)) if p.total() > 0 => tracing::info!(
                    codes = p.codes,
                    sessions = p.sessions,
                    refresh_tokens = p.refresh_tokens,
                    login_failures = p.login_failures,
                    "janitor: purged"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "janitor: purge failed"),
            }
        }
    })
}
