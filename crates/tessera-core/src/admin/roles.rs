//! Roles and groups, Keycloak's way: realm and client roles (composites), nested groups, and the role
//! mappings and memberships of users (people and service accounts) and groups.

use super::AdminError;
use crate::model::{AccessModel, Client, Group, Realm, Role, RoleMappings, User, default_role_name};
use crate::ports::{ClientStore, RealmStore, RoleHolder, RoleStore, UserStore};
use crate::provisioning::new_id;

/// A role as people name it: `name` for a realm role, `client-id/name` (or `--client`) for a client role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRef {
    pub client_id: Option<String>,
    pub name: String,
}

impl RoleRef {
    pub fn realm(name: &str) -> Self {
        Self { client_id: None, name: name.to_owned() }
    }

    pub fn client(client_id: &str, name: &str) -> Self {
        Self { client_id: Some(client_id.to_owned()), name: name.to_owned() }
    }

    /// `orders-api/orders:read` is a client role, `staff` a realm role.
    pub fn parse(text: &str) -> Self {
        match text.split_once('/') {
            Some((client, name)) if !client.is_empty() => Self::client(client, name),
            _ => Self::realm(text),
        }
    }
}

impl std::fmt::Display for RoleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.client_id {
            Some(c) => write!(f, "{c}/{}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

/// The role and group services of one store.
pub struct RoleAdmin<'a, S: RealmStore + RoleStore + UserStore + ClientStore + ?Sized> {
    pub store: &'a S,
}

impl<S: RealmStore + RoleStore + UserStore + ClientStore + ?Sized> RoleAdmin<'_, S> {
    pub async fn realm(&self, name: &str) -> Result<Realm, AdminError> {
        self.store.find_realm(name).await?.ok_or_else(|| AdminError::NoSuchRealm(name.to_owned()))
    }

    async fn access(&self, realm: &Realm) -> Result<AccessModel, AdminError> {
        Ok(AccessModel::new(self.store.list_roles(&realm.id).await?, self.store.list_groups(&realm.id).await?))
    }

    fn role<'m>(access: &'m AccessModel, r: &RoleRef) -> Result<&'m Role, AdminError> {
        access.find_role(r.client_id.as_deref(), &r.name).ok_or_else(|| AdminError::NoSuchRole(r.to_string()))
    }

    async fn user(&self, realm: &Realm, username: &str) -> Result<User, AdminError> {
        self.store.find_user(&realm.id, username).await?.ok_or_else(|| AdminError::NoSuchUser(username.to_owned()))
    }

    /// A new role; its composites must exist already.
    pub async fn create_role(
        &self,
        realm: &str,
        role: RoleRef,
        description: Option<String>,
        composites: &[RoleRef],
    ) -> Result<Role, AdminError> {
        let realm = self.realm(realm).await?;
        if role.name.is_empty() || role.name.len() > 255 || role.name.chars().any(char::is_control) {
            return Err(AdminError::Invalid(format!("invalid role name {:?}", role.name)));
        }
        if let Some(c) = &role.client_id
            && self.store.find_client(&realm.id, c).await?.is_none()
        {
            return Err(AdminError::NoSuchClient(c.clone()));
        }
        let access = self.access(&realm).await?;
        let composites =
            composites.iter().map(|c| Self::role(&access, c).map(|r| r.id.clone())).collect::<Result<_, _>>()?;
        let role = Role {
            id: new_id(),
            realm_id: realm.id.clone(),
            name: role.name,
            client_id: role.client_id,
            description,
            composites,
        };
        self.store.create_role(&role).await?;
        Ok(role)
    }

    pub async fn delete_role(&self, realm: &str, role: &RoleRef) -> Result<(), AdminError> {
        let realm = self.realm(realm).await?;
        let access = self.access(&realm).await?;
        let id = Self::role(&access, role)?.id.clone();
        self.store.delete_role(&realm.id, &id).await?;
        Ok(())
    }

    /// Every role of the realm with what it includes, and every group with its path, for listing.
    pub async fn model(&self, realm: &str) -> Result<AccessModel, AdminError> {
        let realm = self.realm(realm).await?;
        self.access(&realm).await
    }

    /// The group at `path` (`/staff/support`); its parent must exist.
    pub async fn create_group(&self, realm: &str, path: &str) -> Result<Group, AdminError> {
        let realm = self.realm(realm).await?;
        let access = self.access(&realm).await?;
        let trimmed = path.trim_matches('/');
        let (parent, name) = match trimmed.rsplit_once('/') {
            Some((parent, name)) => {
                let parent =
                    access.group_by_path(parent).ok_or_else(|| AdminError::NoSuchGroup(format!("/{parent}")))?;
                (Some(parent.id.clone()), name)
            }
            None => (None, trimmed),
        };
        if name.is_empty() || name.len() > 255 || name.chars().any(char::is_control) {
            return Err(AdminError::Invalid(format!("invalid group path {path:?}")));
        }
        let group = Group {
            id: new_id(),
            realm_id: realm.id.clone(),
            name: name.to_owned(),
            parent_id: parent,
            attributes: Default::default(),
            role_ids: Vec::new(),
        };
        self.store.create_group(&group).await?;
        Ok(group)
    }

    pub async fn delete_group(&self, realm: &str, path: &str) -> Result<(), AdminError> {
        let realm = self.realm(realm).await?;
        let access = self.access(&realm).await?;
        let group = access.group_by_path(path).ok_or_else(|| AdminError::NoSuchGroup(path.to_owned()))?;
        self.store.delete_group(&realm.id, &group.id).await?;
        Ok(())
    }

    /// Grants (or takes back) a role of a user; a client's service account is the user
    /// `service-account-{client}`, as in Keycloak.
    pub async fn map_user_role(
        &self,
        realm: &str,
        username: &str,
        role: &RoleRef,
        grant: bool,
    ) -> Result<bool, AdminError> {
        let realm = self.realm(realm).await?;
        let user = self.user(&realm, username).await?;
        let access = self.access(&realm).await?;
        let role = Self::role(&access, role)?;
        Ok(self.store.map_role(&realm.id, RoleHolder::User(&user.id), &role.id, grant).await?)
    }

    pub async fn map_group_role(
        &self,
        realm: &str,
        path: &str,
        role: &RoleRef,
        grant: bool,
    ) -> Result<bool, AdminError> {
        let realm = self.realm(realm).await?;
        let access = self.access(&realm).await?;
        let group = access.group_by_path(path).ok_or_else(|| AdminError::NoSuchGroup(path.to_owned()))?;
        let role = Self::role(&access, role)?;
        Ok(self.store.map_role(&realm.id, RoleHolder::Group(&group.id), &role.id, grant).await?)
    }

    pub async fn set_member(&self, realm: &str, username: &str, path: &str, member: bool) -> Result<bool, AdminError> {
        let realm = self.realm(realm).await?;
        let user = self.user(&realm, username).await?;
        let access = self.access(&realm).await?;
        let group = access.group_by_path(path).ok_or_else(|| AdminError::NoSuchGroup(path.to_owned()))?;
        Ok(self.store.set_group_member(&realm.id, &user.id, &group.id, member).await?)
    }

    /// Keycloak gives a new client's service account the realm's default role too.
    pub async fn with_default_role_for_service_account(
        &self,
        realm: &Realm,
        client: &mut Client,
    ) -> Result<(), AdminError> {
        if client.service_account_user_id.is_some() {
            self.add_default_role(realm, &mut client.service_account_roles).await?;
        }
        Ok(())
    }

    /// Keycloak gives every new user the realm's default role; `user` is changed to hold it when it exists.
    pub async fn with_default_role(&self, realm: &Realm, user: &mut User) -> Result<(), AdminError> {
        self.add_default_role(realm, &mut user.roles).await
    }

    /// Adds `default-roles-{realm}` to `mappings` when the realm has that role.
    async fn add_default_role(&self, realm: &Realm, mappings: &mut RoleMappings) -> Result<(), AdminError> {
        let roles = self.store.list_roles(&realm.id).await?;
        let default = default_role_name(&realm.name);
        if let Some(role) = roles.iter().find(|r| r.client_id.is_none() && r.name == default)
            && !mappings.role_ids.contains(&role.id)
        {
            mappings.role_ids.push(role.id.clone());
        }
        Ok(())
    }
}
