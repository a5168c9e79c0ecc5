//! The JWKS cache: fetched once, refreshed in the background when its `Cache-Control: max-age` runs out,
//! refetched on an unknown `kid` at most once per `min_refetch` with concurrent misses coalesced into one
//! fetch, and served stale while the issuer is unreachable, up to `max_stale`.
//!
//! The coalescing and the rate limit are moka's: the latest fetch attempt is a cache entry that lives
//! `min_refetch` from its start, and `get_with` runs one fetch for all callers that miss it. The keys
//! themselves stay outside moka, which would drop them when a TTL ran out: they must outlive their
//! max-age while the issuer is down (up to `max_stale`), and the refresh when max-age runs out is ahead of
//! time, in the background, which moka does not do.
//!
//! A token whose `kid` is held never waits for a fetch: [`JwksCache::key`] reads the held keys under a lock
//! taken only briefly (written only once a fetch has its answer, never across it), and only a miss joins the
//! fetch under way. That fetch, like every request the guard makes, ends within the fetch timeout
//! (see `fetch.rs`), so neither a miss nor the background refresh can wait forever on a hanging issuer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};
use moka::Expiry;
use moka::future::Cache;

use crate::ValidationError;
use crate::fetch::{Fetcher, METADATA_LIMIT};

pub struct KeyEntry {
    pub key: DecodingKey,
    /// The JWK's `alg`, when it names one: a token must then use exactly it.
    pub alg: Option<Algorithm>,
}

struct Keys {
    by_kid: HashMap<String, Arc<KeyEntry>>,
    fetched_at: Option<Instant>,
    fresh_until: Instant,
    last_error: Option<String>,
}

/// One fetch of the JWKS: when it started, and whether it succeeded.
#[derive(Clone)]
struct Attempt {
    started: Instant,
    outcome: Result<(), String>,
}

/// The latest attempt is kept until `min_refetch` after it started: until then an unknown `kid` reuses it.
struct UntilRefetchAllowed(Duration);

impl UntilRefetchAllowed {
    fn left(&self, attempt: &Attempt, now: Instant) -> Option<Duration> {
        Some(self.0.saturating_sub(now.saturating_duration_since(attempt.started)))
    }
}

impl Expiry<(), Attempt> for UntilRefetchAllowed {
    fn expire_after_create(&self, _: &(), attempt: &Attempt, created_at: Instant) -> Option<Duration> {
        self.left(attempt, created_at)
    }

    fn expire_after_update(
        &self,
        _: &(),
        attempt: &Attempt,
        updated_at: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        self.left(attempt, updated_at)
    }
}

pub struct JwksCache {
    fetcher: Fetcher,
    url: String,
    keys: RwLock<Keys>,
    /// The latest fetch attempt (one entry, key `()`): `get_with` coalesces concurrent fetches into one.
    attempts: Cache<(), Attempt>,
    min_refetch: Duration,
    max_stale: Duration,
    default_ttl: Duration,
    fetches: AtomicU64,
}

fn max_age(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::CACHE_CONTROL)?.to_str().ok()?;
    value.split(',').find_map(|d| d.trim().strip_prefix("max-age=")?.parse::<u64>().ok()).map(Duration::from_secs)
}

impl JwksCache {
    pub fn new(fetcher: Fetcher, url: String, min_refetch: Duration, max_stale: Duration) -> Self {
        Self {
            fetcher,
            url,
            keys: RwLock::new(Keys {
                by_kid: HashMap::new(),
                fetched_at: None,
                fresh_until: Instant::now(),
                last_error: None,
            }),
            attempts: Cache::builder().expire_after(UntilRefetchAllowed(min_refetch)).build(),
            min_refetch,
            max_stale,
            default_ttl: Duration::from_secs(300),
            fetches: AtomicU64::new(0),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many times the JWKS was requested from the issuer.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }

    /// Fetches now (or joins a fetch under way); on failure the keys already held stay in use.
    pub async fn refresh(&self) -> Result<(), String> {
        self.attempts.invalidate(&()).await;
        self.attempts.get_with((), self.fetch()).await.outcome
    }

    async fn fetch(&self) -> Attempt {
        let started = Instant::now();
        let outcome = self.fetch_and_hold(started).await;
        Attempt { started, outcome }
    }

    async fn fetch_and_hold(&self, started: Instant) -> Result<(), String> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let result = async {
            let fetched =
                self.fetcher.send(self.fetcher.get(&self.url), METADATA_LIMIT).await.map_err(|e| e.to_string())?;
            let ttl = max_age(&fetched.headers).unwrap_or(self.default_ttl);
            let set: JwkSet = serde_json::from_slice(&fetched.body).map_err(|e| format!("not a JWK set: {e}"))?;
            let by_kid = set
                .keys
                .iter()
                .filter_map(|jwk| {
                    let kid = jwk.common.key_id.clone()?;
                    let key = DecodingKey::from_jwk(jwk).ok()?;
                    let alg = jwk.common.key_algorithm.and_then(|a| a.to_string().parse::<Algorithm>().ok());
                    Some((kid, Arc::new(KeyEntry { key, alg })))
                })
                .collect();
            Ok::<_, String>((by_kid, ttl))
        }
        .await;
        let mut keys = self.keys.write().map_err(|_| "poisoned".to_owned())?;
        match result {
            Ok((by_kid, ttl)) => {
                keys.by_kid = by_kid;
                keys.fetched_at = Some(started);
                keys.fresh_until = started + ttl;
                keys.last_error = None;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(url = %self.url, error = %e, "JWKS fetch failed; keeping the keys held");
                keys.last_error = Some(e.clone());
                Err(e)
            }
        }
    }

    fn lookup(&self, kid: &str) -> Result<Option<Arc<KeyEntry>>, ValidationError> {
        let keys = self.keys.read().map_err(|_| ValidationError::Unavailable("key cache poisoned".into()))?;
        let Some(fetched_at) = keys.fetched_at else {
            let why = keys.last_error.clone().unwrap_or_else(|| "never fetched".into());
            return Err(ValidationError::Unavailable(format!("no keys from {}: {why}", self.url)));
        };
        if fetched_at.elapsed() > self.max_stale {
            return Err(ValidationError::Unavailable(format!(
                "keys from {} are {} s old and the issuer is unreachable ({})",
                self.url,
                fetched_at.elapsed().as_secs(),
                keys.last_error.as_deref().unwrap_or("no answer")
            )));
        }
        Ok(keys.by_kid.get(kid).cloned())
    }

    /// The key for `kid`; an unknown one triggers one coalesced, rate-limited refetch.
    pub async fn key(&self, kid: &str) -> Result<Arc<KeyEntry>, ValidationError> {
        if let Some(k) = self.lookup(kid)? {
            return Ok(k);
        }
        let unknown = || ValidationError::InvalidToken("the token's key id is not one of the issuer's keys".into());
        // One fetch for all concurrent misses; none when one was attempted within `min_refetch` (its keys, if
        // it succeeded, are already held). A failed fetch leaves the held keys in use.
        let _ = self.attempts.get_with((), self.fetch()).await;
        self.lookup(kid)?.ok_or_else(unknown)
    }

    /// Refreshes whenever the copy's max-age runs out (or retries every `min_refetch` while failing),
    /// until the cache is dropped.
    pub fn spawn_refresher(cache: Weak<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let wait = {
                    let Some(c) = cache.upgrade() else { return };
                    let keys = match c.keys.read() {
                        Ok(k) => k.fresh_until.saturating_duration_since(Instant::now()),
                        Err(_) => return,
                    };
                    keys.max(c.min_refetch).max(Duration::from_millis(100))
                };
                tokio::time::sleep(wait).await;
                let Some(c) = cache.upgrade() else { return };
                let due = c.keys.read().map(|k| Instant::now() >= k.fresh_until).unwrap_or(false);
                if due {
                    let _ = c.refresh().await;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn issuer(first: ResponseTemplate, then: ResponseTemplate) -> MockServer {
        let idp = MockServer::start().await;
        Mock::given(path("/jwks")).respond_with(first).up_to_n_times(1).mount(&idp).await;
        Mock::given(path("/jwks")).respond_with(then).mount(&idp).await;
        idp
    }

    fn fetcher() -> Fetcher {
        Fetcher::new(reqwest::Client::builder(), Duration::from_secs(5)).unwrap()
    }

    fn unknown(r: Result<Arc<KeyEntry>, ValidationError>) -> bool {
        matches!(r, Err(ValidationError::InvalidToken(why)) if why.contains("key id"))
    }

    #[tokio::test]
    async fn an_unknown_kid_refetches_at_most_once_per_min_refetch() {
        let empty = ResponseTemplate::new(200).set_body_json(serde_json::json!({"keys": []}));
        let idp = issuer(empty.clone(), empty).await;
        let min_refetch = Duration::from_millis(300);
        let cache = JwksCache::new(fetcher(), format!("{}/jwks", idp.uri()), min_refetch, Duration::MAX);
        cache.refresh().await.unwrap();
        assert!(unknown(cache.key("x").await));
        assert_eq!(cache.fetch_count(), 1, "the first fetch counts for the limit");
        tokio::time::sleep(min_refetch + Duration::from_millis(50)).await;
        assert!(unknown(cache.key("x").await));
        assert!(unknown(cache.key("y").await));
        assert_eq!(cache.fetch_count(), 2);
    }

    #[tokio::test]
    async fn a_failed_refetch_keeps_the_keys_and_is_not_retried_before_min_refetch() {
        let empty = ResponseTemplate::new(200).set_body_json(serde_json::json!({"keys": []}));
        let idp = issuer(empty, ResponseTemplate::new(500)).await;
        let min_refetch = Duration::from_millis(100);
        let cache = JwksCache::new(fetcher(), format!("{}/jwks", idp.uri()), min_refetch, Duration::MAX);
        cache.refresh().await.unwrap();
        tokio::time::sleep(min_refetch + Duration::from_millis(50)).await;
        assert!(unknown(cache.key("x").await), "the held keys stay in use");
        assert!(unknown(cache.key("x").await));
        assert_eq!(cache.fetch_count(), 2);
        assert_eq!(cache.refresh().await, Err("HTTP 500 Internal Server Error".to_owned()), "refresh fetches now");
        assert_eq!(cache.fetch_count(), 3);
    }
}
