//! The in-memory store behind the opt-in token reuse window (per node; bounded by memory, and nothing kept
//! past the token's own `exp`).

use std::time::{Duration, Instant};

use moka::Expiry;
use moka::sync::Cache;
use tessera_core::ports::{ReusableToken, TokenReuseCache};

/// At most this many bytes of keys and responses. An RS256 access token response is about 1 KiB, so this
/// holds some 30,000 (realm, client, scope) entries: far more than the clients that opt into reuse, while a
/// flood of distinct scopes cannot grow the process without bound.
const BUDGET_BYTES: u64 = 32 * 1024 * 1024;

pub struct IssuedTokenCache {
    tokens: Cache<String, ReusableToken>,
}

impl Default for IssuedTokenCache {
    fn default() -> Self {
        Self {
            tokens: Cache::builder()
                .max_capacity(BUDGET_BYTES)
                .weigher(|key: &String, token| weight(key, token))
                .expire_after(UntilExp)
                .build(),
        }
    }
}

impl IssuedTokenCache {
    /// Entries held (moka's estimate), for the metrics.
    pub fn len(&self) -> u64 {
        self.tokens.entry_count()
    }
}

impl TokenReuseCache for IssuedTokenCache {
    fn get(&self, key: &str) -> Option<ReusableToken> {
        self.tokens.get(key)
    }

    fn put(&self, key: String, token: ReusableToken) {
        self.tokens.insert(key, token);
    }
}

/// The bytes an entry holds: its key, the response's strings and the fixed-size parts.
fn weight(key: &str, token: &ReusableToken) -> u32 {
    let r = &token.response;
    let bytes = key.len()
        + std::mem::size_of::<ReusableToken>()
        + r.access_token.len()
        + r.refresh_token.as_ref().map_or(0, String::len)
        + r.id_token.as_ref().map_or(0, String::len)
        + r.token_type.len()
        + r.scope.len()
        + token.jti.len();
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

/// An entry lives as long as its token: it is put when the token is issued (at `iat`), so it goes at `exp`.
/// The token's lifetime is used rather than the wall clock, which the protocol's clock need not follow.
struct UntilExp;

impl UntilExp {
    fn lifetime(token: &ReusableToken) -> Duration {
        Duration::from_secs(u64::try_from(token.exp - token.iat).unwrap_or(0))
    }
}

impl Expiry<String, ReusableToken> for UntilExp {
    fn expire_after_create(&self, _: &String, token: &ReusableToken, _: Instant) -> Option<Duration> {
        Some(Self::lifetime(token))
    }

    // A newer token for the same key replaces the old one, and with it the expiry.
    fn expire_after_update(
        &self,
        _: &String,
        token: &ReusableToken,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(Self::lifetime(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_proto::TokenResponse;

    fn token(jti: &str, iat: i64, exp: i64) -> ReusableToken {
        let response = TokenResponse {
            access_token: format!("at-{jti}"),
            expires_in: u64::try_from(exp - iat).unwrap(),
            refresh_expires_in: 0,
            refresh_token: None,
            token_type: "Bearer".into(),
            id_token: None,
            not_before_policy: 0,
            scope: "a".into(),
            session_state: None,
            issued_token_type: None,
        };
        ReusableToken { response, jti: jti.into(), iat, exp }
    }

    #[test]
    fn a_token_is_kept_until_its_exp_and_a_newer_one_replaces_it() {
        let cache = IssuedTokenCache::default();
        cache.put("k".into(), token("one", 100, 400));
        assert_eq!(cache.get("k").unwrap().jti, "one");
        cache.put("k".into(), token("two", 200, 500));
        assert_eq!(cache.get("k").unwrap().jti, "two");
        assert!(cache.get("other").is_none());
    }

    #[test]
    fn an_expired_token_is_not_handed_back() {
        let cache = IssuedTokenCache::default();
        cache.put("k".into(), token("one", 100, 101));
        assert!(cache.get("k").is_some());
        std::thread::sleep(Duration::from_millis(1100));
        assert!(cache.get("k").is_none(), "gone at exp");
        cache.put("k".into(), token("two", 100, 100));
        assert!(cache.get("k").is_none(), "a token with no lifetime is not kept");
    }

    #[test]
    fn the_weight_counts_the_key_and_the_response() {
        let small = weight("k", &token("j", 0, 1));
        let mut big = token("j", 0, 1);
        big.response.access_token = "x".repeat(1000);
        assert_eq!(weight("k", &big), small + 1000 - "at-j".len() as u32);
    }
}
