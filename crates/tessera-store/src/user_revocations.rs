//! Per-user revocation: one transaction ends what the user holds and records their not-before, which every
//! node then reads in sequence (as the revocation list) until it is purged once expired.

use async_trait::async_trait;
use tessera_core::model::{RevocationEventKind, UserNotBefore};
use tessera_core::ports::{StoreError, UserRevocationStore, UserRevoked};

use crate::error::map_err;
use crate::rows::user_not_before_from_row;
use crate::{SqlStore, revocation_events, sql};

#[async_trait]
impl UserRevocationStore for SqlStore {
    async fn revoke_user(&self, e: &UserNotBefore) -> Result<UserRevoked, StoreError> {
        let mut tx = self.begin().await?;
        let mut ended = [0u64; 3];
        for (i, statement) in
            [sql::END_USER_SESSIONS, sql::REVOKE_USER_REFRESH, sql::EXPIRE_USER_CODES].into_iter().enumerate()
        {
            let done = sqlx::query(statement)
                .bind(e.realm_id.clone())
                .bind(e.user_id.clone())
                .bind(e.not_before)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            ended[i] = done.rows_affected();
        }
        sqlx::query(sql::INSERT_USER_NOT_BEFORE)
            .bind(e.realm_id.clone())
            .bind(e.user_id.clone())
            .bind(e.not_before)
            .bind(e.expires_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let kind = RevocationEventKind::User;
        revocation_events::append(&mut tx, &e.realm_id, kind, &e.user_id, e.not_before, Some(e.expires_at)).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(UserRevoked { sessions: ended[0], refresh_tokens: ended[1] })
    }

    async fn user_not_before_since(&self, seq: i64, limit: i64) -> Result<Vec<(i64, UserNotBefore)>, StoreError> {
        let rows = sqlx::query(sql::SELECT_USER_NOT_BEFORE_SINCE)
            .bind(seq)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(user_not_before_from_row).collect()
    }

    async fn purge_expired_user_not_before(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(sql::PURGE_USER_NOT_BEFORE).bind(now).execute(&self.pool).await.map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
