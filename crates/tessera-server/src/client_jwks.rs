//! Clients' JWK Sets at their `jwks_uri` (`private_key_jwt`, RFC 7523 §2.2 with OIDC Core §9): fetched with
//! a timeout and a body size limit, without following redirects, cached for [`TTL`], and fetched again
//! on an unknown `kid` (the client rotated its keys) at most once per [`MIN_REFETCH`] per URI, failed
//! fetches included, so a client cannot make the server hammer its own or anyone else's URL.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jsonwebtoken::jwk::JwkSet;
use moka::future::Cache;
use tessera_core::ports::{ClientJwks, JwksFetchError};

/// How long a fetched set is used before it is fetched again.
const TTL: Duration = Duration::from_secs(300);
/// The least time between two fetches of one URI.
pub const MIN_REFETCH: Duration = Duration::from_secs(10);
/// A JWK Set is a few keys: more than this is refused.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// How many clients' sets are held.
const CAPACITY: u64 = 10_000;

pub struct ClientJwksCache {
    http: reqwest::Client,
    sets: Cache<String, Arc<JwkSet>>,
    /// The URIs fetched (or tried) within the last [`MIN_REFETCH`].
    recent: Cache<String, ()>,
}

impl ClientJwksCache {
    pub fn new(timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("tessera")
            .build()
            .map_err(|e| format!("HTTP client for client JWKS: {e}"))?;
        Ok(Self {
            http,
            sets: Cache::builder().max_capacity(CAPACITY).time_to_live(TTL).build(),
            recent: Cache::builder().max_capacity(CAPACITY).time_to_live(MIN_REFETCH).build(),
        })
    }

    async fn fetch(&self, uri: &str) -> Result<JwkSet, JwksFetchError> {
        let fail = |e: &dyn std::fmt::Display| JwksFetchError(format!("{uri}: {e}"));
        let mut response = self.http.get(uri).send().await.map_err(|e| fail(&e))?;
        if !response.status().is_success() {
            return Err(fail(&response.status()));
        }
        if response.content_length().is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(fail(&"the body is too large"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(&e))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(fail(&"the body is too large"));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| fail(&e))
    }
}

#[async_trait]
impl ClientJwks for ClientJwksCache {
    async fn jwks(&self, uri: &str, refresh: bool) -> Result<Arc<JwkSet>, JwksFetchError> {
        let held = self.sets.get(uri).await;
        let fetched_lately = self.recent.contains_key(uri);
        match held {
            Some(set) if !refresh || fetched_lately => return Ok(set),
            None if fetched_lately => {
                return Err(JwksFetchError(format!("{uri}: fetched moments ago without success")));
            }
            _ => {}
        }
        if refresh {
            self.sets.invalidate(uri).await;
        }
        // Concurrent misses for one URI share one fetch.
        self.sets
            .try_get_with(uri.to_owned(), async {
                self.recent.insert(uri.to_owned(), ()).await;
                self.fetch(uri).await.map(Arc::new)
            })
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "a client's jwks_uri could not be read");
                (*e).clone()
            })
    }
}
