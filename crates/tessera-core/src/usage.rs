//! Usage per client, as rolling per-minute counts: tokens issued, failed authentications by reason, the
//! source networks seen (IPv4 /24, IPv6 /56), the scopes requested, revoked tokens presented and rotated
//! refresh tokens replayed. The server counts in memory on the request path and adds the counts in batches
//! to a [`UsageSource`](crate::ports::UsageSource) (Redis hashes per realm and minute, or a bounded map on
//! one node); [`UsageService`] reads them back for the admin API and the CLI.

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::model::usage::{
    MAX_SCOPES_PER_REQUEST, UsageEvent, UsageKind, UsageMetric, UsageRow, network_of, requested_scopes,
};
use crate::ports::{StoreError, UsageSource};

/// The longest window a report covers: the shared counts are kept two days.
pub const MAX_WINDOW_MINUTES: i64 = 2 * 24 * 60;
/// One client's usage over a window, as the console and `tessera usage` show it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientUsage {
    pub client_id: String,
    pub tokens: u64,
    /// Tokens per minute, oldest first, one value per minute of the window.
    pub tokens_per_minute: Vec<u64>,
    /// Tokens in the last whole minute.
    pub rate_now: u64,
    /// The mean tokens per minute over the window before the last whole minute.
    pub baseline: f64,
    pub failures: BTreeMap<String, u64>,
    /// The distinct source networks seen.
    pub networks: Vec<String>,
    pub scopes: BTreeMap<String, u64>,
    pub revoked_token_uses: u64,
    pub refresh_token_reuses: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    pub realm: String,
    /// The first minute of the window, in seconds since the epoch.
    pub since: i64,
    /// The instant the window ends (exclusive), in seconds since the epoch.
    pub until: i64,
    /// Busiest first.
    pub clients: Vec<ClientUsage>,
}

#[derive(Debug, Clone)]
pub struct UsageQuery {
    pub realm: String,
    pub client: Option<String>,
    /// Seconds since the epoch; the window starts at its minute, at most [`MAX_WINDOW_MINUTES`] back.
    pub since: i64,
}

/// The start of a window from `since`: Unix seconds, or a duration ago (`90s`, `15m`, `2h`, `1d`).
pub fn parse_since(since: &str, now: i64) -> Option<i64> {
    let since = since.trim();
    if let Ok(at) = since.parse::<i64>() {
        return Some(at);
    }
    let unit = match since.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    let n: i64 = since[..since.len() - 1].parse().ok().filter(|n| *n >= 0)?;
    Some(now - n.checked_mul(unit)?)
}

/// Reads usage back: the one service behind `GET …/tessera/usage` and `tessera usage`.
pub struct UsageService<'a> {
    pub source: &'a dyn UsageSource,
}

impl UsageService<'_> {
    pub async fn report(&self, query: &UsageQuery, now: i64) -> Result<UsageReport, StoreError> {
        let until = now.div_euclid(60) + 1;
        let from = query.since.div_euclid(60).clamp(until - MAX_WINDOW_MINUTES, until - 1);
        let rows = self.source.usage(&query.realm, query.client.as_deref(), from, until).await?;
        Ok(build_report(&query.realm, rows, from, until))
    }
}

/// Folds rows of minutes `[from, until)` into per-client usage; the last minute (the current one) is
/// counted but not used as "now" since it is not over.
pub fn build_report(realm: &str, rows: Vec<UsageRow>, from: i64, until: i64) -> UsageReport {
    let width = usize::try_from(until - from).unwrap_or(0);
    let mut clients: BTreeMap<String, ClientUsage> = BTreeMap::new();
    for row in rows {
        if row.minute < from || row.minute >= until {
            continue;
        }
        let usage = clients.entry(row.client.clone()).or_insert_with(|| ClientUsage {
            client_id: row.client.clone(),
            tokens_per_minute: vec![0; width],
            ..ClientUsage::default()
        });
        match row.metric {
            UsageMetric::Tokens => {
                usage.tokens += row.count;
                if let Some(slot) =
                    usize::try_from(row.minute - from).ok().and_then(|i| usage.tokens_per_minute.get_mut(i))
                {
                    *slot += row.count;
                }
            }
            UsageMetric::Failure(reason) => *usage.failures.entry(reason).or_default() += row.count,
            UsageMetric::Scope(scope) => *usage.scopes.entry(scope).or_default() += row.count,
            UsageMetric::Network(net) => {
                if !usage.networks.contains(&net) {
                    usage.networks.push(net);
                }
            }
            UsageMetric::RevokedUse => usage.revoked_token_uses += row.count,
            UsageMetric::RefreshReuse => usage.refresh_token_reuses += row.count,
        }
    }
    let mut clients: Vec<ClientUsage> = clients.into_values().collect();
    for usage in &mut clients {
        usage.networks.sort();
        // The current minute is not over: "now" is the last whole minute, the baseline what came before.
        let whole = &usage.tokens_per_minute[..width.saturating_sub(1)];
        usage.rate_now = whole.last().copied().unwrap_or(0);
        let before = &whole[..whole.len().saturating_sub(1)];
        usage.baseline = if before.is_empty() { 0.0 } else { before.iter().sum::<u64>() as f64 / before.len() as f64 };
    }
    clients.sort_by(|a, b| b.tokens.cmp(&a.tokens).then_with(|| a.client_id.cmp(&b.client_id)));
    UsageReport { realm: realm.to_owned(), since: from * 60, until: until * 60, clients }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_the_ipv4_24_and_the_ipv6_56() {
        assert_eq!(network_of("192.0.2.77").as_deref(), Some("192.0.2.0/24"));
        assert_eq!(network_of("::ffff:192.0.2.77").as_deref(), Some("192.0.2.0/24"));
        assert_eq!(network_of("2001:db8:aa:bbcc:1::1").as_deref(), Some("2001:db8:aa:bb00::/56"));
        assert_eq!(network_of("not an address"), None);
    }

    #[test]
    fn since_is_unix_seconds_or_a_duration_ago() {
        assert_eq!(parse_since("1700000000", 5), Some(1_700_000_000));
        assert_eq!(parse_since("2h", 10_000), Some(10_000 - 7_200));
        assert_eq!(parse_since("15m", 1_000), Some(100));
        assert_eq!(parse_since("-2h", 0), None);
        assert_eq!(parse_since("soon", 0), None);
    }

    #[test]
    fn fields_round_trip_even_when_the_client_id_holds_the_separator() {
        let metrics = [
            UsageMetric::Tokens,
            UsageMetric::Failure("client_secret_basic".into()),
            UsageMetric::Scope("read:x".into()),
            UsageMetric::Network("10.0.0.0/24".into()),
            UsageMetric::RevokedUse,
            UsageMetric::RefreshReuse,
        ];
        for client in ["app", "odd\u{1f}client"] {
            for m in &metrics {
                assert_eq!(UsageMetric::parse_field(&m.field(client)), Some((client, m.clone())));
            }
        }
        assert_eq!(UsageMetric::parse_field("legacy-client-field"), None);
    }

    #[test]
    fn requested_scopes_are_bounded_in_number_and_characters() {
        let many = (0..20).map(|i| format!("s{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(requested_scopes(Some(&many)).count(), MAX_SCOPES_PER_REQUEST);
        let odd: Vec<&str> = requested_scopes(Some("ok bad\"quote")).collect();
        assert_eq!(odd, ["ok", "(invalid)"]);
    }

    #[test]
    fn a_report_has_one_value_per_minute_and_a_baseline_before_the_last_whole_minute() {
        let row = |minute, metric, count| UsageRow { minute, client: "app".into(), metric, count };
        let rows = vec![
            row(10, UsageMetric::Tokens, 4),
            row(11, UsageMetric::Tokens, 6),
            row(12, UsageMetric::Tokens, 50),
            row(13, UsageMetric::Tokens, 1),
            row(12, UsageMetric::Network("10.0.0.0/24".into()), 50),
            row(12, UsageMetric::Failure("client_secret_basic".into()), 3),
        ];
        let report = build_report("r", rows, 10, 14);
        let app = &report.clients[0];
        assert_eq!(app.tokens_per_minute, [4, 6, 50, 1]);
        assert_eq!((app.tokens, app.rate_now, app.baseline), (61, 50, 5.0));
        assert_eq!(app.networks, ["10.0.0.0/24"]);
        assert_eq!(app.failures.get("client_secret_basic"), Some(&3));
        assert_eq!((report.since, report.until), (600, 840));
    }
}
