//! `tessera events`: the audit trail.

use tessera_core::audit::{AuditKind, AuditQuery};
use tessera_core::clock::{Clock, SystemClock};
use tessera_core::ports::AuditStore;
use tessera_server::Config;

use super::data::{find_realm, open};
use super::error::CommandError;
use crate::duration::parse_seconds;

pub async fn run(
    config: Config,
    realm: String,
    since: Option<String>,
    kind: Option<String>,
    client: Option<String>,
    limit: i64,
) -> Result<(), CommandError> {
    let since = match since {
        None => None,
        // Unix seconds, or a duration ago.
        Some(s) => Some(match s.parse::<i64>() {
            Ok(t) => t,
            Err(_) => SystemClock.now() - parse_seconds(&s)?,
        }),
    };
    let kind = match kind {
        None => None,
        Some(k) => Some(AuditKind::parse(&k).ok_or_else(|| {
            let known: Vec<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
            CommandError::UnknownEventType { given: k.clone(), known: known.join(", ") }
        })?),
    };
    let (store, _) = open(&config).await?;
    find_realm(&store, &realm).await?;
    let query = AuditQuery { realm, since, kind, client_id: client, limit };
    for e in store.audit_events(&query).await? {
        println!("{}", serde_json::to_string(&e)?);
    }
    store.close().await;
    Ok(())
}
