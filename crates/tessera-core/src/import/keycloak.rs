//! Keycloak realm-export JSON → our model, so that realms set up for Keycloak move over unchanged.
//!
//! Malformed input is refused with the JSON path of the bad field; fields we do not use are reported in
//! one warning; secrets are hashed here and never kept in clear. Masked secrets (`**********`, as Keycloak
//! exports them) are replaced by generated ones, returned once for the operator to hand out.
//!
//! Two steps: [`read_realm_export`] reads and checks the whole document (everything its author controls)
//! and costs little; [`RealmPlan::materialize`] then generates the signing keys and hashes passwords and
//! secrets. [`parse_realm_export`] is both.

use std::collections::BTreeSet;

use crate::model::{AccessModel, ClientScope, Realm, RealmBundle, SigningAlgorithm};
use crate::provisioning::{NewRealm, new_realm_record};
use crate::secret::{ClientSecretHasher, MasterKey};

pub use error::ImportError;
pub use plan::{ImportedRealm, RealmPlan};

use clients::{ClientContext, import_clients};
use document::{KcRealm, read_document};
use users::import_user;

/// Parses a Keycloak realm export. Nothing is written; the caller stores `bundle` in one transaction.
pub fn parse_realm_export(
    json: &str,
    master: &MasterKey,
    hasher: &ClientSecretHasher,
    now: i64,
) -> Result<ImportedRealm, ImportError> {
    read_realm_export(json, now)?.materialize(master, hasher)
}

/// Reads and checks a Keycloak realm export: every refusal of the document happens here, and nothing is
/// generated or hashed (ids excepted, which are cheap and final).
pub fn read_realm_export(json: &str, now: i64) -> Result<RealmPlan, ImportError> {
    let (kc, ignored) = read_document(json)?;
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
    let mut realm = new_realm_record(&spec, now).map_err(|e| ImportError::at("realm", e.to_string()))?;
    apply_realm_settings(&mut realm, &kc);
    let realm_id = realm.id.clone();

    let mut unsupported_mappers = BTreeSet::new();
    let mut scopes: Vec<ClientScope> = Vec::new();
    for (i, s) in kc.client_scopes.iter().enumerate() {
        if !tessera_proto::ScopeSet::is_valid_token(&s.name) {
            return Err(ImportError::at(format!("clientScopes[{i}].name"), "not a valid scope token (RFC 6749 §3.3)"));
        }
        if scopes.iter().any(|d| d.name == s.name) {
            return Err(ImportError::at(format!("clientScopes[{i}].name"), format!("duplicate scope {:?}", s.name)));
        }
        scopes.push(ClientScope {
            name: s.name.clone(),
            description: s.description.clone(),
            include_in_token_scope: s.attributes.get("include.in.token.scope").is_none_or(|v| v != "false"),
            attributes: s.attributes.clone(),
            protocol_mappers: roles::import_mappers(&s.protocol_mappers, &mut unsupported_mappers),
        });
    }
    let roles = roles::import_roles(&realm_id, kc.roles.as_ref())?;
    let groups = roles::import_groups(&realm_id, &kc.groups, &roles)?;
    let access = AccessModel::new(roles.clone(), groups.clone());

    let mut users = Vec::new();
    let mut passwords = Vec::new();
    for (i, u) in kc.users.iter().enumerate() {
        let (mut user, password) = import_user(&realm_id, i, u, now, &mut warnings)?;
        user.roles = roles::user_mappings(&access, &u.mappings, &format!("users[{i}]"))?;
        users.push(user);
        passwords.extend(password);
    }

    let cx = ClientContext {
        realm_id: &realm_id,
        scopes: &scopes,
        now,
        warnings: &mut warnings,
        unsupported_mappers: &mut unsupported_mappers,
    };
    let (clients, secrets) = import_clients(&kc.clients, &mut users, cx)?;
    if !unsupported_mappers.is_empty() {
        warnings.push(format!(
            "protocol mappers kept but not run by Tessera: {}",
            unsupported_mappers.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let bundle = RealmBundle { realm, scopes, clients, users, roles, groups, keys: Vec::new() };
    Ok(RealmPlan { bundle, warnings, secrets, passwords, now })
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

mod clients;
mod document;
mod error;
mod plan;
mod roles;
#[cfg(test)]
mod tests;
mod users;
