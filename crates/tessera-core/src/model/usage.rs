//! What the usage counts are made of (issue #15): one request as the counts and the anomaly detector see it,
//! the metrics counted per client and minute, and the rows a [`UsageSource`](crate::ports::UsageSource) keeps.
//! The reports built from them are [`crate::usage`]'s.

use std::net::IpAddr;

/// At most this many scopes of one request are counted (a request may name any number).
pub const MAX_SCOPES_PER_REQUEST: usize = 8;
/// A scope longer than this is counted as `(long)`: no request grows the counts by more than a field.
const MAX_SCOPE_CHARS: usize = 64;

/// What one request did, as the usage counts and the anomaly detector see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageKind<'a> {
    /// A token endpoint success, with the `scope` parameter as requested.
    TokenIssued { scope: Option<&'a str> },
    /// A failed client authentication; `reason`: the method or endpoint, from a closed vocabulary.
    AuthFailed { reason: &'static str },
    /// A token that was revoked was presented (introspected) after its revocation.
    RevokedTokenUsed,
    /// A rotated refresh token was presented again (RFC 9700 §4.14.2).
    RefreshTokenReused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageEvent<'a> {
    pub realm: &'a str,
    pub client: &'a str,
    pub at: i64,
    pub source_ip: Option<&'a str>,
    pub kind: UsageKind<'a>,
}

/// What is counted per client and minute.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UsageMetric {
    Tokens,
    Failure(String),
    Scope(String),
    Network(String),
    RevokedUse,
    RefreshReuse,
}

/// Separates the client from the metric in a shared hash's field. Scopes (RFC 6749 §3.3), networks and
/// reasons never contain it, so the last one splits a field even when a client id holds it.
const SEP: char = '\u{1f}';

impl UsageMetric {
    /// The field of a per-realm, per-minute hash that counts this metric for `client`.
    pub fn field(&self, client: &str) -> String {
        match self {
            Self::Tokens => format!("{client}{SEP}t"),
            Self::Failure(reason) => format!("{client}{SEP}f:{reason}"),
            Self::Scope(scope) => format!("{client}{SEP}s:{scope}"),
            Self::Network(net) => format!("{client}{SEP}n:{net}"),
            Self::RevokedUse => format!("{client}{SEP}r"),
            Self::RefreshReuse => format!("{client}{SEP}u"),
        }
    }

    /// The client and metric of a field written by [`UsageMetric::field`]; `None` for any other.
    pub fn parse_field(field: &str) -> Option<(&str, UsageMetric)> {
        let (client, metric) = field.rsplit_once(SEP)?;
        let metric = match metric {
            "t" => Self::Tokens,
            "r" => Self::RevokedUse,
            "u" => Self::RefreshReuse,
            m => match m.split_once(':')? {
                ("f", reason) => Self::Failure(reason.to_owned()),
                ("s", scope) => Self::Scope(scope.to_owned()),
                ("n", net) => Self::Network(net.to_owned()),
                _ => return None,
            },
        };
        Some((client, metric))
    }
}

/// The network an address belongs to for usage and detection: its /24 (IPv4) or /56 (IPv6, a typical
/// customer allocation), IPv4-mapped IPv6 addresses as IPv4. `None` for what is not an address.
pub fn network_of(ip: &str) -> Option<String> {
    match ip.trim().parse::<IpAddr>().ok()?.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            Some(format!("{a}.{b}.{c}.0/24"))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 72) - 1);
            Some(format!("{}/56", std::net::Ipv6Addr::from(bits)))
        }
    }
}

/// The scopes of a request's `scope` parameter as counted: at most [`MAX_SCOPES_PER_REQUEST`], each
/// bounded, only RFC 6749 §3.3 scope-token characters.
pub fn requested_scopes(scope: Option<&str>) -> impl Iterator<Item = &str> {
    scope.unwrap_or_default().split(' ').filter(|s| !s.is_empty()).take(MAX_SCOPES_PER_REQUEST).map(|s| {
        let valid =
            s.len() <= MAX_SCOPE_CHARS && s.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) && b != 0x5c);
        if valid { s } else { "(invalid)" }
    })
}

/// One counted value: `count` of `metric` for `client` in `minute` (minutes since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    pub minute: i64,
    pub client: String,
    pub metric: UsageMetric,
    pub count: u64,
}
