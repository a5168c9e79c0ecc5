//! The sealed pending-request decoder: `PendingAuthorization::open` with the fixture's master key.
//!
//! Two modes, so the fuzzer reaches the JSON behind the seal as well as the seal itself:
//! - input as the login form posts it (sealed text): must not open unless it is a seed sealed by us;
//! - `#` then bytes: sealed here for the realm, then opened: whatever opens re-serializes to itself,
//!   and never opens for another realm.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tessera_core::sign_in::pending::PendingAuthorization;
use tessera_fuzz::{Loaded, NOW};

/// The associated data `PendingAuthorization::seal` binds a request to its realm with (private there):
/// checked against a real sealed request before the first input, so a change there fails loudly here.
fn aad(realm: &str) -> String {
    format!("tessera-pending-authorization:{realm}")
}

static FIXTURE: LazyLock<Loaded> = LazyLock::new(|| {
    let loaded = tessera_fuzz::load();
    let (master, realm) = (loaded.master(), loaded.fixture.realm_id.clone());
    for sealed in &loaded.fixture.pending {
        assert!(master.open(sealed, &aad(&realm)).is_ok(), "the fuzz target's AAD is out of step with pending.rs");
    }
    loaded
});

fuzz_target!(|data: &[u8]| {
    let loaded = &*FIXTURE;
    let master = loaded.master();
    let realm = loaded.fixture.realm_id.as_str();
    let sealed = match data.strip_prefix(b"#") {
        None => {
            let Some(text) = tessera_fuzz::text(data) else { return };
            if PendingAuthorization::open(text, &master, realm, NOW).is_some() {
                assert!(loaded.fixture.pending.iter().any(|p| p == text), "opened a request we never sealed");
            }
            return;
        }
        Some(plain) => master.seal(plain, &aad(realm)),
    };
    let Ok(sealed) = sealed else { return };
    assert!(PendingAuthorization::open(&sealed, &master, "another-realm", NOW).is_none(), "bound to its realm");
    let Some(pending) = PendingAuthorization::open(&sealed, &master, realm, NOW) else { return };
    assert!(pending.expires_at > NOW);
    let json = serde_json::to_vec(&pending).unwrap_or_else(|e| panic!("re-serializes: {e}"));
    let again: PendingAuthorization = serde_json::from_slice(&json).unwrap_or_else(|e| panic!("re-parses: {e}"));
    assert_eq!(again.request, pending.request);
    assert_eq!((again.csrf, again.expires_at), (pending.csrf, pending.expires_at));
    assert_eq!(again.verified_user, pending.verified_user);
});
