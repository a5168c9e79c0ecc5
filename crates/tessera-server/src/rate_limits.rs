//! Where the rate limits keep their state (the algorithm is the core's [`tessera_core::rate_limit::gcra`]).
//! With Redis, every node shares each key's TAT through one Lua script: one round trip decides all the
//! checks of a request atomically. Without Redis, or while it does not answer, each node keeps its own TATs
//! in a bounded cache, so limits still hold per node (a cluster of N nodes then admits up to N times the
//! rate). A Redis failure opens a short breaker, so an outage costs one timeout per second, not one per
//! request.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use std::collections::HashMap;

use async_trait::async_trait;
use tessera_core::rate_limit::{RateCheck, RateLimiter, Refusal, gcra};

use crate::redis_fanout::RedisFanout;

/// Keys kept in memory at most; beyond it the least recently used go (their clients start afresh).
const LOCAL_KEYS: usize = 100_000;
/// A Redis answer slower than this counts as a failure: the request is decided locally.
const REDIS_DEADLINE: Duration = Duration::from_millis(250);
/// After a failure, Redis is not asked again for this long.
const BREAKER_MS: i64 = 1_000;

/// KEYS: the checks' keys. ARGV: now (ms), then per key: interval, tolerance, consume (1/0). Checks all keys
/// first and charges none when one refuses; returns {admitted, retry_after_ms, index of the refusing key}.
const GCRA_SCRIPT: &str = r"
local now = tonumber(ARGV[1])
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[(i - 1) * 3 + 2])
  local tolerance = tonumber(ARGV[(i - 1) * 3 + 3])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  if tat - now > tolerance then return {0, tat - now - tolerance, i} end
  tats[i] = tat + interval
end
for i, key in ipairs(KEYS) do
  if ARGV[(i - 1) * 3 + 4] == '1' then
    redis.call('SET', key, tats[i], 'PX', tats[i] - now + 1000)
  end
end
return {1, 0, 0}
";

/// The keys of a realm share one Redis Cluster hash slot (`{realm id}`): a request's keys (address, client,
/// failed authentication) must be in one slot for one script to touch them all.
fn redis_key(key: &str) -> String {
    match key.split_once('|') {
        Some((realm, rest)) => format!("tessera:rl:{{{realm}}}|{rest}"),
        None => format!("tessera:rl:{key}"),
    }
}

pub struct SharedRateLimiter {
    redis: Option<(redis::aio::ConnectionManager, redis::Script)>,
    local: LocalRateLimiter,
    /// `Instant`-based milliseconds (not the injectable clock: the breaker is about Redis, not the protocol).
    redis_down_until: AtomicI64,
    started: Instant,
}

impl SharedRateLimiter {
    pub fn new(redis: Option<&RedisFanout>) -> Self {
        Self {
            redis: redis.map(|r| (r.connection(), redis::Script::new(GCRA_SCRIPT))),
            local: LocalRateLimiter::default(),
            redis_down_until: AtomicI64::new(0),
            started: Instant::now(),
        }
    }

    fn elapsed_ms(&self) -> i64 {
        i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    async fn shared(
        conn: &redis::aio::ConnectionManager,
        script: &redis::Script,
        checks: &[RateCheck],
        now_ms: i64,
    ) -> redis::RedisResult<Result<(), Refusal>> {
        let mut invocation = script.prepare_invoke();
        invocation.arg(now_ms);
        for check in checks {
            invocation.key(redis_key(&check.key));
            invocation.arg(check.rate.interval_ms()).arg(check.rate.tolerance_ms()).arg(u8::from(check.consume));
        }
        let mut conn = conn.clone();
        let (admitted, retry_after_ms, index): (i64, i64, usize) = invocation.invoke_async(&mut conn).await?;
        if admitted == 1 {
            return Ok(Ok(()));
        }
        let scope = checks.get(index.saturating_sub(1)).map(|c| c.scope);
        Ok(Err(Refusal { scope: scope.unwrap_or(tessera_core::rate_limit::LimitScope::Client), retry_after_ms }))
    }
}

#[async_trait]
impl RateLimiter for SharedRateLimiter {
    async fn check(&self, checks: &[RateCheck], now_ms: i64) -> Result<(), Refusal> {
        if let Some((conn, script)) = &self.redis
            && self.elapsed_ms() >= self.redis_down_until.load(Ordering::Relaxed)
        {
            match tokio::time::timeout(REDIS_DEADLINE, Self::shared(conn, script, checks, now_ms)).await {
                Ok(Ok(decision)) => return decision,
                Ok(Err(e)) => tracing::warn!(error = %e, "rate limits: redis failed; limiting on this node"),
                Err(_) => tracing::warn!("rate limits: redis too slow; limiting on this node"),
            }
            self.redis_down_until.store(self.elapsed_ms() + BREAKER_MS, Ordering::Relaxed);
        }
        self.local.check(checks, now_ms)
    }
}

/// The TATs of one node, bounded: a plain map under one short lock (all checks of a request are decided
/// together, as the script does). A key whose TAT has passed limits nothing and may go; when the map is full
/// those are dropped, and if that frees nothing, everything is (clients start afresh rather than memory grow).
#[derive(Default)]
pub struct LocalRateLimiter {
    tats: Mutex<HashMap<String, i64>>,
}

impl LocalRateLimiter {
    pub fn check(&self, checks: &[RateCheck], now_ms: i64) -> Result<(), Refusal> {
        let mut tats = self.tats.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut next = Vec::with_capacity(checks.len());
        for check in checks {
            match gcra(tats.get(&check.key).copied(), now_ms, &check.rate) {
                Ok(tat) => next.push(tat),
                Err(retry_after_ms) => return Err(Refusal { scope: check.scope, retry_after_ms }),
            }
        }
        if tats.len() >= LOCAL_KEYS {
            tats.retain(|_, tat| *tat > now_ms);
            if tats.len() >= LOCAL_KEYS {
                tats.clear();
            }
        }
        for (check, tat) in checks.iter().zip(next) {
            if !check.consume {
                continue;
            }
            match tats.get_mut(&check.key) {
                Some(slot) => *slot = tat,
                None => {
                    tats.insert(check.key.clone(), tat);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tessera_core::rate_limit::{LimitScope, Rate};

    use super::*;

    #[test]
    fn the_local_store_stays_bounded_whatever_the_number_of_keys() {
        let local = LocalRateLimiter::default();
        let rate = Rate { count: 1, period_ms: 3_600_000, burst: 1 };
        for i in 0..LOCAL_KEYS + 10 {
            let check = RateCheck { key: format!("r|a|token|{i}"), rate, consume: true, scope: LimitScope::Address };
            assert!(local.check(std::slice::from_ref(&check), 0).is_ok());
        }
        assert!(local.tats.lock().map(|t| t.len()).unwrap_or(usize::MAX) <= LOCAL_KEYS);
    }
}
