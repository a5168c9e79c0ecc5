//! Per-client token counts for the busiest clients only: 10^6 clients must not become 10^6 series. The
//! "space-saving" heavy-hitters summary (Metwally, Agrawal, El Abbadi 2005) keeps a fixed number of
//! counters; a client not tracked takes the place of the smallest one and inherits its count plus one. Any
//! client with more than total/capacity tokens is guaranteed to be tracked, and a tracked count overstates
//! the truth by at most the count it inherited. Scrapes show the top `n` of `capacity = 10 n` counters.

use std::collections::HashMap;
use std::sync::Mutex;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;

use super::shards::{FastMap, Shards};

#[derive(Debug)]
pub struct TopClients {
    n: usize,
    capacity: usize,
    /// realm → client → count; nested so that a lookup borrows the request's strings and allocates nothing.
    counts: Mutex<Tracked>,
    /// Each thread's counts not yet in `counts` (the request path touches only its own, see [`Shards`]):
    /// added when a thread holds [`DELTA_CLIENTS`] clients, and at each scrape.
    deltas: Shards<Deltas>,
}

type Deltas = FastMap<Box<str>, FastMap<Box<str>, u64>>;

/// Distinct clients a thread counts before it adds them to the summary: bounds its memory.
const DELTA_CLIENTS: usize = 1024;

#[derive(Debug, Default)]
struct Tracked {
    by_realm: HashMap<String, HashMap<String, u64>>,
    len: usize,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClientLabels {
    realm: String,
    client_id: String,
}

impl TopClients {
    pub fn new(n: usize) -> Self {
        Self { n, capacity: n.saturating_mul(10).max(1), counts: Mutex::default(), deltas: Shards::default() }
    }

    pub fn add(&self, realm: &str, client_id: &str) {
        if self.n == 0 {
            return;
        }
        let full = self.deltas.with(|deltas| {
            let clients = match deltas.get_mut(realm) {
                Some(clients) => clients,
                None => deltas.entry(realm.into()).or_default(),
            };
            match clients.get_mut(client_id) {
                Some(n) => *n += 1,
                None => {
                    clients.insert(client_id.into(), 1);
                }
            }
            (deltas.values().map(FastMap::len).sum::<usize>() >= DELTA_CLIENTS).then(|| std::mem::take(deltas))
        });
        if let Some(full) = full {
            self.merge(full);
        }
    }

    /// Adds a thread's counts: `n` at once is what `n` single additions would do (a weighted space-saving).
    fn merge(&self, deltas: Deltas) {
        let Ok(mut t) = self.counts.lock() else { return };
        for (realm, clients) in deltas {
            for (client_id, n) in clients {
                t.add(&realm, &client_id, n, self.capacity);
            }
        }
    }

    /// The `n` largest counts, largest first.
    fn top(&self) -> Vec<(String, String, u64)> {
        let mut all = Deltas::default();
        self.deltas.for_each(|deltas| {
            for (realm, clients) in deltas.drain() {
                let into = all.entry(realm).or_default();
                clients.into_iter().for_each(|(c, n)| *into.entry(c).or_default() += n);
            }
        });
        self.merge(all);
        let Ok(t) = self.counts.lock() else { return Vec::new() };
        let mut all: Vec<(String, String, u64)> = t
            .by_realm
            .iter()
            .flat_map(|(realm, clients)| clients.iter().map(move |(c, n)| (realm.clone(), c.clone(), *n)))
            .collect();
        all.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
        all.truncate(self.n);
        all
    }
}

impl Tracked {
    fn add(&mut self, realm: &str, client_id: &str, n: u64, capacity: usize) {
        if let Some(count) = self.by_realm.get_mut(realm).and_then(|clients| clients.get_mut(client_id)) {
            *count += n;
            return;
        }
        let inherited = if self.len < capacity {
            self.len += 1;
            0
        } else {
            self.evict_smallest()
        };
        self.by_realm.entry(realm.to_owned()).or_default().insert(client_id.to_owned(), inherited + n);
    }

    /// Removes the smallest counter and returns its count.
    fn evict_smallest(&mut self) -> u64 {
        let smallest = self
            .by_realm
            .iter()
            .flat_map(|(realm, clients)| clients.iter().map(move |(c, n)| (*n, realm, c)))
            .min_by_key(|(n, _, _)| *n)
            .map(|(n, realm, c)| (n, realm.clone(), c.clone()));
        let Some((count, realm, client)) = smallest else { return 0 };
        if let Some(clients) = self.by_realm.get_mut(&realm) {
            clients.remove(&client);
            if clients.is_empty() {
                self.by_realm.remove(&realm);
            }
        }
        count
    }
}

impl Collector for TopClients {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let top = self.top();
        let counter = ConstCounter::new(0u64);
        let mut family = encoder.encode_descriptor(
            "client_tokens_issued",
            "Tokens issued to each of the busiest clients (top N by traffic; space-saving estimate)",
            None,
            counter.metric_type(),
        )?;
        for (realm, client_id, count) in top {
            let labels = ClientLabels { realm, client_id };
            ConstCounter::new(count).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heavy_client_stays_tracked_among_a_million_light_ones() {
        let top = TopClients::new(2);
        for i in 0..100_000u32 {
            top.add("r", "heavy");
            top.add("r", &format!("light-{i}"));
        }
        let shown = top.top();
        assert_eq!(shown.len(), 2);
        assert_eq!((shown[0].1.as_str(), shown[0].2 >= 100_000), ("heavy", true));
        assert!(top.counts.lock().map(|t| t.len).unwrap_or(0) <= 20);
    }
}
