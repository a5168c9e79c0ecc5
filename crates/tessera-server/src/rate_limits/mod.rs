//! Where the rate limits keep their state (the algorithm is the core's [`tessera_core::rate_limit::gcra`]).
//! With Redis, every node shares each key's TAT through one Lua script: one round trip decides all the
//! checks of a request atomically. A node decides on its own while a key is well inside its limit, and sends
//! those charges in batches ([`leases`] says when, and what that costs in accuracy). Without Redis, or while
//! it does not answer, each node keeps its own TATs in a bounded cache, so limits still hold per node (a
//! cluster of N nodes then admits up to N times the rate). A Redis failure opens a short breaker, so an
//! outage costs one timeout per second, not one per request.

mod leases;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use tessera_core::rate_limit::{RateCheck, RateLimiter, Refusal, gcra};

use crate::metrics::dependencies::redis as timed;
use crate::redis_fanout::RedisFanout;
use leases::{Leases, Pending};

/// Keys kept in memory at most; beyond it the least recently used go (their clients start afresh).
const LOCAL_KEYS: usize = 100_000;
/// A Redis answer slower than this counts as a failure: the request is decided locally.
const REDIS_DEADLINE: Duration = Duration::from_millis(250);
/// After a failure, Redis is not asked again for this long.
const BREAKER_MS: i64 = 1_000;
/// How often the charges a node made on its own are sent.
const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// A tolerance no sent batch can exceed: a batch only adds charges already admitted.
const NEVER_REFUSE: i64 = i64::MAX / 4;

/// KEYS: the checks' keys. ARGV: now (ms), then per key: interval, tolerance, consume (1/0), charges made
/// on the node since its last answer. Adds those charges (admitted already, so whatever the decision), then
/// checks every key and charges none when one refuses. Returns {admitted, retry_after_ms, index of the
/// refusing key, then each key's TAT after}.
const GCRA_SCRIPT: &str = r"
local now = tonumber(ARGV[1])
local tats, refused, retry = {}, 0, 0
for i, key in ipairs(KEYS) do
  local b = (i - 1) * 4
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  tats[i] = tat + tonumber(ARGV[b + 5]) * tonumber(ARGV[b + 2])
  if refused == 0 and tats[i] - now > tonumber(ARGV[b + 3]) then
    refused, retry = i, tats[i] - now - tonumber(ARGV[b + 3])
  end
end
local out = {refused == 0 and 1 or 0, retry, refused}
for i, key in ipairs(KEYS) do
  local b = (i - 1) * 4
  local changed = ARGV[b + 5] ~= '0'
  if refused == 0 and ARGV[b + 4] == '1' then
    tats[i] = tats[i] + tonumber(ARGV[b + 2])
    changed = true
  end
  if changed then redis.call('SET', key, tats[i], 'PX', tats[i] - now + 1000) end
  out[#out + 1] = tats[i]
end
return out
";

/// The keys of a realm share one Redis Cluster hash slot (`{realm id}`): a request's keys (address, client,
/// failed authentication) must be in one slot for one script to touch them all.
fn redis_key(key: &str) -> String {
    match key.split_once('|') {
        Some((realm, rest)) => format!("tessera:rl:{{{realm}}}|{rest}"),
        None => format!("tessera:rl:{key}"),
    }
}

/// One key of a script call: its key, interval, tolerance, whether the request is charged to it, and the
/// node's charges to add first.
struct ScriptKey<'a> {
    key: &'a str,
    interval: i64,
    tolerance: i64,
    consume: bool,
    pending: i64,
}

pub struct SharedRateLimiter {
    redis: Option<(redis::aio::ConnectionManager, redis::Script)>,
    local: LocalRateLimiter,
    leases: Leases,
    /// The last `now` a request was checked at: the instant a sent batch is charged at.
    last_now_ms: AtomicI64,
    /// `Instant`-based milliseconds (not the injectable clock: the breaker is about Redis, not the protocol).
    redis_down_until: AtomicI64,
    started: Instant,
}

impl SharedRateLimiter {
    pub fn new(redis: Option<&RedisFanout>) -> Self {
        Self {
            redis: redis.map(|r| (r.connection(), redis::Script::new(GCRA_SCRIPT))),
            local: LocalRateLimiter::default(),
            leases: Leases::default(),
            last_now_ms: AtomicI64::new(0),
            redis_down_until: AtomicI64::new(0),
            started: Instant::now(),
        }
    }

    fn elapsed_ms(&self) -> i64 {
        i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// The limiter, with the task that sends this node's own charges every [`FLUSH_EVERY`] while it lives.
    pub fn start(redis: Option<&RedisFanout>) -> Arc<Self> {
        let limiter = Arc::new(Self::new(redis));
        if limiter.redis.is_some() {
            let weak = Arc::downgrade(&limiter);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(FLUSH_EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                loop {
                    tick.tick().await;
                    let Some(limiter) = weak.upgrade() else { break };
                    limiter.flush().await;
                }
            });
        }
        limiter
    }

    fn redis_up(&self) -> bool {
        self.elapsed_ms() >= self.redis_down_until.load(Ordering::Relaxed)
    }

    fn redis_failed(&self) {
        self.redis_down_until.store(self.elapsed_ms() + BREAKER_MS, Ordering::Relaxed);
    }

    /// Runs the script over `keys` (one realm's: one hash slot); each key's TAT after it, or the refusal.
    async fn script(
        conn: &redis::aio::ConnectionManager,
        script: &redis::Script,
        keys: &[ScriptKey<'_>],
        now_ms: i64,
    ) -> redis::RedisResult<(Option<(usize, i64)>, Vec<i64>)> {
        let mut invocation = script.prepare_invoke();
        invocation.arg(now_ms);
        for k in keys {
            invocation.key(redis_key(k.key));
            invocation.arg(k.interval).arg(k.tolerance).arg(u8::from(k.consume)).arg(k.pending);
        }
        let mut conn = conn.clone();
        let answer: Vec<i64> = timed("rate_limit", invocation.invoke_async(&mut conn)).await?;
        let (head, tats) = answer.split_at(answer.len().min(3));
        let refusal = match head {
            [1, _, _] => None,
            [_, retry_after_ms, index] => Some((usize::try_from(*index).unwrap_or(1), *retry_after_ms)),
            _ => return Err((redis::ErrorKind::Parse, "rate limit script: short answer").into()),
        };
        Ok((refusal, tats.to_vec()))
    }

    /// Decides `checks` in Redis, sending the node's charges of their keys with them.
    async fn shared(&self, checks: &[RateCheck], now_ms: i64) -> Option<Result<(), Refusal>> {
        let (conn, script) = self.redis.as_ref()?;
        let pending = self.leases.take(checks);
        let keys: Vec<ScriptKey<'_>> = checks
            .iter()
            .zip(&pending)
            .map(|(c, &pending)| ScriptKey {
                key: &c.key,
                interval: c.rate.interval_ms(),
                tolerance: c.rate.tolerance_ms(),
                consume: c.consume,
                pending,
            })
            .collect();
        match self.run(conn, script, &keys, now_ms).await {
            Ok(refusal) => Some(match refusal {
                None => Ok(()),
                Some((index, retry_after_ms)) => {
                    let scope = checks.get(index.saturating_sub(1)).map(|c| c.scope);
                    Err(Refusal {
                        scope: scope.unwrap_or(tessera_core::rate_limit::LimitScope::Client),
                        retry_after_ms,
                    })
                }
            }),
            Err(why) => {
                tracing::warn!(error = %why, "rate limits: redis failed; limiting on this node");
                None
            }
        }
    }

    /// Runs the script with a deadline and remembers the TATs Redis answered: the refusal if any, or why
    /// Redis could not decide.
    async fn run(
        &self,
        conn: &redis::aio::ConnectionManager,
        script: &redis::Script,
        keys: &[ScriptKey<'_>],
        now_ms: i64,
    ) -> Result<Option<(usize, i64)>, String> {
        let (refusal, tats) = tokio::time::timeout(REDIS_DEADLINE, Self::script(conn, script, keys, now_ms))
            .await
            .map_err(|_| "too slow".to_owned())?
            .map_err(|e| e.to_string())?;
        let real_ms = self.elapsed_ms();
        for (k, tat) in keys.iter().zip(tats) {
            self.leases.synced(k.key, k.interval, tat, now_ms, real_ms);
        }
        Ok(refusal)
    }

    /// Sends the charges this node made on its own, one script call per realm (a realm's keys share a slot).
    async fn flush(&self) {
        let Some((conn, script)) = &self.redis else { return };
        let pending = self.leases.take_all();
        if pending.is_empty() || !self.redis_up() {
            return;
        }
        let now_ms = self.last_now_ms.load(Ordering::Relaxed);
        let mut by_realm: BTreeMap<&str, Vec<&Pending>> = BTreeMap::new();
        for p in &pending {
            by_realm.entry(p.key.split_once('|').map_or("", |(realm, _)| realm)).or_default().push(p);
        }
        for batch in by_realm.values() {
            let keys: Vec<ScriptKey<'_>> = batch
                .iter()
                .map(|p| ScriptKey {
                    key: &p.key,
                    interval: p.interval,
                    tolerance: NEVER_REFUSE,
                    consume: false,
                    pending: p.count,
                })
                .collect();
            if let Err(why) = self.run(conn, script, &keys, now_ms).await {
                tracing::warn!(error = %why, "rate limits: redis did not take this node's charges");
                self.redis_failed();
                return;
            }
        }
    }
}

#[async_trait]
impl RateLimiter for SharedRateLimiter {
    async fn check(&self, checks: &[RateCheck], now_ms: i64) -> Result<(), Refusal> {
        self.last_now_ms.fetch_max(now_ms, Ordering::Relaxed);
        if self.redis.is_some() && self.redis_up() {
            if self.leases.try_admit(checks, now_ms, self.elapsed_ms()) {
                return Ok(());
            }
            if let Some(decision) = self.shared(checks, now_ms).await {
                return decision;
            }
            self.redis_failed();
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
        // Every check first, so that a refusal charges none; the step is recomputed below (it is arithmetic).
        for check in checks {
            if let Err(retry_after_ms) = gcra(tats.get(&check.key).copied(), now_ms, &check.rate) {
                return Err(Refusal { scope: check.scope, retry_after_ms });
            }
        }
        if tats.len() >= LOCAL_KEYS {
            tats.retain(|_, tat| *tat > now_ms);
            if tats.len() >= LOCAL_KEYS {
                tats.clear();
            }
        }
        for check in checks.iter().filter(|c| c.consume) {
            match tats.get_mut(&check.key) {
                Some(slot) => *slot = gcra(Some(*slot), now_ms, &check.rate).unwrap_or(*slot),
                None => {
                    let tat = gcra(None, now_ms, &check.rate).unwrap_or(now_ms);
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
