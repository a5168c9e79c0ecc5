//! The SSO-session port, with the consent each user gave each client.

use async_trait::async_trait;
use tessera_core::model::SsoSession;
use tessera_core::ports::{SessionStore, StoreError};
use tessera_core::proto::ScopeSet;

use crate::error::map_err;
use crate::rows::{get_scopes, session_from_row};
use crate::{SqlStore, sql};

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_session(&self, s: &SsoSession) -> Result<(), StoreError> {
        sqlx::query(sql::INSERT_SESSION)
            .bind(s.id.clone())
            .bind(s.cookie_hash.clone())
            .bind(s.realm_id.clone())
            .bind(s.user_id.clone())
            .bind(s.auth_time)
            .bind(s.last_seen_at)
            .bind(s.ended_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn find_session_by_cookie(
        &self,
        realm_id: &str,
        cookie_hash: &str,
    ) -> Result<Option<SsoSession>, StoreError> {
        let row = sqlx::query(sql::SELECT_SESSION_BY_COOKIE)
            .bind(realm_id.to_owned())
            .bind(cookie_hash.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn find_session(&self, realm_id: &str, id: &str) -> Result<Option<SsoSession>, StoreError> {
        let row = sqlx::query(sql::SELECT_SESSION)
            .bind(realm_id.to_owned())
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn session_clients(&self, session_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(sql::SESSION_CLIENTS)
            .bind(session_id.to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| sqlx::Row::try_get::<String, _>(r, 0).map_err(map_err)).collect()
    }

    async fn user_sessions(&self, realm_id: &str, user_id: &str, limit: i64) -> Result<Vec<SsoSession>, StoreError> {
        let rows = sqlx::query(sql::SELECT_USER_SESSIONS)
            .bind(realm_id.to_owned())
            .bind(user_id.to_owned())
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(session_from_row).collect()
    }

    async fn touch_session(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(sql::TOUCH_SESSION).bind(id.to_owned()).bind(now).execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn end_session(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query(sql::END_SESSION).bind(id.to_owned()).bind(now).execute(&self.pool).await.map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn find_consent(
        &self,
        realm_id: &str,
        user_id: &str,
        client_id: &str,
    ) -> Result<Option<ScopeSet>, StoreError> {
        let row = sqlx::query(sql::SELECT_CONSENT)
            .bind(realm_id.to_owned())
            .bind(user_id.to_owned())
            .bind(client_id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|row| get_scopes(row, "scopes")).transpose()
    }

    async fn grant_consent(
        &self,
        realm_id: &str,
        user_id: &str,
        client_id: &str,
        scopes: &ScopeSet,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(sql::UPSERT_CONSENT)
            .bind(realm_id.to_owned())
            .bind(user_id.to_owned())
            .bind(client_id.to_owned())
            .bind(scopes.to_string())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
