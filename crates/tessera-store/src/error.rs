//! sqlx errors in the ports' vocabulary: an outage is `Unavailable`, a broken uniqueness rule `Conflict`, an
//! unreadable row `Corrupt`; never "not found".

use tessera_core::ports::StoreError;

/// SQLSTATE classes that mean "the database is not there right now": connection exceptions (08), operator
/// intervention such as a restart (57P), insufficient resources (53).
fn is_outage(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("57P") || code.starts_with("53")
}

pub fn map_err(e: sqlx::Error) -> StoreError {
    reported(match &e {
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
    })
}

/// Reports a failure to whoever counts them (the server's metrics read [`TARGET`]'s `error` events) and
/// hands it on.
pub(crate) fn reported(e: StoreError) -> StoreError {
    let kind = match &e {
        StoreError::Unavailable(_) => "unavailable",
        StoreError::Conflict(_) => "conflict",
        StoreError::Corrupt(_) => "corrupt",
        StoreError::Other(_) => "other",
    };
    tracing::debug!(target: TARGET, error = kind);
    e
}

/// The target of the store's own events: `error` for a failure, `statement` and `elapsed_secs` for a read
/// made outside sqlx (whose statements sqlx reports itself, as `sqlx::query`).
pub const TARGET: &str = "tessera_store";

/// Names what already exists (`what`) in place of the database's own uniqueness message.
pub fn conflict(what: String) -> impl FnOnce(StoreError) -> StoreError {
    move |e| match e {
        StoreError::Conflict(_) => StoreError::Conflict(what),
        other => other,
    }
}
