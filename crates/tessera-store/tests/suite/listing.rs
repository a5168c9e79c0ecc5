//! Finding one client by its internal id.

use tessera_core::model::Role;
use tessera_core::ports::{ClientStore, RealmStore};
use tessera_core::provisioning::{NewClient, new_client, new_id, new_realm};

use super::{Fixture, realm_spec};

fn realm_role(realm_id: &str, name: &str) -> Role {
    Role {
        id: new_id(),
        realm_id: realm_id.to_owned(),
        name: name.to_owned(),
        client_id: None,
        description: None,
        composites: Vec::new(),
    }
}

/// Keycloak's admin paths name a client by its internal id (`/clients/{id}`).
pub async fn a_client_is_found_by_its_internal_id_with_secrets_and_service_account_roles(f: Fixture) {
    let mut shop = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let staff = realm_role(&shop.realm.id, "staff");
    shop.roles.push(staff.clone());
    let other = new_realm(&realm_spec("other"), &f.secrets.master_key(), 10).unwrap();
    f.store.create_realm(&shop).await.unwrap();
    f.store.create_realm(&other).await.unwrap();
    let realm_id = shop.realm.id.clone();
    let spec = NewClient { client_id: "svc".into(), service_accounts_enabled: true, ..NewClient::default() };
    let (mut client, _) = new_client(&realm_id, &spec, &[], &f.secrets.secret_hasher(), 20).unwrap();
    client.service_account_roles.role_ids.push(staff.id.clone());
    f.store.create_client(&client).await.unwrap();
    let plain = NewClient { client_id: "web".into(), ..NewClient::default() };
    f.store
        .create_client(&new_client(&realm_id, &plain, &[], &f.secrets.secret_hasher(), 20).unwrap().0)
        .await
        .unwrap();

    let found = f.store.find_client_by_pk(&realm_id, &client.id).await.unwrap();
    assert_eq!(found.as_ref(), Some(&client), "secrets and the service account's roles included");
    assert_eq!(found, f.store.find_client(&realm_id, "svc").await.unwrap());
    assert_eq!(f.store.find_client_by_pk(&realm_id, "svc").await.unwrap(), None, "the client id is not the id");
    assert_eq!(f.store.find_client_by_pk(&other.realm.id, &client.id).await.unwrap(), None, "another realm");
    assert!(f.store.delete_client(&realm_id, "svc").await.unwrap());
    assert_eq!(f.store.find_client_by_pk(&realm_id, &client.id).await.unwrap(), None);
}
