//! The realm port: a realm is written whole (keys, scopes, users, clients) in one transaction.

use async_trait::async_trait;
use tessera_core::model::{Realm, RealmBundle, RevocationEventKind};
use tessera_core::ports::{RealmStore, StoreError};

use crate::clients::{insert_client, insert_scope};
use crate::error::{conflict, map_err};
use crate::keys::insert_key;
use crate::operations::bump_revision;
use crate::roles::{insert_composites, insert_group, insert_role};
use crate::rows::{flag, json, realm_from_row};
use crate::users::insert_user;
use crate::{SqlStore, revocation_events, sql};

#[async_trait]
impl RealmStore for SqlStore {
    async fn create_realm(&self, b: &RealmBundle) -> Result<(), StoreError> {
        let r = &b.realm;
        let mut tx = self.begin().await?;
        sqlx::query(sql::INSERT_REALM)
            .bind(r.id.clone())
            .bind(r.name.clone())
            .bind(r.display_name.clone())
            .bind(flag(r.enabled))
            .bind(r.access_token_lifespan as i64)
            .bind(r.signing_alg.as_str())
            .bind(r.not_before)
            .bind(json(&r.attributes))
            .bind(r.created_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)
            .map_err(conflict(format!("realm {:?} exists", r.name)))?;
        for k in &b.keys {
            insert_key(&mut tx, k).await?;
        }
        for s in &b.scopes {
            insert_scope(&mut tx, &r.id, s).await?;
        }
        for role in &b.roles {
            insert_role(&mut tx, role).await?;
        }
        for role in &b.roles {
            insert_composites(&mut tx, role).await?;
        }
        for g in &b.groups {
            insert_group(&mut tx, g).await?;
        }
        for u in &b.users {
            insert_user(&mut tx, u).await?;
        }
        for c in &b.clients {
            insert_client(&mut tx, c).await?;
        }
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn find_realm(&self, name: &str) -> Result<Option<Realm>, StoreError> {
        let row = sqlx::query(sql::SELECT_REALM_BY_NAME)
            .bind(name.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(realm_from_row).transpose()
    }

    async fn list_realms(&self) -> Result<Vec<Realm>, StoreError> {
        let rows = sqlx::query(sql::SELECT_REALMS).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(realm_from_row).collect()
    }

    async fn set_realm_not_before(&self, realm_id: &str, at: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(sql::SET_REALM_NOT_BEFORE)
            .bind(realm_id.to_owned())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        revocation_events::append(&mut tx, realm_id, RevocationEventKind::Realm, "", at, None).await?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn update_realm(&self, r: &Realm) -> Result<bool, StoreError> {
        self.write_one(
            sqlx::query(sql::UPDATE_REALM)
                .bind(r.id.clone())
                .bind(r.display_name.clone())
                .bind(flag(r.enabled))
                .bind(r.access_token_lifespan as i64)
                .bind(json(&r.attributes)),
        )
        .await
    }

    /// Everything in the realm goes with it through `ON DELETE CASCADE`.
    async fn delete_realm(&self, realm_id: &str) -> Result<bool, StoreError> {
        self.write_one(sqlx::query(sql::DELETE_REALM).bind(realm_id.to_owned())).await
    }
}
