//! Gauges read at each scrape from the structures that hold them: nothing to keep up to date on the
//! request path.

use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use crate::denylist::RevocationList;
use crate::directory::Directory;
use crate::issued_tokens::IssuedTokenCache;
use crate::passwords::Argon2Pool;

pub struct ServerGauges {
    pub passwords: Arc<Argon2Pool>,
    pub revocations: Arc<RevocationList>,
    pub directory: Arc<Directory>,
    pub issued: Arc<IssuedTokenCache>,
}

impl std::fmt::Debug for ServerGauges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerGauges").finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
}

fn gauge(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: i64) -> Result<(), std::fmt::Error> {
    let g = ConstGauge::new(value);
    g.encode(encoder.encode_descriptor(name, help, None, g.metric_type())?)
}

fn saturating(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

impl Collector for ServerGauges {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let (running, waiting) = self.passwords.load();
        gauge(&mut encoder, "argon2_running", "Password hashes being computed now", saturating(running))?;
        gauge(
            &mut encoder,
            "argon2_queue_depth",
            "Password checks waiting for an Argon2 worker (beyond the queue: 503)",
            saturating(waiting),
        )?;
        gauge(
            &mut encoder,
            "denylist_entries",
            "Revoked, unexpired token ids held in memory by this node",
            saturating(self.revocations.len()),
        )?;
        let lag = self.revocations.seconds_since_poll().map_or(-1, saturating);
        gauge(
            &mut encoder,
            "revocation_feed_age_seconds",
            "Seconds since this node last read the revocation feed from the database (-1: never)",
            lag,
        )?;

        let sizes = [
            ("realms", self.directory.realm_cache().entries),
            ("clients", self.directory.client_cache().entries),
            ("issued_tokens", self.issued.len()),
        ];
        let g = ConstGauge::new(0i64);
        let mut family =
            encoder.encode_descriptor("cache_entries", "Entries held by each cache", None, g.metric_type())?;
        for (cache, n) in sizes {
            ConstGauge::new(saturating(n)).encode(family.encode_family(&CacheLabels { cache })?)?;
        }
        let stats = [("realms", self.directory.realm_cache()), ("clients", self.directory.client_cache())];
        let c = ConstCounter::new(0u64);
        let mut family = encoder.encode_descriptor(
            "cache_lookups",
            "Lookups in each cache (hit ratio: 1 - loads / lookups)",
            None,
            c.metric_type(),
        )?;
        for (cache, s) in &stats {
            ConstCounter::new(s.lookups).encode(family.encode_family(&CacheLabels { cache })?)?;
        }
        let mut family =
            encoder.encode_descriptor("cache_loads", "Cache misses that read the database", None, c.metric_type())?;
        for (cache, s) in &stats {
            ConstCounter::new(s.loads).encode(family.encode_family(&CacheLabels { cache })?)?;
        }
        Ok(())
    }
}
