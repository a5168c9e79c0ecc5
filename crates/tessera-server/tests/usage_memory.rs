//! Issue #15's memory bound: usage counts and detector state for 10^6 clients fit in 200 MiB. Its own test
//! binary (one process, one test) so that the resident set measured is this state's alone.
//! `cargo test -p tessera-server --test usage_memory -- --nocapture` prints the figure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tessera_core::usage::{UsageEvent, UsageKind};
use tessera_server::usage::local::LocalUsage;
use tessera_server::usage::{MAX_WATCHED_CLIENTS, UsageRecorder, UsageStore};

/// Resident set size in bytes, from /proc/self/statm (Linux).
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

const CLIENTS: u32 = 1_000_000;
const T0: i64 = 1_900_000_000;

#[tokio::test]
async fn usage_and_detector_state_for_a_million_clients_fit_in_200_mib() {
    let Some(before) = rss() else { return eprintln!("no /proc/self/statm: skipped") };
    let recorder = UsageRecorder::new(UsageStore::Local(LocalUsage::default()), MAX_WATCHED_CLIENTS);
    // Two minutes of traffic: every client gets a token (a scope, a source address) in each, flushed in
    // batches as the server's one-second flush takes them (20,000 distinct clients a second).
    const BATCHES: u32 = 50;
    for minute in 0..2i64 {
        let now = T0 + minute * 60;
        for batch in 0..BATCHES {
            for i in batch * (CLIENTS / BATCHES)..(batch + 1) * (CLIENTS / BATCHES) {
                let client = format!("client-{i:07}");
                let ip = format!("10.{}.{}.7", (i >> 16) & 0xff, (i >> 8) & 0xff);
                recorder.record(&UsageEvent {
                    realm: "shop",
                    client: &client,
                    at: now,
                    source_ip: Some(&ip),
                    kind: UsageKind::TokenIssued { scope: Some("orders:read") },
                });
            }
            let anomalies = recorder.flush(now, None).await;
            assert!(anomalies.is_empty(), "new clients are learning: {:?}", anomalies.first());
        }
        eprintln!("after minute {minute}: {:.1} MiB", rss().unwrap().saturating_sub(before) as f64 / 1048576.0);
    }
    assert_eq!(recorder.watched(), CLIENTS as usize);
    let grown = rss().unwrap().saturating_sub(before);
    let local = match &recorder.store {
        UsageStore::Local(local) => local.bytes(),
        UsageStore::Redis(_) => 0,
    };
    eprintln!(
        "10^6 clients: {:.1} MiB resident (usage counts kept locally: {:.1} MiB by their budget)",
        grown as f64 / (1024.0 * 1024.0),
        local as f64 / (1024.0 * 1024.0)
    );
    assert!(grown <= 200 * 1024 * 1024, "10^6 clients took {grown} bytes");
}
