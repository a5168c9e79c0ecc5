//! One module per command group of [`Command`]: each opens what it needs, acts, and prints its result.

mod admin;
mod client;
mod client_auth;
mod data;
mod error;
mod events;
mod keys;
mod realm;
mod registration;
mod revoke;
mod roles;
mod scope;
mod serve;
mod telemetry;
mod token;
mod usage;
mod user;

pub use error::CommandError;

use crate::cli::{Cli, Command};
use crate::settings::admin_config;

pub async fn run(cli: Cli) -> Result<(), CommandError> {
    let Cli { global, command } = cli;
    match command {
        Command::Serve(args) => serve::run(&global, &args).await,
        Command::Realm(cmd) => realm::run(admin_config(&global)?, cmd).await,
        Command::Client(cmd) => client::run(admin_config(&global)?, cmd).await,
        Command::Scope(cmd) => scope::run(admin_config(&global)?, cmd).await,
        Command::Keys(cmd) => keys::run(admin_config(&global)?, cmd).await,
        Command::User(cmd) => user::run(admin_config(&global)?, cmd).await,
        Command::Role(cmd) => roles::run_role(admin_config(&global)?, cmd).await,
        Command::Group(cmd) => roles::run_group(admin_config(&global)?, cmd).await,
        Command::Revoke { realm, client, user, all: _, reason } => {
            revoke::run(admin_config(&global)?, &realm, client.as_deref(), user.as_deref(), &reason).await
        }
        Command::Token(args) => token::run(args).await,
        Command::Events(args) => events::run(admin_config(&global)?, args).await,
        Command::Usage(args) => usage::run(admin_config(&global)?, args).await,
        Command::Admin(cmd) => admin::run(admin_config(&global)?, cmd).await,
    }
}
