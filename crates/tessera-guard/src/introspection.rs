//! Optional RFC 7662 check for APIs that need revocation to bite at once: the issuer is asked whether the
//! token is active, and the answer is cached briefly (positive answers never past the token's `exp`).

use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::future::Cache;
use tessera_proto::IntrospectionResponse;

use crate::ValidationError;
use crate::fetch::{Fetcher, INTROSPECTION_LIMIT};

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

/// At most this many bytes of cached answers. An entry is a 64-bit token hash and an [`Answer`] (32 bytes
/// together), so this holds some 130,000 answers: about a minute of distinct tokens at 2,000 requests a
/// second, in a few megabytes.
const BUDGET_BYTES: u64 = 4 * 1024 * 1024;

/// What the issuer said, and until when it may be believed.
#[derive(Debug, Clone, Copy)]
struct Answer {
    active: bool,
    until: Instant,
}

pub struct Introspector {
    fetcher: Fetcher,
    endpoint: String,
    config: IntrospectionConfig,
    /// Keyed by a per-process keyed hash of the token: the cache holds no tokens.
    cache: Cache<u64, Answer>,
    hasher: std::collections::hash_map::RandomState,
}

impl Introspector {
    pub fn new(fetcher: Fetcher, endpoint: String, config: IntrospectionConfig) -> Self {
        let cache = Cache::builder()
            .max_capacity(BUDGET_BYTES)
            .weigher(|_, _| (std::mem::size_of::<u64>() + std::mem::size_of::<Answer>()) as u32)
            .expire_after(AnswerLifetime)
            .build();
        Self { fetcher, endpoint, config, cache, hasher: Default::default() }
    }

    /// Ok when the issuer says the token is active.
    pub async fn check(&self, token: &str, exp: Option<i64>) -> Result<(), ValidationError> {
        let key = self.hasher.hash_one(token);
        let now = Instant::now();
        if let Some(answer) = self.cache.get(&key).await {
            return if answer.active { Ok(()) } else { Err(inactive()) };
        }
        let request = self
            .fetcher
            .post(&self.endpoint)
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .form(&[("token", token), ("token_type_hint", "access_token")]);
        let unavailable = |e: String| ValidationError::Unavailable(format!("introspection: {e}"));
        let answer = self.fetcher.send(request, INTROSPECTION_LIMIT).await.map_err(|e| unavailable(e.to_string()))?;
        let body: IntrospectionResponse =
            serde_json::from_slice(&answer.body).map_err(|e| unavailable(e.to_string()))?;
        let ttl = if body.active { self.config.positive_ttl } else { self.config.negative_ttl };
        let ttl = match (body.active, exp) {
            (true, Some(exp)) => {
                let left = exp.saturating_sub(unix_now()).max(0) as u64;
                ttl.min(Duration::from_secs(left))
            }
            _ => ttl,
        };
        self.cache.insert(key, Answer { active: body.active, until: now + ttl }).await;
        if body.active { Ok(()) } else { Err(inactive()) }
    }
}

/// An answer is dropped at its `until`, counted from before the issuer was asked.
struct AnswerLifetime;

impl Expiry<u64, Answer> for AnswerLifetime {
    fn expire_after_create(&self, _: &u64, answer: &Answer, created_at: Instant) -> Option<Duration> {
        Some(answer.until.saturating_duration_since(created_at))
    }

    fn expire_after_update(
        &self,
        _: &u64,
        answer: &Answer,
        updated_at: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(answer.until.saturating_duration_since(updated_at))
    }
}

fn inactive() -> ValidationError {
    ValidationError::InvalidToken("the token is not active".into())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_answer_is_believed_until_its_time_and_not_after() {
        let introspector = Introspector::new(
            Fetcher::new(reqwest::Client::builder(), Duration::from_secs(5)).unwrap(),
            String::new(),
            IntrospectionConfig::new("c", "s"),
        );
        let until = Instant::now() + Duration::from_millis(300);
        introspector.cache.insert(1, Answer { active: true, until }).await;
        introspector.cache.insert(2, Answer { active: false, until: Instant::now() }).await;
        assert!(introspector.cache.get(&1).await.is_some_and(|a| a.active));
        assert!(introspector.cache.get(&2).await.is_none(), "an answer already out of date is not kept");
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(introspector.cache.get(&1).await.is_none());
    }
}
