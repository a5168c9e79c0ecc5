//! Keycloak's protocol mappers: what a token says about its subject beyond the standard claims. The mappers
//! of the client and of every client scope granted to the request run once per token, over the realm's
//! cached roles and groups and the subject's mappings, so issuing needs no extra read.
//!
//! Supported types (config keys as Keycloak's): realm and client role mappers (`realm_access.roles`,
//! `resource_access.${client_id}.roles`), audience and audience-resolve, group membership, user attribute,
//! user property, hardcoded claim, hardcoded role, full name and the SHA-256 pairwise subject
//! (OIDC Core §8.1). Unknown types are skipped (the import names them).

mod claim;
mod pairwise;

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use tessera_proto::{ScopeSet, UserClaims};

use crate::model::{AccessModel, Client, ProtocolMapper, RealmContext, Role, RoleMappings, User};
use claim::{claim_path, put_claim, typed_value};

pub use pairwise::pairwise_subject;

/// The mapper types Tessera runs.
pub const SUPPORTED_MAPPERS: [&str; 11] = [
    "oidc-usermodel-realm-role-mapper",
    "oidc-usermodel-client-role-mapper",
    "oidc-audience-mapper",
    "oidc-audience-resolve-mapper",
    "oidc-group-membership-mapper",
    "oidc-usermodel-attribute-mapper",
    "oidc-usermodel-property-mapper",
    "oidc-hardcoded-claim-mapper",
    "oidc-hardcoded-role-mapper",
    "oidc-full-name-mapper",
    "oidc-sha256-pairwise-sub-mapper",
];

/// Which token a claim is for: each mapper says, by Keycloak's config keys, where its claim goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Id,
    UserInfo,
}

impl TokenKind {
    fn config_key(self) -> &'static str {
        match self {
            TokenKind::Access => "access.token.claim",
            TokenKind::Id => "id.token.claim",
            TokenKind::UserInfo => "userinfo.token.claim",
        }
    }
}

/// Whom the token is about: a person, or a client's service account (no `User` record loaded).
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub user: Option<&'a User>,
    pub mappings: &'a RoleMappings,
}

pub use crate::model::MappedClaims;

/// The names an access token writes itself (`AccessTokenClaims`): a mapper never adds a second one.
const ACCESS_TOKEN_CLAIMS: [&str; 14] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "client_id",
    "azp",
    "scope",
    "typ",
    "clientId",
    "preferred_username",
    "sid",
];

/// The claims an ID token or a UserInfo response writes itself, besides the profile claims.
const ID_TOKEN_CLAIMS: [&str; 11] =
    ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash", "sid", "typ"];

/// Moves mapped claims that name a standard profile claim into `profile` (a mapper's value wins, as in
/// Keycloak) and drops those naming the token's own claims, so that no name is written twice.
pub fn merge_profile(profile: &mut UserClaims, mut other: Map<String, Value>) -> Map<String, Value> {
    let mut text = |name: &str, field: &mut Option<String>| {
        if let Some(v) = other.remove(name) {
            *field = match v {
                Value::String(s) => Some(s),
                Value::Null => None,
                v => Some(v.to_string()),
            };
        }
    };
    text("preferred_username", &mut profile.preferred_username);
    text("name", &mut profile.name);
    text("given_name", &mut profile.given_name);
    text("family_name", &mut profile.family_name);
    text("email", &mut profile.email);
    if let Some(v) = other.remove("email_verified") {
        profile.email_verified = v.as_bool().or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    }
    for own in ID_TOKEN_CLAIMS {
        other.remove(own);
    }
    other
}

/// The mappers that apply: the client's own, then those of each granted client scope.
fn applicable<'a>(
    realm: &'a RealmContext,
    client: &'a Client,
    granted: &'a ScopeSet,
) -> impl Iterator<Item = &'a ProtocolMapper> {
    let scoped = realm.scopes.iter().filter(|s| granted.contains(&s.name)).flat_map(|s| s.protocol_mappers.iter());
    client.protocol_mappers.iter().chain(scoped)
}

fn flag(mapper: &ProtocolMapper, key: &str) -> bool {
    mapper.config.get(key).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn config<'m>(mapper: &'m ProtocolMapper, key: &str) -> Option<&'m str> {
    mapper.config.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

/// Runs the mappers for one token. Cheap when the client and its scopes have none.
pub fn map_claims(
    realm: &RealmContext,
    client: &Client,
    granted: &ScopeSet,
    subject: Subject<'_>,
    kind: TokenKind,
) -> MappedClaims {
    let mut out = MappedClaims::default();
    let mappers: Vec<&ProtocolMapper> = applicable(realm, client, granted).collect();
    if mappers.is_empty() {
        return out;
    }
    let roles = EffectiveRoles::new(&realm.access, subject.mappings, &mappers);
    for mapper in mappers {
        // The pairwise subject replaces `sub` in every token and at userinfo, whatever the flags say.
        if mapper.mapper_type == "oidc-sha256-pairwise-sub-mapper" {
            out.subject = pairwise_subject(mapper, client, subject.id);
            continue;
        }
        if !flag(mapper, kind.config_key()) {
            continue;
        }
        apply(mapper, realm, client, subject, &roles, &mut out);
    }
    if kind == TokenKind::Access {
        // A mapped `preferred_username` (Keycloak's profile scope has one) fills the token's own field; the
        // token's other own claims are never overridden.
        if let Some(Value::String(name)) = out.claims.remove("preferred_username") {
            out.preferred_username = Some(name);
        }
        for own in ACCESS_TOKEN_CLAIMS {
            out.claims.remove(own);
        }
    }
    out
}

fn apply(
    mapper: &ProtocolMapper,
    realm: &RealmContext,
    client: &Client,
    subject: Subject<'_>,
    roles: &EffectiveRoles<'_>,
    out: &mut MappedClaims,
) {
    let claim_name = config(mapper, "claim.name");
    let json_type = config(mapper, "jsonType.label");
    let multivalued = flag(mapper, "multivalued");
    match mapper.mapper_type.as_str() {
        "oidc-usermodel-realm-role-mapper" => {
            let prefix = config(mapper, "usermodel.realmRoleMapping.rolePrefix").unwrap_or_default();
            let names: Vec<String> = roles.realm_roles().map(|r| format!("{prefix}{}", r.name)).collect();
            put_list(out, claim_name.unwrap_or("realm_access.roles"), names, multivalued, json_type);
        }
        "oidc-usermodel-client-role-mapper" => {
            let only = config(mapper, "usermodel.clientRoleMapping.clientId");
            let prefix = config(mapper, "usermodel.clientRoleMapping.rolePrefix").unwrap_or_default();
            let name = claim_name.unwrap_or("resource_access.${client_id}.roles");
            for (client_id, client_roles) in roles.client_roles() {
                if only.is_some_and(|o| o != client_id) {
                    continue;
                }
                let names: Vec<String> = client_roles.iter().map(|r| format!("{prefix}{}", r.name)).collect();
                put_list(out, &name.replace("${client_id}", client_id), names, multivalued, json_type);
            }
        }
        "oidc-audience-mapper" => {
            let aud = config(mapper, "included.client.audience").or_else(|| config(mapper, "included.custom.audience"));
            if let Some(aud) = aud {
                push_audience(out, aud);
            }
        }
        "oidc-audience-resolve-mapper" => {
            // Every client the subject holds a role of, except the requesting client itself.
            for (client_id, _) in roles.client_roles() {
                if client_id != client.client_id {
                    push_audience(out, client_id);
                }
            }
        }
        "oidc-group-membership-mapper" => {
            let full_path = mapper.config.get("full.path").is_none_or(|v| v.eq_ignore_ascii_case("true"));
            let names: Vec<String> = subject
                .mappings
                .group_ids
                .iter()
                .filter_map(|id| {
                    if full_path { realm.access.group_path(id) } else { realm.access.group(id).map(|g| g.name.clone()) }
                })
                .collect();
            put_list(out, claim_name.unwrap_or("groups"), names, true, None);
        }
        "oidc-usermodel-attribute-mapper" => {
            let values = config(mapper, "user.attribute")
                .and_then(|a| subject.user.and_then(|u| u.attributes.get(a)))
                .cloned()
                .unwrap_or_default();
            if let Some(name) = claim_name {
                put_list(out, name, values, multivalued, json_type);
            }
        }
        "oidc-usermodel-property-mapper" => {
            let value = config(mapper, "user.attribute").and_then(|p| user_property(subject, p));
            if let (Some(name), Some(value)) = (claim_name, value) {
                put_list(out, name, vec![value], false, json_type);
            }
        }
        "oidc-hardcoded-claim-mapper" => {
            if let (Some(name), Some(value)) = (claim_name, config(mapper, "claim.value")) {
                put_list(out, name, vec![value.to_owned()], false, json_type);
            }
        }
        "oidc-full-name-mapper" => {
            let user = subject.user;
            let parts: Vec<&str> =
                [user.and_then(|u| u.first_name.as_deref()), user.and_then(|u| u.last_name.as_deref())]
                    .into_iter()
                    .flatten()
                    .filter(|p| !p.is_empty())
                    .collect();
            if !parts.is_empty() {
                put_list(out, "name", vec![parts.join(" ")], false, None);
            }
        }
        // The hardcoded role was added to the effective roles before any mapper ran.
        _ => {}
    }
}

fn user_property(subject: Subject<'_>, property: &str) -> Option<String> {
    match property {
        "username" => Some(subject.username.to_owned()),
        "id" => Some(subject.id.to_owned()),
        _ => {
            let user = subject.user?;
            match property {
                "email" => user.email.clone(),
                "firstName" => user.first_name.clone(),
                "lastName" => user.last_name.clone(),
                "emailVerified" => Some(user.email_verified.to_string()),
                "enabled" => Some(user.enabled.to_string()),
                _ => None,
            }
        }
    }
}

fn push_audience(out: &mut MappedClaims, aud: &str) {
    if !out.audiences.iter().any(|a| a == aud) {
        out.audiences.push(aud.to_owned());
    }
}

/// Writes `values` under `name`: an array when multivalued, else the first value; nothing when empty.
fn put_list(out: &mut MappedClaims, name: &str, values: Vec<String>, multivalued: bool, json_type: Option<&str>) {
    let mut typed = values.iter().filter_map(|v| typed_value(v, json_type));
    let value = if multivalued {
        let all: Vec<Value> = typed.collect();
        if all.is_empty() {
            return;
        }
        Value::Array(all)
    } else {
        match typed.next() {
            Some(v) => v,
            None => return,
        }
    };
    put_claim(&mut out.claims, &claim_path(name), value);
}

/// The subject's effective roles, with those of hardcoded-role mappers, split by realm and client.
struct EffectiveRoles<'a> {
    realm: Vec<&'a Role>,
    clients: BTreeMap<&'a str, Vec<&'a Role>>,
}

impl<'a> EffectiveRoles<'a> {
    fn new(access: &'a AccessModel, mappings: &RoleMappings, mappers: &[&ProtocolMapper]) -> Self {
        let wants_roles = mappers.iter().any(|m| {
            matches!(
                m.mapper_type.as_str(),
                "oidc-usermodel-realm-role-mapper"
                    | "oidc-usermodel-client-role-mapper"
                    | "oidc-audience-resolve-mapper"
            )
        });
        let mut realm = Vec::new();
        let mut clients: BTreeMap<&str, Vec<&Role>> = BTreeMap::new();
        if !wants_roles {
            return Self { realm, clients };
        }
        let mut extra = mappings.clone();
        for m in mappers.iter().filter(|m| m.mapper_type == "oidc-hardcoded-role-mapper") {
            if let Some(role) = config(m, "role").and_then(|r| hardcoded_role(access, r)) {
                extra.role_ids.push(role.id.clone());
            }
        }
        for role in access.effective_roles(&extra) {
            match role.client_id.as_deref() {
                None => realm.push(role),
                Some(c) => clients.entry(c).or_default().push(role),
            }
        }
        realm.sort_by(|a, b| a.name.cmp(&b.name));
        for roles in clients.values_mut() {
            roles.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Self { realm, clients }
    }

    fn realm_roles(&self) -> impl Iterator<Item = &&'a Role> {
        self.realm.iter()
    }

    fn client_roles(&self) -> impl Iterator<Item = (&'a str, &Vec<&'a Role>)> {
        self.clients.iter().map(|(c, r)| (*c, r))
    }
}

/// Keycloak's `role` config: `client-id.role` names a client role (split at the last dot), else a realm role.
fn hardcoded_role<'a>(access: &'a AccessModel, text: &str) -> Option<&'a Role> {
    text.rsplit_once('.')
        .and_then(|(client, name)| access.find_role(Some(client), name))
        .or_else(|| access.find_role(None, text))
}

#[cfg(test)]
mod tests;
