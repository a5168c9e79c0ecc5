//! The audit port: events are appended in batches, one transaction each.

use async_trait::async_trait;
use tessera_core::audit::{AuditEvent, AuditQuery};
use tessera_core::ports::{AuditStore, StoreError};

use crate::error::map_err;
use crate::rows::audit_from_row;
use crate::{SqlStore, sql};

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for e in events {
            sqlx::query(sql::INSERT_AUDIT)
                .bind(e.at)
                .bind(e.realm.clone())
                .bind(e.kind.as_str())
                .bind(e.client_id.clone())
                .bind(e.subject.clone())
                .bind(e.source_ip.clone())
                .bind(e.outcome.as_str())
                .bind(e.reason.clone())
                .bind(i64::try_from(e.count).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn audit_events(&self, q: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(if q.newest_first { sql::SELECT_AUDIT_NEWEST } else { sql::SELECT_AUDIT })
            .bind(q.realm.clone())
            .bind(q.since)
            .bind(q.kind.map(|k| k.as_str()))
            .bind(q.client_id.clone())
            .bind(if q.limit > 0 { q.limit } else { i64::MAX })
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(audit_from_row).collect()
    }
}
