//! Realm roles and groups through the admin API (Keycloak's `/roles` and `/groups` resources).

use tessera_proto::admin::{GroupRepresentation, RoleRepresentation};

use super::api::AdminApi;
use super::caller::AdminRight;
use super::roles::{RoleAdmin, RoleRef};
use super::{AdminError, representation};
use crate::model::AccessModel;

impl AdminApi<'_> {
    /// `GET /roles`: the realm roles.
    pub async fn list_realm_roles(&self, realm: &str) -> Result<Vec<RoleRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewRealm).await?;
        let roles = self.store.list_roles(&realm.id).await?;
        Ok(roles.iter().filter(|r| r.client_id.is_none()).map(|r| representation::role(r, &realm.id)).collect())
    }

    /// `GET /roles/{name}`.
    pub async fn get_realm_role(&self, realm: &str, name: &str) -> Result<RoleRepresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewRealm).await?;
        let roles = self.store.list_roles(&realm.id).await?;
        let role = roles.iter().find(|r| r.client_id.is_none() && r.name == name);
        Ok(representation::role(role.ok_or_else(|| AdminError::NoSuchRole(name.to_owned()))?, &realm.id))
    }

    /// `POST /roles`: returns the name (for `Location`).
    pub async fn create_realm_role(&self, realm: &str, rep: &RoleRepresentation) -> Result<String, AdminError> {
        self.realm_for(realm, AdminRight::ManageRealm).await?;
        let name = rep.name.clone().ok_or_else(|| AdminError::Invalid("name is required".into()))?;
        let admin = RoleAdmin { store: self.store };
        admin.create_role(realm, RoleRef::realm(&name), rep.description.clone(), &[]).await.map_err(|e| match e {
            AdminError::Store(crate::ports::StoreError::Conflict(_)) => {
                AdminError::Conflict(format!("Role with name {name} already exists"))
            }
            e => e,
        })?;
        self.admin_event(realm, "CREATE", "REALM_ROLE", format!("roles/{name}"), serde_json::to_string(rep).ok())
            .await?;
        Ok(name)
    }

    /// `GET /groups`: the top-level groups, each with its subgroups.
    pub async fn list_groups(&self, realm: &str) -> Result<Vec<GroupRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::QueryGroups).await?;
        let access =
            AccessModel::new(self.store.list_roles(&realm.id).await?, self.store.list_groups(&realm.id).await?);
        Ok(access
            .groups()
            .iter()
            .filter(|g| g.parent_id.is_none())
            .filter_map(|g| representation::group_tree(&access, &g.id))
            .collect())
    }

    /// `POST /groups` (top level) or `POST /groups/{id}/children`: returns the new group's id.
    pub async fn create_group(
        &self,
        realm: &str,
        parent: Option<&str>,
        rep: &GroupRepresentation,
    ) -> Result<String, AdminError> {
        let realm_row = self.realm_for(realm, AdminRight::ManageUsers).await?;
        let name = rep
            .name
            .clone()
            .filter(|n| !n.contains('/'))
            .ok_or_else(|| AdminError::Invalid("a group needs a name without '/'".into()))?;
        let admin = RoleAdmin { store: self.store };
        let path = match parent {
            None => format!("/{name}"),
            Some(id) => {
                let access = AccessModel::new(Vec::new(), self.store.list_groups(&realm_row.id).await?);
                let parent_path = access.group_path(id).ok_or_else(|| AdminError::NoSuchGroup(id.to_owned()))?;
                format!("{parent_path}/{name}")
            }
        };
        let group = admin.create_group(realm, &path).await.map_err(|e| match e {
            AdminError::Store(crate::ports::StoreError::Conflict(_)) => {
                AdminError::Conflict(format!("Top level group named '{name}' already exists."))
            }
            e => e,
        })?;
        let path = format!("groups/{}", group.id);
        self.admin_event(realm, "CREATE", "GROUP", path, serde_json::to_string(rep).ok()).await?;
        Ok(group.id)
    }
}
