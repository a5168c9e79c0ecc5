//! `tessera admin bootstrap`: the first administrator, as Keycloak's `kc.sh bootstrap-admin user|service`.

use secrecy::{ExposeSecret, SecretString};
use tessera_core::admin::Administrator;
use tessera_core::admin::caller::MASTER_REALM;
use tessera_core::clock::{Clock, SystemClock};
use tessera_server::{Config, operations};

use super::data::open;
use super::error::CommandError;
use super::user::password_from_stdin;
use crate::cli::{AdminCommand, BootstrapArgs};

pub async fn run(config: Config, cmd: AdminCommand) -> Result<(), CommandError> {
    match cmd {
        AdminCommand::Bootstrap(args) => bootstrap(config, args).await,
    }
}

async fn bootstrap(config: Config, args: BootstrapArgs) -> Result<(), CommandError> {
    // The password is read (and hashed) before anything is opened: a refusal changes nothing.
    let who = match &args.client_id {
        Some(client_id) => Administrator::Service { client_id },
        None => operations::administrator_user(&args.username, &bootstrap_password(args.password_stdin)?)?,
    };
    let (store, secrets) = open(&config).await?;
    let done = operations::bootstrap_administrator(&store, &secrets, &who, SystemClock.now()).await;
    store.close().await;
    let done = done?;
    if done.realm_created {
        println!("created realm {MASTER_REALM} (the administrators' realm, with the public client admin-cli)");
    }
    let url = config.public_url.as_deref().unwrap_or("http://127.0.0.1:8080").trim_end_matches('/');
    let token_url = format!("{url}/realms/{MASTER_REALM}/protocol/openid-connect/token");
    match (&who, &done.secret) {
        (Administrator::Service { client_id }, Some(secret)) => {
            println!(
                "created client {client_id} in realm {MASTER_REALM}; its service account holds the role admin (every realm)"
            );
            println!("client_secret: {}", secret.expose_secret());
            println!("(shown only now: it is stored hashed)");
            println!(
                "get a token:\n  curl -s {token_url} -d grant_type=client_credentials -d client_id={client_id} --data-urlencode client_secret=…"
            );
        }
        _ => {
            println!(
                "created administrator {} in realm {MASTER_REALM}, holding the role admin (every realm)",
                args.username
            );
            println!(
                "get a token:\n  curl -s {token_url} -d grant_type=password -d client_id=admin-cli -d username={} --data-urlencode password=…",
                args.username
            );
        }
    }
    Ok(())
}

/// From standard input with --password-stdin, else from `TESSERA_BOOTSTRAP_ADMIN_PASSWORD` (as Keycloak's
/// `KC_BOOTSTRAP_ADMIN_PASSWORD`); never from the command line, where `ps` and shell history would show it.
fn bootstrap_password(stdin: bool) -> Result<SecretString, CommandError> {
    let password = if stdin {
        password_from_stdin()?
    } else {
        std::env::var("TESSERA_BOOTSTRAP_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty()).ok_or(CommandError::Usage(
            "give the password on standard input (--password-stdin) or in TESSERA_BOOTSTRAP_ADMIN_PASSWORD",
        ))?
    };
    if password.len() > 1024 {
        return Err(CommandError::Usage("the password is longer than 1024 bytes"));
    }
    Ok(SecretString::from(password))
}
