//! Keycloak realm-export JSON → our model, so that realms set up for Keycloak move over unchanged.
//!
//! Malformed input is refused with the JSON path of the bad field; fields we do not use are reported in
//! one warning; secrets are hashed here and never kept in clear. Masked secrets (`**********`, as Keycloak
//! exports them) are replaced by generated ones, returned once for the operator to hand out.

use std::collections::{BTreeMap, BTreeSet};

use secrecy::SecretString;
use serde::Deserialize;

use crate::model::SigningAlgorithm;
use crate::model::{AccessModel, RoleMappings};
use crate::model::{Client, ClientScope, ClientSecret, Realm, RealmBundle, UPDATE_PASSWORD, User};
use crate::password::hash_password;
use crate::provisioning::{NewRealm, new_id, new_realm, service_account_user};
use crate::secret::{ClientSecretHasher, MasterKey, generate_client_secret};

const MASKED_SECRET: &str = "**********";

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ImportError {
    /// Where in the document, e.g. `clients[2].enabled`.
    pub path: String,
    pub message: String,
}

impl ImportError {
    fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }
}

/// A parsed realm ready to be written in one transaction.
#[derive(Debug)]
pub struct ImportedRealm {
    pub bundle: RealmBundle,
    /// One line per kind of thing not imported.
    pub warnings: Vec<String>,
    /// (client_id, secret) for each confidential client whose secret was masked or missing.
    pub generated_secrets: Vec<(String, SecretString)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KcRealm {
    #[allow(dead_code)]
    id: Option<String>,
    realm: String,
    display_name: Option<String>,
    enabled: Option<bool>,
    access_token_lifespan: Option<u64>,
    not_before: Option<i64>,
    default_signature_algorithm: Option<String>,
    sso_session_idle_timeout: Option<u64>,
    sso_session_max_lifespan: Option<u64>,
    revoke_refresh_token: Option<bool>,
    refresh_token_max_reuse: Option<u64>,
    brute_force_protected: Option<bool>,
    failure_factor: Option<u64>,
    max_failure_wait_seconds: Option<u64>,
    offline_session_idle_timeout: Option<u64>,
    /// Realm attributes, kept as they are (Tessera's own settings live here too, e.g. the refresh retry window).
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    default_default_client_scopes: Vec<String>,
    #[serde(default)]
    default_optional_client_scopes: Vec<String>,
    #[serde(default)]
    client_scopes: Vec<KcScope>,
    #[serde(default)]
    clients: Vec<KcClient>,
    #[serde(default)]
    users: Vec<KcUser>,
    roles: Option<roles::KcRoles>,
    #[serde(default)]
    groups: Vec<roles::KcGroup>,
    /// Keycloak's `default-roles-{realm}`; kept as the role of that name.
    #[allow(dead_code)]
    default_role: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KcScope {
    #[allow(dead_code)]
    id: Option<String>,
    name: String,
    description: Option<String>,
    #[allow(dead_code)]
    protocol: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    protocol_mappers: Vec<roles::KcMapper>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KcClient {
    #[allow(dead_code)]
    id: Option<String>,
    client_id: String,
    name: Option<String>,
    enabled: Option<bool>,
    #[allow(dead_code)]
    protocol: Option<String>,
    public_client: Option<bool>,
    bearer_only: Option<bool>,
    client_authenticator_type: Option<String>,
    secret: Option<String>,
    service_accounts_enabled: Option<bool>,
    standard_flow_enabled: Option<bool>,
    implicit_flow_enabled: Option<bool>,
    direct_access_grants_enabled: Option<bool>,
    consent_required: Option<bool>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    web_origins: Vec<String>,
    #[serde(default)]
    default_client_scopes: Vec<String>,
    #[serde(default)]
    optional_client_scopes: Vec<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    protocol_mappers: Vec<roles::KcMapper>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KcUser {
    id: Option<String>,
    username: String,
    enabled: Option<bool>,
    email: Option<String>,
    email_verified: Option<bool>,
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(default)]
    credentials: Vec<KcCredential>,
    #[serde(default)]
    required_actions: Vec<String>,
    service_account_client_id: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, Vec<String>>,
    #[serde(flatten)]
    mappings: roles::KcUserMappings,
}

#[derive(Deserialize)]
struct KcCredential {
    #[serde(rename = "type")]
    kind: String,
    value: Option<String>,
    /// The user must choose a new password at the next sign-in.
    temporary: Option<bool>,
}

/// `clients.0.bearerOnly` → `clients[].bearerOnly`: one name per kind of field, not per occurrence.
fn field_pattern(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('.') {
        if segment.chars().all(|c| c.is_ascii_digit()) && !segment.is_empty() {
            out.push_str("[]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

/// Parses a Keycloak realm export. Nothing is written; the caller stores `bundle` in one transaction.
pub fn parse_realm_export(
    json: &str,
    master: &MasterKey,
    hasher: &ClientSecretHasher,
    now: i64,
) -> Result<ImportedRealm, ImportError> {
    let mut ignored = BTreeSet::new();
    let mut de = serde_json::Deserializer::from_str(json);
    let kc: KcRealm = {
        let mut note_ignored = |p: serde_ignored::Path| {
            ignored.insert(field_pattern(&p.to_string()));
        };
        let tracked = serde_ignored::Deserializer::new(&mut de, &mut note_ignored);
        serde_path_to_error::deserialize(tracked).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { "(document)".to_owned() } else { path };
            ImportError::at(path, e.inner().to_string())
        })?
    };
    de.end().map_err(|e| ImportError::at("(document)", e.to_string()))?;

    let mut warnings = Vec::new();
    if !ignored.is_empty() {
        warnings.push(format!(
            "ignored fields Tessera does not use: {}",
            ignored.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }

    let signing_alg = match kc.default_signature_algorithm.as_deref() {
        None => SigningAlgorithm::default(),
        Some(a) => SigningAlgorithm::parse(a).ok_or_else(|| {
            ImportError::at("defaultSignatureAlgorithm", format!("unsupported algorithm {a:?} (RS256, ES256, EdDSA)"))
        })?,
    };
    let spec = NewRealm {
        name: kc.realm.clone(),
        display_name: kc.display_name.clone(),
        signing_alg,
        access_token_lifespan: kc.access_token_lifespan.filter(|l| *l > 0),
    };
    let mut bundle = new_realm(&spec, master, now).map_err(|e| ImportError::at("realm", e.to_string()))?;
    let realm_id = bundle.realm.id.clone();
    apply_realm_settings(&mut bundle.realm, &kc);

    let mut unsupported_mappers = BTreeSet::new();
    for (i, s) in kc.client_scopes.iter().enumerate() {
        if !tessera_proto::ScopeSet::is_valid_token(&s.name) {
            return Err(ImportError::at(format!("clientScopes[{i}].name"), "not a valid scope token (RFC 6749 §3.3)"));
        }
        if bundle.scopes.iter().any(|d| d.name == s.name) {
            return Err(ImportError::at(format!("clientScopes[{i}].name"), format!("duplicate scope {:?}", s.name)));
        }
        bundle.scopes.push(ClientScope {
            name: s.name.clone(),
            description: s.description.clone(),
            include_in_token_scope: s.attributes.get("include.in.token.scope").is_none_or(|v| v != "false"),
            attributes: s.attributes.clone(),
            protocol_mappers: roles::import_mappers(&s.protocol_mappers, &mut unsupported_mappers),
        });
    }
    bundle.roles = roles::import_roles(&realm_id, kc.roles.as_ref())?;
    bundle.groups = roles::import_groups(&realm_id, &kc.groups, &bundle.roles)?;
    let access = AccessModel::new(bundle.roles.clone(), bundle.groups.clone());

    let mut users = Vec::new();
    for (i, u) in kc.users.iter().enumerate() {
        let mut user = import_user(&realm_id, i, u, now, &mut warnings)?;
        user.roles = roles::user_mappings(&access, &u.mappings, &format!("users[{i}]"))?;
        users.push(user);
    }

    let mut generated_secrets = Vec::new();
    let mut missing_scopes = BTreeSet::new();
    for (i, c) in kc.clients.iter().enumerate() {
        let path = |field: &str| format!("clients[{i}].{field}");
        if !Client::is_valid_client_id(&c.client_id) {
            return Err(ImportError::at(path("clientId"), "not a valid client id"));
        }
        if bundle.clients.iter().any(|d| d.client_id == c.client_id) {
            return Err(ImportError::at(path("clientId"), format!("duplicate client {:?}", c.client_id)));
        }
        if c.client_authenticator_type.as_deref().is_some_and(|t| t != "client-secret") {
            warnings.push(format!(
                "clients[{i}] ({}): authenticator {:?} is not supported; the client authenticates with a secret",
                c.client_id,
                c.client_authenticator_type.as_deref().unwrap_or_default()
            ));
        }
        if c.implicit_flow_enabled == Some(true) {
            warnings.push(format!("clients[{i}] ({}): the implicit flow is refused (RFC 9700 §2.1.2)", c.client_id));
        }
        let bearer_only = c.bearer_only == Some(true);
        let public_client = c.public_client == Some(true);
        let mut known = |s: &&String| {
            let exists = bundle.scopes.iter().any(|d| &d.name == *s);
            if !exists {
                missing_scopes.insert((*s).clone());
            }
            exists
        };
        let default_scopes: Vec<String> = c.default_client_scopes.iter().filter(&mut known).cloned().collect();
        let optional_scopes: Vec<String> = c.optional_client_scopes.iter().filter(&mut known).cloned().collect();
        let audiences = c
            .protocol_mappers
            .iter()
            .filter(|m| m.protocol_mapper == "oidc-audience-mapper")
            .filter_map(|m| {
                m.config.get("included.custom.audience").or_else(|| m.config.get("included.client.audience"))
            })
            .filter(|a| !a.is_empty())
            .cloned()
            .collect();
        let service_accounts_enabled = c.service_accounts_enabled == Some(true) && !public_client && !bearer_only;
        let mut secrets = Vec::new();
        if !public_client {
            let secret = match c.secret.as_deref() {
                Some(s) if !s.is_empty() && s != MASKED_SECRET => SecretString::from(s.to_owned()),
                _ => {
                    let s = generate_client_secret().map_err(|e| ImportError::at(path("secret"), e.to_string()))?;
                    generated_secrets.push((c.client_id.clone(), s.clone()));
                    s
                }
            };
            secrets.push(ClientSecret { id: new_id(), hash: hasher.hash(&secret), created_at: now, expires_at: None });
        }
        let service_account =
            users.iter().find(|u: &&User| u.service_account_client_id.as_deref() == Some(c.client_id.as_str()));
        let service_account_user_id =
            service_accounts_enabled.then(|| service_account.map(|u| u.id.clone()).unwrap_or_else(new_id));
        let service_account_roles =
            service_account.filter(|_| service_accounts_enabled).map(|u| u.roles.clone()).unwrap_or_default();
        let client = Client {
            id: new_id(),
            realm_id: realm_id.clone(),
            client_id: c.client_id.clone(),
            name: c.name.clone(),
            enabled: c.enabled.unwrap_or(true),
            public_client,
            service_accounts_enabled,
            standard_flow_enabled: c.standard_flow_enabled.unwrap_or(true) && !bearer_only,
            direct_access_grants_enabled: c.direct_access_grants_enabled == Some(true) && !bearer_only,
            consent_required: c.consent_required == Some(true),
            redirect_uris: c.redirect_uris.clone(),
            web_origins: c.web_origins.clone(),
            default_scopes,
            optional_scopes,
            audiences,
            attributes: c.attributes.clone(),
            service_account_user_id,
            secrets,
            not_before: 0,
            created_at: now,
            protocol_mappers: roles::import_mappers(&c.protocol_mappers, &mut unsupported_mappers),
            service_account_roles,
            claims_memo: Default::default(),
        };
        if !users.iter().any(|u| Some(&u.id) == client.service_account_user_id.as_ref())
            && let Some(user) = service_account_user(&client)
        {
            users.push(user);
        }
        bundle.clients.push(client);
    }
    if !missing_scopes.is_empty() {
        warnings.push(format!(
            "client scopes referenced but not defined in clientScopes, left out: {}",
            missing_scopes.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if !unsupported_mappers.is_empty() {
        warnings.push(format!(
            "protocol mappers kept but not run by Tessera: {}",
            unsupported_mappers.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    bundle.users = users;
    Ok(ImportedRealm { bundle, warnings, generated_secrets })
}

fn apply_realm_settings(realm: &mut Realm, kc: &KcRealm) {
    realm.enabled = kc.enabled.unwrap_or(true);
    realm.not_before = kc.not_before.unwrap_or(0);
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            realm.attributes.insert(k.to_owned(), v);
        }
    };
    put("ssoSessionIdleTimeout", kc.sso_session_idle_timeout.map(|v| v.to_string()));
    put("ssoSessionMaxLifespan", kc.sso_session_max_lifespan.map(|v| v.to_string()));
    put("revokeRefreshToken", kc.revoke_refresh_token.map(|v| v.to_string()));
    put("refreshTokenMaxReuse", kc.refresh_token_max_reuse.map(|v| v.to_string()));
    put("bruteForceProtected", kc.brute_force_protected.map(|v| v.to_string()));
    put("failureFactor", kc.failure_factor.map(|v| v.to_string()));
    put("maxFailureWaitSeconds", kc.max_failure_wait_seconds.map(|v| v.to_string()));
    put("offlineSessionIdleTimeout", kc.offline_session_idle_timeout.map(|v| v.to_string()));
    for (k, v) in &kc.attributes {
        put(k, Some(v.clone()));
    }
    put("defaultDefaultClientScopes", Some(kc.default_default_client_scopes.join(" ")).filter(|s| !s.is_empty()));
    put("defaultOptionalClientScopes", Some(kc.default_optional_client_scopes.join(" ")).filter(|s| !s.is_empty()));
}

fn import_user(
    realm_id: &str,
    i: usize,
    u: &KcUser,
    now: i64,
    warnings: &mut Vec<String>,
) -> Result<User, ImportError> {
    if u.username.trim().is_empty() {
        return Err(ImportError::at(format!("users[{i}].username"), "must not be empty"));
    }
    let mut password_hash = None;
    let mut required_actions: Vec<String> = Vec::new();
    for action in &u.required_actions {
        if action != UPDATE_PASSWORD {
            warnings.push(format!(
                "users[{i}] ({}): required action {action:?} is kept but not acted on (only UPDATE_PASSWORD is)",
                u.username
            ));
        }
        if !required_actions.contains(action) {
            required_actions.push(action.clone());
        }
    }
    for (j, cred) in u.credentials.iter().enumerate() {
        match (cred.kind.as_str(), cred.value.as_deref()) {
            ("password", Some(value)) if !value.is_empty() => {
                password_hash = Some(
                    hash_password(value).map_err(|e| ImportError::at(format!("users[{i}].credentials[{j}]"), e.to_string()))?,
                );
                // Keycloak: a temporary password must be replaced at the next sign-in.
                if cred.temporary == Some(true) && !required_actions.iter().any(|a| a == UPDATE_PASSWORD) {
                    required_actions.push(UPDATE_PASSWORD.to_owned());
                }
            }
            ("password", _) => warnings.push(format!(
                "users[{i}] ({}): a password credential without a clear value (hashed by Keycloak) cannot be imported; set one with the CLI",
                u.username
            )),
            (other, _) => {
                warnings.push(format!("users[{i}] ({}): credential type {other:?} is not imported", u.username))
            }
        }
    }
    Ok(User {
        id: u.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(new_id),
        realm_id: realm_id.to_owned(),
        username: u.username.clone(),
        enabled: u.enabled.unwrap_or(true),
        email: u.email.clone(),
        email_verified: u.email_verified == Some(true),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        password_hash,
        service_account_client_id: u.service_account_client_id.clone(),
        required_actions,
        created_at: now,
        attributes: u.attributes.clone(),
        roles: RoleMappings::default(),
    })
}

mod roles;
#[cfg(test)]
mod tests;
