//! Posts each anomaly to its realm's webhook (`tessera.anomaly.webhookUrl`), as JSON signed with
//! HMAC-SHA256 under `tessera.anomaly.webhookSecret` (`X-Tessera-Signature: sha256=<hex of the MAC over the
//! body>`), from a bounded queue, retrying with back-off. Nothing here is on a request's path: a full queue
//! drops the delivery (logged; the audit event and the metric remain).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use tessera_core::anomaly::{Anomaly, WebhookTarget};
use tessera_core::model::RealmName;
use tessera_core::ports::RealmDirectory;
use tessera_core::secret::MasterKey;
use tokio::sync::mpsc;

const QUEUE: usize = 1024;
const IN_FLIGHT: usize = 8;
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// The waits before each retry: four more attempts over about two and a half minutes.
pub const RETRY_DELAYS: [Duration; 4] =
    [Duration::from_secs(1), Duration::from_secs(5), Duration::from_secs(30), Duration::from_secs(120)];

pub const SIGNATURE_HEADER: &str = "x-tessera-signature";
pub const EVENT_HEADER: &str = "x-tessera-event";
pub const DELIVERY_HEADER: &str = "x-tessera-delivery";

/// The body of a delivery.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: &'a str,
    pub realm: &'a str,
    pub client_id: &'a str,
    pub rule: &'static str,
    pub at: i64,
    pub evidence: &'a tessera_core::anomaly::Evidence,
    /// `throttled` or `disabled` when the realm or client asks for a response and it was applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<&'static str>,
}

/// `sha256=` and the lowercase hex of HMAC-SHA256(secret, body).
pub fn signature(secret: &str, body: &[u8]) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, body);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn delivery_id() -> String {
    let mut bytes = [0u8; 16];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        return "0".repeat(32);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct Webhooks {
    queue: mpsc::Sender<Anomaly>,
    /// Deliveries dropped because the queue was full.
    pub dropped: AtomicU64,
}

impl Webhooks {
    /// Starts the sender on the current runtime; `delays` are the waits before each retry.
    pub fn start(realms: Arc<dyn RealmDirectory>, master: MasterKey, delays: Vec<Duration>) -> Self {
        let (queue, mut rx) = mpsc::channel::<Anomaly>(QUEUE);
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
        tokio::spawn(async move {
            while let Some(anomaly) = rx.recv().await {
                let Some(target) = target(realms.as_ref(), &master, &anomaly.realm).await else { continue };
                let Ok(permit) = slots.clone().acquire_owned().await else { return };
                let (http, delays) = (http.clone(), delays.clone());
                tokio::spawn(async move {
                    deliver(&http, &target, &anomaly, &delays).await;
                    drop(permit);
                });
            }
        });
        Self { queue, dropped: AtomicU64::new(0) }
    }

    /// Queues an anomaly for its realm's webhook, if it has one; never waits.
    pub fn send(&self, anomaly: Anomaly) {
        if self.queue.try_send(anomaly).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("anomaly webhook queue full: a delivery was dropped");
        }
    }
}

async fn target(realms: &dyn RealmDirectory, master: &MasterKey, realm: &str) -> Option<WebhookTarget> {
    let name = RealmName::parse(realm)?;
    match realms.realm(&name).await {
        Ok(Some(ctx)) => WebhookTarget::from_attributes(&ctx.realm.attributes, master, &ctx.realm.id),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, realm, "anomaly webhook: realm not readable");
            None
        }
    }
}

async fn deliver(http: &reqwest::Client, target: &WebhookTarget, anomaly: &Anomaly, delays: &[Duration]) {
    let id = delivery_id();
    let body = Delivery {
        kind: "anomaly_detected",
        id: &id,
        realm: &anomaly.realm,
        client_id: &anomaly.client_id,
        rule: anomaly.rule.as_str(),
        at: anomaly.at,
        evidence: &anomaly.evidence,
        response: anomaly.response,
    };
    let Ok(body) = serde_json::to_vec(&body) else { return };
    let signed = signature(&target.secret, &body);
    let mut waits = delays.iter();
    loop {
        let sent = http
            .post(&target.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, &signed)
            .header(EVENT_HEADER, "anomaly_detected")
            .header(DELIVERY_HEADER, &id)
            .body(body.clone())
            .send()
            .await;
        let failure = match sent {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => format!("status {}", r.status()),
            Err(e) => e.to_string(),
        };
        let Some(wait) = waits.next() else {
            tracing::warn!(realm = %anomaly.realm, failure, "anomaly webhook: gave up after every retry");
            return;
        };
        tracing::info!(realm = %anomaly.realm, failure, "anomaly webhook: retrying");
        tokio::time::sleep(*wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_rfc_4231_hmac_sha256_in_hex() {
        // RFC 4231 §4.3, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
