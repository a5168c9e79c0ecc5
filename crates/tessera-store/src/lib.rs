//! Storage adapters for Tessera's ports (`tessera_core::ports`), on sqlx's `Any` driver: one code path for
//! SQLite (the embedded default) and PostgreSQL, with one migrations folder per dialect. The backend is
//! chosen once, from the URL, when the store is built.
//!
//! One file per port: each implements its trait for [`SqlStore`] with the statements of `sql.rs` and reads
//! rows back through `rows.rs`.

mod admin_events;
mod audit;
mod clients;
mod codes;
mod device_grants;
mod error;
mod janitor;
mod keys;
mod login_failures;
mod operations;
mod pushed_requests;
mod realms;
mod refresh_tokens;
mod registrations;
mod revocation_events;
mod revocations;
mod roles;
mod rows;
mod sessions;
mod sql;
mod sync_read;
mod user_revocations;
mod user_search;
mod users;

/// The target of the store's own tracing events (its failures, and its reads made outside sqlx).
pub use error::TARGET as EVENT_TARGET;

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, SqlSafeStr, Transaction};
use tessera_core::ports::StoreError;

use error::map_err;

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
    /// SQLite files only: the client lookup of a cache miss without sqlx's thread hand-offs.
    sync_reader: Option<sync_read::SyncReader>,
}

fn migrations(dialect: Dialect) -> Migrator {
    let files: &[(i64, &str, &'static str)] = match dialect {
        Dialect::Sqlite => &[
            (1, "core", include_str!("../migrations/sqlite/0001_core.sql")),
            (2, "sign in", include_str!("../migrations/sqlite/0002_sign_in.sql")),
            (3, "janitor", include_str!("../migrations/sqlite/0003_janitor.sql")),
            (4, "required actions", include_str!("../migrations/sqlite/0004_required_actions.sql")),
            (5, "roles", include_str!("../migrations/sqlite/0005_roles.sql")),
            (6, "device grants", include_str!("../migrations/sqlite/0006_device_grants.sql")),
            (7, "user not-before", include_str!("../migrations/sqlite/0007_user_not_before.sql")),
            (8, "admin events", include_str!("../migrations/sqlite/0008_admin_events.sql")),
            (9, "user search", include_str!("../migrations/sqlite/0009_user_search.sql")),
            (10, "sealed client secrets", include_str!("../migrations/sqlite/0010_sealed_client_secrets.sql")),
            (11, "resources and PAR", include_str!("../migrations/sqlite/0011_resources_and_par.sql")),
            (12, "revocation events", include_str!("../migrations/sqlite/0012_revocation_events.sql")),
            (13, "client registration", include_str!("../migrations/sqlite/0013_client_registration.sql")),
            (16, "user search trigrams", include_str!("../migrations/sqlite/0016_user_search_trigrams.sql")),
            (17, "token binding", include_str!("../migrations/sqlite/0017_token_binding.sql")),
            (18, "refresh tokens by client", include_str!("../migrations/sqlite/0018_refresh_tokens_by_client.sql")),
        ],
        Dialect::Postgres => &[
            (1, "core", include_str!("../migrations/postgres/0001_core.sql")),
            (2, "sign in", include_str!("../migrations/postgres/0002_sign_in.sql")),
            (3, "janitor", include_str!("../migrations/postgres/0003_janitor.sql")),
            (4, "required actions", include_str!("../migrations/postgres/0004_required_actions.sql")),
            (5, "roles", include_str!("../migrations/postgres/0005_roles.sql")),
            (6, "device grants", include_str!("../migrations/postgres/0006_device_grants.sql")),
            (7, "user not-before", include_str!("../migrations/postgres/0007_user_not_before.sql")),
            (8, "admin events", include_str!("../migrations/postgres/0008_admin_events.sql")),
            (9, "user search", include_str!("../migrations/postgres/0009_user_search.sql")),
            (10, "sealed client secrets", include_str!("../migrations/postgres/0010_sealed_client_secrets.sql")),
            (11, "resources and PAR", include_str!("../migrations/postgres/0011_resources_and_par.sql")),
            (12, "revocation events", include_str!("../migrations/postgres/0012_revocation_events.sql")),
            (13, "client registration", include_str!("../migrations/postgres/0013_client_registration.sql")),
            (16, "user search trigrams", include_str!("../migrations/postgres/0016_user_search_trigrams.sql")),
            (17, "token binding", include_str!("../migrations/postgres/0017_token_binding.sql")),
            (18, "refresh tokens by client", include_str!("../migrations/postgres/0018_refresh_tokens_by_client.sql")),
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
        let sync_reader = if dialect == Dialect::Sqlite { sync_read::SyncReader::for_url(url) } else { None };
        Ok(Self { pool, dialect, sync_reader })
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

    /// Runs one write statement in its own transaction and moves the revision when it changed a row.
    async fn write_one(
        &self,
        query: sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = query.execute(&mut *tx).await.map_err(map_err)?.rows_affected() > 0;
        if changed {
            operations::bump_revision(&mut tx).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(changed)
    }
}

/// For tests: a fresh, empty schema in the PostgreSQL database at `base_url`, and the URL that uses it,
/// so that tests run in parallel without seeing each other's rows.
pub async fn fresh_postgres_schema(base_url: &str) -> Result<String, StoreError> {
    install_default_drivers();
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect(base_url)
        .await
        .map_err(map_err)?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&pool).await.map_err(map_err)?;
    pool.close().await;
    let separator = if base_url.contains('?') { '&' } else { '?' };
    Ok(format!("{base_url}{separator}options=-c%20search_path%3D{schema}"))
}
