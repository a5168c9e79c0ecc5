//! Delivers Back-Channel Logout 1.0 Logout Tokens (§2.5: `POST` of `logout_token` as
//! `application/x-www-form-urlencoded`) from a bounded queue, off the user's request, retrying with
//! back-off. A delivery that still fails is logged, never the user's error (§2.8: the OP "MAY retry").

use std::sync::Arc;
use std::time::Duration;

use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::backchannel_logout::{LogoutDeliveries, LogoutDelivery};
use tessera_core::ports::{AuditSink, Clock};
use tokio::sync::mpsc;

/// At most this many deliveries wait; more are dropped (and logged) rather than grow memory unbounded.
const QUEUE: usize = 1024;
/// Deliveries in flight at once.
const IN_FLIGHT: usize = 16;
/// §2.8 lets the RP answer slowly; we do not wait longer than this per attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// The waits before each retry: four more attempts over about 36 seconds, within the token's lifetime.
pub(crate) const RETRY_DELAYS: [Duration; 4] =
    [Duration::from_millis(500), Duration::from_secs(1), Duration::from_secs(5), Duration::from_secs(30)];

/// The server's [`LogoutDeliveries`]: hands each delivery to a background task.
pub struct LogoutSender {
    queue: mpsc::Sender<LogoutDelivery>,
    audit: Arc<dyn AuditSink>,
    clock: Arc<dyn Clock>,
    slots: Arc<tokio::sync::Semaphore>,
    dispatcher: tokio::task::JoinHandle<()>,
}

impl LogoutSender {
    /// Starts the background task on the current runtime; failures that outlast `delays` are audited.
    pub fn start(delays: Vec<Duration>, audit: Arc<dyn AuditSink>, clock: Arc<dyn Clock>) -> Self {
        let (queue, mut rx) = mpsc::channel::<LogoutDelivery>(QUEUE);
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            // §2.5 posts to a registered URL only: never follow a redirect elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
        let (task_audit, task_clock, task_slots) = (audit.clone(), clock.clone(), slots.clone());
        let dispatcher = tokio::spawn(async move {
            while let Some(delivery) = rx.recv().await {
                let Ok(permit) = task_slots.clone().acquire_owned().await else {
                    return;
                };
                let http = http.clone();
                let delays = delays.clone();
                let (audit, clock) = (task_audit.clone(), task_clock.clone());
                tokio::spawn(async move {
                    if let Err(failure) = deliver(&http, &delivery, &delays).await {
                        audit_failure(audit.as_ref(), clock.now(), &delivery, &failure);
                    }
                    drop(permit);
                });
            }
        });
        Self { queue, audit, clock, slots, dispatcher }
    }

    /// Takes no more deliveries and waits, at most `within`, for those handed over to be done (delivered or
    /// given up): for a command that ends a session and then exits. False when some were still under way.
    pub async fn finish(self, within: Duration) -> bool {
        let Self { queue, slots, dispatcher, .. } = self;
        drop(queue);
        let all_done = async {
            let _ = dispatcher.await;
            let _ = slots.acquire_many(IN_FLIGHT as u32).await;
        };
        tokio::time::timeout(within, all_done).await.is_ok()
    }
}

fn audit_failure(audit: &dyn AuditSink, now: i64, d: &LogoutDelivery, failure: &str) {
    audit.record(
        AuditEvent::new(now, &d.realm, AuditKind::BackchannelLogoutFailed)
            .client(&d.client_id)
            .reason(failure)
            .failed(),
    );
}

impl LogoutDeliveries for LogoutSender {
    fn deliver(&self, delivery: LogoutDelivery) {
        if let Err(e) = self.queue.try_send(delivery) {
            let d = e.into_inner();
            tracing::warn!(realm = %d.realm, client = %d.client_id, "back-channel logout queue full; logout token dropped");
            audit_failure(self.audit.as_ref(), self.clock.now(), &d, "queue full");
        }
    }
}

/// Posts until one attempt succeeds or the delays run out; the last failure otherwise.
async fn deliver(http: &reqwest::Client, d: &LogoutDelivery, delays: &[Duration]) -> Result<(), String> {
    let mut delays = delays.iter();
    loop {
        let outcome = http.post(&d.url).form(&[("logout_token", d.logout_token.as_str())]).send().await;
        // §2.8: 200 (or 204) is success; anything else, or no answer, is a failure.
        let failure = match outcome {
            Ok(r) if r.status().is_success() => {
                tracing::info!(realm = %d.realm, client = %d.client_id, "back-channel logout delivered");
                return Ok(());
            }
            Ok(r) => format!("status {}", r.status().as_u16()),
            Err(e) => format!("{e}"),
        };
        let Some(delay) = delays.next() else {
            tracing::warn!(realm = %d.realm, client = %d.client_id, %failure, "back-channel logout failed; giving up");
            return Err(failure);
        };
        tracing::info!(realm = %d.realm, client = %d.client_id, %failure, "back-channel logout failed; retrying");
        tokio::time::sleep(*delay).await;
    }
}
