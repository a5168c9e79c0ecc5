//! The export as Keycloak writes it: the fields Tessera reads, and the names of those it does not.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::error::ImportError;
use super::roles;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KcRealm {
    #[allow(dead_code)]
    pub(super) id: Option<String>,
    pub(super) realm: String,
    pub(super) display_name: Option<String>,
    pub(super) enabled: Option<bool>,
    pub(super) access_token_lifespan: Option<u64>,
    pub(super) not_before: Option<i64>,
    pub(super) default_signature_algorithm: Option<String>,
    pub(super) sso_session_idle_timeout: Option<u64>,
    pub(super) sso_session_max_lifespan: Option<u64>,
    pub(super) revoke_refresh_token: Option<bool>,
    pub(super) refresh_token_max_reuse: Option<u64>,
    pub(super) brute_force_protected: Option<bool>,
    pub(super) failure_factor: Option<u64>,
    pub(super) max_failure_wait_seconds: Option<u64>,
    pub(super) offline_session_idle_timeout: Option<u64>,
    /// Realm attributes, kept as they are (Tessera's own settings live here too, e.g. the refresh retry window).
    #[serde(default)]
    pub(super) attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) default_default_client_scopes: Vec<String>,
    #[serde(default)]
    pub(super) default_optional_client_scopes: Vec<String>,
    #[serde(default)]
    pub(super) client_scopes: Vec<KcScope>,
    #[serde(default)]
    pub(super) clients: Vec<KcClient>,
    #[serde(default)]
    pub(super) users: Vec<KcUser>,
    pub(super) roles: Option<roles::KcRoles>,
    #[serde(default)]
    pub(super) groups: Vec<roles::KcGroup>,
    /// Keycloak's `default-roles-{realm}`; kept as the role of that name.
    #[allow(dead_code)]
    pub(super) default_role: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KcScope {
    #[allow(dead_code)]
    pub(super) id: Option<String>,
    pub(super) name: String,
    pub(super) description: Option<String>,
    #[allow(dead_code)]
    pub(super) protocol: Option<String>,
    #[serde(default)]
    pub(super) attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) protocol_mappers: Vec<roles::KcMapper>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KcClient {
    #[allow(dead_code)]
    pub(super) id: Option<String>,
    pub(super) client_id: String,
    pub(super) name: Option<String>,
    pub(super) enabled: Option<bool>,
    #[allow(dead_code)]
    pub(super) protocol: Option<String>,
    pub(super) public_client: Option<bool>,
    pub(super) bearer_only: Option<bool>,
    pub(super) client_authenticator_type: Option<String>,
    pub(super) secret: Option<String>,
    pub(super) service_accounts_enabled: Option<bool>,
    pub(super) standard_flow_enabled: Option<bool>,
    pub(super) implicit_flow_enabled: Option<bool>,
    pub(super) direct_access_grants_enabled: Option<bool>,
    pub(super) consent_required: Option<bool>,
    #[serde(default)]
    pub(super) redirect_uris: Vec<String>,
    #[serde(default)]
    pub(super) web_origins: Vec<String>,
    #[serde(default)]
    pub(super) default_client_scopes: Vec<String>,
    #[serde(default)]
    pub(super) optional_client_scopes: Vec<String>,
    #[serde(default)]
    pub(super) attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) protocol_mappers: Vec<roles::KcMapper>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KcUser {
    pub(super) id: Option<String>,
    pub(super) username: String,
    pub(super) enabled: Option<bool>,
    pub(super) email: Option<String>,
    pub(super) email_verified: Option<bool>,
    pub(super) first_name: Option<String>,
    pub(super) last_name: Option<String>,
    #[serde(default)]
    pub(super) credentials: Vec<KcCredential>,
    #[serde(default)]
    pub(super) required_actions: Vec<String>,
    pub(super) service_account_client_id: Option<String>,
    #[serde(default)]
    pub(super) attributes: BTreeMap<String, Vec<String>>,
    #[serde(flatten)]
    pub(super) mappings: roles::KcUserMappings,
}

#[derive(Deserialize)]
pub(super) struct KcCredential {
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) value: Option<String>,
    /// The user must choose a new password at the next sign-in.
    pub(super) temporary: Option<bool>,
}

/// The document, and the fields it has that Tessera does not read (one name per kind of field), or the
/// JSON path of the first malformed one.
pub(super) fn read_document(json: &str) -> Result<(KcRealm, BTreeSet<String>), ImportError> {
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
    Ok((kc, ignored))
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
