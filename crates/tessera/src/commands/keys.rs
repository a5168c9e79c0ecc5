//! `tessera keys`: a realm's signing keys and their rotation.

use tessera_core::clock::{Clock, SystemClock};
use tessera_core::key_rotation::RotationPolicy;
use tessera_core::ports::KeyStore;
use tessera_server::Config;
use tessera_server::operations::{self, RotationOutcome};

use super::data::{find_realm, open};
use super::error::CommandError;
use crate::cli::KeysCommand;

pub async fn run(config: Config, cmd: KeysCommand) -> Result<(), CommandError> {
    let (store, secrets) = open(&config).await?;
    let now = SystemClock.now();
    match cmd {
        KeysCommand::List { realm } => {
            let realm = find_realm(&store, &realm).await?;
            println!("{:<44} {:<6} {:<8} {:>12} {:>12}", "KID", "ALG", "STATE", "CREATED", "NOT AFTER");
            for k in store.signing_keys(&realm.id).await? {
                let not_after = k.not_after.map(|t| t.to_string()).unwrap_or_else(|| "-".to_owned());
                println!("{:<44} {:<6} {:<8} {:>12} {:>12}", k.kid, k.alg, k.state.as_str(), k.created_at, not_after);
            }
        }
        KeysCommand::Rotate { realm, force, lead } => {
            let realm = find_realm(&store, &realm).await?;
            let policy = RotationPolicy { period: None, publication_lead: lead as i64 };
            match operations::rotate_realm_keys(&store, &secrets, &realm, &policy, force, now).await? {
                RotationOutcome::Rotated { promoted, next } => {
                    println!("realm {}: key {promoted} now signs; {next} is published as the next key", realm.name)
                }
                RotationOutcome::LostRace => {
                    println!("realm {}: another process rotated the keys just now", realm.name)
                }
            }
        }
    }
    store.close().await;
    Ok(())
}
