//! Usage as the audit trail holds it, for a process that has neither Redis nor the server's memory (the
//! CLI on a single node): tokens per client and closed minute, failed authentications with their reason
//! and source network, refresh-token reuse. Scopes and revoked tokens presented are only counted live.

use async_trait::async_trait;
use tessera_core::audit::{AuditKind, AuditQuery};
use tessera_core::ports::{AuditStore, StoreError, UsageSource};
use tessera_core::usage::{UsageMetric, UsageRow, network_of};

/// At most this many events are read for one report.
const MAX_EVENTS: i64 = 200_000;

pub struct AuditUsage<'a> {
    pub store: &'a dyn AuditStore,
}

#[async_trait]
impl UsageSource for AuditUsage<'_> {
    async fn usage(
        &self,
        realm: &str,
        client: Option<&str>,
        from: i64,
        until: i64,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let query = AuditQuery {
            realm: realm.to_owned(),
            since: Some(from * 60),
            kind: None,
            client_id: client.map(str::to_owned),
            limit: MAX_EVENTS,
            newest_first: false,
        };
        let mut rows = Vec::new();
        for e in self.store.audit_events(&query).await? {
            let minute = e.at.div_euclid(60);
            let Some(client) = e.client_id.clone().filter(|_| minute < until) else { continue };
            let mut row = |metric| rows.push(UsageRow { minute, client: client.clone(), metric, count: e.count });
            match e.kind {
                AuditKind::TokenIssued => row(UsageMetric::Tokens),
                AuditKind::RefreshTokenReused => row(UsageMetric::RefreshReuse),
                AuditKind::ClientAuthFailed => {
                    row(UsageMetric::Failure(e.reason.clone().unwrap_or_default().replace(' ', "_")));
                    if let Some(net) = e.source_ip.as_deref().and_then(network_of) {
                        row(UsageMetric::Network(net));
                    }
                }
                _ => {}
            }
        }
        Ok(rows)
    }
}
