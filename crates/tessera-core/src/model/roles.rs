//! Roles, groups and protocol mappers, Keycloak's way: realm roles and client roles (either may be a
//! composite of others), nested groups holding role mappings, and the mappers that turn them into claims.

use std::collections::{BTreeMap, HashMap};

/// A realm role (`client_id` is `None`) or a role of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: String,
    pub realm_id: String,
    pub name: String,
    /// The OAuth `client_id` of the client the role belongs to; `None` for a realm role.
    pub client_id: Option<String>,
    pub description: Option<String>,
    /// Ids of the roles this one includes (a composite role).
    pub composites: Vec<String>,
}

/// A group; members inherit its role mappings and those of every group above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub realm_id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Ids of the roles mapped to the group.
    pub role_ids: Vec<String>,
}

/// The roles and groups mapped directly to one user (a person or a client's service account).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleMappings {
    pub role_ids: Vec<String>,
    pub group_ids: Vec<String>,
}

impl RoleMappings {
    pub fn is_empty(&self) -> bool {
        self.role_ids.is_empty() && self.group_ids.is_empty()
    }
}

/// A Keycloak protocol mapper: its type (`oidc-usermodel-realm-role-mapper`, …) and its config, by
/// Keycloak's keys (`claim.name`, `access.token.claim`, …).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProtocolMapper {
    pub id: String,
    pub name: String,
    #[serde(rename = "protocolMapper")]
    pub mapper_type: String,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// What the protocol mappers produced for one token: claims to add, audiences, a pairwise subject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MappedClaims {
    /// For an access token, never one of the token's own claim names.
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// Added to `aud` (audience mappers), in order, without duplicates.
    pub audiences: Vec<String>,
    /// A pairwise `sub` replacing the local one (OIDC Core §8.1).
    pub subject: Option<String>,
    /// A mapped `preferred_username` for an access token.
    pub preferred_username: Option<String>,
}

/// Keycloak's name of a realm's default role, given to every new user.
pub fn default_role_name(realm_name: &str) -> String {
    format!("default-roles-{realm_name}")
}

/// A realm's roles and groups, indexed for the token path: loaded with the realm and cached with it.
#[derive(Debug, Clone, Default)]
pub struct AccessModel {
    roles: Vec<Role>,
    groups: Vec<Group>,
    role_by_id: HashMap<String, usize>,
    group_by_id: HashMap<String, usize>,
}

impl AccessModel {
    pub fn new(roles: Vec<Role>, groups: Vec<Group>) -> Self {
        let role_by_id = roles.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        let group_by_id = groups.iter().enumerate().map(|(i, g)| (g.id.clone(), i)).collect();
        Self { roles, groups, role_by_id, group_by_id }
    }

    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.role_by_id.get(id).map(|i| &self.roles[*i])
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.group_by_id.get(id).map(|i| &self.groups[*i])
    }

    /// The realm role (`client_id` `None`) or client role of that name.
    pub fn find_role(&self, client_id: Option<&str>, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name && r.client_id.as_deref() == client_id)
    }

    /// `/staff/managers`: the group's path from the top, as Keycloak writes it.
    pub fn group_path(&self, id: &str) -> Option<String> {
        let mut names = Vec::new();
        let mut next = Some(id);
        while let Some(id) = next {
            let group = self.group(id)?;
            names.push(group.name.as_str());
            next = group.parent_id.as_deref();
            if names.len() > self.groups.len() {
                return None; // a cycle: refuse rather than loop
            }
        }
        names.reverse();
        Some(format!("/{}", names.join("/")))
    }

    /// The group at `/a/b/c`, if any.
    pub fn group_by_path(&self, path: &str) -> Option<&Group> {
        let mut parent: Option<&str> = None;
        let mut found = None;
        for name in path.trim_start_matches('/').split('/') {
            let group = self.groups.iter().find(|g| g.name == name && g.parent_id.as_deref() == parent)?;
            parent = Some(group.id.as_str());
            found = Some(group);
        }
        found
    }

    /// Every role the mappings grant: the direct ones, those of each group and of the groups above it, and
    /// everything a composite includes, transitively (Keycloak's "effective" roles). Unknown ids are skipped.
    pub fn effective_roles<'a>(&'a self, mappings: &RoleMappings) -> Vec<&'a Role> {
        let mut seen = vec![false; self.roles.len()];
        let mut pending: Vec<usize> =
            mappings.role_ids.iter().filter_map(|id| self.role_by_id.get(id).copied()).collect();
        let mut visited_groups = vec![false; self.groups.len()];
        for gid in &mappings.group_ids {
            let mut next = self.group_by_id.get(gid).copied();
            while let Some(g) = next {
                if std::mem::replace(&mut visited_groups[g], true) {
                    break;
                }
                let group = &self.groups[g];
                pending.extend(group.role_ids.iter().filter_map(|id| self.role_by_id.get(id).copied()));
                next = group.parent_id.as_ref().and_then(|p| self.group_by_id.get(p).copied());
            }
        }
        let mut out = Vec::new();
        while let Some(i) = pending.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let role = &self.roles[i];
            out.push(role);
            pending.extend(role.composites.iter().filter_map(|id| self.role_by_id.get(id).copied()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, name: &str, client: Option<&str>, composites: &[&str]) -> Role {
        Role {
            id: id.into(),
            realm_id: "r".into(),
            name: name.into(),
            client_id: client.map(Into::into),
            description: None,
            composites: composites.iter().map(|c| (*c).into()).collect(),
        }
    }

    fn group(id: &str, name: &str, parent: Option<&str>, roles: &[&str]) -> Group {
        Group {
            id: id.into(),
            realm_id: "r".into(),
            name: name.into(),
            parent_id: parent.map(Into::into),
            attributes: BTreeMap::new(),
            role_ids: roles.iter().map(|c| (*c).into()).collect(),
        }
    }

    #[test]
    fn effective_roles_follow_groups_upwards_and_composites_transitively_even_in_a_cycle() {
        let model = AccessModel::new(
            vec![
                role("staff", "staff", None, &[]),
                role("manager", "manager", None, &["staff", "write"]),
                role("write", "orders:write", Some("orders-api"), &["manager"]),
                role("read", "orders:read", Some("orders-api"), &[]),
                role("other", "other", None, &[]),
            ],
            vec![group("g1", "staff", None, &["read"]), group("g2", "managers", Some("g1"), &["manager"])],
        );
        let mappings = RoleMappings { role_ids: vec!["missing".into()], group_ids: vec!["g2".into()] };
        let mut names: Vec<&str> = model.effective_roles(&mappings).iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["manager", "orders:read", "orders:write", "staff"]);
        assert_eq!(model.group_path("g2").as_deref(), Some("/staff/managers"));
        assert_eq!(model.group_by_path("/staff/managers").map(|g| g.id.as_str()), Some("g2"));
        assert!(model.group_by_path("/managers").is_none());
    }
}
