//! The synchronous read path for the one lookup the token endpoint makes on a cache miss: a client by id,
//! on SQLite. sqlx runs each SQLite connection on a worker thread of its own, so every query costs two thread
//! hand-offs; with many active clients (most lookups missing the bounded cache) those hand-offs were half of
//! the token endpoint's time (`bench/scale.sh`). Here the same statements run on the caller's thread through
//! rusqlite, which links the very SQLite library sqlx uses (libsqlite3-sys 0.37), on a read-only connection
//! per thread: WAL lets them read while sqlx writes, and a read of a few indexed rows takes microseconds, no
//! longer than the CPU work around it.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Row};
use tessera_core::model::{Client, RoleMappings, User};
use tessera_core::ports::StoreError;

use crate::rows::{Columns, client_from_row, joined_secret_from_row, text, user_from_row};
use crate::sql;

/// Connections a thread keeps (one per store it has read from, the oldest dropped first): a process has
/// one store; tests make many.
const CONNECTIONS_PER_THREAD: usize = 4;

thread_local! {
    static CONNECTIONS: RefCell<Vec<(u64, Connection)>> = const { RefCell::new(Vec::new()) };
}

static NEXT_READER: AtomicU64 = AtomicU64::new(1);

/// Clones of a store share its reader, hence each thread's connection.
#[derive(Debug, Clone)]
pub struct SyncReader {
    id: u64,
    path: PathBuf,
}

/// A row with its statement's column names, read once per statement: rusqlite's lookup by name asks SQLite
/// for every column's name and compares them without regard to case on each `get`, which was a fifth of the
/// instructions of a client read.
struct NamedRow<'a> {
    row: &'a Row<'a>,
    names: &'a [String],
}

impl NamedRow<'_> {
    fn index(&self, column: &str) -> Result<usize, StoreError> {
        self.names
            .iter()
            .position(|name| name == column)
            .ok_or_else(|| StoreError::Other(format!("no column {column}")))
    }
}

impl Columns for NamedRow<'_> {
    fn text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.row.get(self.index(column)?).map_err(read_err)
    }

    fn int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        self.row.get(self.index(column)?).map_err(read_err)
    }
}

fn column_names(statement: &rusqlite::Statement<'_>) -> Vec<String> {
    statement.column_names().into_iter().map(str::to_owned).collect()
}

fn read_err(e: rusqlite::Error) -> StoreError {
    crate::error::reported(match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    })
}

impl SyncReader {
    /// For a `sqlite://PATH[?…]` URL of a file; `None` for anything else (an in-memory database has no
    /// second connection to open).
    pub fn for_url(url: &str) -> Option<Self> {
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().filter(|p| !p.is_empty() && !p.contains(":memory:"))?;
        Some(Self { id: NEXT_READER.fetch_add(1, Ordering::Relaxed), path: PathBuf::from(path) })
    }

    fn with_connection<T>(&self, read: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        CONNECTIONS.with(|cell| {
            let mut connections = cell.borrow_mut();
            let index = match connections.iter().position(|(id, _)| *id == self.id) {
                Some(i) => i,
                None => {
                    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                    let connection = Connection::open_with_flags(&self.path, flags).map_err(read_err)?;
                    connection.busy_timeout(Duration::from_secs(5)).map_err(read_err)?;
                    if connections.len() == CONNECTIONS_PER_THREAD {
                        connections.remove(0);
                    }
                    connections.push((self.id, connection));
                    connections.len() - 1
                }
            };
            read(&connections[index].1)
        })
    }

    /// What `ClientStore::find_client` answers: the client, its secrets, its service account's mappings.
    /// The statements are the sqlx path's own (`$1` names one parameter wherever it appears, in both).
    pub fn find_client(&self, realm_id: &str, client_id: &str) -> Result<Option<Client>, StoreError> {
        let started = std::time::Instant::now();
        let found = self.with_connection(|conn| {
            let tx = conn.unchecked_transaction().map_err(read_err)?; // one snapshot for both reads
            let mut client: Option<Client> = None;
            {
                let mut statement = tx.prepare_cached(sql::SELECT_CLIENT_WITH_SECRETS).map_err(read_err)?;
                let names = column_names(&statement);
                let mut rows = statement.query((realm_id, client_id)).map_err(read_err)?;
                while let Some(row) = rows.next().map_err(read_err)? {
                    let row = NamedRow { row, names: &names };
                    let c = match client.as_mut() {
                        Some(c) => c,
                        None => client.insert(client_from_row(&row)?),
                    };
                    if let Some(secret) = joined_secret_from_row(&row)? {
                        c.secrets.push(secret);
                    }
                }
            }
            if let Some(c) = client.as_mut()
                && let Some(user) = c.service_account_user_id.clone()
            {
                c.service_account_roles = user_mappings(&tx, realm_id, &user)?;
            }
            Ok(client)
        });
        // Timed as sqlx times its own statements (`sqlx::query` events), for the same series.
        tracing::debug!(target: crate::error::TARGET, statement = "select", elapsed_secs = started.elapsed().as_secs_f64());
        found
    }
}

impl SyncReader {
    /// What `UserStore::find_user_by_id` answers: the user and their direct mappings, in one snapshot. Every
    /// bearer-token request of a person (userinfo, refresh) reads its user: on the caller's thread it skips
    /// sqlx's four hand-offs between threads.
    pub fn find_user_by_id(&self, realm_id: &str, id: &str) -> Result<Option<User>, StoreError> {
        let started = std::time::Instant::now();
        let found = self.with_connection(|conn| {
            let tx = conn.unchecked_transaction().map_err(read_err)?;
            let user = {
                let mut statement = tx.prepare_cached(sql::SELECT_USER_BY_ID).map_err(read_err)?;
                let names = column_names(&statement);
                let mut rows = statement.query((realm_id, id)).map_err(read_err)?;
                match rows.next().map_err(read_err)? {
                    Some(row) => Some(user_from_row(&NamedRow { row, names: &names })?),
                    None => None,
                }
            };
            let Some(mut user) = user else { return Ok(None) };
            user.roles = user_mappings(&tx, realm_id, &user.id)?;
            Ok(Some(user))
        });
        tracing::debug!(target: crate::error::TARGET, statement = "select", elapsed_secs = started.elapsed().as_secs_f64());
        found
    }
}

fn user_mappings(conn: &Connection, realm_id: &str, user_id: &str) -> Result<RoleMappings, StoreError> {
    let mut statement = conn.prepare_cached(sql::SELECT_USER_MAPPINGS).map_err(read_err)?;
    let names = column_names(&statement);
    let mut rows = statement.query((realm_id, user_id)).map_err(read_err)?;
    let mut m = RoleMappings::default();
    while let Some(row) = rows.next().map_err(read_err)? {
        let row = NamedRow { row, names: &names };
        let (kind, id) = (text(&row, "kind")?, text(&row, "id")?);
        if kind == "r" { m.role_ids.push(id) } else { m.group_ids.push(id) }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::SyncReader;

    #[test]
    fn only_a_sqlite_file_gets_the_synchronous_path() {
        let reader = SyncReader::for_url("sqlite:///var/lib/tessera/tessera.db?mode=rwc").unwrap();
        assert_eq!(reader.path, std::path::Path::new("/var/lib/tessera/tessera.db"));
        assert!(SyncReader::for_url("sqlite::memory:").is_none());
        assert!(SyncReader::for_url("sqlite://:memory:").is_none());
        assert!(SyncReader::for_url("postgres://localhost/test").is_none());
        let (a, b) = (SyncReader::for_url("sqlite://a.db").unwrap(), SyncReader::for_url("sqlite://a.db").unwrap());
        assert_ne!(a.id, b.id, "two stores never share a thread's connection");
    }
}
