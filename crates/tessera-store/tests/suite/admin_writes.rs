//! The writes the admin API makes: settings of realms, clients, scopes, roles and groups replaced in one
//! statement each, every change moving the revision, and a deleted realm taking everything in it.

use tessera_core::model::{ClientScope, Group, Role, SsoSession};
use tessera_core::ports::{
    ClientStore, KeyStore, RealmStore, RevisionStore, RoleStore, ScopeStore, SessionStore, StoreError, UserStore,
};
use tessera_core::provisioning::{NewClient, new_client, new_id, new_realm, new_user};

use super::{Fixture, realm_spec};

pub async fn settings_are_replaced_in_place_and_a_deleted_realm_takes_everything(f: Fixture) {
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    f.store.create_realm(&bundle).await.unwrap();
    let other = new_realm(&realm_spec("other"), &f.secrets.master_key(), 10).unwrap();
    f.store.create_realm(&other).await.unwrap();

    // The realm: settings change, name and keys stay.
    let mut realm = bundle.realm.clone();
    realm.display_name = Some("Shop & Co".into());
    realm.enabled = false;
    realm.access_token_lifespan = 120;
    realm.attributes.insert("failureFactor".into(), "3".into());
    let before = f.store.revision().await.unwrap();
    assert!(f.store.update_realm(&realm).await.unwrap());
    assert!(f.store.revision().await.unwrap() > before, "an update moves the revision");
    assert_eq!(f.store.find_realm("shop").await.unwrap(), Some(realm.clone()));

    // A scope: description and mappers replaced; deleted.
    let mut scope = ClientScope::new("inventory");
    f.store.create_scope(&realm_id, &scope).await.unwrap();
    scope.description = Some("stock levels".into());
    scope.include_in_token_scope = false;
    assert!(f.store.update_scope(&realm_id, &scope).await.unwrap());
    assert!(!f.store.update_scope(&other.realm.id, &scope).await.unwrap(), "never in another realm");
    let found = f.store.list_scopes(&realm_id).await.unwrap();
    assert_eq!(found.iter().find(|s| s.name == "inventory"), Some(&scope));

    // A client: settings replaced; turning service accounts on brings the account in the same write.
    let scopes = f.store.list_scopes(&realm_id).await.unwrap();
    let spec = NewClient { client_id: "app".into(), ..NewClient::default() };
    let (mut client, _) = new_client(&realm_id, &spec, &scopes, &f.secrets.secret_hasher(), 10).unwrap();
    f.store.create_client(&client).await.unwrap();
    client.redirect_uris = vec!["https://app.example/cb".into()];
    client.attributes.insert("pkce.code.challenge.method".into(), "S256".into());
    client.service_accounts_enabled = true;
    client.service_account_user_id = Some(new_id());
    assert!(f.store.update_client(&client).await.unwrap());
    let read = f.store.find_client(&realm_id, "app").await.unwrap().unwrap();
    assert_eq!(read.redirect_uris, client.redirect_uris);
    assert_eq!(read.attributes, client.attributes);
    assert_eq!(read.secrets, client.secrets, "secrets are not part of an update");
    let account = f.store.find_user_by_id(&realm_id, client.service_account_user_id.as_ref().unwrap()).await.unwrap();
    assert_eq!(account.unwrap().username, "service-account-app");
    assert!(f.store.update_client(&client).await.unwrap(), "a second update finds the account there");
    let mut stranger = client.clone();
    stranger.realm_id = other.realm.id.clone();
    assert!(!f.store.update_client(&stranger).await.unwrap(), "never in another realm");

    // Roles and groups: renamed, and a sibling's name is a conflict.
    let mut role = Role {
        id: new_id(),
        realm_id: realm_id.clone(),
        name: "clerk".into(),
        client_id: None,
        description: None,
        composites: Vec::new(),
    };
    let taken = Role { id: new_id(), name: "boss".into(), ..role.clone() };
    f.store.create_role(&role).await.unwrap();
    f.store.create_role(&taken).await.unwrap();
    role.name = "cashier".into();
    role.description = Some("takes money".into());
    assert!(f.store.update_role(&role).await.unwrap());
    assert!(f.store.list_roles(&realm_id).await.unwrap().contains(&role));
    role.name = "boss".into();
    assert!(matches!(f.store.update_role(&role).await, Err(StoreError::Conflict(_))));
    let mut group = Group {
        id: new_id(),
        realm_id: realm_id.clone(),
        name: "staff".into(),
        parent_id: None,
        attributes: Default::default(),
        role_ids: Vec::new(),
    };
    f.store.create_group(&group).await.unwrap();
    group.name = "crew".into();
    group.attributes.insert("floor".into(), vec!["2".into()]);
    assert!(f.store.update_group(&group).await.unwrap());
    assert_eq!(f.store.list_groups(&realm_id).await.unwrap(), vec![group.clone()]);

    // A user's open sessions, newest first.
    let user = new_user(&realm_id, "alice", None, 10).unwrap();
    f.store.create_user(&user).await.unwrap();
    for (i, at) in [(1, 100), (2, 200)] {
        let session = SsoSession {
            id: format!("s{i}"),
            cookie_hash: format!("h{i}"),
            realm_id: realm_id.clone(),
            user_id: user.id.clone(),
            auth_time: at,
            last_seen_at: at,
            ended_at: None,
        };
        f.store.create_session(&session).await.unwrap();
    }
    f.store.end_session("s1", 300).await.unwrap();
    let open = f.store.user_sessions(&realm_id, &user.id, 10).await.unwrap();
    assert_eq!(open.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["s2"]);

    // Deleting the realm takes everything in it, and only it.
    assert!(f.store.delete_realm(&realm_id).await.unwrap());
    assert!(!f.store.delete_realm(&realm_id).await.unwrap());
    assert_eq!(f.store.find_realm("shop").await.unwrap(), None);
    assert!(f.store.list_clients(&realm_id).await.unwrap().is_empty());
    assert!(f.store.list_users(&realm_id).await.unwrap().is_empty());
    assert!(f.store.list_roles(&realm_id).await.unwrap().is_empty());
    assert!(f.store.signing_keys(&realm_id).await.unwrap().is_empty());
    assert!(f.store.find_session(&realm_id, "s2").await.unwrap().is_none());
    assert!(f.store.find_realm("other").await.unwrap().is_some());
    assert!(!f.store.signing_keys(&other.realm.id).await.unwrap().is_empty());
}
