//! The model as Keycloak's admin representations show it. Secrets and password hashes never leave.

use std::collections::BTreeMap;

use tessera_proto::admin::{
    ClientRepresentation, ClientScopeRepresentation, GroupRepresentation, ProtocolMapperRepresentation,
    RealmRepresentation, RoleRepresentation, UserRepresentation,
};

use super::AdminError;
use crate::mappers::SUPPORTED_MAPPERS;
use crate::model::{AUTHENTICATOR_ATTRIBUTE, AccessModel, Client, ClientScope, ProtocolMapper, Realm, Role, User};
use crate::provisioning::new_id;

/// The Keycloak realm settings Tessera keeps as attributes, by their names in both places.
const REALM_SETTINGS: [&str; 8] = [
    "bruteForceProtected",
    "failureFactor",
    "maxFailureWaitSeconds",
    "ssoSessionIdleTimeout",
    "ssoSessionMaxLifespan",
    "offlineSessionIdleTimeout",
    "revokeRefreshToken",
    "refreshTokenMaxReuse",
];

pub fn realm(r: &Realm) -> RealmRepresentation {
    let setting = |name: &str| r.attributes.get(name).and_then(|v| v.parse::<i64>().ok());
    let flag = |name: &str| r.attributes.get(name).and_then(|v| v.parse::<bool>().ok());
    let attributes = r.attributes.iter().filter(|(k, _)| !REALM_SETTINGS.contains(&k.as_str()));
    RealmRepresentation {
        id: Some(r.id.clone()),
        realm: Some(r.name.clone()),
        display_name: r.display_name.clone(),
        enabled: Some(r.enabled),
        access_token_lifespan: Some(r.access_token_lifespan),
        not_before: Some(r.not_before),
        default_signature_algorithm: Some(r.signing_alg.as_str().to_owned()),
        brute_force_protected: flag("bruteForceProtected"),
        failure_factor: setting("failureFactor"),
        max_failure_wait_seconds: setting("maxFailureWaitSeconds"),
        sso_session_idle_timeout: setting("ssoSessionIdleTimeout"),
        sso_session_max_lifespan: setting("ssoSessionMaxLifespan"),
        offline_session_idle_timeout: setting("offlineSessionIdleTimeout"),
        revoke_refresh_token: flag("revokeRefreshToken"),
        refresh_token_max_reuse: setting("refreshTokenMaxReuse"),
        // A secret is never shown back, as Keycloak shows its component secrets.
        attributes: Some(
            attributes
                .map(|(k, v)| {
                    let shown =
                        if crate::anomaly::is_secret_attribute(k) { crate::anomaly::SECRET_PLACEHOLDER } else { v };
                    (k.clone(), shown.to_owned())
                })
                .collect(),
        ),
    }
}

/// Writes the settings a representation carries onto the realm; absent fields leave a setting as it is
/// (Keycloak's update merges the same way). The name, keys and algorithm are not settings.
pub fn apply_realm_settings(rep: &RealmRepresentation, r: &mut Realm) -> Result<(), AdminError> {
    if let Some(attributes) = &rep.attributes {
        // The dynamic-registration policy is checked here as the CLI checks it.
        for name in crate::registration::policy::POLICY_ATTRIBUTES {
            if let Some(value) = attributes.get(name) {
                crate::registration::policy::RegistrationPolicy::check_attribute(name, value)
                    .map_err(|e| AdminError::Invalid(e.to_string()))?;
            }
        }
        // The placeholder a read showed for a secret means "unchanged" (a GET, edited, PUT back).
        let changed = attributes
            .iter()
            .filter(|(k, v)| !(crate::anomaly::is_secret_attribute(k) && *v == crate::anomaly::SECRET_PLACEHOLDER));
        r.attributes.extend(changed.map(|(k, v)| (k.clone(), v.clone())));
    }
    let numbers = [
        ("failureFactor", rep.failure_factor),
        ("maxFailureWaitSeconds", rep.max_failure_wait_seconds),
        ("ssoSessionIdleTimeout", rep.sso_session_idle_timeout),
        ("ssoSessionMaxLifespan", rep.sso_session_max_lifespan),
        ("offlineSessionIdleTimeout", rep.offline_session_idle_timeout),
        ("refreshTokenMaxReuse", rep.refresh_token_max_reuse),
    ];
    for (name, value) in numbers {
        if let Some(v) = value {
            if v < 0 {
                return Err(AdminError::Invalid(format!("{name} must not be negative")));
            }
            r.attributes.insert(name.to_owned(), v.to_string());
        }
    }
    for (name, value) in
        [("bruteForceProtected", rep.brute_force_protected), ("revokeRefreshToken", rep.revoke_refresh_token)]
    {
        if let Some(v) = value {
            r.attributes.insert(name.to_owned(), v.to_string());
        }
    }
    if let Some(display_name) = &rep.display_name {
        r.display_name = Some(display_name.clone()).filter(|d| !d.is_empty());
    }
    if let Some(enabled) = rep.enabled {
        r.enabled = enabled;
    }
    if let Some(lifespan) = rep.access_token_lifespan.filter(|l| *l > 0) {
        r.access_token_lifespan = lifespan;
    }
    Ok(())
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

/// A mapper from its representation: a type Tessera runs, a name, Keycloak's config.
pub fn mapper_from(rep: &ProtocolMapperRepresentation) -> Result<ProtocolMapper, AdminError> {
    let name = rep.name.clone().filter(|n| !n.is_empty() && n.len() <= 255);
    let name = name.ok_or_else(|| AdminError::Invalid("a protocol mapper needs a name".into()))?;
    let mapper_type = rep.protocol_mapper.clone().unwrap_or_default();
    if !SUPPORTED_MAPPERS.contains(&mapper_type.as_str()) {
        return Err(AdminError::Invalid(format!("ProtocolMapper provider not found: {mapper_type:?}")));
    }
    if rep.protocol.as_deref().is_some_and(|p| p != "openid-connect") {
        return Err(AdminError::Invalid("only openid-connect mappers are supported".into()));
    }
    Ok(ProtocolMapper { id: rep.id.clone().unwrap_or_else(new_id), name, mapper_type, config: rep.config.clone() })
}

pub fn scope(s: &ClientScope) -> ClientScopeRepresentation {
    let mut attributes: BTreeMap<String, String> = s.attributes.clone();
    attributes.insert("include.in.token.scope".to_owned(), s.include_in_token_scope.to_string());
    ClientScopeRepresentation {
        id: Some(s.name.clone()),
        name: Some(s.name.clone()),
        description: s.description.clone(),
        protocol: Some("openid-connect".to_owned()),
        attributes: Some(attributes),
        protocol_mappers: Some(s.protocol_mappers.iter().map(mapper).collect()),
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
        client_authenticator_type: Some(c.authenticator().as_str().to_owned()),
        secret: None,
        service_accounts_enabled: Some(c.service_accounts_enabled),
        standard_flow_enabled: Some(c.standard_flow_enabled),
        direct_access_grants_enabled: Some(c.direct_access_grants_enabled),
        consent_required: Some(c.consent_required),
        redirect_uris: Some(c.redirect_uris.clone()),
        web_origins: Some(c.web_origins.clone()),
        default_client_scopes: Some(c.default_scopes.clone()),
        optional_client_scopes: Some(c.optional_scopes.clone()),
        // The authenticator is shown as Keycloak's top-level field, not as the attribute that keeps it.
        attributes: Some(
            c.attributes
                .iter()
                .filter(|(k, _)| *k != AUTHENTICATOR_ATTRIBUTE)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
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
