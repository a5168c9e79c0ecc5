//! `tessera user`: people who sign in.

use tessera_core::admin::{RoleAdmin, RoleRef};
use tessera_core::clock::{Clock, SystemClock};
use tessera_core::model::Realm;
use tessera_core::ports::UserStore;
use tessera_core::provisioning::new_user;
use tessera_core::secret::ServerSecrets;
use tessera_server::{Config, operations};
use tessera_store::SqlStore;

use super::data::{find_realm, open};
use super::error::CommandError;
use crate::cli::{UserCommand, UserRoleArgs};

pub async fn run(config: Config, cmd: UserCommand) -> Result<(), CommandError> {
    let (store, secrets) = open(&config).await?;
    let now = SystemClock.now();
    match cmd {
        UserCommand::Create { realm, username, email, first_name, last_name, password_stdin } => {
            let realm = find_realm(&store, &realm).await?;
            let password = if password_stdin { Some(password_from_stdin()?) } else { None };
            let mut user = new_user(&realm.id, &username, password.as_deref(), now)?;
            user.email = email;
            user.first_name = first_name;
            user.last_name = last_name;
            RoleAdmin { store: &store }.with_default_role(&realm, &mut user).await?;
            store.create_user(&user).await?;
            println!("created user {} in realm {}", user.username, realm.name);
        }
        UserCommand::List { realm } => {
            let realm = find_realm(&store, &realm).await?;
            println!("{:<32} {:<8} {:<9} EMAIL", "USERNAME", "ENABLED", "PASSWORD");
            for u in store.list_users(&realm.id).await? {
                let password = if u.password_hash.is_some() { "set" } else { "-" };
                println!("{:<32} {:<8} {:<9} {}", u.username, u.enabled, password, u.email.unwrap_or_default());
            }
        }
        UserCommand::SetPassword { realm, username, temporary } => {
            let realm = find_realm(&store, &realm).await?;
            let password = password_from_stdin()?;
            let hash = tessera_core::password::hash_password(&password)?;
            if !store.set_user_password(&realm.id, &username, &hash, temporary).await? {
                return Err(CommandError::NoSuchUser { realm: realm.name, user: username });
            }
            println!("password of {username} changed");
            // Whoever held the old password may hold tokens too: an administrator's reset ends them all.
            let reason = "password reset by an administrator";
            revoke_everything(&store, (&config, &secrets), &realm, &username, reason, now).await?;
        }
        UserCommand::Disable { realm, username } => {
            set_enabled(&store, (&config, &secrets), &realm, &username, false).await?
        }
        UserCommand::Enable { realm, username } => {
            set_enabled(&store, (&config, &secrets), &realm, &username, true).await?
        }
        UserCommand::GrantRole(args) => map_role(&store, args, true).await?,
        UserCommand::RevokeRole(args) => map_role(&store, args, false).await?,
    }
    store.close().await;
    Ok(())
}

async fn map_role(store: &SqlStore, args: UserRoleArgs, grant: bool) -> Result<(), CommandError> {
    let role = match &args.client {
        Some(client) => RoleRef::client(client, &args.role),
        None => RoleRef::parse(&args.role),
    };
    let changed = RoleAdmin { store }.map_user_role(&args.realm, &args.username, &role, grant).await?;
    let verb = if grant { "granted to" } else { "taken from" };
    let note = if changed { "" } else { " (no change)" };
    println!("role {role} {verb} {}{note}", args.username);
    Ok(())
}

/// One line from standard input, without its line ending; refused when empty.
pub(super) fn password_from_stdin() -> Result<String, CommandError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(CommandError::StdinUnreadable)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err(CommandError::EmptyPassword);
    }
    Ok(password)
}

async fn set_enabled(
    store: &SqlStore,
    setup: (&Config, &ServerSecrets),
    realm: &str,
    username: &str,
    enabled: bool,
) -> Result<(), CommandError> {
    let realm = find_realm(store, realm).await?;
    if !store.set_user_enabled(&realm.id, username, enabled).await? {
        return Err(CommandError::NoSuchUser { realm: realm.name, user: username.to_owned() });
    }
    println!("user {username} {}", if enabled { "enabled" } else { "disabled" });
    if !enabled {
        // Disabled means signed out everywhere, now, not when the tokens expire.
        revoke_everything(store, setup, &realm, username, "user disabled", SystemClock.now()).await?;
    }
    Ok(())
}

async fn revoke_everything(
    store: &SqlStore,
    (config, secrets): (&Config, &ServerSecrets),
    realm: &Realm,
    username: &str,
    reason: &str,
    now: i64,
) -> Result<(), CommandError> {
    let done = operations::revoke_user(store, config, secrets, realm, username, reason, now).await?;
    println!(
        "{} sessions ended, {} refresh tokens revoked, access tokens issued before {now} revoked",
        done.sessions, done.refresh_tokens
    );
    Ok(())
}
