//! `ScopeSet::parse` (RFC 6749 §3.3): bounded, and parse(to_string(s)) == s.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use tessera_proto::ScopeSet;

fuzz_target!(|data: &[u8]| {
    let Some(text) = tessera_fuzz::text(data) else { return };
    let Ok(set) = ScopeSet::parse(text) else { return };
    assert!(set.len() <= ScopeSet::MAX_TOKENS);
    let sent: HashSet<&str> = text.split(' ').collect();
    for token in set.iter() {
        assert!(ScopeSet::is_valid_token(token) && token.len() <= ScopeSet::MAX_TOKEN_LEN);
        assert!(sent.contains(token), "every token comes from the input");
    }
    let printed = set.to_string();
    assert_eq!(ScopeSet::parse(&printed).as_ref(), Ok(&set), "round-trip through to_string");
    assert!(!printed.contains("  ") && !printed.starts_with(' ') && !printed.ends_with(' '));
    let distinct: HashSet<&str> = set.iter().collect();
    assert_eq!(distinct.len(), set.len(), "no duplicates");
});
