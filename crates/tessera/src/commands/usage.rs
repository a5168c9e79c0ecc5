//! `tessera usage`: usage per client as a table, with a sparkline of tokens per minute and the rate of the
//! last whole minute against the baseline. Reads through the core's `UsageService`: from Redis (every
//! node's counts) with `--redis-url`, else from the audit trail.

use std::time::Duration;

use tessera_core::clock::{Clock, SystemClock};
use tessera_core::ports::{StoreError, UsageSource};
use tessera_core::usage::{ClientUsage, UsageQuery, UsageReport, UsageService};
use tessera_server::Config;
use tessera_server::usage::UsageStore;
use tessera_server::usage::audit_source::AuditUsage;
use tessera_server::usage::redis::RedisUsage;

use super::data::{find_realm, open};
use super::error::CommandError;
use crate::cli::UsageArgs;
use crate::duration::parse_seconds;

/// The widest sparkline: longer windows are summed into this many columns.
const SPARK_WIDTH: usize = 40;
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub async fn run(config: Config, args: UsageArgs) -> Result<(), CommandError> {
    let (store, _) = open(&config).await?;
    let realm = find_realm(&store, &args.realm).await?;
    let redis = match &args.redis_url {
        Some(url) => Some(UsageStore::Redis(RedisUsage::connect(url).await.map_err(StoreError::Unavailable)?)),
        None => None,
    };
    let audit = AuditUsage { store: &store };
    let source: &dyn UsageSource = match &redis {
        Some(r) => r,
        None => &audit,
    };
    loop {
        let now = SystemClock.now();
        let since = match args.since.parse::<i64>() {
            Ok(t) => t,
            Err(_) => now - parse_seconds(&args.since)?,
        };
        let query = UsageQuery { realm: realm.name.clone(), client: args.client.clone(), since };
        let mut report = UsageService { source }.report(&query, now).await?;
        report.clients.truncate(args.top);
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", table(&report));
        }
        if !args.watch {
            break;
        }
        tokio::time::sleep(Duration::from_secs(args.interval)).await;
        println!();
    }
    store.close().await;
    Ok(())
}

fn table(report: &UsageReport) -> String {
    let mut out = format!(
        "{:<28} {:>8} {:>8} {:>9} {:>6} {:>8} {:>4} {:>7}  TOKENS/MIN\n",
        "CLIENT", "TOKENS", "NOW/MIN", "BASE/MIN", "RATIO", "FAILURES", "NETS", "REVOKED"
    );
    if report.clients.is_empty() {
        out.push_str("(no usage in this window)\n");
    }
    for c in &report.clients {
        out.push_str(&row(c));
        out.push('\n');
    }
    out
}

fn row(c: &ClientUsage) -> String {
    let ratio = if c.baseline > 0.0 { format!("{:.1}x", c.rate_now as f64 / c.baseline) } else { "-".to_owned() };
    let failures: u64 = c.failures.values().sum();
    format!(
        "{:<28} {:>8} {:>8} {:>9.1} {:>6} {:>8} {:>4} {:>7}  {}",
        c.client_id,
        c.tokens,
        c.rate_now,
        c.baseline,
        ratio,
        failures,
        c.networks.len(),
        c.revoked_token_uses,
        sparkline(&c.tokens_per_minute)
    )
}

/// One bar per column (minutes summed when the window is wider), scaled to the busiest column.
pub fn sparkline(series: &[u64]) -> String {
    if series.is_empty() {
        return String::new();
    }
    let per_column = series.len().div_ceil(SPARK_WIDTH);
    let columns: Vec<u64> = series.chunks(per_column).map(|c| c.iter().sum()).collect();
    let max = columns.iter().copied().max().unwrap_or(0).max(1);
    columns.iter().map(|v| if *v == 0 { ' ' } else { BARS[((*v * 7).div_ceil(max) as usize).min(7)] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_scales_to_its_busiest_column_and_leaves_silence_blank() {
        assert_eq!(sparkline(&[0, 1, 4, 8]), " ▂▅█");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[5; 120]).chars().count(), SPARK_WIDTH);
    }
}
