//! Issue #17's memory bound: a guard holding 10^6 revoked entries costs at most 64 MiB. Its own test binary
//! (one process, one test) so that the resident set measured is this cache's alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tessera_guard::{FeedEvent, RevocationCache};

/// Resident set size in bytes, from /proc/self/statm (Linux).
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
fn a_million_revoked_entries_fit_in_64_mib() {
    let Some(before) = rss() else { return eprintln!("no /proc/self/statm: skipped") };
    let cache = RevocationCache::default();
    // Our `jti`s are 22 characters of base64url (128 random bits).
    for i in 0..1_000_000u64 {
        cache.apply(&FeedEvent::TokenRevoked { jti: format!("{i:0>22}"), exp: i64::MAX });
    }
    assert_eq!(cache.len(), 1_000_000);
    let grown = rss().unwrap().saturating_sub(before);
    eprintln!("10^6 revoked entries: {:.1} MiB resident", grown as f64 / (1024.0 * 1024.0));
    assert!(grown <= 64 * 1024 * 1024, "10^6 entries took {grown} bytes");
}
