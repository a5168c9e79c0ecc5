//! Roles through the admin API: the realm's (`/roles`) and a client's (`/clients/{id}/roles`), by name, with
//! their composites, and any role by id (`/roles-by-id/{id}`).

use tessera_proto::admin::RoleRepresentation;

use super::api::AdminApi;
use super::caller::AdminRight;
use super::mappings::RoleLevel;
use super::roles::{RoleAdmin, RoleRef};
use super::{AdminError, representation};
use crate::model::{AccessModel, Realm, Role};

/// Reading or writing a realm's roles needs its realm rights; a client's, its client rights (Keycloak).
fn right(level: RoleLevel<'_>, write: bool) -> AdminRight {
    match (level, write) {
        (RoleLevel::Realm, false) => AdminRight::ViewRealm,
        (RoleLevel::Realm, true) => AdminRight::ManageRealm,
        (RoleLevel::Client(_), false) => AdminRight::ViewClients,
        (RoleLevel::Client(_), true) => AdminRight::ManageClients,
    }
}

/// The roles of one container, ready to look up.
struct Container {
    realm: Realm,
    access: AccessModel,
    /// The roles' `client_id` (None for realm roles).
    client_id: Option<String>,
    /// `containerId` in representations and the path prefix in admin events.
    container_id: String,
    path: String,
}

impl Container {
    fn find(&self, name: &str) -> Result<&Role, AdminError> {
        self.access.find_role(self.client_id.as_deref(), name).ok_or_else(|| AdminError::NoSuchRole(name.to_owned()))
    }

    fn role_ref(&self, name: &str) -> RoleRef {
        RoleRef { client_id: self.client_id.clone(), name: name.to_owned() }
    }
}

impl AdminApi<'_> {
    async fn container(&self, realm: &str, level: RoleLevel<'_>, write: bool) -> Result<Container, AdminError> {
        let realm = self.realm_for(realm, right(level, write)).await?;
        let access = self.access_model(&realm).await?;
        let (client_id, container_id, path) = match level {
            RoleLevel::Realm => (None, realm.id.clone(), "roles".to_owned()),
            RoleLevel::Client(pk) => {
                let client = self.client_by_pk(&realm, pk).await?;
                (Some(client.client_id), client.id, format!("clients/{pk}/roles"))
            }
        };
        Ok(Container { realm, access, client_id, container_id, path })
    }

    /// `GET /roles` or `/clients/{id}/roles`.
    pub async fn list_roles(&self, realm: &str, level: RoleLevel<'_>) -> Result<Vec<RoleRepresentation>, AdminError> {
        let c = self.container(realm, level, false).await?;
        Ok(c.access
            .roles()
            .iter()
            .filter(|r| r.client_id == c.client_id)
            .map(|r| representation::role(r, &c.container_id))
            .collect())
    }

    /// `GET /roles/{name}` or `/clients/{id}/roles/{name}`.
    pub async fn get_role(
        &self,
        realm: &str,
        level: RoleLevel<'_>,
        name: &str,
    ) -> Result<RoleRepresentation, AdminError> {
        let c = self.container(realm, level, false).await?;
        Ok(representation::role(c.find(name)?, &c.container_id))
    }

    /// `GET /roles-by-id/{id}`.
    pub async fn get_role_by_id(&self, realm: &str, id: &str) -> Result<RoleRepresentation, AdminError> {
        let c = self.container(realm, RoleLevel::Realm, false).await?;
        let role = c.access.role(id).ok_or_else(|| AdminError::NoSuchRole(id.to_owned()))?;
        let container = match &role.client_id {
            None => c.realm.id.clone(),
            Some(client_id) => self.store.find_client(&c.realm.id, client_id).await?.map(|x| x.id).unwrap_or_default(),
        };
        Ok(representation::role(role, &container))
    }

    /// `POST /roles` or `/clients/{id}/roles`: returns the name (for `Location`).
    pub async fn create_role(
        &self,
        realm: &str,
        level: RoleLevel<'_>,
        rep: &RoleRepresentation,
    ) -> Result<String, AdminError> {
        let c = self.container(realm, level, true).await?;
        let name = rep.name.clone().ok_or_else(|| AdminError::Invalid("name is required".into()))?;
        let admin = RoleAdmin { store: self.store };
        admin.create_role(realm, c.role_ref(&name), rep.description.clone(), &[]).await.map_err(|e| match e {
            AdminError::Store(crate::ports::StoreError::Conflict(_)) => {
                AdminError::Conflict(format!("Role with name {name} already exists"))
            }
            e => e,
        })?;
        let path = format!("{}/{name}", c.path);
        self.admin_event(&c.realm.name, "CREATE", role_resource(level), path, serde_json::to_string(rep).ok()).await?;
        Ok(name)
    }

    /// `PUT /roles/{name}` (or a client's): the name and description.
    pub async fn update_role(
        &self,
        realm: &str,
        level: RoleLevel<'_>,
        name: &str,
        rep: &RoleRepresentation,
    ) -> Result<(), AdminError> {
        let c = self.container(realm, level, true).await?;
        let mut role = c.find(name)?.clone();
        if let Some(new_name) = &rep.name {
            if new_name.is_empty() || new_name.len() > 255 || new_name.chars().any(char::is_control) {
                return Err(AdminError::Invalid(format!("invalid role name {new_name:?}")));
            }
            role.name = new_name.clone();
        }
        if let Some(description) = &rep.description {
            role.description = Some(description.clone()).filter(|d| !d.is_empty());
        }
        self.store.update_role(&role).await.map_err(|e| match e {
            crate::ports::StoreError::Conflict(_) => {
                AdminError::Conflict(format!("Role with name {} already exists", role.name))
            }
            e => e.into(),
        })?;
        let path = format!("{}/{name}", c.path);
        self.admin_event(&c.realm.name, "UPDATE", role_resource(level), path, serde_json::to_string(rep).ok()).await
    }

    /// `DELETE /roles/{name}` (or a client's), with its mappings.
    pub async fn delete_role(&self, realm: &str, level: RoleLevel<'_>, name: &str) -> Result<(), AdminError> {
        let c = self.container(realm, level, true).await?;
        let role = c.find(name)?;
        if role.client_id.is_none() && role.name == crate::model::default_role_name(&c.realm.name) {
            return Err(AdminError::Invalid("the realm's default role cannot be deleted".into()));
        }
        self.store.delete_role(&c.realm.id, &role.id).await?;
        self.admin_event(&c.realm.name, "DELETE", role_resource(level), format!("{}/{name}", c.path), None).await
    }

    /// `GET /roles/{name}/composites`: the roles it includes directly.
    pub async fn role_composites(
        &self,
        realm: &str,
        level: RoleLevel<'_>,
        name: &str,
    ) -> Result<Vec<RoleRepresentation>, AdminError> {
        let c = self.container(realm, level, false).await?;
        let role = c.find(name)?;
        let clients = self.store.list_clients(&c.realm.id).await?;
        Ok(role
            .composites
            .iter()
            .filter_map(|id| c.access.role(id))
            .map(|r| {
                let container = match &r.client_id {
                    None => c.realm.id.clone(),
                    Some(cid) => clients.iter().find(|x| &x.client_id == cid).map(|x| x.id.clone()).unwrap_or_default(),
                };
                representation::role(r, &container)
            })
            .collect())
    }

    /// `POST` (add) or `DELETE` (remove) `/roles/{name}/composites` with roles named by `id` (any level) or
    /// `name` (a realm role). A role never includes itself.
    pub async fn change_composites(
        &self,
        realm: &str,
        level: RoleLevel<'_>,
        name: &str,
        roles: &[RoleRepresentation],
        add: bool,
    ) -> Result<(), AdminError> {
        let c = self.container(realm, level, true).await?;
        let role = c.find(name)?;
        let mut children = role.composites.clone();
        for rep in roles {
            let found = match (&rep.id, &rep.name) {
                (Some(id), _) => c.access.role(id),
                (None, Some(n)) => c.access.find_role(None, n),
                (None, None) => None,
            };
            let child = found.ok_or_else(|| {
                AdminError::NoSuchRole(rep.name.clone().or_else(|| rep.id.clone()).unwrap_or_default())
            })?;
            if child.id == role.id {
                return Err(AdminError::Invalid("a role cannot include itself".into()));
            }
            children.retain(|id| id != &child.id);
            if add {
                children.push(child.id.clone());
            }
        }
        self.store.set_role_composites(&c.realm.id, &role.id, &children).await?;
        let path = format!("{}/{name}/composites", c.path);
        let operation = if add { "CREATE" } else { "DELETE" };
        self.admin_event(&c.realm.name, operation, role_resource(level), path, serde_json::to_string(roles).ok()).await
    }
}

fn role_resource(level: RoleLevel<'_>) -> &'static str {
    match level {
        RoleLevel::Realm => "REALM_ROLE",
        RoleLevel::Client(_) => "CLIENT_ROLE",
    }
}
