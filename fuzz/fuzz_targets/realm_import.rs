//! Keycloak realm import: `tessera_core::import::keycloak::parse_realm_export` on arbitrary JSON text.
//! A document that parses costs two key generations (and an Argon2 hash per clear password), so this
//! target runs far slower on valid input than on the rest.
#![no_main]

use std::collections::HashSet;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tessera_core::import::keycloak::parse_realm_export;
use tessera_core::model::{Client, RealmName};
use tessera_fuzz::{Loaded, NOW};

static FIXTURE: LazyLock<Loaded> = LazyLock::new(tessera_fuzz::load);

fuzz_target!(|data: &[u8]| {
    let loaded = &*FIXTURE;
    let Some(json) = tessera_fuzz::text(data) else { return };
    let Ok(imported) = parse_realm_export(json, &loaded.master(), &loaded.secrets.secret_hasher(), NOW) else {
        return;
    };
    let b = &imported.bundle;
    assert!(RealmName::parse(&b.realm.name).is_some(), "the realm name is valid");
    assert_eq!(b.keys.len(), 2, "an active and a next key");
    let scopes: HashSet<&str> = b.scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(scopes.len(), b.scopes.len(), "no duplicate scopes");
    let ids: HashSet<&str> = b.clients.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(ids.len(), b.clients.len(), "no duplicate clients");
    for c in &b.clients {
        assert!(Client::is_valid_client_id(&c.client_id));
        assert!(c.default_scopes.iter().chain(&c.optional_scopes).all(|s| scopes.contains(s.as_str())));
        assert!(!(c.public_client && c.service_accounts_enabled), "a public client has no service account");
        assert_eq!(c.public_client, c.secrets.is_empty(), "confidential clients, and only they, have a secret");
    }
    for (client_id, _) in &imported.generated_secrets {
        assert!(ids.contains(client_id.as_str()));
    }
});
