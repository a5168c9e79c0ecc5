//! The first administrator, Keycloak's way (`kc.sh bootstrap-admin user|service`, `KC_BOOTSTRAP_ADMIN_*`):
//! the `master` realm when it is missing, and in it a user or a service-account client holding the realm
//! role `admin`, which administers every realm. One place for `serve`'s first start and `tessera admin
//! bootstrap`.

use secrecy::SecretString;

use super::AdminError;
use super::caller::MASTER_REALM;
use crate::audit::{AuditEvent, AuditKind};
use crate::model::{Realm, RealmBundle, Role, RoleMappings, SigningAlgorithm, default_role_name};
use crate::ports::{AuditSink, Store, StoreError};
use crate::provisioning::{
    NewClient, NewRealm, ProvisioningError, add_builtin_roles, add_realm_management, new_client, new_id, new_realm,
    new_user, service_account_user,
};
use crate::secret::{ClientSecretHasher, MasterKey};

/// The realm role of `master` that administers every realm.
pub const ADMIN_ROLE: &str = "admin";

/// The `master` realm as Keycloak starts it, without administrators: the realm role `admin` (every right in
/// every realm), `create-realm`, Keycloak's built-in roles, `realm-management`, and the public `admin-cli`
/// client (password grant, as Keycloak's admin tools use it).
pub fn master_realm(master: &MasterKey, now: i64) -> Result<RealmBundle, ProvisioningError> {
    let spec = NewRealm {
        name: MASTER_REALM.into(),
        display_name: Some("Tessera administration".into()),
        signing_alg: SigningAlgorithm::Rs256,
        access_token_lifespan: Some(60),
    };
    let mut bundle = new_realm(&spec, master, now)?;
    add_builtin_roles(&mut bundle);
    add_realm_management(&mut bundle);
    let role = |name: &str| Role {
        id: new_id(),
        realm_id: bundle.realm.id.clone(),
        name: name.to_owned(),
        client_id: None,
        description: None,
        composites: Vec::new(),
    };
    bundle.roles.extend([role(ADMIN_ROLE), role("create-realm")]);
    let spec = NewClient {
        client_id: "admin-cli".into(),
        name: Some("${client_admin-cli}".into()),
        public_client: true,
        direct_access_grants: true,
        ..NewClient::default()
    };
    let hasher = ClientSecretHasher::new(b"admin-cli is public");
    let (client, _) = new_client(&bundle.realm.id, &spec, &[], &hasher, now)?;
    bundle.clients.push(client);
    Ok(bundle)
}

/// `admin` and the realm's default role, as an administrator of `master` holds them.
fn admin_mappings(realm: &Realm, roles: &[Role]) -> Result<RoleMappings, AdminError> {
    let realm_role = |name: &str| roles.iter().find(|r| r.client_id.is_none() && r.name == name);
    let admin = realm_role(ADMIN_ROLE).ok_or_else(|| {
        AdminError::Invalid(format!(
            "realm {} has no realm role {ADMIN_ROLE}: it was not made as the administrators' realm",
            realm.name
        ))
    })?;
    let mut mappings = RoleMappings { role_ids: vec![admin.id.clone()], ..RoleMappings::default() };
    if let Some(default) = realm_role(&default_role_name(&realm.name)) {
        mappings.role_ids.push(default.id.clone());
    }
    Ok(mappings)
}

/// Who to make an administrator.
pub enum Administrator<'a> {
    /// A person signing in to `admin-cli` with a password (already hashed).
    User { username: &'a str, password_hash: String },
    /// A confidential client whose service account administers (client credentials).
    Service { client_id: &'a str },
}

/// What a bootstrap did.
#[derive(Debug)]
pub struct Bootstrapped {
    /// The `master` realm was missing and was made.
    pub realm_created: bool,
    /// A service client's new secret, shown once.
    pub secret: Option<SecretString>,
}

pub struct AdminBootstrap<'a> {
    pub store: &'a dyn Store,
    pub master: &'a MasterKey,
    pub hasher: &'a ClientSecretHasher,
    pub audit: &'a dyn AuditSink,
    pub now: i64,
}

impl AdminBootstrap<'_> {
    /// Makes `who` an administrator of every realm, creating `master` first when it is missing. Refused with
    /// `Conflict` when `master` already has a user or client of that name: nothing is replaced.
    pub async fn create(&self, who: &Administrator<'_>) -> Result<Bootstrapped, AdminError> {
        if self.store.find_realm(MASTER_REALM).await?.is_none() {
            let mut bundle = master_realm(self.master, self.now).map_err(invalid)?;
            let mappings = admin_mappings(&bundle.realm, &bundle.roles)?;
            let secret = match who {
                Administrator::User { username, password_hash } => {
                    bundle.users.push(self.user(&bundle.realm, username, password_hash, mappings)?);
                    None
                }
                Administrator::Service { client_id } => {
                    let (client, secret) = self.service(&bundle.realm, client_id, mappings)?;
                    bundle.users.extend(service_account_user(&client));
                    bundle.clients.push(client);
                    Some(secret)
                }
            };
            match self.store.create_realm(&bundle).await {
                Ok(()) => {
                    let event = AuditEvent::new(self.now, MASTER_REALM, AuditKind::RealmCreated)
                        .reason("the administrators' realm, with its first administrator");
                    self.audit.record(event);
                    return Ok(Bootstrapped { realm_created: true, secret });
                }
                // Another process made `master` meanwhile: add the administrator to it as below.
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let realm = self
            .store
            .find_realm(MASTER_REALM)
            .await?
            .ok_or_else(|| AdminError::NoSuchRealm(MASTER_REALM.to_owned()))?;
        let mappings = admin_mappings(&realm, &self.store.list_roles(&realm.id).await?)?;
        match who {
            Administrator::User { username, password_hash } => {
                if self.store.find_user(&realm.id, username).await?.is_some() {
                    return Err(exists("user", username));
                }
                let user = self.user(&realm, username, password_hash, mappings)?;
                self.store.create_user(&user).await.map_err(|e| conflict(e, "user", username))?;
                let event = AuditEvent::new(self.now, MASTER_REALM, AuditKind::UserCreated)
                    .subject(username)
                    .reason("bootstrap administrator");
                self.audit.record(event);
                Ok(Bootstrapped { realm_created: false, secret: None })
            }
            Administrator::Service { client_id } => {
                if self.store.find_client(&realm.id, client_id).await?.is_some() {
                    return Err(exists("client", client_id));
                }
                let (client, secret) = self.service(&realm, client_id, mappings)?;
                self.store.create_client(&client).await.map_err(|e| conflict(e, "client", client_id))?;
                let event = AuditEvent::new(self.now, MASTER_REALM, AuditKind::ClientCreated)
                    .client(client_id)
                    .reason("bootstrap administrator (service account)");
                self.audit.record(event);
                Ok(Bootstrapped { realm_created: false, secret: Some(secret) })
            }
        }
    }

    fn user(
        &self,
        realm: &Realm,
        username: &str,
        password_hash: &str,
        roles: RoleMappings,
    ) -> Result<crate::model::User, AdminError> {
        let mut user = new_user(&realm.id, username, None, self.now).map_err(invalid)?;
        user.password_hash = Some(password_hash.to_owned());
        user.roles = roles;
        Ok(user)
    }

    fn service(
        &self,
        realm: &Realm,
        client_id: &str,
        roles: RoleMappings,
    ) -> Result<(crate::model::Client, SecretString), AdminError> {
        let spec = NewClient {
            client_id: client_id.to_owned(),
            name: Some("Bootstrap administrator".into()),
            service_accounts_enabled: true,
            ..NewClient::default()
        };
        let (mut client, secret) = new_client(&realm.id, &spec, &[], self.hasher, self.now).map_err(invalid)?;
        client.service_account_roles = roles;
        let secret = secret.ok_or_else(|| AdminError::Invalid("a confidential client got no secret".into()))?;
        Ok((client, secret))
    }
}

/// The admin console's client in `master`, Keycloak's `security-admin-console`: public, authorization code
/// with PKCE S256 only (RFC 7636 §4.2, RFC 9700 §2.1.1), coming back to the console's callback.
pub const CONSOLE_CLIENT: &str = "security-admin-console";

/// The console's address under the server's public URL.
pub const CONSOLE_PATH: &str = "/admin/console/";

/// Makes sure `master` has the console's client, pointing at this server's public URL: created when missing,
/// its redirect URIs corrected when the public URL changed. Nothing happens without a `master` realm.
/// Returns whether it wrote.
pub async fn ensure_console_client(
    store: &dyn Store,
    hasher: &ClientSecretHasher,
    public_url: &str,
    now: i64,
) -> Result<bool, AdminError> {
    let Some(realm) = store.find_realm(MASTER_REALM).await? else { return Ok(false) };
    let console = format!("{}{CONSOLE_PATH}", public_url.trim_end_matches('/'));
    let redirect_uris = vec![format!("{console}callback")];
    let attributes = [
        (crate::sign_in::authorization::CLIENT_PKCE_ATTRIBUTE, "S256".to_owned()),
        (crate::sign_in::logout::POST_LOGOUT_REDIRECT_ATTRIBUTE, console.clone()),
    ];
    if let Some(mut client) = store.find_client(&realm.id, CONSOLE_CLIENT).await? {
        if client.redirect_uris == redirect_uris {
            return Ok(false);
        }
        client.redirect_uris = redirect_uris;
        client.attributes.extend(attributes.map(|(k, v)| (k.to_owned(), v)));
        return Ok(store.update_client(&client).await?);
    }
    let spec = NewClient {
        client_id: CONSOLE_CLIENT.into(),
        name: Some("${client_security-admin-console}".into()),
        public_client: true,
        redirect_uris,
        ..NewClient::default()
    };
    let (mut client, _) = new_client(&realm.id, &spec, &[], hasher, now).map_err(invalid)?;
    client.standard_flow_enabled = true;
    client.attributes.extend(attributes.map(|(k, v)| (k.to_owned(), v)));
    match store.create_client(&client).await {
        Ok(()) => Ok(true),
        // Another node made it meanwhile.
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn invalid(e: ProvisioningError) -> AdminError {
    AdminError::Invalid(e.to_string())
}

fn exists(what: &str, name: &str) -> AdminError {
    AdminError::Conflict(format!("{what} {name:?} already exists in realm {MASTER_REALM}; nothing changed"))
}

/// A name taken between our look-up and our write is the same refusal.
fn conflict(e: StoreError, what: &str, name: &str) -> AdminError {
    match e {
        StoreError::Conflict(_) => exists(what, name),
        e => e.into(),
    }
}
