//! The role port: roles with their composites, nested groups with their role mappings, and the mappings of
//! users. Written through `INSERT … SELECT` guarded by the realm, so a mapping never crosses realms.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use sqlx::{Any, Row, Transaction};
use tessera_core::model::{Group, Role, RoleMappings};
use tessera_core::ports::{RoleHolder, RoleStore, StoreError};

use crate::error::{conflict, map_err};
use crate::operations::bump_revision;
use crate::rows::json;
use crate::{SqlStore, sql};

pub async fn insert_role(tx: &mut Transaction<'static, Any>, r: &Role) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_ROLE)
        .bind(r.id.clone())
        .bind(r.realm_id.clone())
        .bind(r.client_id.clone().unwrap_or_default())
        .bind(r.name.clone())
        .bind(r.description.clone())
        .execute(&mut **tx)
        .await
        .map_err(map_err)
        .map_err(conflict(format!("role {:?} exists", r.name)))?;
    Ok(())
}

/// Composites reference roles by id, so every role of a bundle is inserted before any composite.
pub async fn insert_composites(tx: &mut Transaction<'static, Any>, r: &Role) -> Result<(), StoreError> {
    for child in &r.composites {
        sqlx::query(sql::INSERT_ROLE_COMPOSITE)
            .bind(r.id.clone())
            .bind(child.clone())
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

pub async fn insert_group(tx: &mut Transaction<'static, Any>, g: &Group) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_GROUP)
        .bind(g.id.clone())
        .bind(g.realm_id.clone())
        .bind(g.parent_id.clone().unwrap_or_default())
        .bind(g.name.clone())
        .bind(json(&g.attributes))
        .execute(&mut **tx)
        .await
        .map_err(map_err)
        .map_err(conflict(format!("group {:?} exists", g.name)))?;
    for role in &g.role_ids {
        execute(tx, sql::INSERT_GROUP_ROLE, &g.realm_id, &g.id, role).await?;
    }
    Ok(())
}

/// A user's direct role mappings and memberships (the user row must exist).
pub async fn insert_user_mappings(
    tx: &mut Transaction<'static, Any>,
    realm_id: &str,
    user_id: &str,
    m: &RoleMappings,
) -> Result<(), StoreError> {
    for role in &m.role_ids {
        execute(tx, sql::INSERT_USER_ROLE, realm_id, user_id, role).await?;
    }
    for group in &m.group_ids {
        execute(tx, sql::INSERT_USER_GROUP, realm_id, user_id, group).await?;
    }
    Ok(())
}

async fn execute(
    tx: &mut Transaction<'static, Any>,
    statement: &'static str,
    a: &str,
    b: &str,
    c: &str,
) -> Result<u64, StoreError> {
    let done = sqlx::query(statement)
        .bind(a.to_owned())
        .bind(b.to_owned())
        .bind(c.to_owned())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    Ok(done.rows_affected())
}

/// A user's direct mappings, in one round trip.
pub async fn user_mappings<'e, E>(executor: E, realm_id: &str, user_id: &str) -> Result<RoleMappings, StoreError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(sql::SELECT_USER_MAPPINGS)
        .bind(realm_id.to_owned())
        .bind(user_id.to_owned())
        .fetch_all(executor)
        .await
        .map_err(map_err)?;
    let mut m = RoleMappings::default();
    for row in rows {
        let kind: String = row.try_get("kind").map_err(map_err)?;
        let id: String = row.try_get("id").map_err(map_err)?;
        if kind == "r" { m.role_ids.push(id) } else { m.group_ids.push(id) }
    }
    Ok(m)
}

/// The direct mappings of many users at once, by user id: `statement` takes the realm as `$1` and returns
/// `user_id`, `kind` and `id` rows (`SELECT_REALM_USER_MAPPINGS`, `SELECT_SERVICE_ACCOUNT_MAPPINGS`).
pub async fn mappings_by_user<'e, E>(
    executor: E,
    statement: &'static str,
    realm_id: &str,
) -> Result<HashMap<String, RoleMappings>, StoreError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(statement).bind(realm_id.to_owned()).fetch_all(executor).await.map_err(map_err)?;
    let mut by_user: HashMap<String, RoleMappings> = HashMap::new();
    for row in rows {
        let user: String = row.try_get("user_id").map_err(map_err)?;
        let kind: String = row.try_get("kind").map_err(map_err)?;
        let id: String = row.try_get("id").map_err(map_err)?;
        let m = by_user.entry(user).or_default();
        if kind == "r" { m.role_ids.push(id) } else { m.group_ids.push(id) }
    }
    Ok(by_user)
}

impl SqlStore {
    /// Runs one mapping statement and moves the revision when it changed something.
    async fn change(&self, statement: &'static str, a: &str, b: &str, c: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = execute(&mut tx, statement, a, b, c).await? > 0;
        if changed {
            bump_revision(&mut tx).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(changed)
    }
}

#[async_trait]
impl RoleStore for SqlStore {
    async fn create_role(&self, role: &Role) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        insert_role(&mut tx, role).await?;
        insert_composites(&mut tx, role).await?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn list_roles(&self, realm_id: &str) -> Result<Vec<Role>, StoreError> {
        let rows =
            sqlx::query(sql::SELECT_ROLES).bind(realm_id.to_owned()).fetch_all(&self.pool).await.map_err(map_err)?;
        let mut roles: Vec<Role> = Vec::new();
        for row in rows {
            let id: String = row.try_get("id").map_err(map_err)?;
            let child: Option<String> = row.try_get("child_id").map_err(map_err)?;
            if roles.last().is_none_or(|r| r.id != id) {
                let client: String = row.try_get("client_id").map_err(map_err)?;
                roles.push(Role {
                    id,
                    realm_id: row.try_get("realm_id").map_err(map_err)?,
                    name: row.try_get("name").map_err(map_err)?,
                    client_id: Some(client).filter(|c| !c.is_empty()),
                    description: row.try_get("description").map_err(map_err)?,
                    composites: Vec::new(),
                });
            }
            if let (Some(role), Some(child)) = (roles.last_mut(), child) {
                role.composites.push(child);
            }
        }
        Ok(roles)
    }

    async fn delete_role(&self, realm_id: &str, role_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(sql::DELETE_ROLE)
            .bind(realm_id.to_owned())
            .bind(role_id.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn update_role(&self, r: &Role) -> Result<bool, StoreError> {
        let query = sqlx::query(sql::UPDATE_ROLE)
            .bind(r.realm_id.clone())
            .bind(r.id.clone())
            .bind(r.name.clone())
            .bind(r.description.clone());
        self.write_one(query).await.map_err(conflict(format!("role {:?} exists", r.name)))
    }

    async fn update_group(&self, g: &Group) -> Result<bool, StoreError> {
        let query = sqlx::query(sql::UPDATE_GROUP)
            .bind(g.realm_id.clone())
            .bind(g.id.clone())
            .bind(g.name.clone())
            .bind(json(&g.attributes));
        self.write_one(query).await.map_err(conflict(format!("group {:?} exists", g.name)))
    }

    async fn set_role_composites(
        &self,
        realm_id: &str,
        role_id: &str,
        children: &[String],
    ) -> Result<bool, StoreError> {
        let Some(mut role) = self.list_roles(realm_id).await?.into_iter().find(|r| r.id == role_id) else {
            return Ok(false);
        };
        let mut tx = self.begin().await?;
        sqlx::query(sql::DELETE_ROLE_COMPOSITES).bind(role_id.to_owned()).execute(&mut *tx).await.map_err(map_err)?;
        role.composites = children.to_vec();
        insert_composites(&mut tx, &role).await?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn create_group(&self, group: &Group) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        insert_group(&mut tx, group).await?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn list_groups(&self, realm_id: &str) -> Result<Vec<Group>, StoreError> {
        let rows =
            sqlx::query(sql::SELECT_GROUPS).bind(realm_id.to_owned()).fetch_all(&self.pool).await.map_err(map_err)?;
        let mut groups: Vec<Group> = Vec::new();
        for row in rows {
            let id: String = row.try_get("id").map_err(map_err)?;
            let role: Option<String> = row.try_get("role_id").map_err(map_err)?;
            if groups.last().is_none_or(|g| g.id != id) {
                let parent: String = row.try_get("parent_id").map_err(map_err)?;
                let attributes: String = row.try_get("attributes").map_err(map_err)?;
                let attributes: BTreeMap<String, Vec<String>> = serde_json::from_str(&attributes)
                    .map_err(|e| StoreError::Corrupt(format!("group attributes: {e}")))?;
                groups.push(Group {
                    id,
                    realm_id: row.try_get("realm_id").map_err(map_err)?,
                    name: row.try_get("name").map_err(map_err)?,
                    parent_id: Some(parent).filter(|p| !p.is_empty()),
                    attributes,
                    role_ids: Vec::new(),
                });
            }
            if let (Some(group), Some(role)) = (groups.last_mut(), role) {
                group.role_ids.push(role);
            }
        }
        Ok(groups)
    }

    async fn delete_group(&self, realm_id: &str, group_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        // Subgroups first, breadth by breadth (parent_id is not a foreign key: '' marks the top).
        let mut doomed = vec![group_id.to_owned()];
        let mut i = 0;
        while let Some(id) = doomed.get(i).cloned() {
            let rows = sqlx::query(sql::SELECT_SUBGROUPS)
                .bind(realm_id.to_owned())
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
            for row in rows {
                doomed.push(row.try_get(0).map_err(map_err)?);
            }
            i += 1;
        }
        let mut deleted = 0;
        for id in doomed.iter().rev() {
            let done = sqlx::query(sql::DELETE_GROUP)
                .bind(realm_id.to_owned())
                .bind(id.clone())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            deleted += done.rows_affected();
        }
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(deleted > 0)
    }

    async fn map_role(
        &self,
        realm_id: &str,
        holder: RoleHolder<'_>,
        role_id: &str,
        granted: bool,
    ) -> Result<bool, StoreError> {
        let (statement, holder_id) = match (holder, granted) {
            (RoleHolder::User(u), true) => (sql::INSERT_USER_ROLE, u),
            (RoleHolder::User(u), false) => (sql::DELETE_USER_ROLE, u),
            (RoleHolder::Group(g), true) => (sql::INSERT_GROUP_ROLE, g),
            (RoleHolder::Group(g), false) => (sql::DELETE_GROUP_ROLE, g),
        };
        self.change(statement, realm_id, holder_id, role_id).await
    }

    async fn set_group_member(
        &self,
        realm_id: &str,
        user_id: &str,
        group_id: &str,
        member: bool,
    ) -> Result<bool, StoreError> {
        let statement = if member { sql::INSERT_USER_GROUP } else { sql::DELETE_USER_GROUP };
        self.change(statement, realm_id, user_id, group_id).await
    }
}
