//! `tessera role` and `tessera group`: Keycloak's roles and groups, through the admin services.

use tessera_core::admin::{RoleAdmin, RoleRef};
use tessera_server::Config;

use super::data::open;
use super::error::CommandError;
use crate::cli::{GroupCommand, RoleCommand};

fn role_ref(name: &str, client: Option<&str>) -> RoleRef {
    match client {
        Some(c) => RoleRef::client(c, name),
        None => RoleRef::parse(name),
    }
}

pub async fn run_role(config: Config, cmd: RoleCommand) -> Result<(), CommandError> {
    let (store, _) = open(&config).await?;
    let admin = RoleAdmin { store: &store };
    match cmd {
        RoleCommand::Create { realm, name, client, description, composites } => {
            let composites: Vec<RoleRef> = composites.iter().map(|c| RoleRef::parse(c)).collect();
            let role = admin.create_role(&realm, role_ref(&name, client.as_deref()), description, &composites).await?;
            let shown = RoleRef { client_id: role.client_id, name: role.name };
            println!("created role {shown} in realm {realm}");
        }
        RoleCommand::List { realm } => {
            let model = admin.model(&realm).await?;
            println!("{:<40} {:<24} INCLUDES", "ROLE", "CLIENT");
            for r in model.roles() {
                let includes: Vec<String> = r
                    .composites
                    .iter()
                    .filter_map(|id| model.role(id))
                    .map(|c| RoleRef { client_id: c.client_id.clone(), name: c.name.clone() }.to_string())
                    .collect();
                println!("{:<40} {:<24} {}", r.name, r.client_id.as_deref().unwrap_or("-"), includes.join(" "));
            }
        }
        RoleCommand::Delete { realm, name, client } => {
            let role = role_ref(&name, client.as_deref());
            admin.delete_role(&realm, &role).await?;
            println!("deleted role {role}");
        }
    }
    store.close().await;
    Ok(())
}

pub async fn run_group(config: Config, cmd: GroupCommand) -> Result<(), CommandError> {
    let (store, _) = open(&config).await?;
    let admin = RoleAdmin { store: &store };
    match cmd {
        GroupCommand::Create { realm, path } => {
            let group = admin.create_group(&realm, &path).await?;
            println!(
                "created group {} in realm {realm}",
                admin.model(&realm).await?.group_path(&group.id).unwrap_or(path)
            );
        }
        GroupCommand::List { realm } => {
            let model = admin.model(&realm).await?;
            println!("{:<40} ROLES", "GROUP");
            let mut rows: Vec<(String, String)> = model
                .groups()
                .iter()
                .map(|g| {
                    let roles: Vec<String> = g
                        .role_ids
                        .iter()
                        .filter_map(|id| model.role(id))
                        .map(|r| RoleRef { client_id: r.client_id.clone(), name: r.name.clone() }.to_string())
                        .collect();
                    (model.group_path(&g.id).unwrap_or_default(), roles.join(" "))
                })
                .collect();
            rows.sort();
            for (path, roles) in rows {
                println!("{path:<40} {roles}");
            }
        }
        GroupCommand::Delete { realm, path } => {
            admin.delete_group(&realm, &path).await?;
            println!("deleted group {path}");
        }
        GroupCommand::AddMember { realm, path, username } => {
            admin.set_member(&realm, &username, &path, true).await?;
            println!("{username} is a member of {path}");
        }
        GroupCommand::RemoveMember { realm, path, username } => {
            admin.set_member(&realm, &username, &path, false).await?;
            println!("{username} is no longer a member of {path}");
        }
        GroupCommand::GrantRole { realm, path, role } => {
            let role = RoleRef::parse(&role);
            admin.map_group_role(&realm, &path, &role, true).await?;
            println!("role {role} mapped to {path}");
        }
        GroupCommand::RevokeRole { realm, path, role } => {
            let role = RoleRef::parse(&role);
            admin.map_group_role(&realm, &path, &role, false).await?;
            println!("role {role} no longer mapped to {path}");
        }
    }
    store.close().await;
    Ok(())
}
