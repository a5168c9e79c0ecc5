//! Administrative acts shared by the CLI and `tessera serve`: opening the data, importing realm files,
//! the `--dev` bootstrap.

use std::path::Path;
use std::sync::Arc;

use secrecy::SecretString;
use tessera_core::import::keycloak::{ImportError, parse_realm_export};
use tessera_core::keys::SigningAlgorithm;
use tessera_core::provisioning::{NewClient, NewRealm, ProvisioningError, new_client, new_realm, new_scope};
use tessera_core::secret::ServerSecrets;
use tessera_core::store::{Store, StoreError};
use tessera_store::SqlStore;

use crate::config::Config;
use crate::keyfile::load_or_create_secrets;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Setup(String),
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: malformed realm file at {error}")]
    Import { path: String, error: ImportError },
    #[error("realm {0:?} already exists")]
    RealmExists(String),
    #[error(transparent)]
    Provisioning(#[from] ProvisioningError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The store and the server secrets for a configuration. `create` makes the key file when missing
/// (the server's first start); the CLI passes false only where it must not invent one.
pub async fn open(config: &Config, create: bool) -> Result<(SqlStore, ServerSecrets), AdminError> {
    let secrets = load_or_create_secrets(&config.data_dir, create).map_err(AdminError::Setup)?;
    let store = SqlStore::connect(&config.database_url())
        .await
        .map_err(|e| AdminError::Setup(e.to_string()))?;
    Ok((store, secrets))
}

#[derive(Debug)]
pub enum ImportOutcome {
    Imported {
        realm: String,
        warnings: Vec<String>,
        generated_secrets: Vec<(String, SecretString)>,
    },
    /// The realm exists; left as it is (Keycloak's `--import-realm` behaviour).
    Skipped { realm: String },
}

/// Imports a Keycloak realm export in one transaction.
pub async fn import_realm_file(
    store: &dyn Store,
    secrets: &ServerSecrets,
    path: &Path,
    skip_existing: bool,
    now: i64,
) -> Result<ImportOutcome, AdminError> {
    let shown = path.display().to_string();
    let json = std::fs::read_to_string(path).map_err(|e| AdminError::Read {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let imported = parse_realm_export(&json, &secrets.master_key(), &secrets.secret_hasher(), now)
        .map_err(|error| AdminError::Import { path: shown, error })?;
    let name = imported.bundle.realm.name.clone();
    if store.find_realm(&name).await?.is_some() {
        return if skip_existing {
            Ok(ImportOutcome::Skipped { realm: name })
        } else {
            Err(AdminError::RealmExists(name))
        };
    }
    match store.create_realm(&imported.bundle).await {
        Ok(()) => Ok(ImportOutcome::Imported {
            realm: name,
            warnings: imported.warnings,
            generated_secrets: imported.generated_secrets,
        }),
        // Another process imported it between our check and our write.
        Err(StoreError::Conflict(_)) if skip_existing => Ok(ImportOutcome::Skipped { realm: name }),
        Err(StoreError::Conflict(_)) => Err(AdminError::RealmExists(name)),
        Err(e) => Err(e.into()),
    }
}

pub const DEMO_REALM: &str = "demo";
pub const DEMO_CLIENT: &str = "demo-service";

/// `--dev` on first start: realm `demo` with scopes `api:read` (default) and `api:write` (optional) and a
/// confidential client `demo-service`. Returns the client's secret when it was just created.
pub async fn bootstrap_demo(
    store: &Arc<dyn Store>,
    secrets: &ServerSecrets,
    now: i64,
) -> Result<Option<SecretString>, AdminError> {
    if store.find_realm(DEMO_REALM).await?.is_some() {
        return Ok(None);
    }
    let spec = NewRealm {
        name: DEMO_REALM.into(),
        display_name: Some("Demo".into()),
        signing_alg: SigningAlgorithm::Rs256,
        access_token_lifespan: None,
    };
    let mut bundle = new_realm(&spec, &secrets.master_key(), now)?;
    bundle.scopes = vec![
        new_scope("api:read", Some("Read the demo API".into()))?,
        new_scope("api:write", Some("Change the demo API".into()))?,
    ];
    let client = NewClient {
        client_id: DEMO_CLIENT.into(),
        name: Some("Demo service".into()),
        service_accounts_enabled: true,
        default_scopes: vec!["api:read".into()],
        optional_scopes: vec!["api:write".into()],
        ..NewClient::default()
    };
    let (client, secret) = new_client(&bundle.realm.id, &client, &bundle.scopes, &secrets.secret_hasher(), now)?;
    if let Some(user) = tessera_core::provisioning::service_account_user(&client) {
        bundle.users.push(user);
    }
    bundle.clients.push(client);
    match store.create_realm(&bundle).await {
        Ok(()) => Ok(secret),
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
