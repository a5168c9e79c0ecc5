//! The user port.

use async_trait::async_trait;
use sqlx::{Any, Transaction};
use tessera_core::model::{UPDATE_PASSWORD, User, UserSearch, search_key};
use tessera_core::ports::{StoreError, UserStore};

use crate::error::{conflict, map_err};
use crate::roles::{insert_user_mappings, mappings_by_user, user_mappings};
use crate::rows::{flag, json, user_from_row};
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
        .bind(u.required_actions.join(" "))
        .bind(json(&u.attributes))
        .bind(search_key(&u.username))
        .bind(u.email.as_deref().map(search_key))
        .bind(u.first_name.as_deref().map(search_key))
        .bind(u.last_name.as_deref().map(search_key))
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    insert_user_mappings(tx, &u.realm_id, &u.id, &u.roles).await
}

impl SqlStore {
    async fn with_mappings(&self, user: Option<User>) -> Result<Option<User>, StoreError> {
        let Some(mut user) = user else {
            return Ok(None);
        };
        user.roles = user_mappings(&self.pool, &user.realm_id, &user.id).await?;
        Ok(Some(user))
    }
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
        self.with_mappings(row.as_ref().map(user_from_row).transpose()?).await
    }

    async fn find_user_by_id(&self, realm_id: &str, id: &str) -> Result<Option<User>, StoreError> {
        if let Some(reader) = &self.sync_reader {
            return reader.find_user_by_id(realm_id, id);
        }
        let row = sqlx::query(sql::SELECT_USER_BY_ID)
            .bind(realm_id.to_owned())
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        self.with_mappings(row.as_ref().map(user_from_row).transpose()?).await
    }

    async fn list_users(&self, realm_id: &str) -> Result<Vec<User>, StoreError> {
        let rows =
            sqlx::query(sql::SELECT_USERS).bind(realm_id.to_owned()).fetch_all(&self.pool).await.map_err(map_err)?;
        let mut mappings = mappings_by_user(&self.pool, sql::SELECT_REALM_USER_MAPPINGS, realm_id).await?;
        rows.iter()
            .map(|row| {
                let mut user = user_from_row(row)?;
                user.roles = mappings.remove(&user.id).unwrap_or_default();
                Ok(user)
            })
            .collect()
    }

    async fn set_user_password(
        &self,
        realm_id: &str,
        username: &str,
        password_hash: &str,
        temporary: bool,
    ) -> Result<bool, StoreError> {
        let Some(user) = self.find_user(realm_id, username).await? else {
            return Ok(false);
        };
        let done = sqlx::query(sql::SET_USER_PASSWORD)
            .bind(realm_id.to_owned())
            .bind(username.to_owned())
            .bind(password_hash.to_owned())
            .bind(actions_after_password_set(&user, temporary))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn complete_password_update(
        &self,
        realm_id: &str,
        user_id: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let Some(user) = self.find_user_by_id(realm_id, user_id).await? else {
            return Ok(false);
        };
        let done = sqlx::query(sql::COMPLETE_PASSWORD_UPDATE)
            .bind(realm_id.to_owned())
            .bind(user_id.to_owned())
            .bind(password_hash.to_owned())
            .bind(actions_after_password_set(&user, false))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn update_user_profile(&self, u: &User) -> Result<bool, StoreError> {
        let done = sqlx::query(sql::UPDATE_USER_PROFILE)
            .bind(u.realm_id.clone())
            .bind(u.id.clone())
            .bind(flag(u.enabled))
            .bind(u.email.clone())
            .bind(flag(u.email_verified))
            .bind(u.first_name.clone())
            .bind(u.last_name.clone())
            .bind(json(&u.attributes))
            .bind(u.required_actions.join(" "))
            .bind(u.email.as_deref().map(search_key))
            .bind(u.first_name.as_deref().map(search_key))
            .bind(u.last_name.as_deref().map(search_key))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn search_users(&self, realm_id: &str, q: &UserSearch) -> Result<Vec<User>, StoreError> {
        crate::user_search::page(&self.pool, self.dialect, realm_id, q).await
    }

    async fn count_users(&self, realm_id: &str, q: &UserSearch) -> Result<u64, StoreError> {
        crate::user_search::count(&self.pool, self.dialect, realm_id, q).await
    }

    async fn delete_user(&self, realm_id: &str, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(sql::DELETE_USER)
            .bind(realm_id.to_owned())
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        // A service account's mappings are cached with its client.
        crate::operations::bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
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

/// The user's required actions once a password is set: `UPDATE_PASSWORD` added for a temporary one,
/// removed otherwise; the others kept.
fn actions_after_password_set(user: &User, temporary: bool) -> String {
    let mut actions: Vec<&str> =
        user.required_actions.iter().map(String::as_str).filter(|a| *a != UPDATE_PASSWORD).collect();
    if temporary {
        actions.push(UPDATE_PASSWORD);
    }
    actions.join(" ")
}
