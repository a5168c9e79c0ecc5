//! sqlx errors in the ports' vocabulary: an outage is `Unavailable`, a broken uniqueness rule `Conflict`, an
//! unreadable row `Corrupt`; never "not found".

use tessera_core::ports::StoreError;

/// SQLSTATE classes that mean "the database is not there right now": connection exceptions (08), operator
/// intervention such as a restart (57P), insufficient resources (53).
fn is_outage(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("57P") || code.starts_with("53")
}

pub fn map_err(e: sqlx::Error) -> StoreError {
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

/// Names what already exists (`what`) in place of the database's own uniqueness message.
pub fn conflict(what: String) -> impl FnOnce(StoreError) -> StoreError {
    move |e| match e {
        StoreError::Conflict(_) => StoreError::Conflict(what),
        other => other,
    }
}
