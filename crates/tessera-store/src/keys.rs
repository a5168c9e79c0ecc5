//! The signing-key port: rotation is one atomic claim of the next key.

use async_trait::async_trait;
use sqlx::{Any, Transaction};
use tessera_core::model::StoredSigningKey;
use tessera_core::ports::{KeyStore, StoreError};

use crate::error::map_err;
use crate::operations::bump_revision;
use crate::rows::{json, signing_key_from_row};
use crate::{SqlStore, sql};

pub async fn insert_key(tx: &mut Transaction<'static, Any>, k: &StoredSigningKey) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_KEY)
        .bind(k.kid.clone())
        .bind(k.realm_id.clone())
        .bind(k.alg.as_str())
        .bind(k.state.as_str())
        .bind(k.sealed_private_key.clone())
        .bind(json(&k.public_jwk))
        .bind(k.created_at)
        .bind(k.retired_at)
        .bind(k.not_after)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    Ok(())
}

#[async_trait]
impl KeyStore for SqlStore {
    async fn signing_keys(&self, realm_id: &str) -> Result<Vec<StoredSigningKey>, StoreError> {
        let rows =
            sqlx::query(sql::SELECT_KEYS).bind(realm_id.to_owned()).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(signing_key_from_row).collect()
    }

    async fn rotate_signing_keys(
        &self,
        realm_id: &str,
        promote: &str,
        new_next: &StoredSigningKey,
        now: i64,
        retired_not_after: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let claimed = sqlx::query(sql::PROMOTE_KEY)
            .bind(realm_id.to_owned())
            .bind(promote.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if claimed != 1 {
            // Another process promoted it first; rolling back discards nothing of ours.
            return Ok(false);
        }
        sqlx::query(sql::RETIRE_ACTIVE_KEYS)
            .bind(realm_id.to_owned())
            .bind(promote.to_owned())
            .bind(now)
            .bind(retired_not_after)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        insert_key(&mut tx, new_next).await?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn remove_retired_keys(&self, realm_id: &str, kids: &[String]) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let mut removed = 0;
        for kid in kids {
            removed += sqlx::query(sql::DELETE_RETIRED_KEY)
                .bind(realm_id.to_owned())
                .bind(kid.clone())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
        }
        if removed > 0 {
            bump_revision(&mut tx).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(removed)
    }
}
