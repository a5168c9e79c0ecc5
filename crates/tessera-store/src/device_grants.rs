//! The device-grant port (RFC 8628): an answer and a redemption are each one conditional statement, so a
//! grant is answered once and redeemed once.

use async_trait::async_trait;
use tessera_core::model::{DeviceGrant, DeviceStatus};
use tessera_core::ports::{DeviceGrantStore, StoreError};

use crate::error::map_err;
use crate::rows::device_grant_from_row;
use crate::{SqlStore, sql};

#[async_trait]
impl DeviceGrantStore for SqlStore {
    async fn insert_device_grant(&self, g: &DeviceGrant) -> Result<(), StoreError> {
        let (user_id, auth_time) = match &g.status {
            DeviceStatus::Approved { user_id, auth_time } => (Some(user_id.clone()), Some(*auth_time)),
            DeviceStatus::Pending | DeviceStatus::Denied => (None, None),
        };
        sqlx::query(sql::INSERT_DEVICE_GRANT)
            .bind(g.device_code_hash.clone())
            .bind(g.user_code_hash.clone())
            .bind(g.realm_id.clone())
            .bind(g.client_id.clone())
            .bind(g.scope.to_string())
            .bind(g.created_at)
            .bind(g.expires_at)
            .bind(g.interval)
            .bind(g.last_polled_at)
            .bind(g.status.as_str())
            .bind(user_id)
            .bind(auth_time)
            .bind(g.redeemed_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn find_device_grant(
        &self,
        realm_id: &str,
        device_code_hash: &str,
    ) -> Result<Option<DeviceGrant>, StoreError> {
        self.device_grant_where(sql::SELECT_DEVICE_GRANT, realm_id, device_code_hash).await
    }

    async fn find_device_grant_by_user_code(
        &self,
        realm_id: &str,
        user_code_hash: &str,
    ) -> Result<Option<DeviceGrant>, StoreError> {
        self.device_grant_where(sql::SELECT_DEVICE_GRANT_BY_USER_CODE, realm_id, user_code_hash).await
    }

    async fn decide_device_grant(
        &self,
        realm_id: &str,
        user_code_hash: &str,
        decision: &DeviceStatus,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (user_id, auth_time) = match decision {
            DeviceStatus::Approved { user_id, auth_time } => (Some(user_id.clone()), Some(*auth_time)),
            DeviceStatus::Denied => (None, None),
            // Nothing to decide: a pending answer changes nothing.
            DeviceStatus::Pending => return Ok(false),
        };
        let done = sqlx::query(sql::DECIDE_DEVICE_GRANT)
            .bind(realm_id.to_owned())
            .bind(user_code_hash.to_owned())
            .bind(decision.as_str())
            .bind(user_id)
            .bind(auth_time)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_device_poll(&self, device_code_hash: &str, now: i64, interval: i64) -> Result<(), StoreError> {
        sqlx::query(sql::RECORD_DEVICE_POLL)
            .bind(device_code_hash.to_owned())
            .bind(now)
            .bind(interval)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn redeem_device_grant(
        &self,
        realm_id: &str,
        device_code_hash: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Option<DeviceGrant>, StoreError> {
        let row = sqlx::query(sql::REDEEM_DEVICE_GRANT)
            .bind(realm_id.to_owned())
            .bind(device_code_hash.to_owned())
            .bind(client_id.to_owned())
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(device_grant_from_row).transpose()
    }
}

impl SqlStore {
    async fn device_grant_where(
        &self,
        statement: &'static str,
        realm_id: &str,
        hash: &str,
    ) -> Result<Option<DeviceGrant>, StoreError> {
        let row = sqlx::query(statement)
            .bind(realm_id.to_owned())
            .bind(hash.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(device_grant_from_row).transpose()
    }
}
