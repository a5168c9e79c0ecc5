//! Groups through the admin API (Keycloak's `/groups` resource): the tree, one group, its members.

use tessera_proto::admin::{GroupRepresentation, UserRepresentation};

use super::api::{AdminApi, Page};
use super::caller::AdminRight;
use super::roles::RoleAdmin;
use super::{AdminError, representation};
use crate::model::AccessModel;

impl AdminApi<'_> {
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

    /// `GET /groups/{id}`, with its subgroups.
    pub async fn get_group(&self, realm: &str, id: &str) -> Result<GroupRepresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::QueryGroups).await?;
        let access = self.access_model(&realm).await?;
        representation::group_tree(&access, id).ok_or_else(|| AdminError::NoSuchGroup(id.to_owned()))
    }

    /// `GET /groups/{id}/children`.
    pub async fn group_children(
        &self,
        realm: &str,
        id: &str,
        page: Page,
    ) -> Result<Vec<GroupRepresentation>, AdminError> {
        Ok(page.apply(self.get_group(realm, id).await?.sub_groups.unwrap_or_default()))
    }

    /// `PUT /groups/{id}`: its name and attributes (role mappings have their own resource).
    pub async fn update_group(&self, realm: &str, id: &str, rep: &GroupRepresentation) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageUsers).await?;
        let access = AccessModel::new(Vec::new(), self.store.list_groups(&realm.id).await?);
        let mut group = access.group(id).cloned().ok_or_else(|| AdminError::NoSuchGroup(id.to_owned()))?;
        if let Some(name) = &rep.name {
            if name.is_empty() || name.len() > 255 || name.contains('/') || name.chars().any(char::is_control) {
                return Err(AdminError::Invalid("a group needs a name without '/'".into()));
            }
            if access.groups().iter().any(|g| g.id != group.id && g.parent_id == group.parent_id && &g.name == name) {
                return Err(AdminError::Conflict(format!("Sibling group named '{name}' already exists.")));
            }
            group.name = name.clone();
        }
        if let Some(attributes) = &rep.attributes {
            group.attributes = attributes.clone();
        }
        self.store.update_group(&group).await?;
        self.admin_event(&realm.name, "UPDATE", "GROUP", format!("groups/{id}"), serde_json::to_string(rep).ok()).await
    }

    /// `DELETE /groups/{id}`: with its subgroups, their mappings and memberships.
    pub async fn delete_group(&self, realm: &str, id: &str) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageUsers).await?;
        if !self.store.delete_group(&realm.id, id).await? {
            return Err(AdminError::NoSuchGroup(id.to_owned()));
        }
        self.admin_event(&realm.name, "DELETE", "GROUP", format!("groups/{id}"), None).await
    }

    /// `GET /groups/{id}/members`: the users who are direct members.
    pub async fn group_members(
        &self,
        realm: &str,
        id: &str,
        page: Page,
    ) -> Result<Vec<UserRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewUsers).await?;
        let access = AccessModel::new(Vec::new(), self.store.list_groups(&realm.id).await?);
        access.group(id).ok_or_else(|| AdminError::NoSuchGroup(id.to_owned()))?;
        let users = self.store.list_users(&realm.id).await?;
        let members = users.iter().filter(|u| u.roles.group_ids.iter().any(|g| g == id)).map(representation::user);
        Ok(page.apply(members.collect()))
    }
}
