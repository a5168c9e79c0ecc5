//! The detector's thresholds and the webhook, per realm, from realm attributes (like the other
//! `tessera.*` attributes); every one optional, the defaults below.

use std::collections::BTreeMap;

use crate::secret::{MasterKey, SecretError};

pub const ENABLED_ATTRIBUTE: &str = "tessera.anomaly.enabled";
pub const LEARN_ATTRIBUTE: &str = "tessera.anomaly.learnMinutes";
pub const SIGMAS_ATTRIBUTE: &str = "tessera.anomaly.rateSigmas";
pub const FACTOR_ATTRIBUTE: &str = "tessera.anomaly.rateFactor";
pub const MIN_RATE_ATTRIBUTE: &str = "tessera.anomaly.minRate";
pub const FAILURE_BURST_ATTRIBUTE: &str = "tessera.anomaly.failureBurst";
pub const COOLDOWN_ATTRIBUTE: &str = "tessera.anomaly.cooldownMinutes";
pub const WEBHOOK_URL_ATTRIBUTE: &str = "tessera.anomaly.webhookUrl";
pub const WEBHOOK_SECRET_ATTRIBUTE: &str = "tessera.anomaly.webhookSecret";

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnomalySettings {
    pub enabled: bool,
    /// Minutes a new client is watched before its rate, networks and scopes can be flagged.
    pub learn_minutes: u16,
    /// How many standard deviations from the baseline a minute must be.
    pub rate_sigmas: f32,
    /// And how many times above (or below, as a divisor) the baseline's mean.
    pub rate_factor: f32,
    /// Tokens per minute below which no rate is flagged (above: the minute's count; below: the baseline).
    pub min_rate: f32,
    /// Failed authentications within two minutes that make a burst.
    pub failure_burst: u16,
    /// Minutes a rule stays quiet for a client after it fired.
    pub cooldown_minutes: u16,
    /// Weight of each new minute in the baseline (about 2 / (minutes remembered + 1)).
    pub alpha: f32,
}

impl Default for AnomalySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            learn_minutes: 30,
            rate_sigmas: 6.0,
            rate_factor: 3.0,
            min_rate: 20.0,
            failure_burst: 20,
            cooldown_minutes: 60,
            alpha: 0.05,
        }
    }
}

impl AnomalySettings {
    /// The realm's settings: defaults, overridden by the attributes that parse (others are ignored, so a
    /// typo never turns detection off).
    pub fn from_attributes(attributes: &BTreeMap<String, String>) -> Self {
        fn get<T: std::str::FromStr>(a: &BTreeMap<String, String>, name: &str) -> Option<T> {
            a.get(name).and_then(|v| v.trim().parse().ok())
        }
        let d = Self::default();
        Self {
            enabled: get(attributes, ENABLED_ATTRIBUTE).unwrap_or(d.enabled),
            learn_minutes: get(attributes, LEARN_ATTRIBUTE).unwrap_or(d.learn_minutes),
            rate_sigmas: get(attributes, SIGMAS_ATTRIBUTE).filter(|v: &f32| *v > 0.0).unwrap_or(d.rate_sigmas),
            rate_factor: get(attributes, FACTOR_ATTRIBUTE).filter(|v: &f32| *v >= 1.0).unwrap_or(d.rate_factor),
            min_rate: get(attributes, MIN_RATE_ATTRIBUTE).filter(|v: &f32| *v >= 0.0).unwrap_or(d.min_rate),
            failure_burst: get(attributes, FAILURE_BURST_ATTRIBUTE).filter(|v| *v > 0).unwrap_or(d.failure_burst),
            cooldown_minutes: get(attributes, COOLDOWN_ATTRIBUTE).unwrap_or(d.cooldown_minutes),
            alpha: d.alpha,
        }
    }
}

/// Where a realm's anomalies are posted, and the key that signs them (HMAC-SHA256 over the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: String,
}

impl WebhookTarget {
    /// The realm's webhook, its secret unsealed; `None` without a URL and a secret that opens.
    pub fn from_attributes(attributes: &BTreeMap<String, String>, master: &MasterKey, realm_id: &str) -> Option<Self> {
        let url = attributes.get(WEBHOOK_URL_ATTRIBUTE).map(|u| u.trim()).filter(|u| !u.is_empty())?;
        let stored = attributes.get(WEBHOOK_SECRET_ATTRIBUTE).map(|s| s.trim()).filter(|s| !s.is_empty())?;
        let secret = match stored.strip_prefix(SEALED_PREFIX) {
            Some(sealed) => String::from_utf8(master.open(sealed, &webhook_secret_aad(realm_id)).ok()?).ok()?,
            // Written before secrets were sealed (the next write of the realm's settings seals it).
            None => stored.to_owned(),
        };
        let parsed = url::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https"))?;
        Some(Self { url: parsed.to_string(), secret })
    }
}

/// What a sealed webhook secret starts with in the realm's attributes.
const SEALED_PREFIX: &str = "sealed:";
/// What the admin API shows in place of a secret, and takes back as "unchanged": Keycloak's
/// `ComponentRepresentation.SECRET_VALUE`.
pub const SECRET_PLACEHOLDER: &str = "**********";

/// Binds a sealed webhook secret to its realm: a sealed value copied to another realm does not open.
fn webhook_secret_aad(realm_id: &str) -> String {
    format!("{WEBHOOK_SECRET_ATTRIBUTE}:{realm_id}")
}

/// Seals a webhook secret given in clear among a realm's `attributes` under the master key, so that it is
/// never stored in clear; a sealed one stays as it is.
pub fn seal_webhook_secret(
    attributes: &mut BTreeMap<String, String>,
    master: &MasterKey,
    realm_id: &str,
) -> Result<(), SecretError> {
    if let Some(value) = attributes.get_mut(WEBHOOK_SECRET_ATTRIBUTE)
        && !value.starts_with(SEALED_PREFIX)
        && !value.trim().is_empty()
    {
        let sealed = master.seal(value.trim().as_bytes(), &webhook_secret_aad(realm_id))?;
        *value = format!("{SEALED_PREFIX}{sealed}");
    }
    Ok(())
}

/// Whether a realm attribute holds a secret: stored sealed, shown as [`SECRET_PLACEHOLDER`].
pub fn is_secret_attribute(name: &str) -> bool {
    name == WEBHOOK_SECRET_ATTRIBUTE
}
