//! The revocation list: idempotent inserts, read in sequence by every node, purged once expired.

use async_trait::async_trait;
use tessera_core::model::{RevocationEventKind, RevokedToken};
use tessera_core::ports::{RevocationStore, StoreError};

use crate::error::map_err;
use crate::rows::revocation_from_row;
use crate::{SqlStore, revocation_events, sql};

#[async_trait]
impl RevocationStore for SqlStore {
    /// One transaction: the record and, the first time only, its entry in the realm's feed.
    async fn insert_revocation(&self, t: &RevokedToken) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(sql::INSERT_REVOCATION)
            .bind(t.jti.clone())
            .bind(t.realm_id.clone())
            .bind(t.client_id.clone())
            .bind(t.exp)
            .bind(t.revoked_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if inserted > 0 {
            revocation_events::append(
                &mut tx,
                &t.realm_id,
                RevocationEventKind::Token,
                &t.jti,
                t.revoked_at,
                Some(t.exp),
            )
            .await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn revocations_since(&self, seq: i64, limit: i64) -> Result<Vec<(i64, RevokedToken)>, StoreError> {
        let rows = sqlx::query(sql::SELECT_REVOCATIONS_SINCE)
            .bind(seq)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(revocation_from_row).collect()
    }

    async fn purge_expired_revocations(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(sql::PURGE_REVOCATIONS).bind(now).execute(&self.pool).await.map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
