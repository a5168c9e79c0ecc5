//! Clients through the admin API (Keycloak's `/clients` resource): create, read, update, delete, secrets.

use secrecy::SecretString;
use tessera_proto::admin::ClientRepresentation;

use super::api::{AdminApi, Page};
use super::caller::AdminRight;
use super::{AdminError, representation};
use crate::audit::AuditKind;
use crate::model::{AUTHENTICATOR_ATTRIBUTE, Client, ClientAuthenticator, Realm};
use crate::provisioning::{NewClient, new_client, new_id};
use crate::resource::RESOURCES_ATTRIBUTE;
use crate::secret::{generate_client_secret, stored_client_secret};

/// Keycloak's `clientAuthenticatorType` of a representation, kept as an attribute (see
/// [`AUTHENTICATOR_ATTRIBUTE`]); an unknown name is refused. Switching to `client-secret-jwt` takes effect
/// with the next secret (regenerate it): only then is the secret kept sealed for HMAC.
pub(super) fn set_authenticator(client: &mut Client, rep: &ClientRepresentation) -> Result<(), AdminError> {
    if let Some(set) = client.attributes.get("jwks.string").filter(|s| !s.is_empty()) {
        super::client_authentication::checked_jwks(set)?;
    }
    let Some(name) = rep.client_authenticator_type.as_deref() else { return Ok(()) };
    let authenticator = ClientAuthenticator::parse(name)
        .ok_or_else(|| AdminError::Invalid(format!("unknown clientAuthenticatorType {name:?}")))?;
    client.attributes.remove(AUTHENTICATOR_ATTRIBUTE);
    if authenticator != ClientAuthenticator::ClientSecret {
        client.attributes.insert(AUTHENTICATOR_ATTRIBUTE.to_owned(), authenticator.as_str().to_owned());
    }
    Ok(())
}

impl AdminApi<'_> {
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
        let (mut client, generated) = new_client(&realm.id, &spec, &scopes, self.hasher, self.now)
            .map_err(|e| AdminError::Invalid(e.to_string()))?;
        client.enabled = rep.enabled.unwrap_or(true);
        client.standard_flow_enabled = rep.standard_flow_enabled.unwrap_or(!spec.redirect_uris.is_empty());
        client.web_origins = rep.web_origins.clone().unwrap_or_default();
        client.attributes.extend(rep.attributes.clone().unwrap_or_default());
        check_resources(&client)?;
        set_authenticator(&mut client, rep)?;
        let chosen = rep.secret.as_deref().filter(|s| !s.is_empty() && !public_client);
        let secret = match chosen {
            Some(secret) => Some(SecretString::from(secret.to_owned())),
            None => generated,
        };
        if let Some(secret) = secret.filter(|_| !public_client) {
            client.secrets = vec![
                stored_client_secret(&secret, &client, self.hasher, self.master, self.now)
                    .map_err(|e| AdminError::Invalid(e.to_string()))?,
            ];
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
        let new = stored_client_secret(&secret, &client, self.hasher, self.master, self.now)
            .map_err(|e| AdminError::Invalid(e.to_string()))?;
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

/// Which of a client's scope lists: `default-client-scopes` or `optional-client-scopes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeLink {
    Default,
    Optional,
}

impl AdminApi<'_> {
    /// `PUT /clients/{id}`: the settings the representation carries; absent fields stay as they are. The
    /// `clientId` cannot change (its roles and tokens name it); secrets change through `client-secret`.
    pub async fn update_client(&self, realm: &str, id: &str, rep: &ClientRepresentation) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let mut client = self.client_by_pk(&realm, id).await?;
        if rep.client_id.as_deref().is_some_and(|c| c != client.client_id) {
            return Err(AdminError::Invalid("the clientId of a client cannot change".into()));
        }
        let scopes = self.store.list_scopes(&realm.id).await?;
        for name in rep.default_client_scopes.iter().chain(rep.optional_client_scopes.iter()).flatten() {
            if !scopes.iter().any(|s| &s.name == name) {
                return Err(AdminError::NoSuchScope(name.clone()));
            }
        }
        apply_client(rep, &mut client)?;
        if client.service_accounts_enabled && client.service_account_user_id.is_none() && !client.public_client {
            client.service_account_user_id = Some(new_id());
        }
        if client.public_client && client.service_accounts_enabled {
            return Err(AdminError::Invalid("a public client cannot have a service account".into()));
        }
        if !self.store.update_client(&client).await? {
            return Err(AdminError::NoSuchClient(id.to_owned()));
        }
        // Keycloak's "Set to now" PUTs the client with a later `notBefore`; a representation read back and
        // sent unchanged carries the same one and changes nothing.
        if let Some(not_before) = rep.not_before.filter(|n| *n > client.not_before) {
            self.store.set_client_not_before(&realm.id, &client.client_id, not_before).await?;
        }
        let path = format!("clients/{id}");
        self.admin_event(&realm.name, "UPDATE", "CLIENT", path, serde_json::to_string(rep).ok()).await
    }

    /// `GET /clients/{id}/default-client-scopes` (or optional): `[{id, name}]`.
    pub async fn client_scope_links(
        &self,
        realm: &str,
        id: &str,
        link: ScopeLink,
    ) -> Result<Vec<tessera_proto::admin::ClientScopeRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewClients).await?;
        let client = self.client_by_pk(&realm, id).await?;
        let names = match link {
            ScopeLink::Default => &client.default_scopes,
            ScopeLink::Optional => &client.optional_scopes,
        };
        Ok(names
            .iter()
            .map(|n| tessera_proto::admin::ClientScopeRepresentation {
                id: Some(n.clone()),
                name: Some(n.clone()),
                ..Default::default()
            })
            .collect())
    }

    /// `PUT` (link) or `DELETE` (unlink) `/clients/{id}/default-client-scopes/{scopeId}` (or optional). A scope
    /// is default or optional for a client, never both: linking moves it.
    pub async fn link_client_scope(
        &self,
        realm: &str,
        id: &str,
        scope: &str,
        link: ScopeLink,
        linked: bool,
    ) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let mut client = self.client_by_pk(&realm, id).await?;
        if !self.store.list_scopes(&realm.id).await?.iter().any(|s| s.name == scope) {
            return Err(AdminError::NoSuchScope(scope.to_owned()));
        }
        client.default_scopes.retain(|s| s != scope);
        client.optional_scopes.retain(|s| s != scope);
        if linked {
            match link {
                ScopeLink::Default => client.default_scopes.push(scope.to_owned()),
                ScopeLink::Optional => client.optional_scopes.push(scope.to_owned()),
            }
        }
        self.store.update_client(&client).await?;
        let list = if link == ScopeLink::Default { "default-client-scopes" } else { "optional-client-scopes" };
        let operation = if linked { "CREATE" } else { "DELETE" };
        self.admin_event(
            &realm.name,
            operation,
            "CLIENT_SCOPE_CLIENT_MAPPING",
            format!("clients/{id}/{list}/{scope}"),
            None,
        )
        .await
    }

    /// `GET /clients/{id}/service-account-user`.
    pub async fn service_account_user(
        &self,
        realm: &str,
        id: &str,
    ) -> Result<tessera_proto::admin::UserRepresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewClients).await?;
        let client = self.client_by_pk(&realm, id).await?;
        let user_id = client
            .service_account_user_id
            .ok_or_else(|| AdminError::Invalid("Service account not enabled for the client".into()))?;
        let user = self.store.find_user_by_id(&realm.id, &user_id).await?;
        Ok(representation::user(&user.ok_or(AdminError::NoSuchUser(user_id))?))
    }
}

/// The settings a client representation carries, onto the client (absent fields stay as they are).
fn apply_client(rep: &ClientRepresentation, c: &mut Client) -> Result<(), AdminError> {
    if rep.protocol.as_deref().is_some_and(|p| p != "openid-connect") {
        return Err(AdminError::Invalid("only openid-connect clients are supported".into()));
    }
    if rep.bearer_only == Some(true) {
        return Err(AdminError::Invalid("bearer-only clients are not supported; use a client without flows".into()));
    }
    if let Some(uris) = &rep.redirect_uris {
        // Keycloak's patterns (a trailing `*`, `+` for the web origins) are matched at sign-in; here only
        // their size and characters are checked.
        if let Some(bad) = uris.iter().find(|u| u.is_empty() || u.len() > 2048 || u.chars().any(char::is_control)) {
            return Err(AdminError::Invalid(format!(
                "invalid redirect URI {:?}",
                bad.chars().take(64).collect::<String>()
            )));
        }
        c.redirect_uris = uris.clone();
    }
    let set = |target: &mut bool, value: Option<bool>| {
        if let Some(v) = value {
            *target = v;
        }
    };
    set(&mut c.enabled, rep.enabled);
    set(&mut c.public_client, rep.public_client);
    set(&mut c.service_accounts_enabled, rep.service_accounts_enabled);
    set(&mut c.standard_flow_enabled, rep.standard_flow_enabled);
    set(&mut c.direct_access_grants_enabled, rep.direct_access_grants_enabled);
    set(&mut c.consent_required, rep.consent_required);
    if let Some(name) = &rep.name {
        c.name = Some(name.clone()).filter(|n| !n.is_empty());
    }
    if let Some(origins) = &rep.web_origins {
        c.web_origins = origins.clone();
    }
    if let Some(scopes) = &rep.default_client_scopes {
        c.default_scopes = scopes.clone();
    }
    if let Some(scopes) = &rep.optional_client_scopes {
        c.optional_scopes = scopes.clone();
    }
    if let Some(attributes) = &rep.attributes {
        c.attributes.extend(attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
        check_resources(c)?;
    }
    set_authenticator(c, rep)?;
    if let Some(mappers) = &rep.protocol_mappers {
        c.protocol_mappers = mappers.iter().map(representation::mapper_from).collect::<Result<_, _>>()?;
    }
    Ok(())
}

/// RFC 8707 §2: the registered resources are absolute URIs without a fragment.
fn check_resources(client: &Client) -> Result<(), AdminError> {
    match crate::resource::malformed_registered_resource(client) {
        Some(bad) => Err(AdminError::Invalid(format!("{RESOURCES_ATTRIBUTE}: {bad:?} is not an absolute URI"))),
        None => Ok(()),
    }
}
