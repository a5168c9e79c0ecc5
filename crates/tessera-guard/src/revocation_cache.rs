//! What the revocation feed has said, in memory: revoked `jti`s until their tokens expire, and not-before
//! instants for the realm, per client and per user. A validation asks [`RevocationCache::refuses`]: a few
//! hash lookups under read locks, no request.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::{Map, Value};
use tessera_proto::FeedEvent;

/// Revocations and not-befores heard from the feed.
///
/// ```
/// use tessera_guard::{FeedEvent, RevocationCache};
/// let cache = RevocationCache::default();
/// cache.apply(&FeedEvent::TokenRevoked { jti: "abc".into(), exp: i64::MAX });
/// let claims = serde_json::json!({ "jti": "abc", "iat": 1 });
/// assert!(cache.refuses(claims.as_object().unwrap()).is_some());
/// ```
#[derive(Debug, Default)]
pub struct RevocationCache {
    /// A keyed 64-bit hash of each revoked `jti` → its `exp`. Keys of 8 bytes rather than the `jti` keep
    /// 10^6 entries in some 36 MiB; a collision (odds ~10^-7 at 10^6 entries) refuses a good token, never
    /// admits a revoked one.
    revoked: RwLock<HashMap<u64, i64>>,
    hasher: RandomState,
    realm_not_before: AtomicI64,
    clients: RwLock<HashMap<String, i64>>,
    /// `sub` → (not-before, when every token it voids has expired)
    users: RwLock<HashMap<String, (i64, i64)>>,
}

impl RevocationCache {
    /// Takes in one feed event. Events are idempotent: applying one twice changes nothing, and a not-before
    /// never moves back.
    pub fn apply(&self, event: &FeedEvent) {
        match event {
            FeedEvent::TokenRevoked { jti, exp } => {
                let key = self.hasher.hash_one(jti.as_str());
                if let Ok(mut revoked) = self.revoked.write() {
                    revoked.insert(key, *exp);
                }
            }
            FeedEvent::ClientNotBefore { client_id, not_before } => {
                if let Ok(mut clients) = self.clients.write() {
                    let at = clients.entry(client_id.clone()).or_insert(*not_before);
                    *at = (*at).max(*not_before);
                }
            }
            FeedEvent::UserNotBefore { sub, not_before, expires_at } => {
                if let Ok(mut users) = self.users.write() {
                    let at = users.entry(sub.clone()).or_insert((*not_before, *expires_at));
                    *at = (at.0.max(*not_before), at.1.max(*expires_at));
                }
            }
            FeedEvent::RealmNotBefore { not_before } => {
                self.realm_not_before.fetch_max(*not_before, Ordering::Relaxed);
            }
        }
    }

    /// Why the feed voids a token with these claims, or `None`. A token is void when its `jti` is revoked or
    /// it was issued (`iat`) before the realm's, its client's (`azp`, else `client_id`) or its user's (`sub`)
    /// not-before; a token without `iat` counts as issued at 0.
    pub fn refuses(&self, claims: &Map<String, Value>) -> Option<&'static str> {
        if let Some(jti) = claims.get("jti").and_then(Value::as_str) {
            let key = self.hasher.hash_one(jti);
            // A poisoned lock means a writer panicked: refuse rather than guess.
            if self.revoked.read().map(|r| r.contains_key(&key)).unwrap_or(true) {
                return Some("the token is revoked");
            }
        }
        let iat = claims.get("iat").and_then(Value::as_i64).unwrap_or(0);
        if iat < self.realm_not_before.load(Ordering::Relaxed) {
            return Some("the token was issued before the realm's not-before");
        }
        let client = claims.get("azp").or_else(|| claims.get("client_id")).and_then(Value::as_str);
        if let Some(client) = client {
            let nbf = self.clients.read().map(|c| c.get(client).copied().unwrap_or(0)).unwrap_or(i64::MAX);
            if iat < nbf {
                return Some("the token was issued before its client's not-before");
            }
        }
        if let Some(sub) = claims.get("sub").and_then(Value::as_str) {
            let nbf = self.users.read().map(|u| u.get(sub).map(|e| e.0).unwrap_or(0)).unwrap_or(i64::MAX);
            if iat < nbf {
                return Some("the token was issued before its user's not-before");
            }
        }
        None
    }

    /// Revoked `jti`s held.
    pub fn len(&self) -> usize {
        self.revoked.read().map(|r| r.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets revocations of tokens expired by `now` (unix seconds) and user not-befores whose tokens have
    /// all expired: the cache never grows past what is live.
    pub fn purge(&self, now: i64) {
        if let Ok(mut revoked) = self.revoked.write() {
            revoked.retain(|_, exp| *exp >= now);
        }
        if let Ok(mut users) = self.users.write() {
            users.retain(|_, (_, until)| *until >= now);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    /// Each event kind voids exactly the tokens it names, issued before its instant.
    #[test]
    fn each_event_voids_only_the_tokens_it_names() {
        let cache = RevocationCache::default();
        let token = |jti: &str, azp: &str, sub: &str, iat: i64| {
            claims(json!({ "jti": jti, "azp": azp, "sub": sub, "iat": iat }))
        };
        assert_eq!(cache.refuses(&token("a", "svc", "u1", 100)), None);
        cache.apply(&FeedEvent::TokenRevoked { jti: "a".into(), exp: 500 });
        assert!(cache.refuses(&token("a", "svc", "u1", 100)).is_some());
        assert_eq!(cache.refuses(&token("b", "svc", "u1", 100)), None);
        cache.apply(&FeedEvent::ClientNotBefore { client_id: "svc".into(), not_before: 150 });
        assert!(cache.refuses(&token("b", "svc", "u1", 149)).is_some());
        assert_eq!(cache.refuses(&token("b", "svc", "u1", 150)), None);
        assert_eq!(cache.refuses(&token("b", "other", "u1", 149)), None);
        cache.apply(&FeedEvent::UserNotBefore { sub: "u1".into(), not_before: 160, expires_at: 400 });
        assert!(cache.refuses(&token("b", "other", "u1", 159)).is_some());
        assert_eq!(cache.refuses(&token("b", "other", "u2", 159)), None);
        cache.apply(&FeedEvent::RealmNotBefore { not_before: 170 });
        assert!(cache.refuses(&token("b", "other", "u2", 169)).is_some());
        // A not-before never moves back.
        cache.apply(&FeedEvent::RealmNotBefore { not_before: 10 });
        assert!(cache.refuses(&token("b", "other", "u2", 169)).is_some());
        assert_eq!(cache.refuses(&token("b", "other", "u2", 170)), None);
        // Purged once expired.
        cache.purge(501);
        assert!(cache.is_empty());
        assert_eq!(cache.refuses(&token("a", "x", "u2", 200)), None);
    }
}
