//! `tessera scope`: client scopes.

use tessera_core::ports::ScopeStore;
use tessera_core::provisioning::new_scope;
use tessera_server::Config;

use super::data::{find_realm, open};
use super::error::CommandError;
use crate::cli::ScopeCommand;

pub async fn run(config: Config, cmd: ScopeCommand) -> Result<(), CommandError> {
    let (store, _) = open(&config).await?;
    match cmd {
        ScopeCommand::Create { realm, name, description, hidden } => {
            let realm = find_realm(&store, &realm).await?;
            let mut scope = new_scope(&name, description)?;
            scope.include_in_token_scope = !hidden;
            store.create_scope(&realm.id, &scope).await?;
            println!("created scope {name} in realm {}", realm.name);
        }
        ScopeCommand::List { realm } => {
            let realm = find_realm(&store, &realm).await?;
            for s in store.list_scopes(&realm.id).await? {
                println!("{:<32} {}", s.name, s.description.unwrap_or_default());
            }
        }
    }
    store.close().await;
    Ok(())
}
