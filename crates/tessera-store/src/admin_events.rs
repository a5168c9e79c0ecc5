//! The admin-event port: one row per administrator's write.

use async_trait::async_trait;
use sqlx::Row;
use tessera_core::admin::events::{AdminEvent, AdminEventQuery};
use tessera_core::ports::{AdminEventStore, StoreError};

use crate::error::map_err;
use crate::{SqlStore, sql};

#[async_trait]
impl AdminEventStore for SqlStore {
    async fn append_admin_event(&self, e: &AdminEvent) -> Result<(), StoreError> {
        sqlx::query(sql::INSERT_ADMIN_EVENT)
            .bind(e.at)
            .bind(e.realm.clone())
            .bind(e.operation.clone())
            .bind(e.resource_type.clone())
            .bind(e.resource_path.clone())
            .bind(e.representation.clone())
            .bind(e.auth_realm.clone())
            .bind(e.auth_user_id.clone())
            .bind(e.ip_address.clone())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn admin_events(&self, q: &AdminEventQuery) -> Result<Vec<AdminEvent>, StoreError> {
        let rows = sqlx::query(sql::SELECT_ADMIN_EVENTS)
            .bind(q.realm.clone())
            .bind(q.operation.clone())
            .bind(q.resource_type.clone())
            .bind(q.resource_path.clone())
            .bind(q.since)
            .bind(q.until)
            .bind(q.limit.clamp(0, 10_000))
            .bind(q.offset.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|row| {
                Ok(AdminEvent {
                    at: row.try_get("at").map_err(map_err)?,
                    realm: row.try_get("realm").map_err(map_err)?,
                    operation: row.try_get("operation").map_err(map_err)?,
                    resource_type: row.try_get("resource_type").map_err(map_err)?,
                    resource_path: row.try_get("resource_path").map_err(map_err)?,
                    representation: row.try_get("representation").map_err(map_err)?,
                    auth_realm: row.try_get("auth_realm").map_err(map_err)?,
                    auth_user_id: row.try_get("auth_user_id").map_err(map_err)?,
                    ip_address: row.try_get("ip_address").map_err(map_err)?,
                })
            })
            .collect()
    }
}
