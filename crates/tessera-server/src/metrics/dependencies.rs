//! Latency and errors of what a node depends on: its database and Redis (issue #15).
//!
//! The database is timed where every statement already is: sqlx reports each one it runs as a `sqlx::query`
//! event with its `elapsed_secs`, and the store's synchronous SQLite reads and its error mapping report on
//! [`STORE_TARGET`]. [`DependencyLayer`] turns those events into series; `tessera serve --metrics-listen`
//! installs it, so without metrics sqlx formats nothing. Redis commands are timed by [`redis`] around each
//! call. The series are the process's (a tracing subscriber is), shared by every server it runs.

use std::future::Future;
use std::sync::LazyLock;
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;

/// sqlx's target for the statements it ran (`sqlx_core::logger`).
const SQLX_TARGET: &str = "sqlx::query";
/// `tessera_store`'s own events: `statement` + `elapsed_secs` for a read outside sqlx, `error` for a failure.
const STORE_TARGET: &str = tessera_store::EVENT_TARGET;

/// A database round trip is tens of microseconds on SQLite, a millisecond on PostgreSQL, seconds when sick.
const BUCKETS: [f64; 14] =
    [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatementLabels {
    /// The statement's verb: select, insert, update, delete or other (a closed vocabulary).
    statement: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    /// The store's error kind (unavailable, conflict, corrupt, other).
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandLabels {
    /// What the node asked Redis for, named by the caller: publish, rate_limit, usage_flush, …
    command: &'static str,
}

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

struct Dependencies {
    store_duration: Family<StatementLabels, Histogram, fn() -> Histogram>,
    store_errors: Family<ErrorLabels, Counter>,
    redis_duration: Family<CommandLabels, Histogram, fn() -> Histogram>,
    redis_errors: Family<CommandLabels, Counter>,
}

static DEPENDENCIES: LazyLock<Dependencies> = LazyLock::new(|| Dependencies {
    store_duration: Family::new_with_constructor(histogram),
    store_errors: Family::default(),
    redis_duration: Family::new_with_constructor(histogram),
    redis_errors: Family::default(),
});

/// Adds the dependency series to a server's registry (the families are shared, the registration is not).
pub(super) fn register(registry: &mut Registry) {
    let d = &*DEPENDENCIES;
    registry.register_with_unit(
        "store_query_duration",
        "Database statements by verb, as run (recorded when the node serves metrics)",
        Unit::Seconds,
        d.store_duration.clone(),
    );
    registry.register("store_errors", "Failed database operations by kind", d.store_errors.clone());
    registry.register_with_unit(
        "redis_command_duration",
        "Redis round trips by command, successful or not",
        Unit::Seconds,
        d.redis_duration.clone(),
    );
    registry.register("redis_errors", "Redis round trips that failed, by command", d.redis_errors.clone());
}

/// Times one Redis round trip: its duration, and an error when it fails.
pub async fn redis<T>(
    command: &'static str,
    round_trip: impl Future<Output = redis::RedisResult<T>>,
) -> redis::RedisResult<T> {
    let started = Instant::now();
    let result = round_trip.await;
    let labels = CommandLabels { command };
    DEPENDENCIES.redis_duration.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    if result.is_err() {
        DEPENDENCIES.redis_errors.get_or_create(&labels).inc();
    }
    result
}

/// The verb of a statement or of sqlx's summary of it (its first words), in the closed vocabulary.
fn verb(sql: &str) -> &'static str {
    let first = sql.split_whitespace().next().unwrap_or_default();
    ["select", "insert", "update", "delete"].into_iter().find(|v| first.eq_ignore_ascii_case(v)).unwrap_or("other")
}

fn error_kind(kind: &str) -> &'static str {
    ["unavailable", "conflict", "corrupt"].into_iter().find(|k| *k == kind).unwrap_or("other")
}

/// The fields of one event that matter here.
#[derive(Default)]
struct Fields {
    statement: Option<&'static str>,
    elapsed: Option<f64>,
    error: Option<&'static str>,
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed = Some(value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" | "statement" => self.statement = Some(verb(value)),
            "error" => self.error = Some(error_kind(value)),
            _ => {}
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// The layer that records the database's events (install it with an interest in [`Self::targets`] only).
pub struct DependencyLayer;

impl DependencyLayer {
    /// The events this layer reads, at the level they are emitted (sqlx: DEBUG, or WARN when slow).
    pub fn targets() -> tracing_subscriber::filter::Targets {
        tracing_subscriber::filter::Targets::new()
            .with_target(SQLX_TARGET, tracing::Level::DEBUG)
            .with_target(STORE_TARGET, tracing::Level::DEBUG)
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for DependencyLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let target = event.metadata().target();
        if target != SQLX_TARGET && target != STORE_TARGET {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if let Some(kind) = fields.error {
            DEPENDENCIES.store_errors.get_or_create(&ErrorLabels { kind }).inc();
        }
        if let (Some(statement), Some(seconds)) = (fields.statement, fields.elapsed) {
            DEPENDENCIES.store_duration.get_or_create(&StatementLabels { statement }).observe(seconds);
        }
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    fn count(exposition: &str, series: &str) -> f64 {
        exposition.lines().find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok())).unwrap_or_default()
    }

    #[test]
    fn statements_and_errors_become_series_with_closed_labels() {
        let mut registry = Registry::with_prefix("tessera");
        register(&mut registry);
        let encode = |registry: &Registry| {
            let mut out = String::new();
            prometheus_client::encoding::text::encode(&mut out, registry).unwrap_or_else(|e| unreachable!("{e}"));
            out
        };
        let before = encode(&registry);
        let subscriber = tracing_subscriber::registry().with(DependencyLayer.with_filter(DependencyLayer::targets()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "sqlx::query", summary = "SELECT c.id, c.realm_id …", elapsed_secs = 0.002_f64);
            tracing::warn!(target: "sqlx::query", summary = "update clients SET", elapsed_secs = 1.5_f64);
            tracing::debug!(target: "tessera_store", statement = "select", elapsed_secs = 0.0001_f64);
            tracing::debug!(target: "tessera_store", error = "unavailable");
            tracing::debug!(target: "tessera_store", error = "a value from outside");
            // Not the database's: ignored.
            tracing::debug!(target: "tessera_server", summary = "SELECT", elapsed_secs = 9.0_f64);
        });
        let after = encode(&registry);
        let delta = |series: &str| count(&after, series) - count(&before, series);
        assert_eq!(delta("tessera_store_query_duration_seconds_count{statement=\"select\"}"), 2.0, "{after}");
        assert_eq!(delta("tessera_store_query_duration_seconds_count{statement=\"update\"}"), 1.0, "{after}");
        assert_eq!(delta("tessera_store_errors_total{kind=\"unavailable\"}"), 1.0, "{after}");
        assert_eq!(delta("tessera_store_errors_total{kind=\"other\"}"), 1.0, "{after}");
    }

    #[tokio::test]
    async fn a_redis_round_trip_is_timed_and_its_failure_counted() {
        let mut registry = Registry::with_prefix("tessera");
        register(&mut registry);
        let ok: redis::RedisResult<()> = redis("test_ok", async { Ok(()) }).await;
        let failed: redis::RedisResult<()> =
            redis("test_failed", async { Err(redis::RedisError::from((redis::ErrorKind::Io, "down"))) }).await;
        assert!(ok.is_ok() && failed.is_err());
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(count(&out, "tessera_redis_command_duration_seconds_count{command=\"test_ok\"}"), 1.0, "{out}");
        assert_eq!(count(&out, "tessera_redis_errors_total{command=\"test_failed\"}"), 1.0, "{out}");
        assert_eq!(count(&out, "tessera_redis_errors_total{command=\"test_ok\"}"), 0.0, "{out}");
    }
}
