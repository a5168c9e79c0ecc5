//! RFC 7591 §3 / RFC 7592: an initial access token allows exactly `count` registrations, even when they race
//! (STYLE.md habit 7); an expired or deleted one allows none; a registration access token is replaced once.

use tessera_core::model::InitialAccessToken;
use tessera_core::ports::{ClientRegistrationStore, ClientStore, Janitor, Purged, Retention};
use tessera_core::provisioning::{NewClient, new_client};

use super::Fixture;
use super::sign_in::realm_with_user;

fn initial(realm_id: &str, hash: &str, count: i64, expiration: i64) -> InitialAccessToken {
    InitialAccessToken {
        id: format!("id-{hash}"),
        realm_id: realm_id.into(),
        token_hash: hash.into(),
        created_at: 1000,
        expiration,
        count,
        remaining: count,
    }
}

fn client(f: &Fixture, realm_id: &str, id: &str) -> tessera_core::model::Client {
    let spec = NewClient { client_id: id.into(), service_accounts_enabled: true, ..NewClient::default() };
    new_client(realm_id, &spec, &[], &f.secrets.secret_hasher(), 1000).unwrap().0
}

pub async fn an_initial_access_token_registers_exactly_count_clients_under_concurrency(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    f.store.insert_initial_access(&initial(&realm_id, "iat", 3, 0)).await.unwrap();
    let attempts = (0..10).map(|i| {
        let store = f.store.clone();
        let c = client(&f, &realm_id, &format!("reg-{i}"));
        tokio::spawn(async move { store.register_client("iat", 2000, &c, &format!("rat-{i}")).await.unwrap() })
    });
    let mut registered = 0;
    for attempt in attempts {
        registered += usize::from(attempt.await.unwrap());
    }
    assert_eq!(registered, 3, "only count registrations succeed");
    let listed = f.store.list_initial_access(&realm_id).await.unwrap();
    assert_eq!((listed[0].count, listed[0].remaining), (3, 0));
    let clients = f.store.list_clients(&realm_id).await.unwrap();
    assert_eq!(clients.iter().filter(|c| c.client_id.starts_with("reg-")).count(), 3, "losers wrote nothing");
    for c in clients.iter().filter(|c| c.client_id.starts_with("reg-")) {
        let hash = f.store.registration_token_hash(&realm_id, &c.client_id).await.unwrap();
        assert!(hash.is_some_and(|h| h.starts_with("rat-")), "each winner has its registration token");
    }
}

pub async fn expired_deleted_or_foreign_initial_access_tokens_register_nothing(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    f.store.insert_initial_access(&initial(&realm_id, "short", 5, 60)).await.unwrap();
    assert!(!f.store.register_client("short", 1060, &client(&f, &realm_id, "late"), "r").await.unwrap(), "expired");
    assert!(f.store.register_client("short", 1059, &client(&f, &realm_id, "early"), "r1").await.unwrap());
    let mut other = client(&f, &realm_id, "foreign");
    other.realm_id = "another-realm".into();
    assert!(!f.store.register_client("short", 1000, &other, "r2").await.unwrap(), "another realm's token");
    // A client id that exists: a conflict, and the use is given back.
    let taken = f.store.list_initial_access(&realm_id).await.unwrap()[0].remaining;
    assert!(f.store.register_client("short", 1001, &client(&f, &realm_id, "early"), "r3").await.is_err());
    assert_eq!(f.store.list_initial_access(&realm_id).await.unwrap()[0].remaining, taken);
    assert!(f.store.delete_initial_access(&realm_id, "id-short").await.unwrap());
    assert!(!f.store.delete_initial_access(&realm_id, "id-short").await.unwrap());
    assert!(!f.store.register_client("short", 1001, &client(&f, &realm_id, "after"), "r4").await.unwrap(), "deleted");
    assert!(f.store.find_client(&realm_id, "after").await.unwrap().is_none());
}

pub async fn a_registration_access_token_is_replaced_once_and_goes_with_its_client(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    f.store.insert_initial_access(&initial(&realm_id, "iat", 1, 0)).await.unwrap();
    let mut c = client(&f, &realm_id, "app");
    assert!(f.store.register_client("iat", 1001, &c, "old").await.unwrap());
    c.name = Some("renamed".into());
    assert!(f.store.update_registered_client(&c, "old", "new").await.unwrap());
    c.name = Some("again".into());
    assert!(!f.store.update_registered_client(&c, "old", "newer").await.unwrap(), "the old token lost");
    let stored = f.store.find_client(&realm_id, "app").await.unwrap().unwrap();
    assert_eq!(stored.name.as_deref(), Some("renamed"), "a refused update writes nothing");
    assert_eq!(f.store.registration_token_hash(&realm_id, "app").await.unwrap().as_deref(), Some("new"));
    assert!(f.store.delete_client(&realm_id, "app").await.unwrap());
    assert_eq!(f.store.registration_token_hash(&realm_id, "app").await.unwrap(), None);
}

/// The janitor (Keycloak's clean-up of client initial access): a token with no registration left or past its
/// lifetime goes; one with uses and time left, or without an expiry, stays; the clients registered stay.
pub async fn spent_and_expired_initial_access_tokens_go_and_their_clients_stay(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    f.store.insert_initial_access(&initial(&realm_id, "spent", 1, 0)).await.unwrap();
    f.store.insert_initial_access(&initial(&realm_id, "expired", 5, 60)).await.unwrap();
    f.store.insert_initial_access(&initial(&realm_id, "live", 5, 600)).await.unwrap();
    f.store.insert_initial_access(&initial(&realm_id, "forever", 5, 0)).await.unwrap();
    assert!(f.store.register_client("spent", 1001, &client(&f, &realm_id, "by-spent"), "rat").await.unwrap());
    let retention = Retention {
        realm_id: realm_id.clone(),
        dead_by: 1060,
        idle_by: 0,
        started_by: 0,
        failure_windows_started_by: 0,
    };
    assert_eq!(f.store.purge(&retention).await.unwrap(), Purged { initial_access: 2, ..Purged::default() });
    let left: Vec<String> =
        f.store.list_initial_access(&realm_id).await.unwrap().into_iter().map(|t| t.token_hash).collect();
    assert_eq!(left, ["forever", "live"]);
    assert!(f.store.find_client(&realm_id, "by-spent").await.unwrap().is_some(), "its client stays");
    assert_eq!(f.store.purge(&retention).await.unwrap(), Purged::default(), "a second run finds nothing");
}
