//! The replay cache of single-use identifiers (client assertions' `jti`, RFC 7523 §3 item 7): a bounded
//! in-memory set on every node and, when Redis is configured, `SET NX EX` there so that an identifier
//! used on one node is refused on every other (ARCHITECTURE.md "Many nodes").
//!
//! When Redis does not answer, the node's own set still refuses what this node has seen: a replay on
//! another node is then possible until Redis is back (each assertion lives at most 5 minutes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use moka::Expiry;
use moka::policy::EvictionPolicy;
use moka::sync::Cache;
use tessera_core::ports::{Clock, ReplayCache};

use crate::redis_fanout::RedisFanout;

/// At most this many identifiers in memory: a minute's worth at several thousand assertions a second.
const CAPACITY: u64 = 200_000;

/// Each identifier is kept for the lifetime it was stored with.
struct UntilExpiry;

impl Expiry<String, Duration> for UntilExpiry {
    fn expire_after_create(&self, _: &String, ttl: &Duration, _: Instant) -> Option<Duration> {
        Some(*ttl)
    }
}

pub struct SharedReplayCache {
    /// Least-recently-used eviction, so that a new identifier is always admitted (moka's default policy
    /// may refuse a new entry, which here would let its replay through).
    seen: Cache<String, Duration>,
    redis: Option<Arc<RedisFanout>>,
    clock: Arc<dyn Clock>,
}

impl SharedReplayCache {
    pub fn new(redis: Option<Arc<RedisFanout>>, clock: Arc<dyn Clock>) -> Self {
        let seen = Cache::builder()
            .max_capacity(CAPACITY)
            .eviction_policy(EvictionPolicy::lru())
            .expire_after(UntilExpiry)
            .build();
        Self { seen, redis, clock }
    }
}

#[async_trait]
impl ReplayCache for SharedReplayCache {
    async fn first_use(&self, key: &str, expires_at: i64) -> bool {
        let ttl = u64::try_from(expires_at.saturating_sub(self.clock.now())).unwrap_or(0).max(1);
        let entry = self.seen.entry(key.to_owned()).or_insert_with(|| Duration::from_secs(ttl));
        if !entry.is_fresh() {
            return false;
        }
        let Some(redis) = &self.redis else { return true };
        match redis.claim_once(key, ttl).await {
            Ok(first) => first,
            Err(e) => {
                tracing::warn!(error = %e, "redis did not answer the replay check; this node's cache decided");
                true
            }
        }
    }
}
