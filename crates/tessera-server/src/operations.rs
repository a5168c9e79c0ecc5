//! Operations on a realm's data shared by the CLI and `tessera serve`: opening the data, importing realm
//! files, the `--dev` bootstrap, signing-key upkeep, client-secret rotation, revoke-all and per-user revocation.

use std::path::Path;
use std::sync::Arc;

use secrecy::SecretString;
use tessera_core::admin::{
    AdminBootstrap, AdminError, Administrator, Bootstrapped, RevokedBy, UserRevocation, UserRevocationOutcome,
};
use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::import::keycloak::{ImportError, read_realm_export};
use tessera_core::key_rotation::{RotationPolicy, expired_retired_keys, scheduled_rotation};
pub use tessera_core::key_service::RotationOutcome;
use tessera_core::key_service::{self, RotationError};
use tessera_core::model::Realm;
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::{AuditSink, KeyStore, RealmStore, Store, StoreError};
use tessera_core::provisioning::{
    NewClient, NewRealm, ProvisioningError, add_builtin_roles, new_client, new_realm, new_scope,
};
use tessera_core::secret::{ServerSecrets, generate_client_secret, stored_client_secret};
use tessera_store::SqlStore;

use crate::config::Config;
use crate::keyfile::load_or_create_secrets;

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
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

impl From<RotationError> for OperationError {
    fn from(e: RotationError) -> Self {
        match e {
            RotationError::Refused(e) => OperationError::Setup(e.to_string()),
            RotationError::Provisioning(e) => e.into(),
            RotationError::Store(e) => e.into(),
        }
    }
}

/// The store and the server secrets for a configuration. `create` makes the key file when missing
/// (the server's first start); the CLI passes false only where it must not invent one.
pub async fn open(config: &Config, create: bool) -> Result<(SqlStore, ServerSecrets), OperationError> {
    let secrets = load_or_create_secrets(&config.master_key_file(), create).map_err(OperationError::Setup)?;
    let store = SqlStore::connect_with_timeout(&config.database_url(), config.dependency_timeout)
        .await
        .map_err(|e| OperationError::Setup(e.to_string()))?;
    check_key_file_matches(&store, &secrets, &config.master_key_file()).await?;
    for line in crate::file_modes::restrict(&config.data_dir) {
        tracing::warn!("file mode too wide: {line}");
    }
    Ok((store, secrets))
}

/// A key file that cannot open the database's signing keys would turn every request into an error later:
/// refuse now, and say why (nodes sharing a database must share one key file).
async fn check_key_file_matches(store: &SqlStore, secrets: &ServerSecrets, path: &Path) -> Result<(), OperationError> {
    let Some(realm) = store.list_realms().await?.into_iter().next() else { return Ok(()) };
    let Some(key) = store.signing_keys(&realm.id).await?.into_iter().next() else { return Ok(()) };
    if secrets.master_key().open(&key.sealed_private_key, &key.kid).is_err() {
        return Err(OperationError::Setup(format!(
            "the master key file {} does not open this database's keys: every node (and the CLI) sharing a database must use the same key file",
            path.display()
        )));
    }
    Ok(())
}

#[derive(Debug)]
pub enum ImportOutcome {
    Imported {
        realm: String,
        warnings: Vec<String>,
        generated_secrets: Vec<(String, SecretString)>,
    },
    /// The realm exists; left as it is (Keycloak's `--import-realm` behaviour).
    Skipped {
        realm: String,
    },
}

/// Imports a Keycloak realm export in one transaction.
pub async fn import_realm_file(
    store: &dyn Store,
    secrets: &ServerSecrets,
    path: &Path,
    skip_existing: bool,
    now: i64,
) -> Result<ImportOutcome, OperationError> {
    let shown = path.display().to_string();
    let json = std::fs::read_to_string(path)
        .map_err(|e| OperationError::Read { path: shown.clone(), reason: e.to_string() })?;
    let plan = read_realm_export(&json, now).map_err(|error| OperationError::Import { path: shown.clone(), error })?;
    let name = plan.bundle().realm.name.clone();
    // Before the costly step (two keys, an Argon2 hash per password): an existing realm is skipped or refused
    // without generating anything, so `serve --import-realm` on every restart costs a read.
    if store.find_realm(&name).await?.is_some() {
        return if skip_existing {
            Ok(ImportOutcome::Skipped { realm: name })
        } else {
            Err(OperationError::RealmExists(name))
        };
    }
    let imported = plan
        .materialize(&secrets.master_key(), &secrets.secret_hasher())
        .map_err(|error| OperationError::Import { path: shown, error })?;
    match store.create_realm(&imported.bundle).await {
        Ok(()) => {
            record(store, &[AuditEvent::new(now, &name, AuditKind::RealmImported).reason(shown_file(path))]).await;
            Ok(ImportOutcome::Imported {
                realm: name,
                warnings: imported.warnings,
                generated_secrets: imported.generated_secrets,
            })
        }
        // Another process imported it between our check and our write.
        Err(StoreError::Conflict(_)) if skip_existing => Ok(ImportOutcome::Skipped { realm: name }),
        Err(StoreError::Conflict(_)) => Err(OperationError::RealmExists(name)),
        Err(e) => Err(e.into()),
    }
}

fn shown_file(path: &Path) -> String {
    format!("from {}", path.display())
}

pub const DEMO_REALM: &str = "demo";
pub const DEMO_CLIENT: &str = "demo-service";

/// `--dev` on first start: realm `demo` with scopes `api:read` (default) and `api:write` (optional) and a
/// confidential client `demo-service`. Returns the client's secret when it was just created.
pub async fn bootstrap_demo(
    store: &Arc<dyn Store>,
    secrets: &ServerSecrets,
    now: i64,
) -> Result<Option<SecretString>, OperationError> {
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
    add_builtin_roles(&mut bundle);
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

/// Creates the `master` realm and its first administrator, unless a `master` realm exists (as Keycloak's
/// `KC_BOOTSTRAP_ADMIN_*` at first start). Returns whether it did.
pub async fn bootstrap_admin(
    store: &dyn Store,
    secrets: &ServerSecrets,
    username: &str,
    password: &SecretString,
    now: i64,
) -> Result<bool, OperationError> {
    if store.find_realm(tessera_core::admin::caller::MASTER_REALM).await?.is_some() {
        return Ok(false);
    }
    match bootstrap_administrator(store, secrets, &administrator_user(username, password)?, now).await {
        Ok(done) => Ok(done.realm_created),
        // Another node made `master`, with its administrator, meanwhile.
        Err(AdminError::Conflict(_)) => Ok(false),
        Err(AdminError::Store(e)) => Err(e.into()),
        Err(e) => Err(OperationError::Setup(e.to_string())),
    }
}

/// A user administrator with this password, hashed (Argon2id) here.
pub fn administrator_user<'a>(username: &'a str, password: &SecretString) -> Result<Administrator<'a>, OperationError> {
    let password_hash = tessera_core::password::hash_password(secrecy::ExposeSecret::expose_secret(password))
        .map_err(|_| ProvisioningError::Password)?;
    Ok(Administrator::User { username, password_hash })
}

/// Makes `who` an administrator of every realm (`master`'s realm role `admin`), creating `master` when it is
/// missing; refused when `master` has a user or client of that name already (`tessera admin bootstrap`).
pub async fn bootstrap_administrator(
    store: &dyn Store,
    secrets: &ServerSecrets,
    who: &Administrator<'_>,
    now: i64,
) -> Result<Bootstrapped, AdminError> {
    let events = CollectedEvents::default();
    let (master, hasher) = (secrets.master_key(), secrets.secret_hasher());
    let service = AdminBootstrap { store, master: &master, hasher: &hasher, audit: &events, now };
    let done = service.create(who).await?;
    record(store, &events.take()).await;
    Ok(done)
}

/// Appends admin events directly: the CLI and background jobs are off any request path.
pub async fn record(store: &dyn Store, events: &[AuditEvent]) {
    for e in events {
        crate::audit_trail::log_event(e);
    }
    if let Err(e) = store.append_audit(events).await {
        tracing::error!(error = %e, "could not write audit events");
    }
}

/// Promotes the realm's next key (after its publication lead, unless `force`), retires the active one and
/// publishes a fresh next key, as one atomic claim in the store; the rotation goes to the audit trail.
pub async fn rotate_realm_keys(
    store: &dyn Store,
    secrets: &ServerSecrets,
    realm: &Realm,
    policy: &RotationPolicy,
    force: bool,
    now: i64,
) -> Result<RotationOutcome, OperationError> {
    let outcome = key_service::rotate_realm_keys(store, &secrets.master_key(), realm, policy, force, now).await?;
    record_rotation(store, realm, &outcome, now).await;
    Ok(outcome)
}

async fn record_rotation(store: &dyn Store, realm: &Realm, outcome: &RotationOutcome, now: i64) {
    if let RotationOutcome::Rotated { promoted, .. } = outcome {
        let event = AuditEvent::new(now, &realm.name, AuditKind::KeyRotated).reason(format!("{promoted} now signs"));
        record(store, &[event]).await;
    }
}

/// The scheduled work on one realm's keys: rotate when due, unpublish retired keys whose tokens expired.
pub async fn maintain_realm_keys(
    store: &dyn Store,
    secrets: &ServerSecrets,
    realm: &Realm,
    policy: &RotationPolicy,
    now: i64,
) -> Result<(), OperationError> {
    let keys = store.signing_keys(&realm.id).await?;
    if let Some(promote) = scheduled_rotation(&keys, now, policy) {
        let outcome = key_service::rotate_to(store, &secrets.master_key(), realm, &promote, now).await?;
        record_rotation(store, realm, &outcome, now).await;
    }
    let expired = expired_retired_keys(&keys, now);
    if !expired.is_empty() && store.remove_retired_keys(&realm.id, &expired).await? > 0 {
        let events: Vec<_> = expired
            .iter()
            .map(|kid| AuditEvent::new(now, &realm.name, AuditKind::KeyRemoved).reason(format!("{kid} unpublished")))
            .collect();
        record(store, &events).await;
    }
    Ok(())
}

/// Revoke-all: tokens issued before `now` to the client (or, with `None`, in the whole realm) are invalid.
pub async fn revoke_all(
    store: &dyn Store,
    realm: &Realm,
    client_id: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<(), OperationError> {
    match client_id {
        Some(id) => {
            if !store.set_client_not_before(&realm.id, id, now).await? {
                return Err(OperationError::Setup(format!("client {id:?} does not exist in realm {}", realm.name)));
            }
        }
        None => store.set_realm_not_before(&realm.id, now).await?,
    }
    let mut event = AuditEvent::new(now, &realm.name, AuditKind::RevokeAll).reason(reason);
    event.client_id = client_id.map(str::to_owned);
    record(store, &[event]).await;
    Ok(())
}

/// A new secret for the client; the old ones keep working until `now + grace`, then fail.
pub async fn rotate_client_secret(
    store: &dyn Store,
    secrets: &ServerSecrets,
    realm: &Realm,
    client_id: &str,
    grace: i64,
    now: i64,
) -> Result<SecretString, OperationError> {
    let secret = generate_client_secret().map_err(ProvisioningError::from)?;
    let client = store
        .find_client(&realm.id, client_id)
        .await?
        .ok_or_else(|| OperationError::Setup(format!("client {client_id:?} does not exist in realm {}", realm.name)))?;
    let new = stored_client_secret(&secret, &client, &secrets.secret_hasher(), &secrets.master_key(), now)
        .map_err(ProvisioningError::from)?;
    if !store.rotate_client_secret(&realm.id, client_id, &new, now + grace.max(0)).await? {
        return Err(OperationError::Setup(format!("client {client_id:?} does not exist in realm {}", realm.name)));
    }
    record(
        store,
        &[AuditEvent::new(now, &realm.name, AuditKind::SecretRotated)
            .client(client_id)
            .reason(format!("grace {grace} s"))],
    )
    .await;
    Ok(secret)
}

/// Revokes everything a user (named by id or username) holds: sessions, refresh tokens, and every access
/// token issued before `now`. Off any server: with `redis_url` the nodes hear of it at once, else (or if Redis
/// fails) they read the user's not-before from the database within their poll interval. The clients of the
/// ended sessions that registered a `backchannel.logout.url` get their Logout Tokens (Back-Channel Logout 1.0
/// §2.5) before this returns. The audit events are written directly.
pub async fn revoke_user(
    store: &SqlStore,
    config: &Config,
    secrets: &ServerSecrets,
    realm: &Realm,
    user: &str,
    reason: &str,
    now: i64,
) -> Result<UserRevocationOutcome, AdminError> {
    let events = Arc::new(CollectedEvents::default());
    let service = UserRevocation { store, live: None, audit: events.as_ref(), now };
    let user = service.find_user(realm, user).await?;
    let logout = CommandLogout::new(store, config, secrets, events.clone());
    let sessions = logout.backchannel().live_sessions(store, realm, &user.id).await?;
    let outcome = service.revoke_user(realm, &user, RevokedBy { actor: CLI_ACTOR, reason, source_ip: None }).await?;
    if let Err(e) = logout.backchannel().sessions_ended(store, realm, &sessions, now).await {
        tracing::warn!(error = %e, "back-channel logout: could not notify the clients");
    }
    logout.finish().await;
    record(store, &events.take()).await;
    if let Some(url) = config.redis_url.as_deref() {
        let clock: Arc<dyn tessera_core::ports::Clock> = Arc::new(tessera_core::clock::SystemClock);
        let published = match crate::redis_fanout::RedisFanout::connect(url, REDIS_TIMEOUT, clock).await {
            Ok(redis) => redis.publish_user(&outcome.entry(&realm.id)).await.map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        if let Err(e) = published {
            tracing::warn!(error = %e, "could not publish a user's not-before to redis; nodes read it from the database");
        }
    }
    Ok(outcome)
}

/// Back-Channel Logout from a command: the realm's keys and clients read from the store (no cache kept past
/// the command), Logout Tokens delivered with the first two of the configured retry delays, and waited for.
struct CommandLogout {
    directory: crate::directory::Directory,
    sender: crate::backchannel::LogoutSender,
}

/// How long a command waits for its Logout Tokens to be delivered: three attempts of at most 5 s each,
/// with the waits between them.
const COMMAND_LOGOUT_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

impl CommandLogout {
    fn new(store: &SqlStore, config: &Config, secrets: &ServerSecrets, audit: Arc<CollectedEvents>) -> Self {
        let scheme = if config.tls.is_some() { "https" } else { "http" };
        let public_url = config.public_url.clone().unwrap_or_else(|| format!("{scheme}://{}", config.listen));
        let store: Arc<dyn Store> = Arc::new(store.clone());
        let directory = crate::directory::Directory::new(
            store,
            secrets.master_key(),
            public_url.trim_end_matches('/').to_owned(),
            1024 * 1024,
        );
        let delays = config.backchannel_logout_retry_delays.iter().take(2).copied().collect();
        let clock: Arc<dyn tessera_core::ports::Clock> = Arc::new(tessera_core::clock::SystemClock);
        Self { directory, sender: crate::backchannel::LogoutSender::start(delays, audit, clock) }
    }

    fn backchannel(&self) -> tessera_core::backchannel_logout::Backchannel<'_> {
        tessera_core::backchannel_logout::Backchannel {
            realms: &self.directory,
            clients: &self.directory,
            deliveries: &self.sender,
        }
    }

    async fn finish(self) {
        if !self.sender.finish(COMMAND_LOGOUT_WAIT).await {
            tracing::warn!("back-channel logout: some Logout Tokens were still being delivered when the command ended");
        }
    }
}

const REDIS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Who the audit trail says acted, for changes made with the command line.
pub const CLI_ACTOR: &str = "cli";

/// Events a core service records, kept to be written once it returns.
#[derive(Debug, Default)]
struct CollectedEvents(std::sync::Mutex<Vec<AuditEvent>>);

impl CollectedEvents {
    fn take(&self) -> Vec<AuditEvent> {
        self.0.lock().map(|mut e| std::mem::take(&mut *e)).unwrap_or_default()
    }
}

impl AuditSink for CollectedEvents {
    fn record(&self, event: AuditEvent) {
        if let Ok(mut events) = self.0.lock() {
            events.push(event);
        }
    }

    fn token_issued(&self, _: &str, _: &str, _: i64) {}
}
