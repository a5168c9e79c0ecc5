//! The JWKS cache: fetched once, refreshed in the background when its `Cache-Control: max-age` runs out,
//! refetched on an unknown `kid` at most once per `min_refetch` with concurrent misses coalesced into one
//! fetch, and served stale while the issuer is unreachable, up to `max_stale`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::ValidationError;

pub struct KeyEntry {
    pub key: DecodingKey,
    /// The JWK's `alg`, when it names one: a token must then use exactly it.
    pub alg: Option<Algorithm>,
}

struct Keys {
    by_kid: HashMap<String, Arc<KeyEntry>>,
    fetched_at: Option<Instant>,
    fresh_until: Instant,
    last_attempt: Option<Instant>,
    last_error: Option<String>,
}

pub struct JwksCache {
    http: reqwest::Client,
    url: String,
    keys: RwLock<Keys>,
    single_flight: tokio::sync::Mutex<()>,
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
    pub fn new(http: reqwest::Client, url: String, min_refetch: Duration, max_stale: Duration) -> Self {
        Self {
            http,
            url,
            keys: RwLock::new(Keys {
                by_kid: HashMap::new(),
                fetched_at: None,
                fresh_until: Instant::now(),
                last_attempt: None,
                last_error: None,
            }),
            single_flight: tokio::sync::Mutex::new(()),
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

    /// Fetches now; on failure the keys already held stay in use.
    pub async fn refresh(&self) -> Result<(), String> {
        let _one = self.single_flight.lock().await;
        self.fetch_locked().await
    }

    async fn fetch_locked(&self) -> Result<(), String> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let started = Instant::now();
        let result = async {
            let response = self.http.get(&self.url).send().await.map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("HTTP {}", response.status()));
            }
            let ttl = max_age(response.headers()).unwrap_or(self.default_ttl);
            let set: JwkSet = response.json().await.map_err(|e| format!("not a JWK set: {e}"))?;
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
            Ok((by_kid, ttl))
        }
        .await;
        let mut keys = self.keys.write().map_err(|_| "poisoned".to_owned())?;
        keys.last_attempt = Some(started);
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
        let _one = self.single_flight.lock().await;
        // Whoever held the lock may just have fetched the key.
        if let Some(k) = self.lookup(kid)? {
            return Ok(k);
        }
        let recently =
            self.keys.read().ok().and_then(|k| k.last_attempt).is_some_and(|t| t.elapsed() < self.min_refetch);
        if recently {
            return Err(unknown());
        }
        let _ = self.fetch_locked().await;
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
