//! Creating realms and clients: ids, keys and secrets made the one right way, for the CLI, `--dev` and
//! the import alike.

use std::collections::BTreeMap;

use secrecy::SecretString;

use crate::keys::{KeyError, generate_signing_key};
use crate::model::{
    Client, ClientScope, ClientSecret, DEFAULT_ACCESS_TOKEN_LIFESPAN, KeyState, ProtocolMapper, Realm, RealmBundle,
    Role, RoleMappings, User, default_role_name,
};
use crate::model::{SigningAlgorithm, StoredSigningKey};
use crate::secret::{ClientSecretHasher, MasterKey, SecretError, generate_client_secret};

#[derive(Debug, thiserror::Error)]
pub enum ProvisioningError {
    #[error("invalid realm name {0:?}: use letters, digits, '-', '_' or '.' (at most 64)")]
    RealmName(String),
    #[error("invalid client id {0:?}: use printable ASCII without spaces (at most 255)")]
    ClientId(String),
    #[error("invalid scope name {0:?}")]
    ScopeName(String),
    #[error("scope {0:?} does not exist in this realm")]
    UnknownScope(String),
    #[error("invalid resource {0:?}: use an absolute URI without a fragment (RFC 8707 §2)")]
    Resource(String),
    #[error("invalid username {0:?}")]
    Username(String),
    #[error("the password could not be hashed")]
    Password,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

pub use crate::model::new_id;

#[derive(Debug, Clone)]
pub struct NewRealm {
    pub name: String,
    pub display_name: Option<String>,
    pub signing_alg: SigningAlgorithm,
    pub access_token_lifespan: Option<u64>,
}

/// A new, empty realm with an active signing key and a published next one.
pub fn new_realm(spec: &NewRealm, master: &MasterKey, now: i64) -> Result<RealmBundle, ProvisioningError> {
    let realm = new_realm_record(spec, now)?;
    let keys = new_realm_keys(&realm, master, now)?;
    Ok(RealmBundle {
        realm,
        scopes: Vec::new(),
        clients: Vec::new(),
        users: Vec::new(),
        roles: Vec::new(),
        groups: Vec::new(),
        keys,
    })
}

/// The realm of `spec`, its name checked, without keys: what an import reads before anything costly.
pub fn new_realm_record(spec: &NewRealm, now: i64) -> Result<Realm, ProvisioningError> {
    if !Realm::is_valid_name(&spec.name) {
        return Err(ProvisioningError::RealmName(spec.name.clone()));
    }
    Ok(Realm {
        id: new_id(),
        name: spec.name.clone(),
        display_name: spec.display_name.clone(),
        enabled: true,
        access_token_lifespan: spec.access_token_lifespan.unwrap_or(DEFAULT_ACCESS_TOKEN_LIFESPAN),
        signing_alg: spec.signing_alg,
        not_before: 0,
        attributes: BTreeMap::new(),
        created_at: now,
    })
}

/// A new realm's signing keys: the active one and a next one, published from the start so that the
/// first rotation is already safe for verifiers.
pub fn new_realm_keys(realm: &Realm, master: &MasterKey, now: i64) -> Result<Vec<StoredSigningKey>, ProvisioningError> {
    let active = generate_signing_key(&realm.id, realm.signing_alg, KeyState::Active, master, now)?;
    let next = generate_signing_key(&realm.id, realm.signing_alg, KeyState::Next, master, now)?;
    Ok(vec![active, next])
}

/// What Keycloak puts in every new realm for roles: `offline_access`, `uma_authorization`, the
/// `default-roles-{realm}` composite of both (given to new users), and the `roles` client scope whose
/// mappers write `realm_access`, `resource_access` and the audience of the clients whose roles a token
/// carries. Clients see it once it is among their scopes (`--default-scope roles`).
pub fn add_builtin_roles(bundle: &mut RealmBundle) {
    let realm_id = bundle.realm.id.clone();
    let role = |name: &str, composites: Vec<String>| Role {
        id: new_id(),
        realm_id: realm_id.clone(),
        name: name.to_owned(),
        client_id: None,
        description: None,
        composites,
    };
    let offline = role("offline_access", Vec::new());
    let uma = role("uma_authorization", Vec::new());
    let default = role(&default_role_name(&bundle.realm.name), vec![offline.id.clone(), uma.id.clone()]);
    bundle.roles.extend([default, offline, uma]);
    let mapper = |name: &str, kind: &str, config: &[(&str, &str)]| ProtocolMapper {
        id: new_id(),
        name: name.to_owned(),
        mapper_type: kind.to_owned(),
        config: config.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    };
    let mut roles = ClientScope::new("roles");
    roles.description = Some("OpenID Connect scope for add user roles to the access token".to_owned());
    roles.include_in_token_scope = false;
    roles.attributes.insert("include.in.token.scope".to_owned(), "false".to_owned());
    let flags = [("multivalued", "true"), ("jsonType.label", "String"), ("access.token.claim", "true")];
    roles.protocol_mappers = vec![
        mapper(
            "realm roles",
            "oidc-usermodel-realm-role-mapper",
            &[&flags[..], &[("claim.name", "realm_access.roles")]].concat(),
        ),
        mapper(
            "client roles",
            "oidc-usermodel-client-role-mapper",
            &[&flags[..], &[("claim.name", "resource_access.${client_id}.roles")]].concat(),
        ),
        mapper("audience resolve", "oidc-audience-resolve-mapper", &[("access.token.claim", "true")]),
    ];
    if !bundle.scopes.iter().any(|s| s.name == "roles") {
        bundle.scopes.push(roles);
    }
}

/// Keycloak's rights in a realm: the client roles of `realm-management`, `realm-admin` holding them all.
pub const REALM_MANAGEMENT_ROLES: [&str; 13] = [
    "view-realm",
    "manage-realm",
    "view-clients",
    "manage-clients",
    "query-clients",
    "view-users",
    "manage-users",
    "query-users",
    "query-groups",
    "view-events",
    "manage-events",
    "query-realms",
    "create-client",
];

/// The `realm-management` client (no flow of its own: it only holds the roles) with Keycloak's admin roles,
/// as every Keycloak realm has it. Nothing happens when the bundle has one already (an import).
pub fn add_realm_management(bundle: &mut RealmBundle) {
    if bundle.clients.iter().any(|c| c.client_id == "realm-management") {
        return;
    }
    let realm_id = bundle.realm.id.clone();
    let role = |name: &str, composites: Vec<String>| Role {
        id: new_id(),
        realm_id: realm_id.clone(),
        name: name.to_owned(),
        client_id: Some("realm-management".to_owned()),
        description: None,
        composites,
    };
    let roles: Vec<Role> = REALM_MANAGEMENT_ROLES.iter().map(|name| role(name, Vec::new())).collect();
    let admin = role("realm-admin", roles.iter().map(|r| r.id.clone()).collect());
    bundle.roles.extend(roles);
    bundle.roles.push(admin);
    let spec = NewClient {
        client_id: "realm-management".into(),
        name: Some("${client_realm-management}".into()),
        ..NewClient::default()
    };
    // The secret made here is dropped at once, so the pepper it was hashed under does not matter.
    let hasher = crate::secret::ClientSecretHasher::new(b"realm-management holds no secret");
    if let Ok((mut client, _)) = new_client(&realm_id, &spec, &[], &hasher, bundle.realm.created_at) {
        // Bearer-only in Keycloak: nobody authenticates as it.
        client.secrets.clear();
        client.standard_flow_enabled = false;
        bundle.clients.push(client);
    }
}

pub fn new_scope(name: &str, description: Option<String>) -> Result<ClientScope, ProvisioningError> {
    if !tessera_proto::ScopeSet::is_valid_token(name) {
        return Err(ProvisioningError::ScopeName(name.to_owned()));
    }
    Ok(ClientScope { description, ..ClientScope::new(name) })
}

#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub client_id: String,
    pub name: Option<String>,
    pub public_client: bool,
    pub service_accounts_enabled: bool,
    pub default_scopes: Vec<String>,
    pub optional_scopes: Vec<String>,
    pub audiences: Vec<String>,
    pub redirect_uris: Vec<String>,
    /// Allowed the password grant (Keycloak's `directAccessGrantsEnabled`): for migrations only.
    pub direct_access_grants: bool,
    /// Users are asked before the client gets their data (Keycloak's `consentRequired`).
    pub consent_required: bool,
    /// The token reuse window, as a fraction of the token lifetime (see [`Client::token_reuse_fraction`]).
    pub token_reuse: Option<f64>,
    /// RFC 8707: the resource URIs the client may ask tokens for (see [`crate::resource`]).
    pub resources: Vec<String>,
}

/// A new client; a confidential one comes with a fresh secret, returned here and never stored in clear.
pub fn new_client(
    realm_id: &str,
    spec: &NewClient,
    known_scopes: &[ClientScope],
    hasher: &ClientSecretHasher,
    now: i64,
) -> Result<(Client, Option<SecretString>), ProvisioningError> {
    if !Client::is_valid_client_id(&spec.client_id) {
        return Err(ProvisioningError::ClientId(spec.client_id.clone()));
    }
    if let Some(unknown) =
        spec.default_scopes.iter().chain(&spec.optional_scopes).find(|s| !known_scopes.iter().any(|k| &k.name == *s))
    {
        return Err(ProvisioningError::UnknownScope(unknown.clone()));
    }
    if let Some(bad) = spec.resources.iter().find(|r| !crate::model::resource::is_resource_uri(r)) {
        return Err(ProvisioningError::Resource(bad.clone()));
    }
    let mut attributes = BTreeMap::new();
    if let Some(f) = spec.token_reuse {
        attributes.insert(crate::model::TOKEN_REUSE_ATTRIBUTE.to_owned(), f.to_string());
    }
    if !spec.resources.is_empty() {
        attributes.insert(crate::resource::RESOURCES_ATTRIBUTE.to_owned(), spec.resources.join("##"));
    }
    let secret = if spec.public_client { None } else { Some(generate_client_secret()?) };
    let secrets = secret
        .iter()
        .map(|s| ClientSecret { id: new_id(), hash: hasher.hash(s), created_at: now, expires_at: None, sealed: None })
        .collect();
    let client = Client {
        id: new_id(),
        realm_id: realm_id.to_owned(),
        client_id: spec.client_id.clone(),
        name: spec.name.clone(),
        enabled: true,
        public_client: spec.public_client,
        service_accounts_enabled: spec.service_accounts_enabled && !spec.public_client,
        standard_flow_enabled: !spec.redirect_uris.is_empty(),
        direct_access_grants_enabled: spec.direct_access_grants,
        consent_required: spec.consent_required,
        redirect_uris: spec.redirect_uris.clone(),
        web_origins: Vec::new(),
        default_scopes: spec.default_scopes.clone(),
        optional_scopes: spec.optional_scopes.clone(),
        audiences: spec.audiences.clone(),
        attributes,
        service_account_user_id: (spec.service_accounts_enabled && !spec.public_client).then(new_id),
        secrets,
        not_before: 0,
        created_at: now,
        protocol_mappers: Vec::new(),
        service_account_roles: RoleMappings::default(),
        claims_memo: Default::default(),
    };
    Ok((client, secret))
}

/// A new user with an Argon2id password hash (user passwords are chosen by people: a slow KDF is right here).
pub fn new_user(realm_id: &str, username: &str, password: Option<&str>, now: i64) -> Result<User, ProvisioningError> {
    let valid = !username.is_empty() && username.len() <= 255 && !username.chars().any(char::is_control);
    if !valid {
        return Err(ProvisioningError::Username(username.to_owned()));
    }
    let password_hash =
        password.map(crate::password::hash_password).transpose().map_err(|_| ProvisioningError::Password)?;
    Ok(User {
        id: new_id(),
        realm_id: realm_id.to_owned(),
        username: username.to_owned(),
        enabled: true,
        email: None,
        email_verified: false,
        first_name: None,
        last_name: None,
        password_hash,
        service_account_client_id: None,
        required_actions: Vec::new(),
        created_at: now,
        attributes: BTreeMap::new(),
        roles: RoleMappings::default(),
    })
}

/// The service-account user Keycloak keeps for a client; its id is the `sub` of the client's tokens.
pub fn service_account_user(client: &Client) -> Option<User> {
    let id = client.service_account_user_id.clone()?;
    Some(User {
        id,
        realm_id: client.realm_id.clone(),
        username: format!("service-account-{}", client.client_id),
        enabled: true,
        email: None,
        email_verified: false,
        first_name: None,
        last_name: None,
        password_hash: None,
        service_account_client_id: Some(client.client_id.clone()),
        required_actions: Vec::new(),
        created_at: client.created_at,
        attributes: BTreeMap::new(),
        roles: client.service_account_roles.clone(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::secret::ServerSecrets;

    pub(crate) fn client_with_scopes(default: &[&str], optional: &[&str]) -> Client {
        let hasher = ServerSecrets::generate().unwrap().secret_hasher();
        let scopes: Vec<ClientScope> = default.iter().chain(optional).map(|s| ClientScope::new(s)).collect();
        let spec = NewClient {
            client_id: "svc".into(),
            service_accounts_enabled: true,
            default_scopes: default.iter().map(|s| s.to_string()).collect(),
            optional_scopes: optional.iter().map(|s| s.to_string()).collect(),
            ..NewClient::default()
        };
        new_client("realm", &spec, &scopes, &hasher, 0).unwrap().0
    }

    pub(crate) fn realm() -> Realm {
        Realm {
            id: "realm".into(),
            name: "test".into(),
            display_name: None,
            enabled: true,
            access_token_lifespan: 300,
            signing_alg: SigningAlgorithm::EdDsa,
            not_before: 0,
            attributes: BTreeMap::new(),
            created_at: 0,
        }
    }

    #[test]
    fn confidential_clients_get_a_secret_that_is_stored_hashed() {
        let secrets = ServerSecrets::generate().unwrap();
        let hasher = secrets.secret_hasher();
        let spec = NewClient { client_id: "svc".into(), service_accounts_enabled: true, ..NewClient::default() };
        let (client, secret) = new_client("r", &spec, &[], &hasher, 7).unwrap();
        let secret = secret.unwrap();
        assert_eq!(client.secrets.len(), 1);
        assert!(hasher.matches_any(&secret, [&client.secrets[0].hash]));
        assert!(client.service_account_user_id.is_some());
        assert_eq!(service_account_user(&client).unwrap().username, "service-account-svc");
    }

    #[test]
    fn bad_names_and_unknown_scopes_are_refused() {
        let master = ServerSecrets::generate().unwrap().master_key();
        let spec = NewRealm {
            name: "a/b".into(),
            display_name: None,
            signing_alg: SigningAlgorithm::EdDsa,
            access_token_lifespan: None,
        };
        assert!(matches!(new_realm(&spec, &master, 0), Err(ProvisioningError::RealmName(_))));
        let hasher = ServerSecrets::generate().unwrap().secret_hasher();
        let spec = NewClient { client_id: "svc".into(), default_scopes: vec!["nope".into()], ..NewClient::default() };
        assert!(matches!(new_client("r", &spec, &[], &hasher, 0), Err(ProvisioningError::UnknownScope(_))));
        let spec = NewClient { client_id: "has space".into(), ..NewClient::default() };
        assert!(matches!(new_client("r", &spec, &[], &hasher, 0), Err(ProvisioningError::ClientId(_))));
    }
}
