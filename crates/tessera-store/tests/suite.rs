#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! One storage suite, every backend (STYLE.md habit 8): each case is written once against the ports and
//! instantiated per backend by `backend_suite!`. The PostgreSQL half joins when that backend lands.

use tessera_core::keys::SigningAlgorithm;
use tessera_core::model::ClientScope;
use tessera_core::provisioning::{NewClient, NewRealm, new_client, new_realm};
use tessera_core::secret::ServerSecrets;
use tessera_core::store::{ClientStore, KeyStore, RealmStore, RevisionStore, ScopeStore, StoreError};
use tessera_store::SqlStore;

struct Fixture {
    store: SqlStore,
    secrets: ServerSecrets,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::connect(&SqlStore::sqlite_url_for_dir(dir.path())).await.unwrap();
    Fixture { store, secrets: ServerSecrets::generate().unwrap(), _dir: Some(dir) }
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

macro_rules! backend_suite {
    ($backend:ident: $($case:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::$backend().await).await;
                }
            )*
        }
    };
}

backend_suite!(sqlite:
    realm_round_trips_and_names_are_unique,
    clients_round_trip_with_secrets_and_delete,
    every_write_bumps_the_revision,
    a_failed_realm_write_leaves_nothing_behind,
);
