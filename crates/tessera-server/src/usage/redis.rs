//! Usage counts shared by every node through Redis: one hash per realm and minute
//! (`tessera:usage:{realm}:{minute}`, fields from [`UsageMetric::field`]), added to with `HINCRBY` in one
//! pipeline per flush and kept two days. The bare client-id fields the audit trail adds to the same hashes
//! (tokens per closed minute) are left alone: [`UsageMetric::parse_field`] skips them.

use tessera_core::ports::StoreError;
use tessera_core::usage::{MAX_WINDOW_MINUTES, UsageMetric, UsageRow};

use crate::metrics::dependencies::redis as timed;
use crate::redis_fanout::{RedisFanout, usage_key};

/// Minutes read per pipeline.
const READ_CHUNK: i64 = 240;

pub struct RedisUsage {
    conn: redis::aio::ConnectionManager,
}

impl RedisUsage {
    pub fn new(redis: &RedisFanout) -> Self {
        Self { conn: redis.connection() }
    }

    /// A connection of its own (for the CLI, which has no fan-out).
    pub async fn connect(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("redis url: {e}"))?;
        let conn = redis::aio::ConnectionManager::new(client).await.map_err(|e| format!("redis: {e}"))?;
        Ok(Self { conn })
    }

    pub async fn add(&self, realm: &str, rows: &[UsageRow]) -> redis::RedisResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        let mut minutes = Vec::new();
        for row in rows {
            pipe.hincr(usage_key(realm, row.minute), row.metric.field(&row.client), row.count).ignore();
            if !minutes.contains(&row.minute) {
                minutes.push(row.minute);
            }
        }
        for minute in minutes {
            pipe.expire(usage_key(realm, minute), MAX_WINDOW_MINUTES * 60).ignore();
        }
        let mut conn = self.conn.clone();
        timed("usage_flush", pipe.query_async::<()>(&mut conn)).await
    }

    pub async fn usage(
        &self,
        realm: &str,
        client: Option<&str>,
        from: i64,
        until: i64,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let mut rows = Vec::new();
        let mut conn = self.conn.clone();
        let mut start = from;
        while start < until {
            let end = (start + READ_CHUNK).min(until);
            let mut pipe = redis::pipe();
            for minute in start..end {
                pipe.hgetall(usage_key(realm, minute));
            }
            let hashes: Vec<Vec<(String, u64)>> = timed("usage_read", pipe.query_async(&mut conn))
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            for (minute, fields) in (start..end).zip(hashes) {
                for (field, count) in fields {
                    let Some((name, metric)) = UsageMetric::parse_field(&field) else { continue };
                    if client.is_none_or(|c| c == name) {
                        rows.push(UsageRow { minute, client: name.to_owned(), metric, count });
                    }
                }
            }
            start = end;
        }
        Ok(rows)
    }
}
