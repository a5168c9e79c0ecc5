//! The request path's metric families, counted in per-thread [`Shards`] and merged at each scrape into the
//! families `prometheus-client` encodes. Labels are a realm (borrowed at count time: nothing allocated once
//! the realm has a series) and a closed vocabulary of `&'static str`s.

use std::collections::BTreeMap;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Unit;

use super::HttpLabels;
use super::shards::{FastMap as HashMap, Shards};

/// A counter per realm and `N` more labels, e.g. `tokens_issued{realm, grant_type, alg}`.
#[derive(Debug)]
pub struct RealmCounters<const N: usize> {
    name: &'static str,
    help: &'static str,
    labels: [&'static str; N],
    shards: Shards<ByRealm<N>>,
}

/// realm → label values → count; nested so that a count borrows the request's realm.
type ByRealm<const N: usize> = HashMap<Box<str>, HashMap<[&'static str; N], u64>>;

impl<const N: usize> RealmCounters<N> {
    /// `labels`: the names of the labels after `realm`, in their order.
    pub fn new(name: &'static str, help: &'static str, labels: [&'static str; N]) -> Self {
        Self { name, help, labels, shards: Shards::default() }
    }

    pub fn inc_by(&self, realm: &str, values: [&'static str; N], n: u64) {
        self.shards.with(|shard| {
            let series = match shard.get_mut(realm) {
                Some(series) => series,
                None => shard.entry(realm.into()).or_default(),
            };
            *series.entry(values).or_default() += n;
        });
    }

    fn merged(&self) -> BTreeMap<(Box<str>, [&'static str; N]), u64> {
        let mut all = BTreeMap::new();
        self.shards.for_each(|shard| {
            for (realm, series) in shard.iter() {
                for (values, n) in series {
                    *all.entry((realm.clone(), *values)).or_default() += n;
                }
            }
        });
        all
    }
}

impl<const N: usize> Collector for RealmCounters<N> {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut family = encoder.encode_descriptor(self.name, self.help, None, MetricType::Counter)?;
        for ((realm, values), n) in self.merged() {
            let mut labels = Vec::with_capacity(N + 1);
            labels.push(("realm", &*realm));
            labels.extend(self.labels.iter().copied().zip(values));
            family.encode_family(&labels)?.encode_counter::<NoLabelSet, _, u64>(&n, None)?;
        }
        Ok(())
    }
}

/// One route's requests: a count and a latency histogram.
#[derive(Debug, Clone)]
struct Timings {
    count: u64,
    sum: f64,
    /// Per bucket of [`HttpSeries::bounds`], not cumulative (the encoder accumulates); the last is `+Inf`.
    buckets: Vec<u64>,
}

/// `http_requests{route, method, status}` and `http_request_duration_seconds{…}`, from one count.
#[derive(Debug)]
pub struct HttpSeries {
    bounds: Vec<f64>,
    shards: Shards<HashMap<HttpLabels, Timings>>,
}

impl HttpSeries {
    pub fn new(bounds: &[f64]) -> Self {
        let mut bounds = bounds.to_vec();
        bounds.push(f64::INFINITY);
        Self { bounds, shards: Shards::default() }
    }

    pub fn observe(&self, labels: &HttpLabels, seconds: f64) {
        let bucket = self.bounds.iter().position(|b| seconds <= *b).unwrap_or(self.bounds.len() - 1);
        self.shards.with(|shard| {
            let timings = match shard.get_mut(labels) {
                Some(timings) => timings,
                None => shard.entry(labels.clone()).or_insert_with(|| Timings {
                    count: 0,
                    sum: 0.0,
                    buckets: vec![0; self.bounds.len()],
                }),
            };
            timings.count += 1;
            timings.sum += seconds;
            timings.buckets[bucket] += 1;
        });
    }

    fn merged(&self) -> BTreeMap<(String, &'static str, u16), Timings> {
        let mut all: BTreeMap<(String, &'static str, u16), Timings> = BTreeMap::new();
        self.shards.for_each(|shard| {
            for (labels, t) in shard.iter() {
                let key = (labels.route.as_str().to_owned(), labels.method, labels.status);
                match all.get_mut(&key) {
                    Some(sum) => {
                        sum.count += t.count;
                        sum.sum += t.sum;
                        sum.buckets.iter_mut().zip(&t.buckets).for_each(|(a, b)| *a += b);
                    }
                    None => {
                        all.insert(key, t.clone());
                    }
                }
            }
        });
        all
    }
}

impl Collector for HttpSeries {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let merged = self.merged();
        let labels = |(route, method, status): &(String, &'static str, u16)| {
            [("route", route.clone()), ("method", (*method).to_owned()), ("status", status.to_string())]
        };
        let mut requests = encoder.encode_descriptor(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            None,
            MetricType::Counter,
        )?;
        for (key, t) in &merged {
            requests.encode_family(&labels(key))?.encode_counter::<NoLabelSet, _, u64>(&t.count, None)?;
        }
        let mut duration = encoder.encode_descriptor(
            "http_request_duration",
            "Time from the request's head to the response's head",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for (key, t) in &merged {
            let buckets: Vec<(f64, u64)> = self.bounds.iter().copied().zip(t.buckets.iter().copied()).collect();
            duration.encode_family(&labels(key))?.encode_histogram::<NoLabelSet>(t.sum, t.count, &buckets, None)?;
        }
        Ok(())
    }
}
