//! `tessera realm`: create, list and import realms.

use secrecy::ExposeSecret;
use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::clock::{Clock, SystemClock};
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::RealmStore;
use tessera_core::provisioning::{NewRealm, add_builtin_roles, new_realm};
use tessera_server::Config;
use tessera_server::operations::{self, ImportOutcome};

use super::data::open;
use super::error::CommandError;
use crate::cli::{Alg, RealmCommand};

pub async fn run(config: Config, cmd: RealmCommand) -> Result<(), CommandError> {
    let (store, secrets) = open(&config).await?;
    let now = SystemClock.now();
    match cmd {
        RealmCommand::Create { name, display_name, alg: a, token_lifespan } => {
            let spec = NewRealm { name, display_name, signing_alg: alg(a), access_token_lifespan: token_lifespan };
            let mut bundle = new_realm(&spec, &secrets.master_key(), now)?;
            add_builtin_roles(&mut bundle);
            store.create_realm(&bundle).await?;
            operations::record(&store, &[AuditEvent::new(now, &bundle.realm.name, AuditKind::RealmCreated)]).await;
            println!("created realm {} ({})", bundle.realm.name, bundle.realm.signing_alg);
        }
        RealmCommand::List => {
            println!("{:<24} {:<8} {:>9}  DISPLAY NAME", "NAME", "ALG", "LIFESPAN");
            for r in store.list_realms().await? {
                println!(
                    "{:<24} {:<8} {:>8}s  {}",
                    r.name,
                    r.signing_alg,
                    r.access_token_lifespan,
                    r.display_name.unwrap_or_default()
                );
            }
        }
        RealmCommand::Import { file } => {
            match operations::import_realm_file(&store, &secrets, &file, false, now).await? {
                ImportOutcome::Imported { realm, warnings, generated_secrets } => {
                    for w in warnings {
                        eprintln!("warning: {w}");
                    }
                    println!("imported realm {realm}");
                    for (client, secret) in generated_secrets {
                        println!("client {client}: new secret (shown only now): {}", secret.expose_secret());
                    }
                }
                ImportOutcome::Skipped { realm } => println!("realm {realm} exists; skipped"),
            }
        }
    }
    store.close().await;
    Ok(())
}

fn alg(a: Alg) -> SigningAlgorithm {
    match a {
        Alg::Rs256 => SigningAlgorithm::Rs256,
        Alg::Es256 => SigningAlgorithm::Es256,
        Alg::EdDsa => SigningAlgorithm::EdDsa,
    }
}
