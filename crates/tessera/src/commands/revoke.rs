//! `tessera revoke`: the not-before policy for a client or a whole realm.

use tessera_core::clock::{Clock, SystemClock};
use tessera_server::Config;
use tessera_server::operations;

use super::data::{find_realm, open};
use super::error::CommandError;

pub async fn run(config: Config, realm: &str, client: Option<&str>, reason: &str) -> Result<(), CommandError> {
    let (store, _) = open(&config).await?;
    let realm = find_realm(&store, realm).await?;
    let now = SystemClock.now();
    operations::revoke_all(&store, &realm, client, reason, now).await?;
    match client {
        Some(c) => println!("tokens issued to {c} in realm {} before {now} are revoked", realm.name),
        None => println!("every token of realm {} issued before {now} is revoked", realm.name),
    }
    store.close().await;
    Ok(())
}
