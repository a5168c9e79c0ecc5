//! The pushed-authorization-request port (RFC 9126): taking a request is one `DELETE … RETURNING`, so a
//! `request_uri` is used once (§4).

use async_trait::async_trait;
use sqlx::Row;
use tessera_core::model::PushedAuthorizationRequest;
use tessera_core::ports::{PushedRequestStore, StoreError};

use crate::error::map_err;
use crate::{SqlStore, sql};

#[async_trait]
impl PushedRequestStore for SqlStore {
    async fn insert_pushed_request(&self, r: &PushedAuthorizationRequest) -> Result<(), StoreError> {
        sqlx::query(sql::INSERT_PUSHED_REQUEST)
            .bind(r.request_uri_hash.clone())
            .bind(r.realm_id.clone())
            .bind(r.client_id.clone())
            .bind(r.parameters.clone())
            .bind(r.created_at)
            .bind(r.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn take_pushed_request(
        &self,
        realm_id: &str,
        request_uri_hash: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Option<PushedAuthorizationRequest>, StoreError> {
        let row = sqlx::query(sql::TAKE_PUSHED_REQUEST)
            .bind(realm_id.to_owned())
            .bind(request_uri_hash.to_owned())
            .bind(client_id.to_owned())
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let get_str = |c: &str| row.try_get::<String, _>(c).map_err(map_err);
        let get_i64 = |c: &str| row.try_get::<i64, _>(c).map_err(map_err);
        Ok(Some(PushedAuthorizationRequest {
            request_uri_hash: get_str("request_uri_hash")?,
            realm_id: get_str("realm_id")?,
            client_id: get_str("client_id")?,
            parameters: get_str("parameters")?,
            created_at: get_i64("created_at")?,
            expires_at: get_i64("expires_at")?,
        }))
    }
}
