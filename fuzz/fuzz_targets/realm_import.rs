//! Keycloak realm import: `tessera_core::import::keycloak::read_realm_export` on arbitrary JSON text, the
//! step that reads and checks everything the document's author controls. It generates no key and hashes
//! nothing, so valid documents run about as fast as invalid ones. `RealmPlan::materialize` (keys, Argon2,
//! secrets) runs only on the plans where it is cheap: EdDSA keys and no clear password.
#![no_main]

use std::collections::HashSet;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tessera_core::import::keycloak::{RealmPlan, read_realm_export};
use tessera_core::model::{Client, RealmName, SigningAlgorithm};
use tessera_fuzz::{Loaded, NOW};

static FIXTURE: LazyLock<Loaded> = LazyLock::new(tessera_fuzz::load);

fuzz_target!(|data: &[u8]| {
    let Some(json) = tessera_fuzz::text(data) else { return };
    let Ok(plan) = read_realm_export(json, NOW) else { return };
    check_plan(&plan);
    if plan.bundle().realm.signing_alg == SigningAlgorithm::EdDsa && plan.planned_passwords().next().is_none() {
        check_materialize(plan);
    }
});

fn check_plan(plan: &RealmPlan) {
    let b = plan.bundle();
    assert!(RealmName::parse(&b.realm.name).is_some(), "the realm name is valid");
    assert!(b.keys.is_empty(), "reading generates no key");
    let scopes: HashSet<&str> = b.scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(scopes.len(), b.scopes.len(), "no duplicate scopes");
    let ids: HashSet<&str> = b.clients.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(ids.len(), b.clients.len(), "no duplicate clients");
    let roles: HashSet<&str> = b.roles.iter().map(|r| r.id.as_str()).collect();
    let groups: HashSet<&str> = b.groups.iter().map(|g| g.id.as_str()).collect();
    let users: HashSet<&str> = b.users.iter().map(|u| u.id.as_str()).collect();
    let mappings_resolve = |m: &tessera_core::model::RoleMappings| {
        m.role_ids.iter().all(|r| roles.contains(r.as_str())) && m.group_ids.iter().all(|g| groups.contains(g.as_str()))
    };
    for r in &b.roles {
        assert!(r.composites.iter().all(|c| roles.contains(c.as_str())), "composites are roles of the realm");
    }
    for (i, g) in b.groups.iter().enumerate() {
        assert!(g.role_ids.iter().all(|r| roles.contains(r.as_str())));
        let parent = g.parent_id.as_deref();
        assert!(parent.is_none_or(|p| b.groups[..i].iter().any(|o| o.id == p)), "parents before their subgroups");
    }
    for u in &b.users {
        assert!(u.password_hash.is_none(), "reading hashes no password");
        assert!(mappings_resolve(&u.roles));
    }
    for c in &b.clients {
        assert!(Client::is_valid_client_id(&c.client_id));
        assert!(c.default_scopes.iter().chain(&c.optional_scopes).all(|s| scopes.contains(s.as_str())));
        assert!(!(c.public_client && c.service_accounts_enabled), "a public client has no service account");
        assert!(c.secrets.is_empty(), "reading makes no secret");
        assert!(mappings_resolve(&c.service_account_roles));
        let account = c.service_account_user_id.as_deref();
        assert_eq!(account.is_some(), c.service_accounts_enabled);
        assert!(account.is_none_or(|id| users.contains(id)), "a service account has its user");
    }
    let planned: Vec<&str> = plan.planned_secrets().map(|(c, _)| c.client_id.as_str()).collect();
    let confidential: Vec<&str> = b.clients.iter().filter(|c| !c.public_client).map(|c| c.client_id.as_str()).collect();
    assert_eq!(planned, confidential, "a secret planned for each confidential client, and only for them");
}

/// Materializing adds two keys of the realm's algorithm and one secret per confidential client (those
/// planned as generated are returned), and changes nothing else that was read.
fn check_materialize(plan: RealmPlan) {
    let loaded = &*FIXTURE;
    let alg = plan.bundle().realm.signing_alg;
    let generated: Vec<String> = plan.planned_secrets().filter(|(_, g)| *g).map(|(c, _)| c.client_id.clone()).collect();
    let (clients, users, warnings) = (plan.bundle().clients.len(), plan.bundle().users.len(), plan.warnings().len());
    let imported = match plan.materialize(&loaded.master(), &loaded.secrets.secret_hasher()) {
        Ok(imported) => imported,
        Err(e) => panic!("a plan that was read materializes: {e}"),
    };
    let b = &imported.bundle;
    assert_eq!(b.keys.len(), 2, "an active and a next key");
    assert!(b.keys.iter().all(|k| k.alg == alg));
    assert_eq!((b.clients.len(), b.users.len(), imported.warnings.len()), (clients, users, warnings));
    assert!(b.clients.iter().all(|c| c.secrets.len() == usize::from(!c.public_client)));
    let returned: Vec<String> = imported.generated_secrets.iter().map(|(c, _)| c.clone()).collect();
    assert_eq!(returned, generated);
}
