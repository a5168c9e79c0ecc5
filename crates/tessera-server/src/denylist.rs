//! The revocation denylist: every revoked `jti` until its token expires, and every per-user not-before until
//! the tokens it voids expire, in memory, so that introspection is a lookup. The database is the durable
//! record; each node tails it by sequence number, which is how a revocation made on another node (or process)
//! arrives here within the poll interval.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_core::model::{RevokedToken, UserNotBefore};
use tessera_core::ports::Clock;
use tessera_core::ports::Denylist;
use tessera_core::ports::Revocations;
use tessera_core::ports::{Store, StoreError};

use crate::redis_fanout::{HeardRevocations, RedisFanout};
use crate::user_not_before::UserNotBeforeMap;

/// How many revocations one poll reads at most.
const PAGE: i64 = 10_000;
/// Each poll re-reads this many sequence numbers behind the newest seen: on PostgreSQL a transaction that
/// took a lower number can commit after a higher one, and must not be skipped. Re-reading is harmless.
const OVERLAP: i64 = 256;

/// Our `jti`s are 128 random bits; keeping them as integers keeps 10^6 entries in a few tens of MiB.
fn jti_key(jti: &str) -> u128 {
    match URL_SAFE_NO_PAD.decode(jti).ok().and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok()) {
        Some(bytes) => u128::from_be_bytes(bytes),
        None => {
            let d = digest::digest(&digest::SHA256, jti.as_bytes());
            let mut first = [0u8; 16];
            first.copy_from_slice(&d.as_ref()[..16]);
            u128::from_be_bytes(first)
        }
    }
}

pub struct RevocationList {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    redis: Option<Arc<RedisFanout>>,
    /// jti → exp
    entries: std::sync::RwLock<HashMap<u128, i64>>,
    last_seq: AtomicI64,
    users: UserNotBeforeMap,
    last_user_seq: AtomicI64,
    /// When the database was last read successfully.
    last_poll: std::sync::Mutex<Option<Instant>>,
    /// How stale the database view may get before the list no longer counts as current.
    stale_after: Duration,
    node: String,
    /// Bumped whenever a revocation or not-before arrives here (this node's own, from Redis or from the
    /// database tail): the revocation feed's streams wake on it.
    changes: tokio::sync::watch::Sender<u64>,
}

impl RevocationList {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, redis: Option<Arc<RedisFanout>>, poll: Duration) -> Self {
        Self {
            store,
            clock,
            redis,
            entries: Default::default(),
            last_seq: AtomicI64::new(0),
            users: UserNotBeforeMap::default(),
            last_user_seq: AtomicI64::new(0),
            last_poll: std::sync::Mutex::new(None),
            stale_after: (poll * 5).max(Duration::from_secs(5)),
            node: node_id(),
            changes: tokio::sync::watch::Sender::new(0),
        }
    }

    /// Changes when anything new arrives; see [`crate::revocation_feed`].
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Whether revocations from other nodes are reaching us: through Redis when configured, else through
    /// recent successful database polls.
    /// Revoked, unexpired `jti`s held, for the metrics.
    pub fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }

    /// Seconds since the database was last read successfully; `None` before the first read.
    pub fn seconds_since_poll(&self) -> Option<u64> {
        self.last_poll.lock().ok().and_then(|p| *p).map(|at| at.elapsed().as_secs())
    }

    pub fn is_current(&self) -> bool {
        match &self.redis {
            Some(redis) => redis.is_subscribed(),
            None => self.last_poll.lock().ok().and_then(|t| *t).is_some_and(|t| t.elapsed() < self.stale_after),
        }
    }

    /// Reads every revocation and per-user not-before recorded since the last call. Returns how many arrived.
    pub async fn catch_up(&self) -> Result<usize, StoreError> {
        let before = (self.last_seq.load(Ordering::SeqCst), self.last_user_seq.load(Ordering::SeqCst));
        let read = self.catch_up_tokens().await? + self.catch_up_users().await?;
        if before != (self.last_seq.load(Ordering::SeqCst), self.last_user_seq.load(Ordering::SeqCst)) {
            self.changed();
        }
        Ok(read)
    }

    /// The per-user not-before instants, read in sequence as the revocations are (same overlap rule).
    async fn catch_up_users(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let since = (self.last_user_seq.load(Ordering::SeqCst) - OVERLAP).max(0);
            let page = self.store.user_not_before_since(since, PAGE).await?;
            let Some((last, _)) = page.last() else { return Ok(total) };
            let last = *last;
            let now = self.clock.now();
            page.iter().filter(|(_, e)| e.expires_at > now).for_each(|(_, e)| self.users.remember(e));
            total += page.len();
            self.last_user_seq.fetch_max(last, Ordering::SeqCst);
            if (page.len() as i64) < PAGE {
                return Ok(total);
            }
        }
    }

    async fn catch_up_tokens(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let since = (self.last_seq.load(Ordering::SeqCst) - OVERLAP).max(0);
            let page = self.store.revocations_since(since, PAGE).await?;
            if let Ok(mut polled) = self.last_poll.lock() {
                *polled = Some(Instant::now());
            }
            let Some((last, _)) = page.last() else { return Ok(total) };
            let last = *last;
            let now = self.clock.now();
            if let Ok(mut entries) = self.entries.write() {
                for (_, t) in page.iter().filter(|(_, t)| t.exp > now) {
                    entries.insert(jti_key(&t.jti), t.exp);
                }
            }
            total += page.len();
            self.last_seq.fetch_max(last, Ordering::SeqCst);
            if (page.len() as i64) < PAGE {
                return Ok(total);
            }
        }
    }

    /// Forgets tokens that have expired anyway, here and (on one node at a time) in the database: the list
    /// never grows without bound.
    pub async fn purge_expired(&self, every: Duration) -> Result<u64, StoreError> {
        let now = self.clock.now();
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, exp| *exp > now);
        }
        self.users.retain_unexpired(now);
        let until = now + i64::try_from(every.as_secs()).unwrap_or(60).max(1);
        if !self.store.claim_job("purge-revocations", &self.node, now, until).await? {
            return Ok(0);
        }
        Ok(self.store.purge_expired_revocations(now).await?
            + self.store.purge_expired_user_not_before(now).await?
            + self.store.purge_revocation_events(now).await?)
    }

    /// Tails the database every `every` and purges every `purge_every`, until the task is dropped.
    pub fn spawn_feed(self: &Arc<Self>, every: Duration, purge_every: Duration) -> tokio::task::JoinHandle<()> {
        let this = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_purge = std::time::Instant::now();
            loop {
                tick.tick().await;
                let Some(list) = this.upgrade() else { return };
                if let Err(e) = list.catch_up().await {
                    tracing::warn!(error = %e, "could not read new revocations");
                }
                if last_purge.elapsed() >= purge_every {
                    last_purge = std::time::Instant::now();
                    if let Err(e) = list.purge_expired(purge_every).await {
                        tracing::warn!(error = %e, "could not purge expired revocations");
                    }
                }
            }
        })
    }
}

impl HeardRevocations for RevocationList {
    fn remember(&self, jti: &str, exp: i64) {
        if let Ok(mut entries) = self.entries.write() {
            entries.insert(jti_key(jti), exp);
        }
        self.changed();
    }

    fn remember_user(&self, entry: &UserNotBefore) {
        self.users.remember(entry);
        self.changed();
    }
}

impl Denylist for RevocationList {
    fn is_revoked(&self, jti: &str) -> bool {
        self.entries.read().map(|e| e.contains_key(&jti_key(jti))).unwrap_or(true)
    }

    fn is_current(&self) -> bool {
        RevocationList::is_current(self)
    }

    fn user_not_before(&self, realm_id: &str, user_id: &str) -> Option<i64> {
        self.users.get(realm_id, user_id)
    }
}

/// Names this process in job claims.
pub(crate) fn node_id() -> String {
    tessera_core::secret::random_token(9).unwrap_or_else(|_| format!("pid-{}", std::process::id()))
}

#[async_trait]
impl Revocations for RevocationList {
    /// Durable first: a revocation is acknowledged only once the database holds it.
    async fn revoke(&self, token: RevokedToken) -> Result<(), StoreError> {
        self.store.insert_revocation(&token).await?;
        self.remember(&token.jti, token.exp);
        if let Some(redis) = &self.redis
            && let Err(e) = redis.publish(&token).await
        {
            // Durable already; the other nodes will read it from the database within a poll.
            tracing::warn!(error = %e, "could not publish a revocation to redis");
        }
        Ok(())
    }

    /// The store holds it already (the user's revocation was one transaction); here it takes effect at once,
    /// and through Redis on the other nodes.
    async fn user_revoked(&self, entry: &UserNotBefore) {
        self.remember_user(entry);
        if let Some(redis) = &self.redis
            && let Err(e) = redis.publish_user(entry).await
        {
            tracing::warn!(error = %e, "could not publish a user's not-before to redis");
        }
    }
}
