//! Anomaly detection per client, streaming and cheap: a few dozen bytes of state per client, updated from
//! the usage counts the server batches every second, and at each minute's close. The rules:
//!
//! - **rate above / below baseline**: each client's tokens per minute keep an exponentially weighted mean
//!   and variance (with an hour-of-day profile once a week of data exists); a minute far above (more than
//!   `rateSigmas` deviations and `rateFactor` times the mean) or far below it is flagged. A rising minute is
//!   flagged as soon as its count passes the bar, without waiting for the minute to end;
//! - **failure burst**: `failureBurst` failed authentications within the current and previous minute;
//! - **new network**: a source network (/24, /56) never seen for the client, once it has been learning for
//!   `learnMinutes`;
//! - **new scope**: a scope the client never asked for before, likewise;
//! - **revoked token used**: a revoked token presented at introspection;
//! - **refresh token reuse**: a rotated refresh token presented again (RFC 9700 §4.14.2).
//!
//! Each rule then stays quiet for that client for `cooldownMinutes`: one incident, one alarm. Time comes
//! from the caller (the server's [`Clock`](crate::ports::Clock)), so tests replay days in milliseconds.

mod detector;
mod index;
mod response;
mod settings;
mod state;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use detector::{Activity, Detector};
pub use response::AnomalyResponse;
pub use settings::{AnomalySettings, SECRET_PLACEHOLDER, WebhookTarget, is_secret_attribute, seal_webhook_secret};

use crate::audit::{AuditEvent, AuditKind};

/// The rules, in the words of the audit trail, metrics and webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyRule {
    RateAboveBaseline,
    RateBelowBaseline,
    FailureBurst,
    NewNetwork,
    NewScope,
    RevokedTokenUsed,
    RefreshTokenReuse,
}

impl AnomalyRule {
    pub const ALL: [AnomalyRule; 7] = [
        Self::RateAboveBaseline,
        Self::RateBelowBaseline,
        Self::FailureBurst,
        Self::NewNetwork,
        Self::NewScope,
        Self::RevokedTokenUsed,
        Self::RefreshTokenReuse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RateAboveBaseline => "rate_above_baseline",
            Self::RateBelowBaseline => "rate_below_baseline",
            Self::FailureBurst => "failure_burst",
            Self::NewNetwork => "new_network",
            Self::NewScope => "new_scope",
            Self::RevokedTokenUsed => "revoked_token_used",
            Self::RefreshTokenReuse => "refresh_token_reuse",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

/// What the detector saw, against what it expected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub observed: f64,
    pub expected: f64,
    /// The window `observed` counts over, in seconds.
    pub window_seconds: i64,
    /// The networks involved (the new ones for `new_network`), at most four.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<String>,
    /// The scopes involved (`new_scope`), at most four.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub realm: String,
    pub client_id: String,
    pub rule: AnomalyRule,
    /// Seconds since the epoch.
    pub at: i64,
    pub evidence: Evidence,
    /// What was done about it (`throttled`, `disabled`), when the realm or client asks for a response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<&'static str>,
}

impl Anomaly {
    /// The `anomaly_detected` audit event: the rule and evidence as compact JSON in its reason.
    pub fn audit_event(&self) -> AuditEvent {
        #[derive(Serialize)]
        struct Reason<'a> {
            rule: &'static str,
            #[serde(flatten)]
            evidence: &'a Evidence,
            #[serde(skip_serializing_if = "Option::is_none")]
            response: Option<&'static str>,
        }
        let reason = Reason { rule: self.rule.as_str(), evidence: &self.evidence, response: self.response };
        let reason = serde_json::to_string(&reason).unwrap_or_else(|_| self.rule.as_str().to_owned());
        let source = self.evidence.networks.first().map(String::as_str);
        AuditEvent::new(self.at, &self.realm, AuditKind::AnomalyDetected)
            .client(&self.client_id)
            .source(source)
            .failed()
            .reason(reason)
    }
}
