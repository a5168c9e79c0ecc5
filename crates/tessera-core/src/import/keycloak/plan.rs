//! Between reading an export and storing it: the realm as it will be written but for what costs to make
//! (two signing keys, an Argon2 hash per clear password, a secret per confidential client), and making it.

use secrecy::{ExposeSecret, SecretString};

use super::error::ImportError;
use crate::model::{Client, RealmBundle, User};
use crate::password::hash_password;
use crate::provisioning::new_realm_keys;
use crate::secret::{ClientSecretHasher, MasterKey, generate_client_secret, stored_client_secret};

/// A parsed realm ready to be written in one transaction.
#[derive(Debug)]
pub struct ImportedRealm {
    pub bundle: RealmBundle,
    /// One line per kind of thing not imported.
    pub warnings: Vec<String>,
    /// (client_id, secret) for each confidential client whose secret was masked or missing.
    pub generated_secrets: Vec<(String, SecretString)>,
}

/// An export read and checked, nothing generated or hashed yet: every refusal of the document has
/// happened by now, and [`RealmPlan::materialize`] only adds keys, password hashes and client secrets.
#[derive(Debug)]
pub struct RealmPlan {
    /// No keys, no client secrets, no password hashes; ids are already final.
    pub(super) bundle: RealmBundle,
    pub(super) warnings: Vec<String>,
    /// One per confidential client, in the order of `bundle.clients`.
    pub(super) secrets: Vec<PlannedSecret>,
    /// One per user with a clear password (the last one, as it would win), in the order of `bundle.users`.
    pub(super) passwords: Vec<PlannedPassword>,
    pub(super) now: i64,
}

#[derive(Debug)]
pub(super) struct PlannedSecret {
    /// Index in `bundle.clients`, which is the client's index in the export.
    pub(super) client: usize,
    /// The export's secret; `None` when it was masked or missing: one is generated and returned once.
    pub(super) given: Option<SecretString>,
}

#[derive(Debug)]
pub(super) struct PlannedPassword {
    /// Index in `bundle.users`, which is the user's index in the export.
    pub(super) user: usize,
    /// Index of the credential in the user's `credentials`, for the error path.
    pub(super) credential: usize,
    pub(super) value: SecretString,
}

impl RealmPlan {
    /// The realm as it will be stored, but without signing keys, client secrets or password hashes.
    pub fn bundle(&self) -> &RealmBundle {
        &self.bundle
    }

    /// One line per kind of thing not imported.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The clients that get a secret, and whether it is generated (masked or missing in the export).
    pub fn planned_secrets(&self) -> impl Iterator<Item = (&Client, bool)> {
        self.secrets.iter().filter_map(|s| self.bundle.clients.get(s.client).map(|c| (c, s.given.is_none())))
    }

    /// The users whose clear password will be hashed.
    pub fn planned_passwords(&self) -> impl Iterator<Item = &User> {
        self.passwords.iter().filter_map(|p| self.bundle.users.get(p.user))
    }

    /// Generates the realm's two signing keys, hashes the passwords and the client secrets (generating
    /// those the export masked). Fails only when randomness or hashing does, never on the document.
    pub fn materialize(self, master: &MasterKey, hasher: &ClientSecretHasher) -> Result<ImportedRealm, ImportError> {
        let RealmPlan { mut bundle, warnings, secrets, passwords, now } = self;
        bundle.keys =
            new_realm_keys(&bundle.realm, master, now).map_err(|e| ImportError::at("realm", e.to_string()))?;
        let realm = &mut bundle.realm;
        crate::anomaly::seal_webhook_secret(&mut realm.attributes, master, &realm.id)
            .map_err(|e| ImportError::at("realm.attributes", e.to_string()))?;
        for p in &passwords {
            let path = || format!("users[{}].credentials[{}]", p.user, p.credential);
            let hash = hash_password(p.value.expose_secret()).map_err(|e| ImportError::at(path(), e.to_string()))?;
            let user = bundle.users.get_mut(p.user).ok_or_else(|| ImportError::at(path(), "no such user"))?;
            user.password_hash = Some(hash);
        }
        let mut generated_secrets = Vec::new();
        for s in &secrets {
            let path = || format!("clients[{}].secret", s.client);
            let client = bundle.clients.get_mut(s.client).ok_or_else(|| ImportError::at(path(), "no such client"))?;
            let secret = match &s.given {
                Some(given) => given.clone(),
                None => {
                    let made = generate_client_secret().map_err(|e| ImportError::at(path(), e.to_string()))?;
                    generated_secrets.push((client.client_id.clone(), made.clone()));
                    made
                }
            };
            let stored = stored_client_secret(&secret, client, hasher, master, now)
                .map_err(|e| ImportError::at(path(), e.to_string()))?;
            client.secrets.push(stored);
        }
        Ok(ImportedRealm { bundle, warnings, generated_secrets })
    }
}
