//! Role mappings of users and groups through the admin API (Keycloak's `…/role-mappings`,
//! `…/role-mappings/realm` and `…/role-mappings/clients/{client}`), and a user's sessions.

use std::collections::BTreeMap;

use tessera_proto::admin::{
    ClientMappingsRepresentation, MappingsRepresentation, RoleRepresentation, UserSessionRepresentation,
};

use super::api::AdminApi;
use super::caller::AdminRight;
use super::{AdminError, representation};
use crate::model::{AccessModel, Client, Realm, Role};
use crate::ports::RoleHolder;

/// Whose mappings: a user or a group, by id.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    User(&'a str),
    Group(&'a str),
}

/// Which roles: the realm's, or one client's (by internal id).
#[derive(Debug, Clone, Copy)]
pub enum RoleLevel<'a> {
    Realm,
    Client(&'a str),
}

impl AdminApi<'_> {
    /// The holder's direct role ids, after checking it exists in the realm.
    async fn mapped_ids(
        &self,
        realm: &Realm,
        access: &AccessModel,
        holder: Holder<'_>,
    ) -> Result<Vec<String>, AdminError> {
        match holder {
            Holder::User(id) => {
                let user = self.store.find_user_by_id(&realm.id, id).await?;
                Ok(user.ok_or_else(|| AdminError::NoSuchUser(id.to_owned()))?.roles.role_ids)
            }
            Holder::Group(id) => {
                let group = access.group(id).ok_or_else(|| AdminError::NoSuchGroup(id.to_owned()))?;
                Ok(group.role_ids.clone())
            }
        }
    }

    fn holder_right(holder: Holder<'_>, write: bool) -> AdminRight {
        match (holder, write) {
            (Holder::User(_), false) => AdminRight::ViewUsers,
            (Holder::Group(_), false) => AdminRight::QueryGroups,
            (_, true) => AdminRight::ManageUsers,
        }
    }

    fn holder_path(holder: Holder<'_>) -> String {
        match holder {
            Holder::User(id) => format!("users/{id}"),
            Holder::Group(id) => format!("groups/{id}"),
        }
    }

    /// `GET …/role-mappings`: every direct mapping, realm roles and client roles by client.
    pub async fn role_mappings(&self, realm: &str, holder: Holder<'_>) -> Result<MappingsRepresentation, AdminError> {
        self.mappings(realm, holder, false).await
    }

    /// Every role a user holds, directly, through groups and through composites, in the shape of
    /// [`Self::role_mappings`] (Keycloak answers it per level only: `…/realm/composite`, `…/clients/{c}/composite`).
    pub async fn effective_role_mappings(
        &self,
        realm: &str,
        user_id: &str,
    ) -> Result<MappingsRepresentation, AdminError> {
        self.mappings(realm, Holder::User(user_id), true).await
    }

    async fn mappings(
        &self,
        realm: &str,
        holder: Holder<'_>,
        effective: bool,
    ) -> Result<MappingsRepresentation, AdminError> {
        let realm = self.realm_for(realm, Self::holder_right(holder, false)).await?;
        let access = self.access_model(&realm).await?;
        let roles: Vec<&Role> = match holder {
            Holder::User(id) if effective => {
                let user = self.store.find_user_by_id(&realm.id, id).await?;
                access.effective_roles(&user.ok_or_else(|| AdminError::NoSuchUser(id.to_owned()))?.roles)
            }
            _ => {
                let ids = self.mapped_ids(&realm, &access, holder).await?;
                ids.iter().filter_map(|id| access.role(id)).collect()
            }
        };
        let clients = self.store.list_clients(&realm.id).await?;
        let mut realm_mappings = Vec::new();
        let mut client_mappings: BTreeMap<String, ClientMappingsRepresentation> = BTreeMap::new();
        for role in roles {
            match &role.client_id {
                None => realm_mappings.push(representation::role(role, &realm.id)),
                Some(client_id) => {
                    let Some(client) = clients.iter().find(|c| &c.client_id == client_id) else { continue };
                    let entry =
                        client_mappings.entry(client_id.clone()).or_insert_with(|| ClientMappingsRepresentation {
                            id: client.id.clone(),
                            client: client_id.clone(),
                            mappings: Vec::new(),
                        });
                    entry.mappings.push(representation::role(role, &client.id));
                }
            }
        }
        Ok(MappingsRepresentation {
            realm_mappings: Some(realm_mappings).filter(|m| !m.is_empty()),
            client_mappings: Some(client_mappings).filter(|m| !m.is_empty()),
        })
    }

    /// `GET …/role-mappings/realm` or `…/clients/{client}`: the direct mappings at one level; with
    /// `effective` (`…/composite`), every role held through groups and composites too.
    pub async fn level_mappings(
        &self,
        realm: &str,
        holder: Holder<'_>,
        level: RoleLevel<'_>,
        effective: bool,
    ) -> Result<Vec<RoleRepresentation>, AdminError> {
        let realm = self.realm_for(realm, Self::holder_right(holder, false)).await?;
        let access = self.access_model(&realm).await?;
        let (client_id, container) = self.level(&realm, level).await?;
        let roles: Vec<&Role> = if effective {
            let mappings = match holder {
                Holder::User(id) => {
                    let user = self.store.find_user_by_id(&realm.id, id).await?;
                    user.ok_or_else(|| AdminError::NoSuchUser(id.to_owned()))?.roles
                }
                Holder::Group(id) => {
                    access.group(id).ok_or_else(|| AdminError::NoSuchGroup(id.to_owned()))?;
                    crate::model::RoleMappings { role_ids: Vec::new(), group_ids: vec![id.to_owned()] }
                }
            };
            access.effective_roles(&mappings)
        } else {
            let ids = self.mapped_ids(&realm, &access, holder).await?;
            ids.iter().filter_map(|id| access.role(id)).collect()
        };
        Ok(roles
            .into_iter()
            .filter(|r| r.client_id.as_deref() == client_id.as_deref())
            .map(|r| representation::role(r, &container))
            .collect())
    }

    /// `POST` (grant) or `DELETE` (take back) `…/role-mappings/realm` or `…/clients/{client}` with a list of
    /// roles named by `id` or `name`; every role must exist at that level, or nothing changes (404).
    pub async fn map_roles(
        &self,
        realm: &str,
        holder: Holder<'_>,
        level: RoleLevel<'_>,
        roles: &[RoleRepresentation],
        grant: bool,
    ) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, Self::holder_right(holder, true)).await?;
        let access = self.access_model(&realm).await?;
        self.mapped_ids(&realm, &access, holder).await?;
        let (client_id, _) = self.level(&realm, level).await?;
        let mut ids = Vec::new();
        for rep in roles {
            let found = access.roles().iter().find(|r| {
                r.client_id == client_id
                    && (rep.id.as_deref() == Some(r.id.as_str()) || rep.name.as_deref() == Some(r.name.as_str()))
            });
            let role = found.ok_or_else(|| {
                AdminError::NoSuchRole(rep.name.clone().or_else(|| rep.id.clone()).unwrap_or_default())
            })?;
            ids.push(role.id.clone());
        }
        let store_holder = match holder {
            Holder::User(id) => RoleHolder::User(id),
            Holder::Group(id) => RoleHolder::Group(id),
        };
        for role in ids {
            self.store.map_role(&realm.id, store_holder, &role, grant).await?;
        }
        let (resource, suffix) = match level {
            RoleLevel::Realm => ("REALM_ROLE_MAPPING", "realm".to_owned()),
            RoleLevel::Client(pk) => ("CLIENT_ROLE_MAPPING", format!("clients/{pk}")),
        };
        let path = format!("{}/role-mappings/{suffix}", Self::holder_path(holder));
        let operation = if grant { "CREATE" } else { "DELETE" };
        self.admin_event(&realm.name, operation, resource, path, serde_json::to_string(roles).ok()).await
    }

    /// `GET /users/{id}/sessions`: the user's SSO sessions not ended (Tessera does not keep the address a
    /// session started from, nor which clients it served).
    pub async fn user_sessions(&self, realm: &str, id: &str) -> Result<Vec<UserSessionRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewUsers).await?;
        let user =
            self.store.find_user_by_id(&realm.id, id).await?.ok_or_else(|| AdminError::NoSuchUser(id.to_owned()))?;
        let sessions = self.store.user_sessions(&realm.id, &user.id, super::api::MAX_PAGE as i64).await?;
        Ok(sessions
            .into_iter()
            .map(|s| UserSessionRepresentation {
                id: s.id,
                username: user.username.clone(),
                user_id: user.id.clone(),
                ip_address: None,
                start: s.auth_time.saturating_mul(1000),
                last_access: s.last_seen_at.saturating_mul(1000),
                clients: BTreeMap::new(),
            })
            .collect())
    }

    pub(super) async fn access_model(&self, realm: &Realm) -> Result<AccessModel, AdminError> {
        Ok(AccessModel::new(self.store.list_roles(&realm.id).await?, self.store.list_groups(&realm.id).await?))
    }

    /// The roles' `client_id` for a level (None for realm roles) and the representation's `containerId`.
    async fn level(&self, realm: &Realm, level: RoleLevel<'_>) -> Result<(Option<String>, String), AdminError> {
        match level {
            RoleLevel::Realm => Ok((None, realm.id.clone())),
            RoleLevel::Client(pk) => {
                let client: Client = self.client_by_pk(realm, pk).await?;
                Ok((Some(client.client_id), client.id))
            }
        }
    }
}
