//! Finding one client by its internal id, and listing users and clients with everything `find_*` returns
//! (their mappings are read for the whole realm at once, not per row).

use tessera_core::model::{Role, RoleMappings};
use tessera_core::ports::{ClientStore, RealmStore, UserStore};
use tessera_core::provisioning::{NewClient, new_client, new_id, new_realm, new_user};

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

/// Each listed user and client carries its own mappings, and only its own.
pub async fn listed_users_and_clients_carry_their_own_mappings(f: Fixture) {
    let mut shop = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = shop.realm.id.clone();
    let (staff, admin) = (realm_role(&realm_id, "staff"), realm_role(&realm_id, "admin"));
    shop.roles = vec![staff.clone(), admin.clone()];
    f.store.create_realm(&shop).await.unwrap();
    let mut expected = Vec::new();
    for (name, roles) in [("ann", vec![&staff]), ("bob", vec![]), ("cy", vec![&staff, &admin])] {
        let mut u = new_user(&realm_id, name, None, 10).unwrap();
        u.roles = RoleMappings { role_ids: roles.iter().map(|r| r.id.clone()).collect(), group_ids: Vec::new() };
        u.roles.role_ids.sort();
        f.store.create_user(&u).await.unwrap();
        expected.push(u);
    }
    let listed = f.store.list_users(&realm_id).await.unwrap();
    assert_eq!(listed, expected);

    let mut clients = Vec::new();
    for (id, roles) in [("a-svc", vec![&admin]), ("b-svc", vec![&staff]), ("c-web", vec![])] {
        let spec =
            NewClient { client_id: id.into(), service_accounts_enabled: !roles.is_empty(), ..NewClient::default() };
        let (mut c, _) = new_client(&realm_id, &spec, &[], &f.secrets.secret_hasher(), 20).unwrap();
        c.service_account_roles.role_ids = roles.iter().map(|r| r.id.clone()).collect();
        f.store.create_client(&c).await.unwrap();
        clients.push(c);
    }
    assert_eq!(f.store.list_clients(&realm_id).await.unwrap(), clients);
}
