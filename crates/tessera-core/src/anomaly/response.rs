//! The optional response to an anomaly, per realm or client (the client's attribute wins), off by default:
//! `tessera.anomaly.response` = `throttle` sets the client's rate limit (`tessera.rateLimit.client`) to
//! `tessera.anomaly.throttleRate` (default `60/m`); `disable` disables the client. Undone by an
//! administrator, never automatically.
//!
//! Only rules that show the client's own credentials in use answer: a burst of failed authentications is
//! someone *without* the secret, and punishing the client for it would hand an attacker a way to lock it
//! out; a rate below baseline is not a threat.

use std::collections::BTreeMap;

use super::AnomalyRule;
use crate::model::Client;
use crate::rate_limit::{CLIENT_ATTRIBUTE, Rate};

pub const RESPONSE_ATTRIBUTE: &str = "tessera.anomaly.response";
pub const THROTTLE_RATE_ATTRIBUTE: &str = "tessera.anomaly.throttleRate";
const DEFAULT_THROTTLE: &str = "60/m";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnomalyResponse {
    /// The client's rate limit becomes this (a valid `tessera.rateLimit.client` value).
    Throttle(String),
    Disable,
}

impl AnomalyResponse {
    /// What to do about `rule` for a client with these attributes in a realm with those.
    pub fn for_rule(
        realm: &BTreeMap<String, String>,
        client: &BTreeMap<String, String>,
        rule: AnomalyRule,
    ) -> Option<Self> {
        let warranted = matches!(
            rule,
            AnomalyRule::RateAboveBaseline
                | AnomalyRule::NewNetwork
                | AnomalyRule::NewScope
                | AnomalyRule::RevokedTokenUsed
                | AnomalyRule::RefreshTokenReuse
        );
        if !warranted {
            return None;
        }
        let get = |name: &str| client.get(name).or_else(|| realm.get(name)).map(|v| v.trim());
        match get(RESPONSE_ATTRIBUTE)? {
            "disable" => Some(Self::Disable),
            "throttle" => {
                let rate = get(THROTTLE_RATE_ATTRIBUTE)
                    .filter(|r| matches!(Rate::parse(r), Some(Some(_))))
                    .unwrap_or(DEFAULT_THROTTLE);
                Some(Self::Throttle(rate.to_owned()))
            }
            _ => None,
        }
    }

    /// Applies the response to `client`; false when it was already in force.
    pub fn apply(&self, client: &mut Client) -> bool {
        match self {
            Self::Disable => std::mem::replace(&mut client.enabled, false),
            Self::Throttle(rate) => {
                client.attributes.insert(CLIENT_ATTRIBUTE.to_owned(), rate.clone()).as_deref() != Some(rate.as_str())
            }
        }
    }

    /// How the audit trail and webhook say it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Throttle(_) => "throttled",
            Self::Disable => "disabled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn off_by_default_the_client_attribute_wins_and_a_failure_burst_never_answers() {
        let none = attrs(&[]);
        assert_eq!(AnomalyResponse::for_rule(&none, &none, AnomalyRule::NewNetwork), None);
        let realm = attrs(&[(RESPONSE_ATTRIBUTE, "disable")]);
        let client = attrs(&[(RESPONSE_ATTRIBUTE, "throttle"), (THROTTLE_RATE_ATTRIBUTE, "not a rate")]);
        assert_eq!(AnomalyResponse::for_rule(&realm, &none, AnomalyRule::NewNetwork), Some(AnomalyResponse::Disable));
        assert_eq!(
            AnomalyResponse::for_rule(&realm, &client, AnomalyRule::RateAboveBaseline),
            Some(AnomalyResponse::Throttle("60/m".into()))
        );
        assert_eq!(AnomalyResponse::for_rule(&realm, &none, AnomalyRule::FailureBurst), None);
        assert_eq!(AnomalyResponse::for_rule(&realm, &none, AnomalyRule::RateBelowBaseline), None);
    }
}
