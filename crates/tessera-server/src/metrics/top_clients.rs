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

#[derive(Debug)]
pub struct TopClients {
    n: usize,
    capacity: usize,
    /// realm → client → count; nested so that a lookup borrows the request's strings and allocates nothing.
    counts: Mutex<Tracked>,
}

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
        Self { n, capacity: n.saturating_mul(10).max(1), counts: Mutex::default() }
    }

    pub fn add(&self, realm: &str, client_id: &str) {
        if self.n == 0 {
            return;
        }
        let Ok(mut t) = self.counts.lock() else { return };
        if let Some(count) = t.by_realm.get_mut(realm).and_then(|clients| clients.get_mut(client_id)) {
            *count += 1;
            return;
        }
        let inherited = if t.len < self.capacity {
            t.len += 1;
            0
        } else {
            t.evict_smallest()
        };
        t.by_realm.entry(realm.to_owned()).or_default().insert(client_id.to_owned(), inherited + 1);
    }

    /// The `n` largest counts, largest first.
    fn top(&self) -> Vec<(String, String, u64)> {
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
