//! The dynamic-client-registration port (RFC 7591, RFC 7592). A registration takes one use of its initial
//! access token with a single `UPDATE … WHERE remaining > 0`, in the transaction that inserts the client: of
//! concurrent registrations exactly `count` succeed, and a failed insert gives the use back.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;
use tessera_core::model::{Client, InitialAccessToken};
use tessera_core::ports::{ClientRegistrationStore, StoreError};
use tessera_core::provisioning::service_account_user;

use crate::SqlStore;
use crate::clients::{insert_client, update_client_in};
use crate::error::{conflict, map_err};
use crate::operations::bump_revision;
use crate::users::insert_user;

const INSERT_INITIAL_ACCESS: &str = "INSERT INTO client_initial_access (id, realm_id, token_hash, created_at, expiration, count, remaining) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const SELECT_INITIAL_ACCESS: &str = "SELECT id, realm_id, token_hash, created_at, expiration, count, remaining FROM client_initial_access WHERE realm_id = $1 ORDER BY created_at, id";
const DELETE_INITIAL_ACCESS: &str = "DELETE FROM client_initial_access WHERE realm_id = $1 AND id = $2";
/// One statement: of concurrent takers, exactly `remaining` succeed; an expired token gives nothing.
const TAKE_INITIAL_ACCESS: &str = "UPDATE client_initial_access SET remaining = remaining - 1 WHERE realm_id = $1 AND token_hash = $2 AND remaining > 0 AND (expiration = 0 OR created_at + expiration > $3)";
const INSERT_REGISTRATION_TOKEN: &str =
    "INSERT INTO client_registration_tokens (client_pk, token_hash, registered_at) VALUES ($1, $2, $3)";
const SELECT_REGISTRATION_TOKEN: &str = "SELECT t.token_hash FROM client_registration_tokens t JOIN clients c ON c.id = t.client_pk WHERE c.realm_id = $1 AND c.client_id = $2";
const ROTATE_REGISTRATION_TOKEN: &str =
    "UPDATE client_registration_tokens SET token_hash = $3 WHERE client_pk = $1 AND token_hash = $2";

fn initial_access_from_row(row: &AnyRow) -> Result<InitialAccessToken, StoreError> {
    let text = |c: &str| row.try_get::<String, _>(c).map_err(map_err);
    let number = |c: &str| row.try_get::<i64, _>(c).map_err(map_err);
    Ok(InitialAccessToken {
        id: text("id")?,
        realm_id: text("realm_id")?,
        token_hash: text("token_hash")?,
        created_at: number("created_at")?,
        expiration: number("expiration")?,
        count: number("count")?,
        remaining: number("remaining")?,
    })
}

#[async_trait]
impl ClientRegistrationStore for SqlStore {
    async fn insert_initial_access(&self, t: &InitialAccessToken) -> Result<(), StoreError> {
        sqlx::query(INSERT_INITIAL_ACCESS)
            .bind(t.id.clone())
            .bind(t.realm_id.clone())
            .bind(t.token_hash.clone())
            .bind(t.created_at)
            .bind(t.expiration)
            .bind(t.count)
            .bind(t.remaining)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn list_initial_access(&self, realm_id: &str) -> Result<Vec<InitialAccessToken>, StoreError> {
        let rows = sqlx::query(SELECT_INITIAL_ACCESS)
            .bind(realm_id.to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(initial_access_from_row).collect()
    }

    async fn delete_initial_access(&self, realm_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(DELETE_INITIAL_ACCESS)
            .bind(realm_id.to_owned())
            .bind(id.to_owned())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn register_client(
        &self,
        initial_access_hash: &str,
        now: i64,
        client: &Client,
        registration_token_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let taken = sqlx::query(TAKE_INITIAL_ACCESS)
            .bind(client.realm_id.clone())
            .bind(initial_access_hash.to_owned())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if taken == 0 {
            return Ok(false);
        }
        insert_client(&mut tx, client).await.map_err(conflict(format!("client {:?} exists", client.client_id)))?;
        if let Some(user) = service_account_user(client) {
            insert_user(&mut tx, &user).await?;
        }
        sqlx::query(INSERT_REGISTRATION_TOKEN)
            .bind(client.id.clone())
            .bind(registration_token_hash.to_owned())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn registration_token_hash(&self, realm_id: &str, client_id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(SELECT_REGISTRATION_TOKEN)
            .bind(realm_id.to_owned())
            .bind(client_id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.map(|r| r.try_get::<String, _>(0).map_err(map_err)).transpose()
    }

    async fn update_registered_client(
        &self,
        client: &Client,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let rotated = sqlx::query(ROTATE_REGISTRATION_TOKEN)
            .bind(client.id.clone())
            .bind(old_hash.to_owned())
            .bind(new_hash.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if rotated == 0 || !update_client_in(&mut tx, client).await? {
            return Ok(false);
        }
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }
}
