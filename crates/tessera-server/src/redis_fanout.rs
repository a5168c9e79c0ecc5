//! Redis for what several nodes must share fast: every revocation is published on a channel that every
//! node subscribes to (so it is inactive everywhere within milliseconds) and kept in a sorted set scored by
//! expiry, which a node reads whole when it (re)connects. The database stays the durable record: Redis here
//! may run without persistence, and a node that misses a message still sees the row within a poll. Per-user
//! not-before instants travel the same way on a channel and a set of their own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::metrics::dependencies::redis as timed;
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tessera_core::model::{RevokedToken, UserNotBefore};
use tessera_core::ports::Clock;

const CHANNEL: &str = "tessera:revocations";
const SET: &str = "tessera:revoked";
const USER_CHANNEL: &str = "tessera:user-not-before";
const USER_SET: &str = "tessera:users-not-before";

/// Where revocations heard from other nodes go (the node's revocation list). Defined here so that the
/// list depends on the fan-out and not the other way round.
pub trait HeardRevocations: Send + Sync {
    fn remember(&self, jti: &str, exp: i64);
    fn remember_user(&self, entry: &UserNotBefore);
}

/// One line per field: ids never hold a line break.
fn user_payload(e: &UserNotBefore) -> String {
    format!("{}\n{}\n{}\n{}", e.realm_id, e.user_id, e.not_before, e.expires_at)
}

fn parse_user_payload(payload: &str) -> Option<UserNotBefore> {
    let mut parts = payload.split('\n');
    let (realm_id, user_id) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let not_before = parts.next()?.parse().ok()?;
    let expires_at = parts.next()?.parse().ok()?;
    Some(UserNotBefore { realm_id, user_id, not_before, expires_at })
}

pub struct RedisFanout {
    client: redis::Client,
    conn: ConnectionManager,
    subscribed: AtomicBool,
    clock: Arc<dyn Clock>,
}

impl RedisFanout {
    pub async fn connect(url: &str, timeout: Duration, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("redis URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(|e| format!("cannot reach redis: {e}"))?;
        Ok(Self { client, conn, subscribed: AtomicBool::new(false), clock })
    }

    /// A handle on the shared connection (one multiplexed connection; cloning it is cheap).
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Shares a revocation with every node; returns once Redis has it.
    pub async fn publish(&self, t: &RevokedToken) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .zadd(SET, &t.jti, t.exp)
            .zrembyscore(SET, "-inf", self.clock.now())
            .publish(CHANNEL, format!("{} {}", t.jti, t.exp));
        timed("publish_revocation", pipe.query_async::<()>(&mut conn)).await
    }

    /// Shares a per-user not-before with every node, kept in the shared set until its tokens have expired.
    pub async fn publish_user(&self, e: &UserNotBefore) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        let payload = user_payload(e);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .zadd(USER_SET, &payload, e.expires_at)
            .zrembyscore(USER_SET, "-inf", self.clock.now())
            .publish(USER_CHANNEL, payload);
        timed("publish_user_not_before", pipe.query_async::<()>(&mut conn)).await
    }

    /// Claims a single-use identifier for `ttl_secs` (`SET NX EX`): true when no node had claimed it.
    pub async fn claim_once(&self, key: &str, ttl_secs: u64) -> redis::RedisResult<bool> {
        let mut conn = self.conn.clone();
        let mut set_nx = redis::cmd("SET");
        set_nx.arg(format!("tessera:once:{key}")).arg(1).arg("NX").arg("EX").arg(ttl_secs);
        let set: Option<String> = timed("claim_once", set_nx.query_async(&mut conn)).await?;
        Ok(set.is_some())
    }

    /// Whether this node currently hears revocations from the others.
    pub fn is_subscribed(&self) -> bool {
        self.subscribed.load(Ordering::SeqCst)
    }

    pub async fn ping(&self) -> bool {
        let mut conn = self.conn.clone();
        timed("ping", redis::cmd("PING").query_async::<String>(&mut conn)).await.is_ok()
    }

    /// Every revocation (or, from [`USER_SET`], per-user not-before) still alive, from a shared set.
    async fn resync(&self, set: &str) -> redis::RedisResult<Vec<(String, i64)>> {
        let mut conn = self.conn.clone();
        let mut range = redis::cmd("ZRANGEBYSCORE");
        range.arg(set).arg(format!("({}", self.clock.now())).arg("+inf").arg("WITHSCORES");
        timed("resync", range.query_async::<Vec<(String, i64)>>(&mut conn)).await
    }

    /// Subscribes, reads the whole set after every (re)connect, and feeds `list` until it is dropped.
    pub fn spawn_subscriber<L: HeardRevocations + 'static>(
        self: &Arc<Self>,
        list: Weak<L>,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(100);
            loop {
                if list.strong_count() == 0 {
                    return;
                }
                match this.listen(&list).await {
                    Ok(()) => return,
                    Err(e) => {
                        this.subscribed.store(false, Ordering::SeqCst);
                        tracing::warn!(error = %e, "redis revocation feed lost; retrying");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                }
            }
        })
    }

    /// Ok when the list is gone; Err when the connection dropped.
    async fn listen<L: HeardRevocations>(&self, list: &Weak<L>) -> redis::RedisResult<()> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(&[CHANNEL, USER_CHANNEL]).await?;
        // Subscribed first, then read the sets: nothing published in between is missed.
        let alive = self.resync(SET).await?;
        let users = self.resync(USER_SET).await?;
        match list.upgrade() {
            Some(l) => {
                alive.iter().for_each(|(jti, exp)| l.remember(jti, *exp));
                users.iter().filter_map(|(p, _)| parse_user_payload(p)).for_each(|e| l.remember_user(&e));
            }
            None => return Ok(()),
        }
        self.subscribed.store(true, Ordering::SeqCst);
        let mut messages = pubsub.into_on_message();
        while let Some(msg) = messages.next().await {
            let Some(l) = list.upgrade() else { return Ok(()) };
            let payload: String = msg.get_payload().unwrap_or_default();
            if msg.get_channel_name() == USER_CHANNEL {
                if let Some(e) = parse_user_payload(&payload) {
                    l.remember_user(&e);
                }
            } else if let Some((jti, exp)) = payload.split_once(' ')
                && let Ok(exp) = exp.parse::<i64>()
            {
                l.remember(jti, exp);
            }
        }
        Err(redis::RedisError::from((redis::ErrorKind::Io, "subscription closed")))
    }
}

impl RedisFanout {
    /// Adds per-client token counts to the shared usage hashes `tessera:usage:{realm}:{minute}` (field: client
    /// id), kept for two days, so usage is one read for every node's traffic together.
    pub async fn add_usage(&self, counts: &[(String, String, i64, u64)]) -> redis::RedisResult<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (realm, client, minute, n) in counts {
            let key = usage_key(realm, *minute);
            pipe.hincr(&key, client, *n).ignore().expire(&key, 2 * 86_400).ignore();
        }
        let mut conn = self.conn.clone();
        timed("usage_tokens", pipe.query_async::<()>(&mut conn)).await
    }
}

pub fn usage_key(realm: &str, minute: i64) -> String {
    format!("tessera:usage:{realm}:{minute}")
}
