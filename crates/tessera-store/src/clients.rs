//! The client and client-scope ports. A client with service accounts brings its service-account user.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::{Any, Row, Transaction};
use tessera_core::model::{Client, ClientScope, ClientSecret, RevocationEventKind};
use tessera_core::ports::{ClientStore, ScopeStore, StoreError};
use tessera_core::provisioning::service_account_user;

use crate::error::{conflict, map_err};
use crate::operations::bump_revision;
use crate::roles::{mappings_by_user, user_mappings};
use crate::rows::{client_from_row, flag, joined_secret_from_row, json, scope_from_row, secret_from_row};
use crate::users::insert_user;
use crate::{SqlStore, revocation_events, sql};

pub async fn insert_scope(
    tx: &mut Transaction<'static, Any>,
    realm_id: &str,
    s: &ClientScope,
) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_SCOPE)
        .bind(realm_id.to_owned())
        .bind(s.name.clone())
        .bind(s.description.clone())
        .bind(flag(s.include_in_token_scope))
        .bind(json(&s.attributes))
        .bind(json(&s.protocol_mappers))
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    Ok(())
}

/// Binds the client's settings, `name` to `service_account_user_id`, in the order both `INSERT_CLIENT` and
/// `UPDATE_CLIENT` list them.
fn bind_settings<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    c: &Client,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    query
        .bind(c.name.clone())
        .bind(flag(c.enabled))
        .bind(flag(c.public_client))
        .bind(flag(c.service_accounts_enabled))
        .bind(flag(c.standard_flow_enabled))
        .bind(flag(c.direct_access_grants_enabled))
        .bind(flag(c.consent_required))
        .bind(json(&c.redirect_uris))
        .bind(json(&c.web_origins))
        .bind(json(&c.default_scopes))
        .bind(json(&c.optional_scopes))
        .bind(json(&c.audiences))
        .bind(json(&c.attributes))
        .bind(c.service_account_user_id.clone())
}

pub async fn insert_client(tx: &mut Transaction<'static, Any>, c: &Client) -> Result<(), StoreError> {
    let query = sqlx::query(sql::INSERT_CLIENT).bind(c.id.clone()).bind(c.realm_id.clone()).bind(c.client_id.clone());
    bind_settings(query, c)
        .bind(c.not_before)
        .bind(c.created_at)
        .bind(json(&c.protocol_mappers))
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    for s in &c.secrets {
        sqlx::query(sql::INSERT_SECRET)
            .bind(s.id.clone())
            .bind(c.id.clone())
            .bind(s.hash.0.clone())
            .bind(s.created_at)
            .bind(s.expires_at)
            .bind(s.sealed.clone())
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

#[async_trait]
impl ScopeStore for SqlStore {
    async fn create_scope(&self, realm_id: &str, scope: &ClientScope) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        insert_scope(&mut tx, realm_id, scope).await.map_err(conflict(format!("scope {:?} exists", scope.name)))?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn list_scopes(&self, realm_id: &str) -> Result<Vec<ClientScope>, StoreError> {
        let rows =
            sqlx::query(sql::SELECT_SCOPES).bind(realm_id.to_owned()).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(scope_from_row).collect()
    }

    async fn update_scope(&self, realm_id: &str, s: &ClientScope) -> Result<bool, StoreError> {
        self.write_one(
            sqlx::query(sql::UPDATE_SCOPE)
                .bind(realm_id.to_owned())
                .bind(s.name.clone())
                .bind(s.description.clone())
                .bind(flag(s.include_in_token_scope))
                .bind(json(&s.attributes))
                .bind(json(&s.protocol_mappers)),
        )
        .await
    }

    async fn delete_scope(&self, realm_id: &str, name: &str) -> Result<bool, StoreError> {
        self.write_one(sqlx::query(sql::DELETE_SCOPE).bind(realm_id.to_owned()).bind(name.to_owned())).await
    }
}

impl SqlStore {
    /// One client by `statement`'s key (`$2`), with its secrets and its service account's mappings.
    async fn client_with_secrets(
        &self,
        statement: &'static str,
        realm_id: &str,
        key: &str,
    ) -> Result<Option<Client>, StoreError> {
        let rows = sqlx::query(statement)
            .bind(realm_id.to_owned())
            .bind(key.to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(first) = rows.first() else { return Ok(None) };
        let mut client = client_from_row(first)?;
        client.secrets =
            rows.iter().map(joined_secret_from_row).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
        // The service account's roles travel with the client: client credentials read nothing else.
        if let Some(user) = &client.service_account_user_id {
            client.service_account_roles = user_mappings(&self.pool, realm_id, user).await?;
        }
        Ok(Some(client))
    }
}

/// Writes the client's settings inside `tx`, creating its service-account user when service accounts were
/// just enabled. False when there is no such client.
pub async fn update_client_in(tx: &mut Transaction<'static, Any>, c: &Client) -> Result<bool, StoreError> {
    let changed = bind_settings(sqlx::query(sql::UPDATE_CLIENT).bind(c.realm_id.clone()).bind(c.id.clone()), c)
        .bind(json(&c.protocol_mappers))
        .execute(&mut **tx)
        .await
        .map_err(map_err)?
        .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    // Service accounts just enabled: the account comes with the same write.
    if let Some(user) = service_account_user(c) {
        let exists = sqlx::query(sql::USER_EXISTS)
            .bind(c.realm_id.clone())
            .bind(user.id.clone())
            .fetch_optional(&mut **tx)
            .await
            .map_err(map_err)?;
        if exists.is_none() {
            insert_user(tx, &user).await?;
        }
    }
    Ok(true)
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn create_client(&self, client: &Client) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        insert_client(&mut tx, client).await.map_err(conflict(format!("client {:?} exists", client.client_id)))?;
        if let Some(user) = service_account_user(client) {
            insert_user(&mut tx, &user).await?;
        }
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn update_client(&self, c: &Client) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        if !update_client_in(&mut tx, c).await? {
            return Ok(false);
        }
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn find_client(&self, realm_id: &str, client_id: &str) -> Result<Option<Client>, StoreError> {
        if let Some(reader) = &self.sync_reader {
            return reader.find_client(realm_id, client_id);
        }
        self.client_with_secrets(sql::SELECT_CLIENT_WITH_SECRETS, realm_id, client_id).await
    }

    async fn find_client_by_pk(&self, realm_id: &str, id: &str) -> Result<Option<Client>, StoreError> {
        self.client_with_secrets(sql::SELECT_CLIENT_BY_PK_WITH_SECRETS, realm_id, id).await
    }

    async fn list_clients(&self, realm_id: &str) -> Result<Vec<Client>, StoreError> {
        let rows =
            sqlx::query(sql::SELECT_CLIENTS).bind(realm_id.to_owned()).fetch_all(&self.pool).await.map_err(map_err)?;
        let mut clients = rows.iter().map(client_from_row).collect::<Result<Vec<_>, _>>()?;
        let secret_rows = sqlx::query(sql::SELECT_REALM_SECRETS)
            .bind(realm_id.to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        let mut by_client: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for row in &secret_rows {
            let (client_pk, secret) = secret_from_row(row)?;
            by_client.entry(client_pk).or_default().push(secret);
        }
        let mut mappings = mappings_by_user(&self.pool, sql::SELECT_SERVICE_ACCOUNT_MAPPINGS, realm_id).await?;
        for c in &mut clients {
            c.secrets = by_client.remove(&c.id).unwrap_or_default();
            if let Some(user) = &c.service_account_user_id {
                c.service_account_roles = mappings.remove(user).unwrap_or_default();
            }
        }
        Ok(clients)
    }

    async fn set_client_not_before(&self, realm_id: &str, client_id: &str, at: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(sql::SET_CLIENT_NOT_BEFORE)
            .bind(realm_id.to_owned())
            .bind(client_id.to_owned())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        sqlx::query(sql::REVOKE_CLIENT_REFRESH)
            .bind(realm_id.to_owned())
            .bind(client_id.to_owned())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        revocation_events::append(&mut tx, realm_id, RevocationEventKind::Client, client_id, at, None).await?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn rotate_client_secret(
        &self,
        realm_id: &str,
        client_id: &str,
        new: &ClientSecret,
        old_expire_at: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let Some(row) = sqlx::query(sql::SELECT_CLIENT_PK)
            .bind(realm_id.to_owned())
            .bind(client_id.to_owned())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
        else {
            return Ok(false);
        };
        let pk: String = row.try_get(0).map_err(map_err)?;
        sqlx::query(sql::EXPIRE_OLD_SECRETS)
            .bind(pk.clone())
            .bind(old_expire_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(sql::INSERT_SECRET)
            .bind(new.id.clone())
            .bind(pk)
            .bind(new.hash.0.clone())
            .bind(new.created_at)
            .bind(new.expires_at)
            .bind(new.sealed.clone())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn delete_client(&self, realm_id: &str, client_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(sql::SELECT_CLIENT_PK)
            .bind(realm_id.to_owned())
            .bind(client_id.to_owned())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(false);
        };
        let pk: String = row.try_get(0).map_err(map_err)?;
        let sa_user: Option<String> = row.try_get(1).map_err(map_err)?;
        sqlx::query(sql::DELETE_SECRETS).bind(pk.clone()).execute(&mut *tx).await.map_err(map_err)?;
        sqlx::query(sql::DELETE_CLIENT).bind(pk).execute(&mut *tx).await.map_err(map_err)?;
        sqlx::query(sql::DELETE_CLIENT_ROLES)
            .bind(realm_id.to_owned())
            .bind(client_id.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if let Some(user) = sa_user {
            sqlx::query(sql::DELETE_USER)
                .bind(realm_id.to_owned())
                .bind(user)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }
}
