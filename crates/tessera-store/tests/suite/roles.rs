//! Roles, groups and mappings: written whole with the realm, changed one mapping at a time, never across
//! realms, and read back with the user and with the service account's client.

use std::collections::BTreeMap;

use tessera_core::model::{Group, Role, RoleMappings};
use tessera_core::ports::{ClientStore, RealmStore, RevisionStore, RoleHolder, RoleStore, StoreError, UserStore};
use tessera_core::provisioning::{NewClient, new_client, new_id, new_realm, new_user, service_account_user};

use super::{Fixture, realm_spec};

fn role(realm_id: &str, name: &str, client: Option<&str>, composites: &[&Role]) -> Role {
    Role {
        id: new_id(),
        realm_id: realm_id.to_owned(),
        name: name.to_owned(),
        client_id: client.map(str::to_owned),
        description: Some(format!("the {name} role")),
        composites: composites.iter().map(|r| r.id.clone()).collect(),
    }
}

fn group(realm_id: &str, name: &str, parent: Option<&Group>, roles: &[&Role]) -> Group {
    Group {
        id: new_id(),
        realm_id: realm_id.to_owned(),
        name: name.to_owned(),
        parent_id: parent.map(|p| p.id.clone()),
        attributes: BTreeMap::from([("building".to_owned(), vec!["HQ".to_owned()])]),
        role_ids: roles.iter().map(|r| r.id.clone()).collect(),
    }
}

pub async fn roles_groups_and_mappings_round_trip_with_users_and_service_accounts(f: Fixture) {
    let mut bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    let staff = role(&realm_id, "staff", None, &[]);
    let read = role(&realm_id, "orders:read", Some("orders-api"), &[]);
    let manager = role(&realm_id, "manager", None, &[&staff, &read]);
    let top = group(&realm_id, "staff", None, &[&staff]);
    let sub = group(&realm_id, "managers", Some(&top), &[&manager]);
    let mut alice = new_user(&realm_id, "alice", None, 10).unwrap();
    alice.attributes.insert("department".into(), vec!["sales".into(), "ops".into()]);
    alice.roles = RoleMappings { role_ids: vec![read.id.clone()], group_ids: vec![sub.id.clone()] };
    bundle.roles = vec![staff.clone(), read.clone(), manager.clone()];
    bundle.groups = vec![top.clone(), sub.clone()];
    bundle.users.push(alice.clone());
    f.store.create_realm(&bundle).await.unwrap();

    let mut roles = f.store.list_roles(&realm_id).await.unwrap();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    let mut expected = vec![manager.clone(), read.clone(), staff.clone()];
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    for r in expected.iter_mut().chain(roles.iter_mut()) {
        r.composites.sort();
    }
    assert_eq!(roles, expected);
    let mut groups = f.store.list_groups(&realm_id).await.unwrap();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(groups, vec![sub.clone(), top.clone()]);
    let found = f.store.find_user(&realm_id, "alice").await.unwrap().unwrap();
    // By id (on SQLite the synchronous read path): the same user, mappings included.
    assert_eq!(f.store.find_user_by_id(&realm_id, &found.id).await.unwrap().as_ref(), Some(&found));
    assert_eq!(found.attributes, alice.attributes);
    assert_eq!(found.roles, alice.roles);

    // A service account's mappings travel with its client.
    let spec = NewClient { client_id: "svc".into(), service_accounts_enabled: true, ..NewClient::default() };
    let (mut client, _) = new_client(&realm_id, &spec, &[], &f.secrets.secret_hasher(), 10).unwrap();
    client.service_account_roles.role_ids.push(staff.id.clone());
    f.store.create_client(&client).await.unwrap();
    let loaded = f.store.find_client(&realm_id, "svc").await.unwrap().unwrap();
    assert_eq!(loaded.service_account_roles.role_ids, std::slice::from_ref(&staff.id));
    let sa = service_account_user(&loaded).unwrap();

    // One mapping at a time; each change moves the revision, a repeat changes nothing.
    let before = f.store.revision().await.unwrap();
    assert!(f.store.map_role(&realm_id, RoleHolder::User(&sa.id), &read.id, true).await.unwrap());
    assert!(!f.store.map_role(&realm_id, RoleHolder::User(&sa.id), &read.id, true).await.unwrap());
    assert!(f.store.revision().await.unwrap() > before);
    let loaded = f.store.find_client(&realm_id, "svc").await.unwrap().unwrap();
    assert_eq!(loaded.service_account_roles.role_ids.len(), 2);
    assert!(f.store.map_role(&realm_id, RoleHolder::Group(&top.id), &read.id, true).await.unwrap());
    assert!(f.store.map_role(&realm_id, RoleHolder::Group(&top.id), &read.id, false).await.unwrap());
    assert!(f.store.set_group_member(&realm_id, &alice.id, &top.id, true).await.unwrap());
    assert!(f.store.set_group_member(&realm_id, &alice.id, &sub.id, false).await.unwrap());
    let found = f.store.find_user(&realm_id, "alice").await.unwrap().unwrap();
    assert_eq!(found.roles.group_ids, std::slice::from_ref(&top.id));

    // Names are unique per container; the same name in another container is fine.
    let dup = role(&realm_id, "staff", None, &[]);
    assert!(matches!(f.store.create_role(&dup).await, Err(StoreError::Conflict(_))));
    f.store.create_role(&role(&realm_id, "staff", Some("orders-api"), &[])).await.unwrap();
    assert!(matches!(
        f.store.create_group(&group(&realm_id, "managers", Some(&top), &[])).await,
        Err(StoreError::Conflict(_))
    ));

    // Composites are replaced whole; deleting a role takes its mappings and composite links with it.
    assert!(f.store.set_role_composites(&realm_id, &manager.id, std::slice::from_ref(&staff.id)).await.unwrap());
    assert!(f.store.delete_role(&realm_id, &read.id).await.unwrap());
    let found = f.store.find_user(&realm_id, "alice").await.unwrap().unwrap();
    assert!(found.roles.role_ids.is_empty());
    let roles = f.store.list_roles(&realm_id).await.unwrap();
    assert_eq!(roles.iter().find(|r| r.id == manager.id).unwrap().composites, std::slice::from_ref(&staff.id));

    // Deleting a group takes its subgroups and their memberships.
    assert!(f.store.set_group_member(&realm_id, &alice.id, &sub.id, true).await.unwrap());
    assert!(f.store.delete_group(&realm_id, &top.id).await.unwrap());
    assert!(f.store.list_groups(&realm_id).await.unwrap().is_empty());
    assert!(f.store.find_user(&realm_id, "alice").await.unwrap().unwrap().roles.is_empty());

    // Deleting a client takes its client roles.
    assert!(f.store.delete_client(&realm_id, "svc").await.unwrap());
}

pub async fn a_mapping_never_crosses_realms(f: Fixture) {
    let one = new_realm(&realm_spec("one"), &f.secrets.master_key(), 10).unwrap();
    let mut two = new_realm(&realm_spec("two"), &f.secrets.master_key(), 10).unwrap();
    let foreign = role(&two.realm.id, "admin", None, &[]);
    let foreign_group = group(&two.realm.id, "admins", None, &[]);
    two.roles.push(foreign.clone());
    two.groups.push(foreign_group.clone());
    f.store.create_realm(&one).await.unwrap();
    f.store.create_realm(&two).await.unwrap();
    let mut user = new_user(&one.realm.id, "mallory", None, 10).unwrap();
    user.roles = RoleMappings::default();
    f.store.create_user(&user).await.unwrap();
    let realm = &one.realm.id;
    assert!(!f.store.map_role(realm, RoleHolder::User(&user.id), &foreign.id, true).await.unwrap());
    assert!(!f.store.set_group_member(realm, &user.id, &foreign_group.id, true).await.unwrap());
    // Naming the other realm does not help either: the user is not in it.
    assert!(!f.store.map_role(&two.realm.id, RoleHolder::User(&user.id), &foreign.id, true).await.unwrap());
    assert!(f.store.find_user(realm, "mallory").await.unwrap().unwrap().roles.is_empty());
    assert!(f.store.list_roles(realm).await.unwrap().is_empty());
}

pub async fn a_users_profile_is_updated_whole_and_a_deleted_user_takes_their_mappings(f: Fixture) {
    let mut bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    let staff = role(&realm_id, "staff", None, &[]);
    let team = group(&realm_id, "team", None, &[]);
    bundle.roles.push(staff.clone());
    bundle.groups.push(team.clone());
    let mut bob = new_user(&realm_id, "bob", None, 10).unwrap();
    bob.roles = RoleMappings { role_ids: vec![staff.id.clone()], group_ids: vec![team.id.clone()] };
    bundle.users.push(bob.clone());
    f.store.create_realm(&bundle).await.unwrap();

    bob.enabled = false;
    bob.email = Some("bob@shop.example".into());
    bob.attributes.insert("desk".into(), vec!["4F".into()]);
    bob.required_actions = vec!["UPDATE_PASSWORD".into()];
    assert!(f.store.update_user_profile(&bob).await.unwrap());
    let found = f.store.find_user(&realm_id, "bob").await.unwrap().unwrap();
    assert_eq!(found, bob, "the profile is written, the mappings stay");
    let mut ghost = bob.clone();
    ghost.id = new_id();
    assert!(!f.store.update_user_profile(&ghost).await.unwrap());

    let before = f.store.revision().await.unwrap();
    assert!(f.store.delete_user(&realm_id, &bob.id).await.unwrap());
    assert!(f.store.revision().await.unwrap() > before);
    assert!(f.store.find_user(&realm_id, "bob").await.unwrap().is_none());
    assert!(!f.store.delete_user(&realm_id, &bob.id).await.unwrap());
    // Its mappings went with it: the role and the group can take a new user of the same name cleanly.
    let mut again = new_user(&realm_id, "bob", None, 11).unwrap();
    again.roles = RoleMappings::default();
    f.store.create_user(&again).await.unwrap();
    assert!(f.store.find_user(&realm_id, "bob").await.unwrap().unwrap().roles.is_empty());
}
