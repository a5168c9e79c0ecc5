//! The revocation feed's log (see `tessera_core::ports::RevocationFeedStore`): appended inside the
//! transactions of the changes it records, read per realm by cursor, purged once nothing can need it.

use async_trait::async_trait;
use sqlx::{Any, Transaction};
use tessera_core::model::{RevocationEvent, RevocationEventKind};
use tessera_core::ports::{RevocationFeedStore, StoreError};

use crate::error::map_err;
use crate::rows::revocation_event_from_row;
use crate::{SqlStore, sql};

/// Appends one entry, inside the caller's transaction.
pub(crate) async fn append(
    tx: &mut Transaction<'static, Any>,
    realm_id: &str,
    kind: RevocationEventKind,
    subject: &str,
    at: i64,
    expires_at: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_REVOCATION_EVENT)
        .bind(realm_id.to_owned())
        .bind(kind.as_str())
        .bind(subject.to_owned())
        .bind(at)
        .bind(expires_at)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    Ok(())
}

#[async_trait]
impl RevocationFeedStore for SqlStore {
    async fn revocation_events(
        &self,
        realm_id: &str,
        after: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<RevocationEvent>, StoreError> {
        let rows = sqlx::query(sql::SELECT_REVOCATION_EVENTS)
            .bind(realm_id.to_owned())
            .bind(after)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(revocation_event_from_row).collect()
    }

    async fn purge_revocation_events(&self, now: i64) -> Result<u64, StoreError> {
        let expired =
            sqlx::query(sql::PURGE_EXPIRED_REVOCATION_EVENTS).bind(now).execute(&self.pool).await.map_err(map_err)?;
        let replaced = sqlx::query(sql::PURGE_REPLACED_REVOCATION_EVENTS).execute(&self.pool).await.map_err(map_err)?;
        Ok(expired.rows_affected() + replaced.rows_affected())
    }
}
