//! Realms (tenants) and their client scopes.

use std::collections::BTreeMap;

use super::client::Client;
use super::key::SigningAlgorithm;
use super::key::StoredSigningKey;
use super::roles::{Group, ProtocolMapper, Role};
use super::user::User;

/// Keycloak's default access-token lifespan, in seconds.
pub const DEFAULT_ACCESS_TOKEN_LIFESPAN: u64 = 300;

/// A realm: one tenant with its own issuer, clients, scopes, users and keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm {
    pub id: String,
    /// The URL path segment: `/realms/{name}`.
    pub name: String,
    pub display_name: Option<String>,
    pub enabled: bool,
    pub access_token_lifespan: u64,
    pub signing_alg: SigningAlgorithm,
    /// Tokens issued before this instant (Unix seconds) are invalid; 0 means none. Keycloak's `notBefore`.
    pub not_before: i64,
    /// Settings kept for later features (SSO lifetimes, refresh-token reuse), by Keycloak's names.
    pub attributes: BTreeMap<String, String>,
    pub created_at: i64,
}

impl Realm {
    /// A realm name is a path segment: keep it to characters that need no escaping.
    pub fn is_valid_name(name: &str) -> bool {
        super::names::RealmName::parse(name).is_some()
    }

    /// `{public_url}/realms/{name}`, as Keycloak.
    pub fn issuer(&self, public_url: &str) -> String {
        format!("{}/realms/{}", public_url.trim_end_matches('/'), self.name)
    }
}

/// A client scope (Keycloak's term): a named scope clients may be given by default or on request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientScope {
    pub name: String,
    pub description: Option<String>,
    /// Keycloak's `include.in.token.scope`: whether the scope appears in the token's `scope` claim.
    pub include_in_token_scope: bool,
    pub attributes: BTreeMap<String, String>,
    /// What the scope adds to tokens when it is granted (Keycloak's `protocolMappers`).
    pub protocol_mappers: Vec<ProtocolMapper>,
}

impl ClientScope {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            description: None,
            include_in_token_scope: true,
            attributes: BTreeMap::new(),
            protocol_mappers: Vec::new(),
        }
    }
}

/// Everything that makes up a realm, written in one transaction (create and import).
#[derive(Debug, Clone)]
pub struct RealmBundle {
    pub realm: Realm,
    pub scopes: Vec<ClientScope>,
    pub clients: Vec<Client>,
    pub users: Vec<User>,
    pub roles: Vec<Role>,
    /// Parents before their subgroups.
    pub groups: Vec<Group>,
    pub keys: Vec<StoredSigningKey>,
}
