//! The admin REST API's services, one method per operation: each checks the caller's right first, then
//! acts through the store in one write, and records what it changed in the audit trail.

use secrecy::SecretString;
use tessera_proto::admin::{ClientRepresentation, RealmRepresentation};

use super::caller::{AdminCaller, AdminRight};
use super::{AdminError, representation};
use crate::audit::{AuditEvent, AuditKind};
use crate::model::{Client, ClientSecret, Realm};
use crate::ports::{AuditSink, PasswordVerifier, Revocations, Store};
use crate::provisioning::{NewClient, NewRealm, add_builtin_roles, new_client, new_id, new_realm};
use crate::secret::{ClientSecretHasher, MasterKey, generate_client_secret};

/// At most this many items in one page (`max`), as Keycloak's default cap.
pub const MAX_PAGE: usize = 1000;

pub struct AdminApi<'a> {
    pub store: &'a dyn Store,
    pub caller: &'a AdminCaller,
    pub hasher: &'a ClientSecretHasher,
    pub master: &'a MasterKey,
    pub passwords: &'a dyn PasswordVerifier,
    pub audit: &'a dyn AuditSink,
    /// This node's revocation list: a user's revocation reaches every node through it at once.
    pub revocations: &'a dyn Revocations,
    pub now: i64,
}

/// `first` and `max` as Keycloak reads them: an offset and a page size (default 100, at most [`MAX_PAGE`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub first: Option<usize>,
    pub max: Option<usize>,
}

impl Page {
    pub fn apply<T>(&self, items: Vec<T>) -> Vec<T> {
        let max = self.max.unwrap_or(100).min(MAX_PAGE);
        items.into_iter().skip(self.first.unwrap_or(0)).take(max).collect()
    }
}

impl AdminApi<'_> {
    /// The realm, once the caller may act there this way. An unknown realm is 404 only to someone with a
    /// right somewhere; others learn nothing (403).
    pub(super) async fn realm_for(&self, name: &str, right: AdminRight) -> Result<Realm, AdminError> {
        self.caller.require(name, right)?;
        self.store.find_realm(name).await?.ok_or_else(|| AdminError::NoSuchRealm(name.to_owned()))
    }

    pub(super) fn record(&self, realm: &str, kind: AuditKind, what: impl Into<String>) {
        self.audit.record(AuditEvent::new(self.now, realm, kind).subject(&self.caller.username).reason(what));
    }

    /// `GET /admin/realms`: the realms the caller may view.
    pub async fn list_realms(&self) -> Result<Vec<RealmRepresentation>, AdminError> {
        let realms = self.store.list_realms().await?;
        Ok(realms
            .iter()
            .filter(|r| self.caller.may(&r.name, AdminRight::ViewRealm))
            .map(representation::realm)
            .collect())
    }

    /// `GET /admin/realms/{realm}`.
    pub async fn get_realm(&self, name: &str) -> Result<RealmRepresentation, AdminError> {
        Ok(representation::realm(&self.realm_for(name, AdminRight::ViewRealm).await?))
    }

    /// `POST /admin/realms`: a new realm with fresh keys, Keycloak's built-in roles and `realm-management`.
    pub async fn create_realm(&self, rep: &RealmRepresentation) -> Result<String, AdminError> {
        if !self.caller.may_create_realms() {
            return Err(AdminError::Forbidden);
        }
        let name = rep.realm.clone().ok_or_else(|| AdminError::Invalid("realm is required".into()))?;
        let signing_alg = match rep.default_signature_algorithm.as_deref() {
            None => Default::default(),
            Some(a) => crate::model::SigningAlgorithm::parse(a)
                .ok_or_else(|| AdminError::Invalid(format!("unsupported algorithm {a:?} (RS256, ES256, EdDSA)")))?,
        };
        let spec = NewRealm {
            name: name.clone(),
            display_name: rep.display_name.clone(),
            signing_alg,
            access_token_lifespan: rep.access_token_lifespan.filter(|l| *l > 0),
        };
        let mut bundle = new_realm(&spec, self.master, self.now).map_err(|e| AdminError::Invalid(e.to_string()))?;
        bundle.realm.enabled = rep.enabled.unwrap_or(true);
        if let Some(attributes) = &rep.attributes {
            bundle.realm.attributes.extend(attributes.clone());
        }
        add_builtin_roles(&mut bundle);
        crate::provisioning::add_realm_management(&mut bundle);
        self.store.create_realm(&bundle).await.map_err(|e| match e {
            crate::ports::StoreError::Conflict(_) => {
                AdminError::Conflict(format!("Conflict detected. See logs for details: realm {name} exists"))
            }
            e => e.into(),
        })?;
        self.record(&name, AuditKind::RealmCreated, "created through the admin API");
        self.admin_event(&name, "CREATE", "REALM", name.clone(), serde_json::to_string(rep).ok()).await?;
        Ok(name)
    }

    /// The client with this internal id (Keycloak's paths name clients by it).
    pub(super) async fn client_by_pk(&self, realm: &Realm, id: &str) -> Result<Client, AdminError> {
        self.store.find_client_by_pk(&realm.id, id).await?.ok_or_else(|| AdminError::NoSuchClient(id.to_owned()))
    }

    /// `GET /clients?clientId=&first=&max=` (`search=true` matches a part of the id).
    pub async fn list_clients(
        &self,
        realm: &str,
        client_id: Option<&str>,
        search: bool,
        page: Page,
    ) -> Result<Vec<ClientRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::QueryClients).await?;
        let clients = self.store.list_clients(&realm.id).await?;
        let matching = clients
            .iter()
            .filter(|c| match client_id {
                None => true,
                Some(wanted) if search => c.client_id.to_lowercase().contains(&wanted.to_lowercase()),
                Some(wanted) => c.client_id == wanted,
            })
            .map(representation::client)
            .collect();
        Ok(page.apply(matching))
    }

    /// `GET /clients/{id}`.
    pub async fn get_client(&self, realm: &str, id: &str) -> Result<ClientRepresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewClients).await?;
        Ok(representation::client(&self.client_by_pk(&realm, id).await?))
    }

    /// `POST /clients`: returns the new client's internal id (for `Location`). A confidential client gets the
    /// `secret` of the representation when one is given, else a generated one (fetch it by regenerating).
    pub async fn create_client(&self, realm: &str, rep: &ClientRepresentation) -> Result<String, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let client_id = rep.client_id.clone().ok_or_else(|| AdminError::Invalid("clientId is required".into()))?;
        let public_client = rep.public_client.unwrap_or(false);
        let spec = NewClient {
            client_id: client_id.clone(),
            name: rep.name.clone(),
            public_client,
            service_accounts_enabled: rep.service_accounts_enabled.unwrap_or(false),
            default_scopes: rep.default_client_scopes.clone().unwrap_or_default(),
            optional_scopes: rep.optional_client_scopes.clone().unwrap_or_default(),
            redirect_uris: rep.redirect_uris.clone().unwrap_or_default(),
            direct_access_grants: rep.direct_access_grants_enabled.unwrap_or(false),
            consent_required: rep.consent_required.unwrap_or(false),
            ..NewClient::default()
        };
        let scopes = self.store.list_scopes(&realm.id).await?;
        let (mut client, _) = new_client(&realm.id, &spec, &scopes, self.hasher, self.now)
            .map_err(|e| AdminError::Invalid(e.to_string()))?;
        client.enabled = rep.enabled.unwrap_or(true);
        client.standard_flow_enabled = rep.standard_flow_enabled.unwrap_or(!spec.redirect_uris.is_empty());
        client.web_origins = rep.web_origins.clone().unwrap_or_default();
        client.attributes.extend(rep.attributes.clone().unwrap_or_default());
        if let Some(secret) = rep.secret.as_deref().filter(|s| !s.is_empty() && !public_client) {
            let secret = SecretString::from(secret.to_owned());
            client.secrets = vec![ClientSecret {
                id: new_id(),
                hash: self.hasher.hash(&secret),
                created_at: self.now,
                expires_at: None,
            }];
        }
        for m in rep.protocol_mappers.iter().flatten() {
            client.protocol_mappers.push(crate::model::ProtocolMapper {
                id: m.id.clone().unwrap_or_else(new_id),
                name: m.name.clone().unwrap_or_default(),
                mapper_type: m.protocol_mapper.clone().unwrap_or_default(),
                config: m.config.clone(),
            });
        }
        super::RoleAdmin { store: self.store }.with_default_role_for_service_account(&realm, &mut client).await?;
        self.store.create_client(&client).await.map_err(|e| match e {
            crate::ports::StoreError::Conflict(_) => AdminError::Conflict(format!("Client {client_id} already exists")),
            e => e.into(),
        })?;
        self.record(&realm.name, AuditKind::ClientCreated, format!("client {client_id} created through the admin API"));
        // `secret` is never serialized: the representation is kept without it.
        let path = format!("clients/{}", client.id);
        self.admin_event(&realm.name, "CREATE", "CLIENT", path, serde_json::to_string(rep).ok()).await?;
        Ok(client.id)
    }

    /// `DELETE /clients/{id}`.
    pub async fn delete_client(&self, realm: &str, id: &str) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let client = self.client_by_pk(&realm, id).await?;
        self.store.delete_client(&realm.id, &client.client_id).await?;
        self.record(
            &realm.name,
            AuditKind::ClientDeleted,
            format!("client {} deleted through the admin API", client.client_id),
        );
        self.admin_event(&realm.name, "DELETE", "CLIENT", format!("clients/{id}"), None).await?;
        Ok(())
    }

    /// `POST /clients/{id}/client-secret`: a new secret, shown this once. The old one keeps working for
    /// `grace` seconds (our extension; Keycloak's default, 0, ends it now).
    pub async fn regenerate_secret(&self, realm: &str, id: &str, grace: i64) -> Result<SecretString, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let client = self.client_by_pk(&realm, id).await?;
        if client.public_client {
            return Err(AdminError::Invalid("a public client has no secret".into()));
        }
        let secret = generate_client_secret().map_err(|e| AdminError::Invalid(e.to_string()))?;
        let new =
            ClientSecret { id: new_id(), hash: self.hasher.hash(&secret), created_at: self.now, expires_at: None };
        if !self.store.rotate_client_secret(&realm.id, &client.client_id, &new, self.now + grace.max(0)).await? {
            return Err(AdminError::NoSuchClient(id.to_owned()));
        }
        self.record(
            &realm.name,
            AuditKind::SecretRotated,
            format!("client {} secret regenerated, grace {grace} s", client.client_id),
        );
        self.admin_event(&realm.name, "ACTION", "CLIENT", format!("clients/{id}/client-secret"), None).await?;
        Ok(secret)
    }
}
