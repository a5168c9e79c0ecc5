//! Feed mode: a background subscription to the issuer's revocation feed (Tessera's
//! `revocation_feed_endpoint`, Server-Sent Events), kept in a [`RevocationCache`] so that a revoked token is
//! refused locally, with no request per validation. The subscription reconnects with `Last-Event-ID` and a
//! growing, jittered backoff; while it is down for longer than [`FeedConfig::max_outage`], validations fail
//! closed or fall back to introspection, as configured.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::ACCEPT;
use tessera_proto::{FEED_READY_EVENT, FeedEvent};
use tokio::sync::watch;

use crate::RevocationCache;
use crate::sse::SseParser;

/// How to reach the feed, and what to do while it is down.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// `None`: the `revocation_feed_endpoint` from discovery.
    pub endpoint: Option<String>,
    /// A confidential client of the realm with the `tessera.revocationFeed` attribute.
    pub client_id: String,
    pub client_secret: String,
    /// How long the feed may be down before [`on_outage`](Self::on_outage) applies (30 s by default).
    /// Meanwhile what was heard keeps refusing tokens; a revocation made in that window is not seen until the
    /// feed is back (then at once: it resumes from its cursor).
    pub max_outage: Duration,
    pub on_outage: OnFeedOutage,
    /// The first wait before reconnecting, doubled up to `reconnect_max` while attempts fail.
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// No byte for this long (the server sends a keep-alive every 15 s) and the connection is taken for dead.
    pub idle_timeout: Duration,
}

/// What validations do while the feed has been down longer than [`FeedConfig::max_outage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFeedOutage {
    /// Refuse every token (`Unavailable`: 503 in the axum adapter).
    FailClosed,
    /// Ask the issuer's introspection endpoint (RFC 7662) with the feed's client credentials, per token, with
    /// the cache of [`IntrospectionConfig`](crate::IntrospectionConfig)'s defaults.
    Introspect,
}

impl FeedConfig {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            endpoint: None,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            max_outage: Duration::from_secs(30),
            on_outage: OnFeedOutage::FailClosed,
            reconnect_min: Duration::from_millis(250),
            reconnect_max: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(45),
        }
    }
}

/// The subscription's state, shared with the validator.
#[derive(Debug)]
struct Health {
    started: Instant,
    /// Milliseconds after `started` at which the feed went down; `u64::MAX` while it is up.
    down_since_ms: AtomicU64,
    cursor: AtomicI64,
    /// True once a snapshot was received (`ready`): the cache holds everything live.
    synced: watch::Sender<bool>,
}

impl Health {
    fn up(&self) {
        self.down_since_ms.store(u64::MAX, Ordering::SeqCst);
        self.synced.send_replace(true);
    }

    fn down(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        let _ = self.down_since_ms.compare_exchange(u64::MAX, now, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// A running subscription; dropping it stops it.
#[derive(Debug)]
pub struct Feed {
    pub cache: Arc<RevocationCache>,
    health: Arc<Health>,
    max_outage: Duration,
    tasks: [tokio::task::JoinHandle<()>; 2],
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.tasks.iter().for_each(|t| t.abort());
    }
}

impl Feed {
    /// Starts subscribing in the background; `connect_timeout` bounds each attempt up to the response head.
    pub fn start(http: reqwest::Client, endpoint: String, config: FeedConfig, connect_timeout: Duration) -> Self {
        let cache = Arc::new(RevocationCache::default());
        let health = Arc::new(Health {
            started: Instant::now(),
            down_since_ms: AtomicU64::new(0),
            cursor: AtomicI64::new(0),
            synced: watch::Sender::new(false),
        });
        let max_outage = config.max_outage;
        let session = Session { http, endpoint, config, connect_timeout, cache: cache.clone(), health: health.clone() };
        let subscriber = tokio::spawn(session.run());
        let weak = Arc::downgrade(&cache);
        let purger = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(cache) = weak.upgrade() else { return };
                cache.purge(unix_now());
            }
        });
        Self { cache, health, max_outage, tasks: [subscriber, purger] }
    }

    /// True while the cache can be trusted alone: the feed is up, or down for less than `max_outage` after
    /// a first snapshot.
    pub fn is_current(&self) -> bool {
        let down = self.health.down_since_ms.load(Ordering::SeqCst);
        if down == u64::MAX {
            return true;
        }
        let synced = *self.health.synced.borrow();
        let now = self.health.started.elapsed().as_millis() as u64;
        synced && now.saturating_sub(down) < self.max_outage.as_millis() as u64
    }

    /// The cursor the next connection resumes from.
    pub fn cursor(&self) -> i64 {
        self.health.cursor.load(Ordering::SeqCst)
    }

    /// Waits (at most `timeout`) for the first snapshot; true when it arrived.
    pub async fn wait_synced(&self, timeout: Duration) -> bool {
        let mut synced = self.health.synced.subscribe();
        tokio::time::timeout(timeout, synced.wait_for(|s| *s)).await.is_ok_and(|r| r.is_ok())
    }
}

struct Session {
    http: reqwest::Client,
    endpoint: String,
    config: FeedConfig,
    connect_timeout: Duration,
    cache: Arc<RevocationCache>,
    health: Arc<Health>,
}

impl Session {
    async fn run(self) {
        let mut backoff = self.config.reconnect_min;
        loop {
            let heard = match self.connect_and_read().await {
                Ok(heard) => {
                    tracing::info!("revocation feed closed by the issuer; reconnecting");
                    heard
                }
                Err((heard, e)) => {
                    tracing::warn!(error = %e, "revocation feed lost; reconnecting");
                    heard
                }
            };
            self.health.down();
            if heard {
                backoff = self.config.reconnect_min;
            }
            tokio::time::sleep(jitter(backoff)).await;
            backoff = (backoff * 2).min(self.config.reconnect_max.max(self.config.reconnect_min));
        }
    }

    /// One connection, read until it ends. Ok(whether anything arrived) when the issuer closed it.
    async fn connect_and_read(&self) -> Result<bool, (bool, String)> {
        let mut request = self
            .http
            .get(&self.endpoint)
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .header(ACCEPT, "text/event-stream");
        let cursor = self.health.cursor.load(Ordering::SeqCst);
        if cursor > 0 {
            request = request.header("last-event-id", cursor.to_string());
        }
        let mut response = match tokio::time::timeout(self.connect_timeout, request.send()).await {
            Err(_) => return Err((false, "timed out connecting".to_owned())),
            Ok(Err(e)) => return Err((false, e.to_string())),
            Ok(Ok(r)) => r,
        };
        if !response.status().is_success() {
            return Err((false, format!("HTTP {}", response.status())));
        }
        let mut parser = SseParser::default();
        let mut heard = false;
        loop {
            let chunk = match tokio::time::timeout(self.config.idle_timeout, response.chunk()).await {
                Err(_) => return Err((heard, "no keep-alive from the issuer".to_owned())),
                Ok(Err(e)) => return Err((heard, e.to_string())),
                Ok(Ok(None)) => return Ok(heard),
                Ok(Ok(Some(chunk))) => chunk,
            };
            for frame in parser.push(&chunk).map_err(|e| (heard, e.to_string()))? {
                heard = true;
                if frame.event == FEED_READY_EVENT {
                    self.health.up();
                } else if let Some(event) = FeedEvent::parse(&frame.event, &frame.data) {
                    self.cache.apply(&event);
                }
                if let Some(id) = frame.id.and_then(|id| id.parse::<i64>().ok()) {
                    self.health.cursor.fetch_max(id, Ordering::SeqCst);
                }
            }
        }
    }
}

/// Between 50 % and 100 % of `d`, so that guards cut off together do not all come back at once.
fn jitter(d: Duration) -> Duration {
    use std::hash::BuildHasher;
    let r = std::collections::hash_map::RandomState::new().hash_one(Instant::now()) % 1000;
    d / 2 + d.mul_f64(r as f64 / 2000.0)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
