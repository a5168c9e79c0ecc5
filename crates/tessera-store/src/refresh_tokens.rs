//! The refresh-token port: a rotation is one transaction, so exactly one of concurrent rotations wins
//! (RFC 9700 §4.14.2); revoking a family or a session returns the access tokens issued with it.

use async_trait::async_trait;
use tessera_core::model::RefreshToken;
use tessera_core::ports::{IssuedAccessToken, RefreshTokenStore, StoreError};

use crate::error::map_err;
use crate::rows::{access_token_from_row, flag, refresh_from_row};
use crate::{SqlStore, sql};

fn bind_refresh<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    t: &RefreshToken,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(t.token_hash.clone())
        .bind(t.family_id.clone())
        .bind(t.realm_id.clone())
        .bind(t.client_id.clone())
        .bind(t.user_id.clone())
        .bind(t.session_id.clone())
        .bind(t.scope.to_string())
        .bind(t.auth_time)
        .bind(flag(t.offline))
        .bind(t.issued_at)
        .bind(t.expires_at)
        .bind(t.access_jti.clone())
        .bind(t.access_exp)
        .bind(t.rotated_at)
        .bind(t.revoked_at)
        .bind(t.successor.clone())
        .bind(t.resources.to_stored())
        .bind(t.dpop_jkt.clone())
        .bind(t.cert_thumbprint.clone())
}

impl SqlStore {
    /// Marks rows revoked and lists the access tokens issued with them, in one transaction.
    async fn revoke_refresh_where(
        &self,
        revoke: &'static str,
        list: &'static str,
        key: &str,
        now: i64,
    ) -> Result<Vec<IssuedAccessToken>, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(revoke).bind(key.to_owned()).bind(now).execute(&mut *tx).await.map_err(map_err)?;
        let rows = sqlx::query(list).bind(key.to_owned()).bind(now).fetch_all(&mut *tx).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.iter().map(access_token_from_row).collect()
    }
}

#[async_trait]
impl RefreshTokenStore for SqlStore {
    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<(), StoreError> {
        bind_refresh(sqlx::query(sql::INSERT_REFRESH), token).execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, StoreError> {
        let row = sqlx::query(sql::SELECT_REFRESH)
            .bind(token_hash.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(refresh_from_row).transpose()
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        successor: &str,
        new: &RefreshToken,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(sql::ROTATE_REFRESH)
            .bind(old_hash.to_owned())
            .bind(now)
            .bind(successor.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if done.rows_affected() != 1 {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        bind_refresh(sqlx::query(sql::INSERT_REFRESH), new).execute(&mut *tx).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn revoke_refresh_family(&self, family_id: &str, now: i64) -> Result<Vec<IssuedAccessToken>, StoreError> {
        self.revoke_refresh_where(sql::REVOKE_FAMILY, sql::FAMILY_ACCESS_TOKENS, family_id, now).await
    }

    async fn revoke_session_refresh_tokens(
        &self,
        session_id: &str,
        now: i64,
    ) -> Result<Vec<IssuedAccessToken>, StoreError> {
        self.revoke_refresh_where(sql::REVOKE_SESSION_REFRESH, sql::SESSION_ACCESS_TOKENS, session_id, now).await
    }
}
