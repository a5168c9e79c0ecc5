//! The model as Keycloak's admin representations show it. Secrets and password hashes never leave.

use tessera_proto::admin::{
    ClientRepresentation, GroupRepresentation, ProtocolMapperRepresentation, RealmRepresentation, RoleRepresentation,
    UserRepresentation,
};

use crate::model::{AccessModel, Client, ProtocolMapper, Realm, Role, User};

pub fn realm(r: &Realm) -> RealmRepresentation {
    RealmRepresentation {
        id: Some(r.id.clone()),
        realm: Some(r.name.clone()),
        display_name: r.display_name.clone(),
        enabled: Some(r.enabled),
        access_token_lifespan: Some(r.access_token_lifespan),
        not_before: Some(r.not_before),
        default_signature_algorithm: Some(r.signing_alg.as_str().to_owned()),
        attributes: Some(r.attributes.clone()),
    }
}

pub fn mapper(m: &ProtocolMapper) -> ProtocolMapperRepresentation {
    ProtocolMapperRepresentation {
        id: Some(m.id.clone()),
        name: Some(m.name.clone()),
        protocol: Some("openid-connect".to_owned()),
        protocol_mapper: Some(m.mapper_type.clone()),
        config: m.config.clone(),
    }
}

pub fn client(c: &Client) -> ClientRepresentation {
    ClientRepresentation {
        id: Some(c.id.clone()),
        client_id: Some(c.client_id.clone()),
        name: c.name.clone(),
        enabled: Some(c.enabled),
        protocol: Some("openid-connect".to_owned()),
        public_client: Some(c.public_client),
        bearer_only: Some(false),
        client_authenticator_type: Some("client-secret".to_owned()),
        secret: None,
        service_accounts_enabled: Some(c.service_accounts_enabled),
        standard_flow_enabled: Some(c.standard_flow_enabled),
        direct_access_grants_enabled: Some(c.direct_access_grants_enabled),
        consent_required: Some(c.consent_required),
        redirect_uris: Some(c.redirect_uris.clone()),
        web_origins: Some(c.web_origins.clone()),
        default_client_scopes: Some(c.default_scopes.clone()),
        optional_client_scopes: Some(c.optional_scopes.clone()),
        attributes: Some(c.attributes.clone()),
        protocol_mappers: Some(c.protocol_mappers.iter().map(mapper).collect()),
        not_before: Some(c.not_before),
    }
}

pub fn user(u: &User) -> UserRepresentation {
    UserRepresentation {
        id: Some(u.id.clone()),
        username: Some(u.username.clone()),
        enabled: Some(u.enabled),
        email: u.email.clone(),
        email_verified: Some(u.email_verified),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        attributes: Some(u.attributes.clone()),
        required_actions: Some(u.required_actions.clone()),
        created_timestamp: Some(u.created_at.saturating_mul(1000)),
        service_account_client_id: u.service_account_client_id.clone(),
        ..UserRepresentation::default()
    }
}

/// `container_id`: the realm's id, or the internal id of the role's client (`client_pk`).
pub fn role(r: &Role, container_id: &str) -> RoleRepresentation {
    RoleRepresentation {
        id: Some(r.id.clone()),
        name: Some(r.name.clone()),
        description: r.description.clone(),
        composite: Some(!r.composites.is_empty()),
        client_role: Some(r.client_id.is_some()),
        container_id: Some(container_id.to_owned()),
    }
}

/// A group with its subgroups, as `GET /groups` lists them (a tree).
pub fn group_tree(access: &AccessModel, id: &str) -> Option<GroupRepresentation> {
    let g = access.group(id)?;
    let children: Vec<GroupRepresentation> = access
        .groups()
        .iter()
        .filter(|c| c.parent_id.as_deref() == Some(id))
        .filter_map(|c| group_tree(access, &c.id))
        .collect();
    let (mut realm_roles, mut client_roles) = (Vec::new(), std::collections::BTreeMap::<String, Vec<String>>::new());
    for role in g.role_ids.iter().filter_map(|r| access.role(r)) {
        match &role.client_id {
            Some(c) => client_roles.entry(c.clone()).or_default().push(role.name.clone()),
            None => realm_roles.push(role.name.clone()),
        }
    }
    Some(GroupRepresentation {
        id: Some(g.id.clone()),
        name: Some(g.name.clone()),
        path: access.group_path(id),
        parent_id: g.parent_id.clone(),
        sub_group_count: Some(children.len() as u64),
        sub_groups: Some(children),
        attributes: Some(g.attributes.clone()),
        realm_roles: Some(realm_roles),
        client_roles: Some(client_roles),
    })
}
