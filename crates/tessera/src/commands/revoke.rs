//! `tessera revoke`: the not-before policy for a client, a user or a whole realm.

use tessera_core::clock::{Clock, SystemClock};
use tessera_server::Config;
use tessera_server::operations;

use super::data::{find_realm, open};
use super::error::CommandError;

pub async fn run(
    config: Config,
    realm: &str,
    client: Option<&str>,
    user: Option<&str>,
    reason: &str,
) -> Result<(), CommandError> {
    let (store, secrets) = open(&config).await?;
    let realm = find_realm(&store, realm).await?;
    let now = SystemClock.now();
    if let Some(user) = user {
        let done = operations::revoke_user(&store, &config, &secrets, &realm, user, reason, now).await?;
        println!(
            "user {} of realm {}: {} sessions ended, {} refresh tokens revoked, access tokens issued before {now} revoked",
            done.username, realm.name, done.sessions, done.refresh_tokens
        );
        store.close().await;
        return Ok(());
    }
    operations::revoke_all(&store, &realm, client, reason, now).await?;
    match client {
        Some(c) => println!("tokens issued to {c} in realm {} before {now} are revoked", realm.name),
        None => println!("every token of realm {} issued before {now} is revoked", realm.name),
    }
    store.close().await;
    Ok(())
}
