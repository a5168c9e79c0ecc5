//! What a node may decide without Redis: a key's shared TAT as Redis last answered it, advanced by this node's
//! own admissions since (its "pending" charges, sent in batches). Asking Redis on every request cost the token
//! path a third of its throughput (issue #15: 0.62× with limits on); most requests of a client well inside its
//! limit need no round trip. A node admits on its own only while the key has been read from Redis within
//! [`LEASE_MS`] and, after the request, still keeps half of its tolerance spare: the other half absorbs what
//! the other nodes admitted and have not sent yet. Near the limit every request goes to Redis, so the limit
//! holds across nodes as before, off by at most the few requests each node admitted in the last batch window.
//! A key with no burst (tolerance 0) is never decided locally.

use std::collections::HashMap;
use std::sync::Mutex;

use tessera_core::rate_limit::RateCheck;

/// How long a key's shared TAT read from Redis may be relied upon (milliseconds of real time).
pub const LEASE_MS: i64 = 1_000;
/// Keys kept at most; beyond it those with nothing to send and nothing to remember go.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Lease {
    /// The shared TAT last read, plus this node's admissions since.
    tat: i64,
    /// Admissions not yet sent to Redis.
    pending: i64,
    interval: i64,
    /// When Redis last answered for this key (real milliseconds, the limiter's own clock).
    synced_ms: i64,
}

/// One key's charges to send: its key, interval and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub key: String,
    pub interval: i64,
    pub count: i64,
}

#[derive(Default)]
pub struct Leases {
    map: Mutex<HashMap<String, Lease>>,
}

impl Leases {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lease>> {
        self.map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Admits the request on this node, charging its consuming checks locally, when every key allows it (see
    /// the module's rule); false: ask Redis.
    pub fn try_admit(&self, checks: &[RateCheck], now_ms: i64, real_ms: i64) -> bool {
        let mut map = self.lock();
        let fits = checks.iter().all(|check| {
            let Some(lease) = map.get(&check.key) else { return false };
            let spare = check.rate.tolerance_ms() / 2;
            let after = lease.tat.max(now_ms) + if check.consume { check.rate.interval_ms() } else { 0 };
            real_ms - lease.synced_ms <= LEASE_MS && after - now_ms <= spare && spare > 0
        });
        if !fits {
            return false;
        }
        for check in checks.iter().filter(|c| c.consume) {
            if let Some(lease) = map.get_mut(&check.key) {
                lease.tat = lease.tat.max(now_ms) + check.rate.interval_ms();
                lease.pending += 1;
            }
        }
        true
    }

    /// Takes the charges not yet sent of `checks`' keys, in their order (0 for a key never seen): they go to
    /// Redis with the request's own script.
    pub fn take(&self, checks: &[RateCheck]) -> Vec<i64> {
        let mut map = self.lock();
        checks.iter().map(|c| map.get_mut(&c.key).map(|l| std::mem::take(&mut l.pending)).unwrap_or(0)).collect()
    }

    /// Takes every charge not yet sent.
    pub fn take_all(&self) -> Vec<Pending> {
        let mut map = self.lock();
        map.iter_mut()
            .filter(|(_, l)| l.pending > 0)
            .map(|(key, l)| Pending { key: key.clone(), interval: l.interval, count: std::mem::take(&mut l.pending) })
            .collect()
    }

    /// Redis answered `tat` for `key` (after the charges sent): this node's admissions since then stay on top.
    pub fn synced(&self, key: &str, interval: i64, tat: i64, now_ms: i64, real_ms: i64) {
        let mut map = self.lock();
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, l| l.pending > 0 || l.tat > now_ms);
            if map.len() >= MAX_KEYS {
                map.retain(|_, l| l.pending > 0);
            }
        }
        let lease = map.entry(key.to_owned()).or_insert(Lease { tat, pending: 0, interval, synced_ms: real_ms });
        lease.tat = tat + lease.pending * interval;
        lease.interval = interval;
        lease.synced_ms = real_ms;
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use tessera_core::rate_limit::{LimitScope, Rate};

    use super::*;

    fn check(key: &str, burst: u32) -> RateCheck {
        RateCheck {
            key: key.into(),
            rate: Rate { count: 1, period_ms: 1_000, burst },
            consume: true,
            scope: LimitScope::Client,
        }
    }

    #[test]
    fn a_key_is_decided_locally_only_when_read_lately_and_with_half_its_tolerance_spare() {
        let leases = Leases::default();
        let c = check("r|c|token|svc", 9); // interval 1 s, tolerance 8 s: locally while 4 s stay spare
        assert!(!leases.try_admit(std::slice::from_ref(&c), 0, 0), "never read from Redis");
        leases.synced(&c.key, 1_000, 1_000, 0, 0);
        let admitted = (0..10).take_while(|_| leases.try_admit(std::slice::from_ref(&c), 0, 10)).count();
        assert_eq!(admitted, 3, "TAT 1 s ahead, then 2, 3, 4 s: the fourth would leave less than half");
        assert_eq!(leases.take(std::slice::from_ref(&c)), vec![3]);
        assert_eq!(leases.take(std::slice::from_ref(&c)), vec![0], "taken once");
        // Redis said 6 s (another node charged too); the read goes stale after LEASE_MS.
        leases.synced(&c.key, 1_000, 6_000, 5_000, 20);
        assert!(leases.try_admit(std::slice::from_ref(&c), 5_000, 30));
        assert!(!leases.try_admit(std::slice::from_ref(&c), 5_000, 20 + LEASE_MS + 1), "stale");
        assert_eq!(leases.take_all(), vec![Pending { key: c.key.clone(), interval: 1_000, count: 1 }]);
    }

    #[test]
    fn a_key_without_burst_always_asks_redis() {
        let leases = Leases::default();
        let c = check("r|a|token|10.0.0.1", 1);
        leases.synced(&c.key, 1_000, 0, 0, 0);
        assert!(!leases.try_admit(std::slice::from_ref(&c), 0, 0));
    }

    #[test]
    fn charges_made_while_a_round_trip_was_out_stay_on_top_of_its_answer() {
        let leases = Leases::default();
        let c = check("k", 101);
        leases.synced(&c.key, 1_000, 0, 0, 0);
        assert!(leases.try_admit(std::slice::from_ref(&c), 0, 0));
        let sent = leases.take_all();
        assert!(leases.try_admit(std::slice::from_ref(&c), 0, 0), "admitted while the batch is out");
        leases.synced(&c.key, 1_000, 5_000, 0, 1);
        assert_eq!(sent[0].count, 1);
        assert_eq!(leases.take_all()[0].count, 1, "the later charge is still to send");
    }

    #[test]
    fn the_leases_stay_bounded() {
        let leases = Leases::default();
        for i in 0..MAX_KEYS + 10 {
            leases.synced(&format!("k{i}"), 1_000, 0, 1, 0);
        }
        assert!(leases.len() <= MAX_KEYS);
    }
}
