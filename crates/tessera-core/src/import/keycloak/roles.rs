//! Roles, groups, role mappings and protocol mappers from a Keycloak export. Names are resolved to the ids
//! we generate; a mapping to a role or group the export does not define is refused with its path.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::error::ImportError;
use crate::mappers::SUPPORTED_MAPPERS;
use crate::model::{AccessModel, Group, ProtocolMapper, Role, RoleMappings};
use crate::provisioning::new_id;

#[derive(Deserialize, Default)]
pub(super) struct KcRoles {
    #[serde(default)]
    realm: Vec<KcRole>,
    #[serde(default)]
    client: BTreeMap<String, Vec<KcRole>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KcRole {
    #[allow(dead_code)]
    id: Option<String>,
    name: String,
    description: Option<String>,
    #[allow(dead_code)]
    composite: Option<bool>,
    #[allow(dead_code)]
    client_role: Option<bool>,
    composites: Option<KcComposites>,
    #[allow(dead_code)]
    attributes: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Deserialize, Default)]
struct KcComposites {
    #[serde(default)]
    realm: Vec<String>,
    #[serde(default)]
    client: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KcGroup {
    #[allow(dead_code)]
    id: Option<String>,
    name: String,
    #[allow(dead_code)]
    path: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    realm_roles: Vec<String>,
    #[serde(default)]
    client_roles: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    sub_groups: Vec<KcGroup>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KcMapper {
    id: Option<String>,
    name: Option<String>,
    #[allow(dead_code)]
    protocol: Option<String>,
    pub protocol_mapper: String,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// A user's role mappings and groups, as the export names them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct KcUserMappings {
    #[serde(default)]
    realm_roles: Vec<String>,
    #[serde(default)]
    client_roles: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    groups: Vec<String>,
}

/// Every role of the export, composites resolved to ids.
pub(super) fn import_roles(realm_id: &str, kc: Option<&KcRoles>) -> Result<Vec<Role>, ImportError> {
    let Some(kc) = kc else {
        return Ok(Vec::new());
    };
    let mut roles = Vec::new();
    let all = kc.realm.iter().map(|r| (None, r, "roles.realm".to_owned())).chain(
        kc.client.iter().flat_map(|(c, rs)| rs.iter().map(move |r| (Some(c.as_str()), r, format!("roles.client.{c}")))),
    );
    for (i, (client, r, path)) in all.enumerate() {
        if r.name.is_empty() || r.name.len() > 255 {
            return Err(ImportError::at(format!("{path}[{i}].name"), "a role name is 1 to 255 characters"));
        }
        let role = Role {
            id: new_id(),
            realm_id: realm_id.to_owned(),
            name: r.name.clone(),
            client_id: client.map(str::to_owned),
            description: r.description.clone(),
            composites: Vec::new(),
        };
        if roles.iter().any(|o: &Role| o.name == role.name && o.client_id == role.client_id) {
            return Err(ImportError::at(format!("{path}.name"), format!("duplicate role {:?}", role.name)));
        }
        roles.push(role);
    }
    let model = AccessModel::new(roles.clone(), Vec::new());
    let sources = kc
        .realm
        .iter()
        .map(|r| (None, r))
        .chain(kc.client.iter().flat_map(|(c, rs)| rs.iter().map(move |r| (Some(c.as_str()), r))));
    for (role, (client, kc_role)) in roles.iter_mut().zip(sources) {
        let Some(c) = &kc_role.composites else { continue };
        let path =
            format!("roles {:?}{}.composites", kc_role.name, client.map(|c| format!(" of {c}")).unwrap_or_default());
        role.composites = resolve(&model, &c.realm, &c.client, &path)?;
    }
    Ok(roles)
}

/// Role ids for realm role names and client role names; an unknown one is an error at `path`.
fn resolve(
    model: &AccessModel,
    realm: &[String],
    client: &BTreeMap<String, Vec<String>>,
    path: &str,
) -> Result<Vec<String>, ImportError> {
    let mut ids = Vec::new();
    let names = realm
        .iter()
        .map(|n| (None, n))
        .chain(client.iter().flat_map(|(c, ns)| ns.iter().map(move |n| (Some(c.as_str()), n))));
    for (client, name) in names {
        let role = model.find_role(client, name).ok_or_else(|| {
            let owner = client.map(|c| format!("client role of {c}")).unwrap_or_else(|| "realm role".to_owned());
            ImportError::at(path, format!("unknown {owner} {name:?}"))
        })?;
        if !ids.contains(&role.id) {
            ids.push(role.id.clone());
        }
    }
    Ok(ids)
}

/// Groups, parents before their subgroups, with their role mappings.
pub(super) fn import_groups(realm_id: &str, kc: &[KcGroup], roles: &[Role]) -> Result<Vec<Group>, ImportError> {
    let model = AccessModel::new(roles.to_vec(), Vec::new());
    let mut out = Vec::new();
    let mut pending: Vec<(&KcGroup, Option<String>, String)> =
        kc.iter().enumerate().map(|(i, g)| (g, None, format!("groups[{i}]"))).collect();
    pending.reverse();
    while let Some((g, parent, path)) = pending.pop() {
        if g.name.is_empty() || g.name.contains('/') {
            return Err(ImportError::at(format!("{path}.name"), "a group name is not empty and has no '/'"));
        }
        if out.iter().any(|o: &Group| o.name == g.name && o.parent_id == parent) {
            return Err(ImportError::at(format!("{path}.name"), format!("duplicate group {:?}", g.name)));
        }
        let group = Group {
            id: new_id(),
            realm_id: realm_id.to_owned(),
            name: g.name.clone(),
            parent_id: parent,
            attributes: g.attributes.clone(),
            role_ids: resolve(&model, &g.realm_roles, &g.client_roles, &path)?,
        };
        for (j, sub) in g.sub_groups.iter().enumerate().rev() {
            pending.push((sub, Some(group.id.clone()), format!("{path}.subGroups[{j}]")));
        }
        out.push(group);
    }
    Ok(out)
}

/// A user's mappings as ids; groups are named by path (`/staff/managers`) as Keycloak exports them.
pub(super) fn user_mappings(
    access: &AccessModel,
    kc: &KcUserMappings,
    path: &str,
) -> Result<RoleMappings, ImportError> {
    let role_ids = resolve(access, &kc.realm_roles, &kc.client_roles, path)?;
    let mut group_ids = Vec::new();
    for name in &kc.groups {
        let path_name = if name.starts_with('/') { name.clone() } else { format!("/{name}") };
        let group =
            access.group_by_path(&path_name).ok_or_else(|| ImportError::at(path, format!("unknown group {name:?}")))?;
        group_ids.push(group.id.clone());
    }
    Ok(RoleMappings { role_ids, group_ids })
}

/// Mappers kept as they are; the types Tessera does not run are named in `unsupported`.
pub(super) fn import_mappers(kc: &[KcMapper], unsupported: &mut BTreeSet<String>) -> Vec<ProtocolMapper> {
    kc.iter()
        .map(|m| {
            if !SUPPORTED_MAPPERS.contains(&m.protocol_mapper.as_str()) {
                unsupported.insert(m.protocol_mapper.clone());
            }
            ProtocolMapper {
                id: m.id.clone().filter(|i| !i.is_empty()).unwrap_or_else(new_id),
                name: m.name.clone().unwrap_or_else(|| m.protocol_mapper.clone()),
                mapper_type: m.protocol_mapper.clone(),
                config: m.config.clone(),
            }
        })
        .collect()
}
