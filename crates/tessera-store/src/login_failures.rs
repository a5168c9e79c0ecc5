//! The lockout counters: one atomic upsert per failure.

use async_trait::async_trait;
use tessera_core::model::LoginFailures;
use tessera_core::ports::{LoginFailureStore, StoreError};

use crate::error::map_err;
use crate::rows::login_failures_from_row;
use crate::{SqlStore, sql};

#[async_trait]
impl LoginFailureStore for SqlStore {
    async fn record_login_failure(
        &self,
        realm_id: &str,
        key: &str,
        now: i64,
        window: i64,
    ) -> Result<LoginFailures, StoreError> {
        let row = sqlx::query(sql::RECORD_LOGIN_FAILURE)
            .bind(realm_id.to_owned())
            .bind(key.to_owned())
            .bind(now)
            .bind(now - window)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        login_failures_from_row(&row)
    }

    async fn login_failures(&self, realm_id: &str, key: &str) -> Result<Option<LoginFailures>, StoreError> {
        let row = sqlx::query(sql::SELECT_LOGIN_FAILURES)
            .bind(realm_id.to_owned())
            .bind(key.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(login_failures_from_row).transpose()
    }

    async fn clear_login_failures(&self, realm_id: &str, key: &str) -> Result<(), StoreError> {
        sqlx::query(sql::CLEAR_LOGIN_FAILURES)
            .bind(realm_id.to_owned())
            .bind(key.to_owned())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
