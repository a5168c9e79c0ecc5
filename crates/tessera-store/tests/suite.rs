#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! One storage suite, every backend (STYLE.md habit 8): each case is written once against the ports and
//! instantiated per backend by `backend_suite!`. The PostgreSQL half needs `TESSERA_TEST_DATABASE_URL`.

use tessera_core::model::ClientScope;
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::{ClientStore, KeyStore, Operations, RealmStore, RevisionStore, ScopeStore, StoreError};
use tessera_core::provisioning::{NewClient, NewRealm, new_client, new_realm};
use tessera_core::secret::ServerSecrets;
use tessera_store::SqlStore;

#[path = "suite/admin_writes.rs"]
mod admin_writes;
#[path = "suite/binding.rs"]
mod binding;
#[path = "suite/device.rs"]
mod device;
#[path = "suite/janitor.rs"]
mod janitor;
#[path = "suite/listing.rs"]
mod listing;
#[path = "suite/pushed.rs"]
mod pushed;
#[path = "suite/registration.rs"]
mod registration;
#[path = "suite/revocation_feed.rs"]
mod revocation_feed;
#[path = "suite/roles.rs"]
mod roles;
#[path = "suite/sign_in.rs"]
mod sign_in;
#[path = "suite/user_revocation.rs"]
mod user_revocation;
use admin_writes::settings_are_replaced_in_place_and_a_deleted_realm_takes_everything;
use binding::codes_and_refresh_tokens_keep_their_binding_rfc9449_5_10_rfc8705_4;
#[path = "suite/user_search.rs"]
mod user_search;
use device::{
    a_device_grant_is_found_by_either_code_and_answered_once, a_device_grant_is_redeemed_once,
    device_grants_go_once_expired,
};
use janitor::{
    codes_stay_while_anything_they_issued_can_still_be_used, login_failure_rows_go_once_their_window_ended,
    refresh_families_go_whole_once_every_token_in_them_is_dead,
    sessions_go_once_dead_unless_a_usable_token_or_code_names_them,
};
use listing::{
    a_client_is_found_by_its_internal_id_with_secrets_and_service_account_roles,
    listed_users_and_clients_carry_their_own_mappings,
};
use pushed::{
    a_pushed_request_is_taken_once_by_its_client_before_it_expires, codes_and_refresh_tokens_keep_their_resources,
    pushed_requests_go_once_expired,
};
use registration::{
    a_registration_access_token_is_replaced_once_and_goes_with_its_client,
    an_initial_access_token_registers_exactly_count_clients_under_concurrency,
    expired_deleted_or_foreign_initial_access_tokens_register_nothing,
    spent_and_expired_initial_access_tokens_go_and_their_clients_stay,
};
use revocation_feed::every_revocation_and_not_before_enters_the_realms_log_once_in_order;
use roles::{
    a_mapping_never_crosses_realms, a_users_profile_is_updated_whole_and_a_deleted_user_takes_their_mappings,
    roles_groups_and_mappings_round_trip_with_users_and_service_accounts,
};
use sign_in::{
    a_code_is_redeemed_once_and_replays_name_the_first_issue, a_code_is_unknown_in_another_realm,
    a_refresh_token_rotates_once_and_families_and_sessions_revoke_together,
    a_sessions_clients_are_those_given_a_code_or_refresh_token_in_it,
    a_stored_scope_that_is_not_a_scope_set_reads_back_as_corrupt, sessions_consent_and_login_failure_windows,
};
use user_revocation::{
    a_clients_not_before_revokes_its_refresh_tokens_issued_before_it,
    revoking_a_user_ends_only_their_sessions_tokens_and_codes_and_their_not_before_is_sequenced,
};
use user_search::{many_matches_give_the_same_pages_as_few, people_are_searched_with_keycloaks_rules_and_counted};

struct Fixture {
    store: SqlStore,
    /// The store's database, for writes behind its back (`raw_sql`).
    url: String,
    secrets: ServerSecrets,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = SqlStore::sqlite_url_for_dir(dir.path());
    let store = SqlStore::connect(&url).await.unwrap();
    Fixture { store, url, secrets: ServerSecrets::generate().unwrap(), _dir: Some(dir) }
}

/// `None` (and the case is skipped with a note) when `TESSERA_TEST_DATABASE_URL` is not set, unless
/// `TESSERA_TEST_SERVICES=required` (`.ci/run` sets both): then the case fails, as it does whenever the
/// database cannot be reached. The rule of `tessera_testkit::services`, copied: the testkit depends on this crate.
async fn postgres() -> Option<Fixture> {
    let base = match std::env::var("TESSERA_TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => base,
        _ if std::env::var("TESSERA_TEST_SERVICES").as_deref() == Ok("required") => {
            panic!(
                "TESSERA_TEST_SERVICES=required but TESSERA_TEST_DATABASE_URL is not set: this test needs PostgreSQL"
            )
        }
        _ => {
            eprintln!("TESSERA_TEST_DATABASE_URL is not set: PostgreSQL case skipped");
            return None;
        }
    };
    let url = match tessera_store::fresh_postgres_schema(&base).await {
        Ok(url) => url,
        Err(e) => panic!("PostgreSQL at TESSERA_TEST_DATABASE_URL is unreachable or refused a fresh schema: {e}"),
    };
    let store = SqlStore::connect(&url).await.unwrap();
    Some(Fixture { store, url, secrets: ServerSecrets::generate().unwrap(), _dir: None })
}

impl Fixture {
    /// Runs `statement` on a connection of its own, past the ports: how a case plants a row that the store
    /// itself would never write.
    async fn raw_sql(&self, statement: &'static str) {
        let pool = sqlx::AnyPool::connect(&self.url).await.unwrap();
        sqlx::raw_sql(statement).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

async fn sqlite_fixture() -> Option<Fixture> {
    Some(sqlite().await)
}

fn realm_spec(name: &str) -> NewRealm {
    NewRealm {
        name: name.into(),
        display_name: Some("Shop".into()),
        signing_alg: SigningAlgorithm::Es256,
        access_token_lifespan: None,
    }
}

async fn realm_round_trips_and_names_are_unique(f: Fixture) {
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    f.store.create_realm(&bundle).await.unwrap();
    assert_eq!(f.store.find_realm("shop").await.unwrap().as_ref(), Some(&bundle.realm));
    assert_eq!(f.store.find_realm("nope").await.unwrap(), None);
    let again = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 11).unwrap();
    assert!(matches!(f.store.create_realm(&again).await, Err(StoreError::Conflict(_))));
    assert_eq!(f.store.list_realms().await.unwrap().len(), 1);
    let keys = f.store.signing_keys(&bundle.realm.id).await.unwrap();
    assert_eq!(keys, bundle.keys);
}

async fn clients_round_trip_with_secrets_and_delete(f: Fixture) {
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    f.store.create_realm(&bundle).await.unwrap();
    f.store.create_scope(&realm_id, &ClientScope::new("api:read")).await.unwrap();
    assert!(matches!(
        f.store.create_scope(&realm_id, &ClientScope::new("api:read")).await,
        Err(StoreError::Conflict(_))
    ));
    let scopes = f.store.list_scopes(&realm_id).await.unwrap();
    let spec = NewClient {
        client_id: "svc".into(),
        service_accounts_enabled: true,
        default_scopes: vec!["api:read".into()],
        audiences: vec!["orders-api".into()],
        ..NewClient::default()
    };
    let (client, _) = new_client(&realm_id, &spec, &scopes, &f.secrets.secret_hasher(), 20).unwrap();
    f.store.create_client(&client).await.unwrap();
    assert_eq!(f.store.find_client(&realm_id, "svc").await.unwrap().as_ref(), Some(&client));
    assert!(matches!(f.store.create_client(&client).await, Err(StoreError::Conflict(_))));
    assert_eq!(f.store.list_clients(&realm_id).await.unwrap(), vec![client.clone()]);
    assert!(f.store.delete_client(&realm_id, "svc").await.unwrap());
    assert!(!f.store.delete_client(&realm_id, "svc").await.unwrap());
    assert_eq!(f.store.find_client(&realm_id, "svc").await.unwrap(), None);
}

async fn every_write_bumps_the_revision(f: Fixture) {
    let r0 = f.store.revision().await.unwrap();
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    f.store.create_realm(&bundle).await.unwrap();
    let r1 = f.store.revision().await.unwrap();
    assert!(r1 > r0);
    f.store.create_scope(&bundle.realm.id, &ClientScope::new("x")).await.unwrap();
    assert!(f.store.revision().await.unwrap() > r1);
}

async fn a_failed_realm_write_leaves_nothing_behind(f: Fixture) {
    let mut bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    // Two scopes with one name: the second insert fails inside the transaction.
    bundle.scopes = vec![ClientScope::new("dup"), ClientScope::new("dup")];
    let before = f.store.revision().await.unwrap();
    assert!(f.store.create_realm(&bundle).await.is_err());
    assert_eq!(f.store.find_realm("shop").await.unwrap(), None);
    assert!(f.store.signing_keys(&bundle.realm.id).await.unwrap().is_empty());
    assert_eq!(f.store.revision().await.unwrap(), before);
}

async fn key_rotation_is_one_atomic_claim(f: Fixture) {
    use tessera_core::keys::generate_signing_key;
    use tessera_core::model::KeyState;
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    f.store.create_realm(&bundle).await.unwrap();
    let next = bundle.keys.iter().find(|k| k.state == KeyState::Next).unwrap().kid.clone();
    let fresh = |t| {
        generate_signing_key(&realm_id, SigningAlgorithm::Es256, KeyState::Next, &f.secrets.master_key(), t).unwrap()
    };
    assert!(f.store.rotate_signing_keys(&realm_id, &next, &fresh(20), 20, 320).await.unwrap());
    // The same claim again loses: the key is no longer next.
    assert!(!f.store.rotate_signing_keys(&realm_id, &next, &fresh(21), 21, 321).await.unwrap());
    let keys = f.store.signing_keys(&realm_id).await.unwrap();
    assert_eq!(keys.len(), 3);
    let states: Vec<_> = keys.iter().map(|k| (k.state, k.not_after)).collect();
    assert!(states.contains(&(KeyState::Retired, Some(320))));
    assert_eq!(keys.iter().filter(|k| k.state == KeyState::Active).count(), 1);
    let retired: Vec<String> = keys.iter().filter(|k| k.state == KeyState::Retired).map(|k| k.kid.clone()).collect();
    // Only retired keys can be removed.
    let active = keys.iter().find(|k| k.state == KeyState::Active).unwrap().kid.clone();
    assert_eq!(f.store.remove_retired_keys(&realm_id, &[active]).await.unwrap(), 0);
    assert_eq!(f.store.remove_retired_keys(&realm_id, &retired).await.unwrap(), 1);
    assert_eq!(f.store.signing_keys(&realm_id).await.unwrap().len(), 2);
}

async fn revocations_are_idempotent_sequenced_and_purged(f: Fixture) {
    use tessera_core::model::RevokedToken;
    use tessera_core::ports::RevocationStore;
    // A revocation enters its realm's feed log (migration 0012), which needs the realm.
    let bundle = new_realm(&realm_spec("revoking"), &f.secrets.master_key(), 1).unwrap();
    f.store.create_realm(&bundle).await.unwrap();
    let realm_id = bundle.realm.id.clone();
    let token = |jti: &str, exp| RevokedToken {
        jti: jti.into(),
        realm_id: realm_id.clone(),
        client_id: "c".into(),
        exp,
        revoked_at: 1,
    };
    f.store.insert_revocation(&token("a", 100)).await.unwrap();
    f.store.insert_revocation(&token("a", 100)).await.unwrap();
    f.store.insert_revocation(&token("b", 200)).await.unwrap();
    let all = f.store.revocations_since(0, 10).await.unwrap();
    assert_eq!(all.iter().map(|(_, t)| t.jti.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert!(all[0].0 < all[1].0);
    assert_eq!(f.store.revocations_since(all[0].0, 10).await.unwrap().len(), 1);
    assert_eq!(f.store.purge_expired_revocations(150).await.unwrap(), 1);
    assert_eq!(f.store.revocations_since(0, 10).await.unwrap()[0].1.jti, "b");
}

async fn secret_rotation_and_not_before_change_the_client(f: Fixture) {
    use tessera_core::model::{ClientSecret, SecretHash};
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    f.store.create_realm(&bundle).await.unwrap();
    let spec = NewClient { client_id: "svc".into(), service_accounts_enabled: true, ..NewClient::default() };
    let (client, _) = new_client(&realm_id, &spec, &[], &f.secrets.secret_hasher(), 20).unwrap();
    f.store.create_client(&client).await.unwrap();
    let new =
        ClientSecret { id: "s2".into(), hash: SecretHash("h2".into()), created_at: 30, expires_at: None, sealed: None };
    assert!(f.store.rotate_client_secret(&realm_id, "svc", &new, 90).await.unwrap());
    assert!(!f.store.rotate_client_secret(&realm_id, "ghost", &new, 90).await.unwrap());
    let found = f.store.find_client(&realm_id, "svc").await.unwrap().unwrap();
    assert_eq!(found.secrets.iter().map(|s| s.expires_at).collect::<Vec<_>>(), [Some(90), None]);
    assert!(f.store.set_client_not_before(&realm_id, "svc", 55).await.unwrap());
    assert!(!f.store.set_client_not_before(&realm_id, "ghost", 55).await.unwrap());
    assert_eq!(f.store.find_client(&realm_id, "svc").await.unwrap().unwrap().not_before, 55);
    f.store.set_realm_not_before(&realm_id, 66).await.unwrap();
    assert_eq!(f.store.find_realm("shop").await.unwrap().unwrap().not_before, 66);
}

async fn audit_events_append_and_filter(f: Fixture) {
    use tessera_core::audit::{AuditEvent, AuditKind, AuditQuery};
    use tessera_core::ports::AuditStore;
    let events = [
        AuditEvent::new(10, "shop", AuditKind::ClientCreated).client("a"),
        AuditEvent::new(20, "shop", AuditKind::ClientAuthFailed).client("a").failed().source(Some("10.0.0.1")),
        AuditEvent::new(30, "shop", AuditKind::ClientCreated).client("b"),
        AuditEvent::new(40, "other", AuditKind::ClientCreated).client("a"),
    ];
    f.store.append_audit(&events).await.unwrap();
    let q = |kind, client: Option<&str>, since| AuditQuery {
        realm: "shop".into(),
        since,
        kind,
        client_id: client.map(str::to_owned),
        limit: 0,
        newest_first: false,
    };
    assert_eq!(f.store.audit_events(&q(None, None, None)).await.unwrap(), events[..3].to_vec());
    assert_eq!(f.store.audit_events(&q(Some(AuditKind::ClientCreated), None, None)).await.unwrap().len(), 2);
    assert_eq!(f.store.audit_events(&q(None, Some("a"), None)).await.unwrap().len(), 2);
    assert_eq!(f.store.audit_events(&q(None, None, Some(20))).await.unwrap().len(), 2);
    // Newest first, limited: the latest events, not the earliest.
    let newest = AuditQuery { limit: 2, newest_first: true, ..q(None, None, None) };
    assert_eq!(f.store.audit_events(&newest).await.unwrap(), vec![events[2].clone(), events[1].clone()]);
}

async fn jobs_are_claimed_by_one_node_at_a_time(f: Fixture) {
    assert!(f.store.claim_job("purge", "a", 100, 160).await.unwrap());
    assert!(!f.store.claim_job("purge", "b", 120, 180).await.unwrap(), "claimed twice");
    assert!(f.store.claim_job("purge", "b", 160, 220).await.unwrap(), "not claimable after it lapsed");
    assert!(f.store.claim_job("other", "a", 120, 180).await.unwrap());
    f.store.ping().await.unwrap();
}

/// N parallel rotations of one realm through separate connections: exactly one wins.
async fn concurrent_key_rotations_make_exactly_one(f: Fixture) {
    use tessera_core::keys::generate_signing_key;
    use tessera_core::model::KeyState;
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    f.store.create_realm(&bundle).await.unwrap();
    let next = bundle.keys.iter().find(|k| k.state == KeyState::Next).unwrap().kid.clone();
    let attempts = (0..8).map(|i| {
        let key =
            generate_signing_key(&realm_id, SigningAlgorithm::Es256, KeyState::Next, &f.secrets.master_key(), 20 + i)
                .unwrap();
        let store = f.store.clone();
        let (realm_id, next) = (realm_id.clone(), next.clone());
        tokio::spawn(async move { store.rotate_signing_keys(&realm_id, &next, &key, 20, 320).await.unwrap() })
    });
    let mut won = 0;
    for attempt in attempts {
        won += usize::from(attempt.await.unwrap());
    }
    assert_eq!(won, 1);
    assert_eq!(f.store.signing_keys(&realm_id).await.unwrap().len(), 3);
}

async fn users_are_created_found_listed_and_changed(f: Fixture) {
    use tessera_core::ports::UserStore;
    use tessera_core::provisioning::new_user;
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    f.store.create_realm(&bundle).await.unwrap();
    let mut wile = new_user(&realm_id, "wile", None, 20).unwrap();
    wile.password_hash = Some("$argon2id$placeholder".into());
    (wile.email, wile.email_verified) = (Some("wile@acme.test".into()), true);
    (wile.first_name, wile.last_name) = (Some("Wile E.".into()), Some("Coyote".into()));
    wile.attributes.insert("team".into(), vec!["rockets".into(), "traps".into()]);
    f.store.create_user(&wile).await.unwrap();
    // By id (on SQLite the synchronous read path, rusqlite on the caller's thread): every field.
    assert_eq!(f.store.find_user_by_id(&realm_id, &wile.id).await.unwrap(), Some(wile.clone()));
    assert_eq!(f.store.find_user_by_id(&realm_id, "no-such-id").await.unwrap(), None);
    assert_eq!(f.store.find_user_by_id("another-realm", &wile.id).await.unwrap(), None);
    assert!(matches!(f.store.create_user(&wile).await, Err(StoreError::Conflict(_))));
    assert_eq!(f.store.find_user(&realm_id, "wile").await.unwrap(), Some(wile.clone()));
    assert_eq!(f.store.find_user(&realm_id, "nobody").await.unwrap(), None);
    assert!(f.store.set_user_password(&realm_id, "wile", "$argon2id$temporary", true).await.unwrap());
    let temporary = f.store.find_user(&realm_id, "wile").await.unwrap().unwrap();
    assert_eq!(temporary.required_actions, ["UPDATE_PASSWORD"], "a temporary password must be changed");
    assert!(f.store.complete_password_update(&realm_id, &wile.id, "$argon2id$chosen").await.unwrap());
    let chosen = f.store.find_user(&realm_id, "wile").await.unwrap().unwrap();
    assert!(chosen.required_actions.is_empty());
    assert_eq!(chosen.password_hash.as_deref(), Some("$argon2id$chosen"));
    assert!(f.store.set_user_password(&realm_id, "wile", "$argon2id$other", false).await.unwrap());
    assert!(!f.store.set_user_password(&realm_id, "nobody", "$argon2id$other", false).await.unwrap());
    assert!(f.store.set_user_enabled(&realm_id, "wile", false).await.unwrap());
    assert!(!f.store.complete_password_update(&realm_id, &wile.id, "$argon2id$x").await.unwrap(), "disabled");
    assert!(!f.store.set_user_enabled(&realm_id, "nobody", false).await.unwrap());
    let listed = f.store.list_users(&realm_id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].enabled);
    assert_eq!(listed[0].password_hash.as_deref(), Some("$argon2id$other"));
}

/// One list of cases, instantiated for every backend, so the lists cannot drift apart.
macro_rules! backend_suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    if let Some(fixture) = super::sqlite_fixture().await {
                        super::$case(fixture).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    if let Some(fixture) = super::postgres().await {
                        super::$case(fixture).await;
                    }
                }
            )*
        }
    };
}

backend_suite!(
    realm_round_trips_and_names_are_unique,
    clients_round_trip_with_secrets_and_delete,
    a_client_is_found_by_its_internal_id_with_secrets_and_service_account_roles,
    listed_users_and_clients_carry_their_own_mappings,
    every_write_bumps_the_revision,
    a_failed_realm_write_leaves_nothing_behind,
    key_rotation_is_one_atomic_claim,
    revocations_are_idempotent_sequenced_and_purged,
    secret_rotation_and_not_before_change_the_client,
    audit_events_append_and_filter,
    jobs_are_claimed_by_one_node_at_a_time,
    concurrent_key_rotations_make_exactly_one,
    users_are_created_found_listed_and_changed,
    a_code_is_redeemed_once_and_replays_name_the_first_issue,
    a_code_is_unknown_in_another_realm,
    a_refresh_token_rotates_once_and_families_and_sessions_revoke_together,
    a_stored_scope_that_is_not_a_scope_set_reads_back_as_corrupt,
    sessions_consent_and_login_failure_windows,
    a_sessions_clients_are_those_given_a_code_or_refresh_token_in_it,
    codes_stay_while_anything_they_issued_can_still_be_used,
    refresh_families_go_whole_once_every_token_in_them_is_dead,
    sessions_go_once_dead_unless_a_usable_token_or_code_names_them,
    login_failure_rows_go_once_their_window_ended,
    roles_groups_and_mappings_round_trip_with_users_and_service_accounts,
    a_mapping_never_crosses_realms,
    a_users_profile_is_updated_whole_and_a_deleted_user_takes_their_mappings,
    a_device_grant_is_found_by_either_code_and_answered_once,
    a_device_grant_is_redeemed_once,
    device_grants_go_once_expired,
    revoking_a_user_ends_only_their_sessions_tokens_and_codes_and_their_not_before_is_sequenced,
    a_clients_not_before_revokes_its_refresh_tokens_issued_before_it,
    settings_are_replaced_in_place_and_a_deleted_realm_takes_everything,
    people_are_searched_with_keycloaks_rules_and_counted,
    many_matches_give_the_same_pages_as_few,
    a_pushed_request_is_taken_once_by_its_client_before_it_expires,
    pushed_requests_go_once_expired,
    codes_and_refresh_tokens_keep_their_resources,
    codes_and_refresh_tokens_keep_their_binding_rfc9449_5_10_rfc8705_4,
    every_revocation_and_not_before_enters_the_realms_log_once_in_order,
    an_initial_access_token_registers_exactly_count_clients_under_concurrency,
    expired_deleted_or_foreign_initial_access_tokens_register_nothing,
    a_registration_access_token_is_replaced_once_and_goes_with_its_client,
    spent_and_expired_initial_access_tokens_go_and_their_clients_stay,
);
