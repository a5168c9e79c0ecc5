//! Usage of a realm (or of one client) over a window: tokens per minute per client as a chart, failures by
//! reason, and the anomalies (`anomaly_detected` audit events) marked on the chart and listed with their
//! evidence. The numbers come from the service behind `GET /admin/realms/{realm}/tessera/usage`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use tessera_core::admin::{AdminError, Page};
use tessera_core::audit::AuditKind;
use tessera_core::usage::{UsageQuery, parse_since};

use super::Console;
use super::chart::chart;
use super::pages::{Anomaly, UsagePage};
use crate::state::AppState;

/// The windows the page offers, as `since` values.
pub const WINDOWS: [(&str, &str); 4] = [("15m", "15 minutes"), ("1h", "1 hour"), ("6h", "6 hours"), ("1d", "1 day")];
/// Anomalies listed at most.
const ANOMALIES_SHOWN: usize = 100;

#[derive(Deserialize, Default)]
pub struct UsageFilter {
    #[serde(default)]
    client: String,
    #[serde(default)]
    since: String,
}

/// `GET /admin/console/realms/{realm}/usage?client=&since=`.
pub async fn usage(
    State(state): State<AppState>,
    console: Console,
    Path(realm): Path<String>,
    filter: Result<Query<UsageFilter>, QueryRejection>,
) -> Response {
    let filter = filter.map(|Query(f)| f).unwrap_or_default();
    let window = WINDOWS.iter().find(|(w, _)| *w == filter.since).map_or("1h", |(w, _)| w);
    let now = state.clock.now();
    let since = parse_since(window, now).unwrap_or(now - 3_600);
    let client = Some(filter.client.trim().to_owned()).filter(|c| !c.is_empty());
    let api = console.api(&state);
    let query = UsageQuery { realm: realm.clone(), client: client.clone(), since };
    let report = match api.usage(state.usage.as_ref(), query).await {
        Ok(report) => report,
        Err(e) => return console.error(&e),
    };
    // Anomalies are audit events: an administrator who may see usage (view-clients) but not the events sees
    // the chart without them, and is told so.
    let page = Page { first: None, max: Some(ANOMALIES_SHOWN) };
    let (events, anomalies_hidden) = match api
        .events(&realm, Some(AuditKind::AnomalyDetected), client.clone(), Some(report.since), page, true)
        .await
    {
        Ok(events) => (events, false),
        Err(AdminError::Forbidden) => (Vec::new(), true),
        Err(e) => return console.error(&e),
    };
    let anomalies: Vec<Anomaly> = events
        .into_iter()
        .map(|e| Anomaly {
            at: e.time.div_euclid(1000),
            client_id: e.client_id.unwrap_or_default(),
            evidence: evidence(e.details.get("reason").map(String::as_str).unwrap_or_default()),
            source: e.ip_address.unwrap_or_default(),
        })
        .collect();
    let marks: Vec<(i64, String)> =
        anomalies.iter().map(|a| (a.at, format!("Anomaly, {}: {}", a.client_id, a.evidence.join(", ")))).collect();
    console.page(&UsagePage {
        layout: console.layout(Some(&realm), "usage"),
        chart: chart(&report, &marks),
        report,
        anomalies,
        anomalies_hidden,
        client: client.unwrap_or_default(),
        window: window.to_owned(),
        windows: WINDOWS.to_vec(),
    })
}

/// The detector's evidence (compact JSON in the event's reason: the rule, then what it saw) as `key: value`
/// lines, the rule first; text that is not a JSON object is shown as it is.
fn evidence(reason: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(reason) else {
        return vec![reason.to_owned()];
    };
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => {
            items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    };
    let rule = fields.get("rule").map(|r| format!("rule: {}", shown(r)));
    rule.into_iter()
        .chain(fields.iter().filter(|(k, _)| *k != "rule").map(|(k, v)| format!("{k}: {}", shown(v))))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn evidence_reads_the_detectors_json_rule_first_and_keeps_other_text_as_it_is() {
        let json =
            r#"{"window_seconds":60,"rule":"burst","networks":["203.0.113.0/24","198.51.100.0/24"],"observed":9.0}"#;
        assert_eq!(
            super::evidence(json),
            ["rule: burst", "networks: 203.0.113.0/24, 198.51.100.0/24", "observed: 9.0", "window_seconds: 60"]
        );
        assert_eq!(super::evidence("not json"), ["not json"]);
    }
}
