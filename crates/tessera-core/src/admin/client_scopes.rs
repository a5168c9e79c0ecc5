//! Client scopes and protocol mappers through the admin API (Keycloak's `/client-scopes` resource and the
//! `protocol-mappers/models` of a client or a scope). Tessera names a scope by its name, so a scope's `id`
//! in these paths is its name.

use tessera_proto::ScopeSet;
use tessera_proto::admin::{ClientScopeRepresentation, ProtocolMapperRepresentation};

use super::api::AdminApi;
use super::caller::AdminRight;
use super::{AdminError, representation};
use crate::model::{ClientScope, ProtocolMapper, Realm};

/// Whose protocol mappers: a client (by internal id) or a client scope (by name).
#[derive(Debug, Clone, Copy)]
pub enum MapperOwner<'a> {
    Client(&'a str),
    Scope(&'a str),
}

impl AdminApi<'_> {
    async fn scope_by_name(&self, realm: &Realm, name: &str) -> Result<ClientScope, AdminError> {
        let scopes = self.store.list_scopes(&realm.id).await?;
        scopes.into_iter().find(|s| s.name == name).ok_or_else(|| AdminError::NoSuchScope(name.to_owned()))
    }

    /// `GET /client-scopes`.
    pub async fn list_client_scopes(&self, realm: &str) -> Result<Vec<ClientScopeRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewClients).await?;
        Ok(self.store.list_scopes(&realm.id).await?.iter().map(representation::scope).collect())
    }

    /// `GET /client-scopes/{id}`.
    pub async fn get_client_scope(&self, realm: &str, id: &str) -> Result<ClientScopeRepresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewClients).await?;
        Ok(representation::scope(&self.scope_by_name(&realm, id).await?))
    }

    /// `POST /client-scopes`: the name must be a scope token (RFC 6749 §3.3), since clients ask for it by name.
    pub async fn create_client_scope(
        &self,
        realm: &str,
        rep: &ClientScopeRepresentation,
    ) -> Result<String, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let name = rep.name.clone().unwrap_or_default();
        if !ScopeSet::is_valid_token(&name) || name.len() > ScopeSet::MAX_TOKEN_LEN {
            return Err(AdminError::Invalid(format!(
                "a client scope name must be a scope token (RFC 6749 §3.3): {name:?}"
            )));
        }
        let mut scope = ClientScope::new(&name);
        apply_scope(rep, &mut scope)?;
        for m in rep.protocol_mappers.iter().flatten() {
            scope.protocol_mappers.push(representation::mapper_from(m)?);
        }
        self.store.create_scope(&realm.id, &scope).await.map_err(|e| match e {
            crate::ports::StoreError::Conflict(_) => {
                AdminError::Conflict(format!("Client Scope {name} already exists"))
            }
            e => e.into(),
        })?;
        let path = format!("client-scopes/{name}");
        self.admin_event(&realm.name, "CREATE", "CLIENT_SCOPE", path, serde_json::to_string(rep).ok()).await?;
        Ok(name)
    }

    /// `PUT /client-scopes/{id}`: description and attributes; a scope cannot be renamed (clients ask for it
    /// by name).
    pub async fn update_client_scope(
        &self,
        realm: &str,
        id: &str,
        rep: &ClientScopeRepresentation,
    ) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let mut scope = self.scope_by_name(&realm, id).await?;
        if rep.name.as_deref().is_some_and(|n| n != scope.name) {
            return Err(AdminError::Invalid("a client scope cannot be renamed".into()));
        }
        apply_scope(rep, &mut scope)?;
        if let Some(mappers) = &rep.protocol_mappers {
            scope.protocol_mappers = mappers.iter().map(representation::mapper_from).collect::<Result<_, _>>()?;
        }
        self.store.update_scope(&realm.id, &scope).await?;
        let path = format!("client-scopes/{id}");
        self.admin_event(&realm.name, "UPDATE", "CLIENT_SCOPE", path, serde_json::to_string(rep).ok()).await
    }

    /// `DELETE /client-scopes/{id}`: refused while a client uses the scope, as Keycloak refuses it.
    pub async fn delete_client_scope(&self, realm: &str, id: &str) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let scope = self.scope_by_name(&realm, id).await?;
        let clients = self.store.list_clients(&realm.id).await?;
        if let Some(c) =
            clients.iter().find(|c| c.default_scopes.contains(&scope.name) || c.optional_scopes.contains(&scope.name))
        {
            return Err(AdminError::Invalid(format!(
                "Cannot remove client scope, it is currently in use (by client {})",
                c.client_id
            )));
        }
        self.store.delete_scope(&realm.id, &scope.name).await?;
        self.admin_event(&realm.name, "DELETE", "CLIENT_SCOPE", format!("client-scopes/{id}"), None).await
    }

    /// `GET …/protocol-mappers/models`.
    pub async fn protocol_mappers(
        &self,
        realm: &str,
        owner: MapperOwner<'_>,
    ) -> Result<Vec<ProtocolMapperRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewClients).await?;
        let mappers = self.mappers_of(&realm, owner).await?;
        Ok(mappers.iter().map(representation::mapper).collect())
    }

    /// `GET …/protocol-mappers/models/{id}`.
    pub async fn protocol_mapper(
        &self,
        realm: &str,
        owner: MapperOwner<'_>,
        id: &str,
    ) -> Result<ProtocolMapperRepresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewClients).await?;
        let mappers = self.mappers_of(&realm, owner).await?;
        let found = mappers.iter().find(|m| m.id == id).ok_or_else(|| AdminError::NoSuchMapper(id.to_owned()))?;
        Ok(representation::mapper(found))
    }

    /// `POST …/protocol-mappers/models`: returns the new mapper's id. Names are unique per owner (409).
    pub async fn add_protocol_mapper(
        &self,
        realm: &str,
        owner: MapperOwner<'_>,
        rep: &ProtocolMapperRepresentation,
    ) -> Result<String, AdminError> {
        let mapper = representation::mapper_from(&ProtocolMapperRepresentation { id: None, ..rep.clone() })?;
        let id = mapper.id.clone();
        self.edit_mappers(realm, owner, "CREATE", Some(rep), move |mappers| {
            if mappers.iter().any(|m| m.name == mapper.name) {
                return Err(AdminError::Conflict(format!("Protocol mapper exists with same name: {}", mapper.name)));
            }
            mappers.push(mapper);
            Ok(())
        })
        .await?;
        Ok(id)
    }

    /// `PUT …/protocol-mappers/models/{id}`.
    pub async fn update_protocol_mapper(
        &self,
        realm: &str,
        owner: MapperOwner<'_>,
        id: &str,
        rep: &ProtocolMapperRepresentation,
    ) -> Result<(), AdminError> {
        let mapper =
            representation::mapper_from(&ProtocolMapperRepresentation { id: Some(id.to_owned()), ..rep.clone() })?;
        self.edit_mappers(realm, owner, "UPDATE", Some(rep), |mappers| {
            let slot = mappers.iter_mut().find(|m| m.id == mapper.id);
            let slot = slot.ok_or_else(|| AdminError::NoSuchMapper(mapper.id.clone()))?;
            *slot = mapper;
            Ok(())
        })
        .await
    }

    /// `DELETE …/protocol-mappers/models/{id}`.
    pub async fn delete_protocol_mapper(
        &self,
        realm: &str,
        owner: MapperOwner<'_>,
        id: &str,
    ) -> Result<(), AdminError> {
        self.edit_mappers(realm, owner, "DELETE", None, |mappers| {
            let before = mappers.len();
            mappers.retain(|m| m.id != id);
            if mappers.len() == before {
                return Err(AdminError::NoSuchMapper(id.to_owned()));
            }
            Ok(())
        })
        .await
    }

    async fn mappers_of(&self, realm: &Realm, owner: MapperOwner<'_>) -> Result<Vec<ProtocolMapper>, AdminError> {
        Ok(match owner {
            MapperOwner::Client(id) => self.client_by_pk(realm, id).await?.protocol_mappers,
            MapperOwner::Scope(name) => self.scope_by_name(realm, name).await?.protocol_mappers,
        })
    }

    /// Loads the owner, changes its mappers, writes it back and records the admin event.
    async fn edit_mappers(
        &self,
        realm: &str,
        owner: MapperOwner<'_>,
        operation: &str,
        rep: Option<&ProtocolMapperRepresentation>,
        edit: impl FnOnce(&mut Vec<ProtocolMapper>) -> Result<(), AdminError>,
    ) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let path = match owner {
            MapperOwner::Client(id) => {
                let mut client = self.client_by_pk(&realm, id).await?;
                edit(&mut client.protocol_mappers)?;
                self.store.update_client(&client).await?;
                format!("clients/{id}/protocol-mappers/models")
            }
            MapperOwner::Scope(name) => {
                let mut scope = self.scope_by_name(&realm, name).await?;
                edit(&mut scope.protocol_mappers)?;
                self.store.update_scope(&realm.id, &scope).await?;
                format!("client-scopes/{name}/protocol-mappers/models")
            }
        };
        let representation = rep.and_then(|r| serde_json::to_string(r).ok());
        self.admin_event(&realm.name, operation, "PROTOCOL_MAPPER", path, representation).await
    }
}

/// Description, `include.in.token.scope` and the other attributes of a scope representation.
fn apply_scope(rep: &ClientScopeRepresentation, scope: &mut ClientScope) -> Result<(), AdminError> {
    if rep.protocol.as_deref().is_some_and(|p| p != "openid-connect") {
        return Err(AdminError::Invalid("only openid-connect client scopes are supported".into()));
    }
    if let Some(description) = &rep.description {
        scope.description = Some(description.clone()).filter(|d| !d.is_empty());
    }
    if let Some(attributes) = &rep.attributes {
        let mut attributes = attributes.clone();
        if let Some(include) = attributes.remove("include.in.token.scope") {
            scope.include_in_token_scope = include != "false";
        }
        scope.attributes = attributes;
    }
    Ok(())
}
