//! The data every admin command works on: the store with its secrets, and the realm named by `--realm`.

use tessera_core::model::Realm;
use tessera_core::ports::RealmStore;
use tessera_core::secret::ServerSecrets;
use tessera_server::Config;
use tessera_server::operations;
use tessera_store::SqlStore;

use super::error::CommandError;

pub async fn open(config: &Config) -> Result<(SqlStore, ServerSecrets), CommandError> {
    Ok(operations::open(config, true).await?)
}

pub async fn find_realm(store: &SqlStore, name: &str) -> Result<Realm, CommandError> {
    store.find_realm(name).await?.ok_or_else(|| CommandError::NoSuchRealm(name.to_owned()))
}
