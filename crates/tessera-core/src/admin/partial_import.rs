//! `POST /admin/realms/{realm}/partialImport`: Keycloak's partial import of realm roles, clients, client
//! roles, groups and users into an existing realm, each through the service that creates or updates it one
//! by one (so every rule and admin event is the same as for a single write). With `FAIL` (the default)
//! every resource is checked first and nothing is written when one exists.

use tessera_proto::admin::{
    GroupRepresentation, PartialImportRepresentation, PartialImportResult, PartialImportResults, RoleRepresentation,
};

use super::AdminError;
use super::api::AdminApi;
use super::caller::AdminRight;
use super::mappings::{Holder, RoleLevel};
use crate::model::{AccessModel, Realm, UserSearch};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IfExists {
    Fail,
    Skip,
    Overwrite,
}

/// At most this many resources in one import: the body limit bounds the bytes, this the work.
const MAX_RESOURCES: usize = 10_000;

impl AdminApi<'_> {
    pub async fn partial_import(
        &self,
        realm_name: &str,
        rep: &PartialImportRepresentation,
    ) -> Result<PartialImportResults, AdminError> {
        let realm = self.realm_for(realm_name, AdminRight::ManageRealm).await?;
        let policy = match rep.if_resource_exists.as_deref().unwrap_or("FAIL") {
            "FAIL" => IfExists::Fail,
            "SKIP" => IfExists::Skip,
            "OVERWRITE" => IfExists::Overwrite,
            other => {
                return Err(AdminError::Invalid(format!(
                    "ifResourceExists must be FAIL, SKIP or OVERWRITE, not {other:?}"
                )));
            }
        };
        let total = rep.users.len()
            + rep.clients.len()
            + rep.groups.len()
            + rep.roles.realm.len()
            + rep.roles.client.values().map(Vec::len).sum::<usize>();
        if total > MAX_RESOURCES {
            return Err(AdminError::Invalid(format!("at most {MAX_RESOURCES} resources in one partial import")));
        }
        if policy == IfExists::Fail
            && let Some(existing) = self.first_existing(&realm, rep).await?
        {
            return Err(AdminError::Conflict(format!("{existing} already exists")));
        }
        let mut out = Outcome { policy, results: PartialImportResults::default() };

        let access = self.access_model(&realm).await?;
        for role in &rep.roles.realm {
            let name = required(role.name.as_deref(), "roles.realm[].name")?;
            match access.find_role(None, name) {
                Some(found) => {
                    if out.existing("REALM_ROLE", name, &found.id) {
                        self.update_role(realm_name, RoleLevel::Realm, name, role).await?;
                    }
                }
                None => {
                    self.create_role(realm_name, RoleLevel::Realm, role).await?;
                    out.added("REALM_ROLE", name, "");
                }
            }
        }
        for client in &rep.clients {
            let client_id = required(client.client_id.as_deref(), "clients[].clientId")?;
            match self.store.find_client(&realm.id, client_id).await? {
                Some(found) => {
                    if out.existing("CLIENT", client_id, &found.id) {
                        self.update_client(realm_name, &found.id, client).await?;
                    }
                }
                None => {
                    let id = self.create_client(realm_name, client).await?;
                    out.added("CLIENT", client_id, &id);
                }
            }
        }
        for (client_id, roles) in &rep.roles.client {
            let client = self.store.find_client(&realm.id, client_id).await?;
            let client = client.ok_or_else(|| AdminError::NoSuchClient(client_id.clone()))?;
            for role in roles {
                let name = required(role.name.as_deref(), "roles.client[][].name")?;
                let level = RoleLevel::Client(&client.id);
                match access.find_role(Some(client_id), name) {
                    Some(found) => {
                        if out.existing("CLIENT_ROLE", name, &found.id) {
                            self.update_role(realm_name, level, name, role).await?;
                        }
                    }
                    None => {
                        self.create_role(realm_name, level, role).await?;
                        out.added("CLIENT_ROLE", name, "");
                    }
                }
            }
        }
        // Groups, parents before their subgroups.
        let mut pending: Vec<(Option<String>, &GroupRepresentation)> = rep.groups.iter().map(|g| (None, g)).collect();
        while let Some((parent, group)) = pending.pop() {
            let name = required(group.name.as_deref(), "groups[].name")?;
            let access = AccessModel::new(Vec::new(), self.store.list_groups(&realm.id).await?);
            let existing =
                access.groups().iter().find(|g| g.parent_id == parent && g.name == name).map(|g| g.id.clone());
            let id = match existing {
                Some(id) => {
                    if out.existing("GROUP", name, &id) {
                        self.update_group(realm_name, &id, group).await?;
                        self.map_named_roles(
                            realm_name,
                            Holder::Group(&id),
                            group.realm_roles.as_deref(),
                            group.client_roles.as_ref(),
                        )
                        .await?;
                    }
                    id
                }
                None => {
                    let id = self.create_group(realm_name, parent.as_deref(), group).await?;
                    self.map_named_roles(
                        realm_name,
                        Holder::Group(&id),
                        group.realm_roles.as_deref(),
                        group.client_roles.as_ref(),
                    )
                    .await?;
                    out.added("GROUP", name, &id);
                    id
                }
            };
            for child in group.sub_groups.iter().flatten() {
                pending.push((Some(id.clone()), child));
            }
        }
        for user in &rep.users {
            let username = required(user.username.as_deref(), "users[].username")?.to_lowercase();
            let (id, write) = match self.store.find_user(&realm.id, &username).await? {
                Some(found) => {
                    let write = out.existing("USER", &username, &found.id);
                    if write {
                        self.update_user(realm_name, &found.id, user).await?;
                    }
                    (found.id, write)
                }
                None => {
                    let id = self.create_user(realm_name, user).await?;
                    out.added("USER", &username, &id);
                    (id, true)
                }
            };
            if write {
                self.map_named_roles(
                    realm_name,
                    Holder::User(&id),
                    user.realm_roles.as_deref(),
                    user.client_roles.as_ref(),
                )
                .await?;
                let access = AccessModel::new(Vec::new(), self.store.list_groups(&realm.id).await?);
                for path in user.groups.iter().flatten() {
                    let group = access.group_by_path(path).ok_or_else(|| AdminError::NoSuchGroup(path.clone()))?;
                    self.set_user_group(realm_name, &id, &group.id, true).await?;
                }
            }
        }
        Ok(out.results)
    }

    /// Grants roles named in a representation (`realmRoles`, `clientRoles` by `clientId`).
    async fn map_named_roles(
        &self,
        realm: &str,
        holder: Holder<'_>,
        realm_roles: Option<&[String]>,
        client_roles: Option<&std::collections::BTreeMap<String, Vec<String>>>,
    ) -> Result<(), AdminError> {
        let named = |names: &[String]| -> Vec<RoleRepresentation> {
            names.iter().map(|n| RoleRepresentation { name: Some(n.clone()), ..Default::default() }).collect()
        };
        if let Some(names) = realm_roles.filter(|n| !n.is_empty()) {
            self.map_roles(realm, holder, RoleLevel::Realm, &named(names), true).await?;
        }
        for (client_id, names) in client_roles.into_iter().flatten() {
            let realm_row = self.realm_for(realm, AdminRight::ManageRealm).await?;
            let client = self.store.find_client(&realm_row.id, client_id).await?;
            let client = client.ok_or_else(|| AdminError::NoSuchClient(client_id.clone()))?;
            self.map_roles(realm, holder, RoleLevel::Client(&client.id), &named(names), true).await?;
        }
        Ok(())
    }

    /// The first resource of the import that exists already, named as Keycloak names it in its error.
    async fn first_existing(
        &self,
        realm: &Realm,
        rep: &PartialImportRepresentation,
    ) -> Result<Option<String>, AdminError> {
        let access = self.access_model(realm).await?;
        for role in &rep.roles.realm {
            if let Some(name) = role.name.as_deref().filter(|n| access.find_role(None, n).is_some()) {
                return Ok(Some(format!("Realm role '{name}'")));
            }
        }
        for (client_id, roles) in &rep.roles.client {
            for role in roles {
                if let Some(name) = role.name.as_deref().filter(|n| access.find_role(Some(client_id), n).is_some()) {
                    return Ok(Some(format!("Client role '{name}' of client '{client_id}'")));
                }
            }
        }
        for client in &rep.clients {
            if let Some(id) = &client.client_id
                && self.store.find_client(&realm.id, id).await?.is_some()
            {
                return Ok(Some(format!("Client '{id}'")));
            }
        }
        for group in &rep.groups {
            if let Some(name) = &group.name
                && access.groups().iter().any(|g| g.parent_id.is_none() && &g.name == name)
            {
                return Ok(Some(format!("Group '{name}'")));
            }
        }
        for user in &rep.users {
            let Some(username) = &user.username else { continue };
            let query =
                UserSearch { username: Some(username.to_lowercase()), exact: true, limit: 1, ..UserSearch::default() };
            if !self.store.search_users(&realm.id, &query).await?.is_empty() {
                return Ok(Some(format!("User '{username}'")));
            }
        }
        Ok(None)
    }
}

fn required<'a>(value: Option<&'a str>, field: &str) -> Result<&'a str, AdminError> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| AdminError::Invalid(format!("{field} is required")))
}

struct Outcome {
    policy: IfExists,
    results: PartialImportResults,
}

impl Outcome {
    fn push(&mut self, action: &str, resource_type: &str, name: &str, id: &str) {
        self.results.results.push(PartialImportResult {
            action: action.to_owned(),
            resource_type: resource_type.to_owned(),
            resource_name: name.to_owned(),
            id: id.to_owned(),
        });
    }

    fn added(&mut self, resource_type: &str, name: &str, id: &str) {
        self.results.added += 1;
        self.push("ADDED", resource_type, name, id);
    }

    /// A resource that exists: true when it is to be overwritten.
    fn existing(&mut self, resource_type: &str, name: &str, id: &str) -> bool {
        if self.policy == IfExists::Overwrite {
            self.results.overwritten += 1;
            self.push("OVERWRITTEN", resource_type, name, id);
            true
        } else {
            self.results.skipped += 1;
            self.push("SKIPPED", resource_type, name, id);
            false
        }
    }
}
