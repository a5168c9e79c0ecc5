//! Storage adapters for Tessera's ports (`tessera_core::ports`), on sqlx's `Any` driver: one code path for
//! SQLite (the embedded default) and PostgreSQL, with one migrations folder per dialect. The backend is
//! chosen once, from the URL, when the store is built.

mod rows;
mod sign_in;
mod sql;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, Row, SqlSafeStr, Transaction};
use tessera_core::audit::{AuditEvent, AuditQuery};
use tessera_core::model::{
    Client, ClientScope, ClientSecret, Realm, RealmBundle, RevokedToken, StoredSigningKey, User,
};
use tessera_core::ports::{
    AuditStore, ClientStore, KeyStore, Operations, RealmStore, RevisionStore, RevocationStore, ScopeStore, StoreError,
    UserStore,
};
use tessera_core::provisioning::service_account_user;

use rows::{
    audit_from_row, client_from_row, joined_secret_from_row, json, realm_from_row, revocation_from_row, scope_from_row,
    secret_from_row, signing_key_from_row, user_from_row,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The SQL store. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
}

/// SQLSTATE classes that mean "the database is not there right now": connection exceptions (08), operator
/// intervention such as a restart (57P), insufficient resources (53).
fn is_outage(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("57P") || code.starts_with("53")
}

fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(db.message().to_owned()),
        sqlx::Error::Database(db) if db.code().is_some_and(|c| is_outage(&c)) => StoreError::Unavailable(e.to_string()),
        sqlx::Error::PoolTimedOut
        | sqlx::Error::Io(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

fn migrations(dialect: Dialect) -> Migrator {
    let files: &[(i64, &str, &'static str)] = match dialect {
        Dialect::Sqlite => &[
            (1, "core", include_str!("../migrations/sqlite/0001_core.sql")),
            (2, "sign in", include_str!("../migrations/sqlite/0002_sign_in.sql")),
        ],
        Dialect::Postgres => &[
            (1, "core", include_str!("../migrations/postgres/0001_core.sql")),
            (2, "sign in", include_str!("../migrations/postgres/0002_sign_in.sql")),
        ],
    };
    Migrator::with_migrations(
        files
            .iter()
            .map(|(v, d, sql)| Migration::new(*v, (*d).into(), MigrationType::Simple, sql.into_sql_str(), false))
            .collect(),
    )
}

impl SqlStore {
    /// Connects and applies the embedded migrations. `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_timeout(url, Duration::from_secs(5)).await
    }

    /// As `connect`; no database call waits longer than `timeout` for a connection.
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            return Err(StoreError::Other(format!(
                "unsupported database URL scheme in {:?}",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let options = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 4 } else { 16 })
            .acquire_timeout(timeout)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets the CLI write while a server reads; the timeout waits out a writer.
                        sqlx::raw_sql(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .execute(conn)
                        .await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(url).await.map_err(map_err)?;
        migrations(dialect).run(&pool).await.map_err(|e| StoreError::Other(format!("migrations failed: {e}")))?;
        Ok(Self { pool, dialect })
    }

    /// `sqlite://{dir}/tessera.db`, created when missing.
    pub fn sqlite_url_for_dir(dir: &std::path::Path) -> String {
        format!("sqlite://{}?mode=rwc", dir.join("tessera.db").display())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// On SQLite a write transaction takes the write lock up front: a deferred one that reads first cannot
    /// upgrade once another connection has committed (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not wait out).
    async fn begin(&self) -> Result<Transaction<'static, Any>, StoreError> {
        match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_err),
            Dialect::Postgres => self.pool.begin().await.map_err(map_err),
        }
    }
}

async fn bump_revision(tx: &mut Transaction<'static, Any>) -> Result<(), StoreError> {
    sqlx::query(sql::BUMP_REVISION).execute(&mut **tx).await.map_err(map_err)?;
    Ok(())
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

async fn insert_scope(tx: &mut Transaction<'static, Any>, realm_id: &str, s: &ClientScope) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_SCOPE)
        .bind(realm_id.to_owned())
        .bind(s.name.clone())
        .bind(s.description.clone())
        .bind(flag(s.include_in_token_scope))
        .bind(json(&s.attributes))
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    Ok(())
}

async fn insert_user(tx: &mut Transaction<'static, Any>, u: &User) -> Result<(), StoreError> {
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

async fn insert_client(tx: &mut Transaction<'static, Any>, c: &Client) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_CLIENT)
        .bind(c.id.clone())
        .bind(c.realm_id.clone())
        .bind(c.client_id.clone())
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
        .bind(c.not_before)
        .bind(c.created_at)
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
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

async fn insert_key(tx: &mut Transaction<'static, Any>, k: &StoredSigningKey) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_KEY)
        .bind(k.kid.clone())
        .bind(k.realm_id.clone())
        .bind(k.alg.as_str())
        .bind(k.state.as_str())
        .bind(k.sealed_private_key.clone())
        .bind(json(&k.public_jwk))
        .bind(k.created_at)
        .bind(k.retired_at)
        .bind(k.not_after)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    Ok(())
}

fn conflict(what: String) -> impl FnOnce(StoreError) -> StoreError {
    move |e| match e {
        StoreError::Conflict(_) => StoreError::Conflict(what),
        other => other,
    }
}

#[async_trait]
impl RevisionStore for SqlStore {
    async fn revision(&self) -> Result<i64, StoreError> {
        let row = sqlx::query(sql::SELECT_REVISION).fetch_one(&self.pool).await.map_err(map_err)?;
        row.try_get::<i64, _>(0).map_err(map_err)
    }
}

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
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)
    }
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

    async fn find_client(&self, realm_id: &str, client_id: &str) -> Result<Option<Client>, StoreError> {
        let rows = sqlx::query(sql::SELECT_CLIENT_WITH_SECRETS)
            .bind(realm_id.to_owned())
            .bind(client_id.to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(first) = rows.first() else { return Ok(None) };
        let mut client = client_from_row(first)?;
        client.secrets =
            rows.iter().map(joined_secret_from_row).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
        Ok(Some(client))
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
        for c in &mut clients {
            c.secrets = by_client.remove(&c.id).unwrap_or_default();
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

#[async_trait]
impl KeyStore for SqlStore {
    async fn signing_keys(&self, realm_id: &str) -> Result<Vec<StoredSigningKey>, StoreError> {
        let rows =
            sqlx::query(sql::SELECT_KEYS).bind(realm_id.to_owned()).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(signing_key_from_row).collect()
    }

    async fn rotate_signing_keys(
        &self,
        realm_id: &str,
        promote: &str,
        new_next: &StoredSigningKey,
        now: i64,
        retired_not_after: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let claimed = sqlx::query(sql::PROMOTE_KEY)
            .bind(realm_id.to_owned())
            .bind(promote.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if claimed != 1 {
            // Another process promoted it first; rolling back discards nothing of ours.
            return Ok(false);
        }
        sqlx::query(sql::RETIRE_ACTIVE_KEYS)
            .bind(realm_id.to_owned())
            .bind(promote.to_owned())
            .bind(now)
            .bind(retired_not_after)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        insert_key(&mut tx, new_next).await?;
        bump_revision(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn remove_retired_keys(&self, realm_id: &str, kids: &[String]) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let mut removed = 0;
        for kid in kids {
            removed += sqlx::query(sql::DELETE_RETIRED_KEY)
                .bind(realm_id.to_owned())
                .bind(kid.clone())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
        }
        if removed > 0 {
            bump_revision(&mut tx).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(removed)
    }
}

#[async_trait]
impl RevocationStore for SqlStore {
    async fn insert_revocation(&self, t: &RevokedToken) -> Result<(), StoreError> {
        sqlx::query(sql::INSERT_REVOCATION)
            .bind(t.jti.clone())
            .bind(t.realm_id.clone())
            .bind(t.client_id.clone())
            .bind(t.exp)
            .bind(t.revoked_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn revocations_since(&self, seq: i64, limit: i64) -> Result<Vec<(i64, RevokedToken)>, StoreError> {
        let rows = sqlx::query(sql::SELECT_REVOCATIONS_SINCE)
            .bind(seq)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(revocation_from_row).collect()
    }

    async fn purge_expired_revocations(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(sql::PURGE_REVOCATIONS).bind(now).execute(&self.pool).await.map_err(map_err)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for e in events {
            sqlx::query(sql::INSERT_AUDIT)
                .bind(e.at)
                .bind(e.realm.clone())
                .bind(e.kind.as_str())
                .bind(e.client_id.clone())
                .bind(e.subject.clone())
                .bind(e.source_ip.clone())
                .bind(e.outcome.as_str())
                .bind(e.reason.clone())
                .bind(i64::try_from(e.count).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn audit_events(&self, q: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(sql::SELECT_AUDIT)
            .bind(q.realm.clone())
            .bind(q.since)
            .bind(q.kind.map(|k| k.as_str()))
            .bind(q.client_id.clone())
            .bind(if q.limit > 0 { q.limit } else { i64::MAX })
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(audit_from_row).collect()
    }
}

#[async_trait]
impl Operations for SqlStore {
    async fn claim_job(&self, name: &str, node: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        sqlx::query(sql::ENSURE_JOB).bind(name.to_owned()).execute(&self.pool).await.map_err(map_err)?;
        // The conditional update is the claim: of nodes racing for one expired claim, one row update wins.
        let won = sqlx::query(sql::CLAIM_JOB)
            .bind(name.to_owned())
            .bind(now)
            .bind(until)
            .bind(node.to_owned())
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(won == 1)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query(sql::PING).execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }
}

/// For tests: a fresh, empty schema in the PostgreSQL database at `base_url`, and the URL that uses it,
/// so that tests run in parallel without seeing each other's rows.
pub async fn fresh_postgres_schema(base_url: &str) -> Result<String, StoreError> {
    install_default_drivers();
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let pool = AnyPoolOptions::new().max_connections(1).connect(base_url).await.map_err(map_err)?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&pool).await.map_err(map_err)?;
    pool.close().await;
    let separator = if base_url.contains('?') { '&' } else { '?' };
    Ok(format!("{base_url}{separator}options=-c%20search_path%3D{schema}"))
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
