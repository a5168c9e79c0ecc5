//! `tessera events`: the audit trail, or with `--admin` the admin events (Keycloak's admin events: every
//! write through the admin API), newest first.

use std::collections::BTreeMap;

use tessera_core::admin::events::{AdminEvent, AdminEventQuery, RESOURCE_TYPES};
use tessera_core::audit::{AuditKind, AuditQuery};
use tessera_core::clock::{Clock, SystemClock};
use tessera_core::ports::{AdminEventStore, AuditStore, RealmStore, UserStore};
use tessera_server::Config;
use tessera_store::SqlStore;

use super::data::{find_realm, open};
use super::error::CommandError;
use crate::cli::EventsArgs;
use crate::duration::parse_seconds;

pub async fn run(config: Config, args: EventsArgs) -> Result<(), CommandError> {
    let since = match &args.since {
        None => None,
        // Unix seconds, or a duration ago.
        Some(s) => Some(match s.parse::<i64>() {
            Ok(t) => t,
            Err(_) => SystemClock.now() - parse_seconds(s)?,
        }),
    };
    if args.admin {
        return admin_events(config, args, since).await;
    }
    let kind = match args.kind {
        None => None,
        Some(k) => Some(AuditKind::parse(&k).ok_or_else(|| {
            let known: Vec<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
            CommandError::UnknownEventType { given: k.clone(), known: known.join(", ") }
        })?),
    };
    let (store, _) = open(&config).await?;
    find_realm(&store, &args.realm).await?;
    let query =
        AuditQuery { realm: args.realm, since, kind, client_id: args.client, limit: args.limit, newest_first: false };
    for e in store.audit_events(&query).await? {
        println!("{}", serde_json::to_string(&e)?);
    }
    store.close().await;
    Ok(())
}

async fn admin_events(config: Config, args: EventsArgs, since: Option<i64>) -> Result<(), CommandError> {
    let resource_type = match args.resource_type {
        None => None,
        Some(t) => {
            let upper = t.to_ascii_uppercase();
            if !RESOURCE_TYPES.contains(&upper.as_str()) {
                return Err(CommandError::UnknownResourceType { given: t, known: RESOURCE_TYPES.join(", ") });
            }
            Some(upper)
        }
    };
    let (store, _) = open(&config).await?;
    let realm = find_realm(&store, &args.realm).await?;
    let query = AdminEventQuery {
        realm: realm.name.clone(),
        operation: args.operation.map(|o| o.as_str().to_owned()),
        resource_type,
        since,
        limit: args.limit,
        ..AdminEventQuery::default()
    };
    let events = store.admin_events(&query).await?;
    if args.json {
        for e in events {
            println!("{}", serde_json::to_string(&e.representation(&realm.id))?);
        }
    } else {
        let names = usernames(&store, &events).await?;
        println!(
            "{:<20} {:<9} {:<20} {:<50} {:<24} IP",
            "TIME (UTC)", "OPERATION", "RESOURCE TYPE", "RESOURCE PATH", "BY"
        );
        for e in &events {
            let by = names.get(&(e.auth_realm.clone(), e.auth_user_id.clone())).unwrap_or(&e.auth_user_id);
            println!(
                "{:<20} {:<9} {:<20} {:<50} {:<24} {}",
                time(e.at),
                e.operation,
                e.resource_type,
                e.resource_path,
                format!("{by}@{}", e.auth_realm),
                e.ip_address.as_deref().unwrap_or("-")
            );
        }
    }
    store.close().await;
    Ok(())
}

/// The usernames of the administrators who made `events`, by (realm name, user id); one gone is shown by id.
async fn usernames(
    store: &SqlStore,
    events: &[AdminEvent],
) -> Result<BTreeMap<(String, String), String>, CommandError> {
    let mut names = BTreeMap::new();
    for e in events {
        let key = (e.auth_realm.clone(), e.auth_user_id.clone());
        if names.contains_key(&key) {
            continue;
        }
        let Some(realm) = store.find_realm(&e.auth_realm).await? else { continue };
        if let Some(user) = store.find_user_by_id(&realm.id, &e.auth_user_id).await? {
            names.insert(key, user.username);
        }
    }
    Ok(names)
}

/// `2025-01-31 12:00:00`.
fn time(at: i64) -> String {
    let instant = std::time::UNIX_EPOCH + std::time::Duration::from_secs(at.max(0).unsigned_abs());
    humantime::format_rfc3339_seconds(instant).to_string().replace('T', " ").trim_end_matches('Z').to_owned()
}
