//! The user port.

use async_trait::async_trait;
use sqlx::{Any, Transaction};
use tessera_core::model::User;
use tessera_core::ports::{StoreError, UserStore};

use crate::error::{conflict, map_err};
use crate::rows::{flag, user_from_row};
use crate::{SqlStore, sql};

pub async fn insert_user(tx: &mut Transaction<'static, Any>, u: &User) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_USER)
        .bind(u.realm_id.clone())
        .bind(u.id.clone())
        .bind(u.username.clone())
        .bind(flag(u.enabled))
        .bind(u.email.clone())
        .bind(flag(u.email_verified))
        .bind(u.first_name.clone())
        .bind(u.last_name.clone())
        .bind(u.password_hash.clone())
        .bind(u.service_account_client_id.clone())
        .bind(u.created_at)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    Ok(())
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        insert_user(&mut tx, user).await.map_err(conflict(format!("user {:?} exists", user.username)))?;
        tx.commit().await.map_err(map_err)
    }

    async fn find_user(&self, realm_id: &str, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(sql::SELECT_USER)
            .bind(realm_id.to_owned())
            .bind(username.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn find_user_by_id(&self, realm_id: &str, id: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(sql::SELECT_USER_BY_ID)
            .bind(realm_id.to_owned())
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_users(&self, realm_id: &str) -> Result<Vec<User>, StoreError> {
        let rows =
            sqlx::query(sql::SELECT_USERS).bind(realm_id.to_owned()).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_user_password(&self, realm_id: &str, username: &str, password_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(sql::SET_USER_PASSWORD)
            .bind(realm_id.to_owned())
            .bind(username.to_owned())
            .bind(password_hash.to_owned())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_user_enabled(&self, realm_id: &str, username: &str, enabled: bool) -> Result<bool, StoreError> {
        let done = sqlx::query(sql::SET_USER_ENABLED)
            .bind(realm_id.to_owned())
            .bind(username.to_owned())
            .bind(flag(enabled))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }
}
