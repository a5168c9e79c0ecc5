//! A user of the export: its fields, required actions and credentials. A clear password is planned, not
//! hashed: hashing is [`super::plan::RealmPlan::materialize`]'s.

use secrecy::SecretString;

use super::document::KcUser;
use super::error::ImportError;
use super::plan::PlannedPassword;
use crate::model::{RoleMappings, UPDATE_PASSWORD, User};
use crate::provisioning::new_id;

/// The user at `users[i]`, without roles and without a password hash, and its clear password if any.
pub(super) fn import_user(
    realm_id: &str,
    i: usize,
    u: &KcUser,
    now: i64,
    warnings: &mut Vec<String>,
) -> Result<(User, Option<PlannedPassword>), ImportError> {
    if u.username.trim().is_empty() {
        return Err(ImportError::at(format!("users[{i}].username"), "must not be empty"));
    }
    let mut password = None;
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
                // The last clear password is the one kept, as if each were set in turn.
                password =
                    Some(PlannedPassword { user: i, credential: j, value: SecretString::from(value.to_owned()) });
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
    let user = User {
        id: u.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(new_id),
        realm_id: realm_id.to_owned(),
        username: u.username.clone(),
        enabled: u.enabled.unwrap_or(true),
        email: u.email.clone(),
        email_verified: u.email_verified == Some(true),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        password_hash: None,
        service_account_client_id: u.service_account_client_id.clone(),
        required_actions,
        created_at: now,
        attributes: u.attributes.clone(),
        roles: RoleMappings::default(),
    };
    Ok((user, password))
}
