//! Optional RFC 7662 check for APIs that need revocation to bite at once: the issuer is asked whether the
//! token is active, and the answer is cached briefly (positive answers never past the token's `exp`).

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tessera_proto::IntrospectionResponse;

use crate::ValidationError;

/// How to reach the introspection endpoint, and for how long to trust its answers.
#[derive(Debug, Clone)]
pub struct IntrospectionConfig {
    /// `None`: the `introspection_endpoint` from discovery.
    pub endpoint: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    pub positive_ttl: Duration,
    pub negative_ttl: Duration,
}

impl IntrospectionConfig {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            endpoint: None,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            positive_ttl: Duration::from_secs(5),
            negative_ttl: Duration::from_secs(30),
        }
    }
}

const CACHE_LIMIT: usize = 100_000;

pub struct Introspector {
    http: reqwest::Client,
    endpoint: String,
    config: IntrospectionConfig,
    /// Keyed by a per-process keyed hash of the token: the cache holds no tokens.
    cache: Mutex<HashMap<u64, (bool, Instant)>>,
    hasher: std::collections::hash_map::RandomState,
}

impl Introspector {
    pub fn new(http: reqwest::Client, endpoint: String, config: IntrospectionConfig) -> Self {
        Self { http, endpoint, config, cache: Mutex::new(HashMap::new()), hasher: Default::default() }
    }

    /// Ok when the issuer says the token is active.
    pub async fn check(&self, token: &str, exp: Option<i64>) -> Result<(), ValidationError> {
        let key = self.hasher.hash_one(token);
        let now = Instant::now();
        if let Some((active, until)) = self.cache.lock().ok().and_then(|c| c.get(&key).copied())
            && until > now
        {
            return if active { Ok(()) } else { Err(inactive()) };
        }
        let response = self
            .http
            .post(&self.endpoint)
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await
            .map_err(|e| ValidationError::Unavailable(format!("introspection: {e}")))?;
        if !response.status().is_success() {
            return Err(ValidationError::Unavailable(format!("introspection answered HTTP {}", response.status())));
        }
        let body: IntrospectionResponse =
            response.json().await.map_err(|e| ValidationError::Unavailable(format!("introspection: {e}")))?;
        let ttl = if body.active { self.config.positive_ttl } else { self.config.negative_ttl };
        let ttl = match (body.active, exp) {
            (true, Some(exp)) => {
                let left = exp.saturating_sub(unix_now()).max(0) as u64;
                ttl.min(Duration::from_secs(left))
            }
            _ => ttl,
        };
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, (body.active, now + ttl));
        }
        if body.active { Ok(()) } else { Err(inactive()) }
    }
}

fn inactive() -> ValidationError {
    ValidationError::InvalidToken("the token is not active".into())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
