//! The revision counter servers poll for changes, job claims across nodes, and the readiness probe.

use async_trait::async_trait;
use sqlx::{Any, Row, Transaction};
use tessera_core::ports::{Operations, RevisionStore, StoreError};

use crate::error::map_err;
use crate::{SqlStore, sql};

/// Every write to realms, clients, scopes or keys calls this inside its transaction.
pub async fn bump_revision(tx: &mut Transaction<'static, Any>) -> Result<(), StoreError> {
    sqlx::query(sql::BUMP_REVISION).execute(&mut **tx).await.map_err(map_err)?;
    Ok(())
}

#[async_trait]
impl RevisionStore for SqlStore {
    async fn revision(&self) -> Result<i64, StoreError> {
        let row = sqlx::query(sql::SELECT_REVISION).fetch_one(&self.pool).await.map_err(map_err)?;
        row.try_get::<i64, _>(0).map_err(map_err)
    }
}

#[async_trait]
impl Operations for SqlStore {
    async fn claim_job(&self, name: &str, node: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        sqlx::query(sql::ENSURE_JOB).bind(name.to_owned()).execute(&self.pool).await.map_err(map_err)?;
        // The conditional update is the claim: of nodes racing for one expired claim, one row update wins.
        let won = sqlx::query(sql::CLAIM_JOB)
            .bind(name.to_owned())
            .bind(now)
            .bind(until)
            .bind(node.to_owned())
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(won == 1)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query(sql::PING).execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }
}
