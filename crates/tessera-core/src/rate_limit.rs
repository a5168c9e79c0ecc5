//! Rate limits at the endpoints where clients authenticate, by the Generic Cell Rate Algorithm (GCRA,
//! ITU-T I.371): each key keeps one instant, its "theoretical arrival time" (TAT). A request at `now` is
//! admitted when `TAT - now <= tolerance`; admitting it moves the TAT to `max(TAT, now) + interval`. With
//! `interval = period / count` and `tolerance = (burst - 1) * interval`, a key gets `burst` requests at once
//! and `count` per `period` after that. One integer per key, no timers: cheap to keep locally and to share in
//! Redis (the server's Lua script runs [`gcra`]'s arithmetic).
//!
//! Configured per realm by attributes, overridden per client, off unless set:
//! - `tessera.rateLimit.client`: requests per client and endpoint (client attribute of the same name wins);
//! - `tessera.rateLimit.address`: requests per source address and endpoint;
//! - `tessera.rateLimit.failedAuth`: failed client authentications per client and source address. Only
//!   failures count, and the key includes the address: a client guessing secrets from one address is slowed,
//!   then refused there, while the right secret from another address still works.
//!
//! A value is `COUNT/PERIOD` with PERIOD `s`, `m` or `h`, optionally `,burst=N` (default: COUNT), e.g.
//! `600/m,burst=50`; `off` or `0` turns a realm's limit off for one client.

use async_trait::async_trait;

use crate::model::{Client, Realm, RealmContext};

pub const CLIENT_ATTRIBUTE: &str = "tessera.rateLimit.client";
pub const ADDRESS_ATTRIBUTE: &str = "tessera.rateLimit.address";
pub const FAILED_AUTH_ATTRIBUTE: &str = "tessera.rateLimit.failedAuth";

/// `count` requests per `period_ms`, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub period_ms: u64,
    pub burst: u32,
}

impl Rate {
    /// `Some(None)`: explicitly off; `None`: not a rate.
    pub fn parse(value: &str) -> Option<Option<Rate>> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("off") || value == "0" {
            return Some(None);
        }
        let (rate, burst) = match value.split_once(',') {
            Some((rate, burst)) => (rate, Some(burst.trim().strip_prefix("burst=")?.trim().parse::<u32>().ok()?)),
            None => (value, None),
        };
        let (count, period) = rate.split_once('/')?;
        let count: u32 = count.trim().parse().ok()?;
        let period_ms = match period.trim() {
            "s" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            _ => return None,
        };
        if count == 0 {
            return Some(None);
        }
        let burst = burst.unwrap_or(count).max(1);
        Some(Some(Rate { count, period_ms, burst }))
    }

    /// Milliseconds between two requests at the sustained rate.
    pub fn interval_ms(&self) -> i64 {
        (self.period_ms / u64::from(self.count)).max(1) as i64
    }

    /// How far ahead of `now` the TAT may run while a request is still admitted.
    pub fn tolerance_ms(&self) -> i64 {
        self.interval_ms() * i64::from(self.burst.saturating_sub(1))
    }
}

/// One GCRA step: the new TAT when admitted, else how many milliseconds until a request would be.
pub fn gcra(tat: Option<i64>, now_ms: i64, rate: &Rate) -> Result<i64, i64> {
    let tat = tat.unwrap_or(now_ms).max(now_ms);
    let ahead = tat - now_ms;
    if ahead > rate.tolerance_ms() {
        return Err(ahead - rate.tolerance_ms());
    }
    Ok(tat + rate.interval_ms())
}

/// What was limited: the label of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    Client,
    Address,
    FailedAuth,
}

impl LimitScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Address => "address",
            Self::FailedAuth => "failed_auth",
        }
    }
}

/// One key to check. `consume: false` only looks (a failed-authentication limit is charged by failures,
/// but checked before every attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCheck {
    pub key: String,
    pub rate: Rate,
    pub consume: bool,
    pub scope: LimitScope,
}

/// A refusal: which limit, and in how many milliseconds a request would be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub scope: LimitScope,
    pub retry_after_ms: i64,
}

/// Keeps the TATs: in memory on one node, or shared (Redis) with a local fallback. All checks of one call
/// are decided together: when one refuses, none is charged.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    async fn check(&self, checks: &[RateCheck], now_ms: i64) -> Result<(), Refusal>;
}

/// No limits (unit tests, benches).
#[derive(Debug, Default)]
pub struct NoRateLimits;

#[async_trait]
impl RateLimiter for NoRateLimits {
    async fn check(&self, _: &[RateCheck], _: i64) -> Result<(), Refusal> {
        Ok(())
    }
}

fn attribute(attributes: &std::collections::BTreeMap<String, String>, name: &str) -> Option<Option<Rate>> {
    attributes.get(name).and_then(|v| Rate::parse(v))
}

/// A realm's limits, parsed once when its context is loaded (not on every request).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RealmLimits {
    pub client: Option<Rate>,
    pub address: Option<Rate>,
    pub failed_auth: Option<Rate>,
}

impl RealmLimits {
    pub fn of(realm: &Realm) -> Self {
        Self {
            client: attribute(&realm.attributes, CLIENT_ATTRIBUTE).flatten(),
            address: attribute(&realm.attributes, ADDRESS_ATTRIBUTE).flatten(),
            failed_auth: attribute(&realm.attributes, FAILED_AUTH_ATTRIBUTE).flatten(),
        }
    }
}

/// The limits that apply to one request of a client (`client` when it exists) from `source_ip` at
/// `endpoint`: what to check before authenticating it.
pub fn checks_before_auth(
    realm: &RealmContext,
    endpoint: &str,
    client_id: &str,
    client: Option<&Client>,
    source_ip: Option<&str>,
) -> Vec<RateCheck> {
    let mut checks = request_checks(realm, endpoint, client, source_ip);
    if let Some(mut failed) = failed_auth_check(realm, client_id, source_ip) {
        failed.consume = false;
        checks.push(failed);
    }
    checks
}

/// The per-address and per-client limits of one request at `endpoint` (the authorization endpoint's, where
/// no client authenticates).
pub fn request_checks(
    realm: &RealmContext,
    endpoint: &str,
    client: Option<&Client>,
    source_ip: Option<&str>,
) -> Vec<RateCheck> {
    let limits = &realm.limits;
    let client_rate = client.and_then(|c| match attribute(&c.attributes, CLIENT_ATTRIBUTE) {
        Some(own) => own.map(|rate| (c, rate)),
        None => limits.client.map(|rate| (c, rate)),
    });
    let (address_rate, ip) = match (limits.address, source_ip) {
        (Some(rate), Some(ip)) => (Some(rate), ip),
        _ => (None, ""),
    };
    if address_rate.is_none() && client_rate.is_none() && limits.failed_auth.is_none() {
        return Vec::new();
    }
    let mut checks = Vec::with_capacity(3);
    if let Some(rate) = address_rate {
        let key = [realm.realm.id.as_str(), "a", endpoint, ip].join("|");
        checks.push(RateCheck { key, rate, consume: true, scope: LimitScope::Address });
    }
    if let Some((client, rate)) = client_rate {
        let key = [realm.realm.id.as_str(), "c", endpoint, &client.client_id].join("|");
        checks.push(RateCheck { key, rate, consume: true, scope: LimitScope::Client });
    }
    checks
}

/// The failed-authentication limit of `client_id` from `source_ip`, charged once per failure.
pub fn failed_auth_check(realm: &RealmContext, client_id: &str, source_ip: Option<&str>) -> Option<RateCheck> {
    let rate = realm.limits.failed_auth?;
    let key = [realm.realm.id.as_str(), "f", client_id, source_ip.unwrap_or("-")].join("|");
    Some(RateCheck { key, rate, consume: true, scope: LimitScope::FailedAuth })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_period_and_burst() {
        assert_eq!(Rate::parse("600/m,burst=50"), Some(Some(Rate { count: 600, period_ms: 60_000, burst: 50 })));
        assert_eq!(Rate::parse("10/s"), Some(Some(Rate { count: 10, period_ms: 1_000, burst: 10 })));
        assert_eq!(Rate::parse("off"), Some(None));
        assert_eq!(Rate::parse("0"), Some(None));
        assert_eq!(Rate::parse("ten/s"), None);
        assert_eq!(Rate::parse("10/d"), None);
        assert_eq!(Rate::parse("10/s,bust=3"), None);
    }

    #[test]
    fn gcra_admits_the_burst_then_the_sustained_rate() {
        let rate = Rate { count: 10, period_ms: 1_000, burst: 3 };
        let mut tat = None;
        let mut admitted = 0;
        for _ in 0..10 {
            if let Ok(t) = gcra(tat, 0, &rate) {
                tat = Some(t);
                admitted += 1;
            }
        }
        assert_eq!(admitted, 3);
        assert_eq!(gcra(tat, 0, &rate), Err(100));
        // One second later: ten more at the sustained rate (one per 100 ms).
        for ms in (100..=1_000).step_by(100) {
            tat = Some(gcra(tat, ms, &rate).unwrap());
        }
        assert!(gcra(tat, 1_000, &rate).is_err());
    }
}
