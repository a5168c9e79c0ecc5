//! What can go wrong in an administrator's request; the HTTP side maps it once (status and Keycloak's error
//! body), the CLI prints it as one line.

use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("realm {0:?} does not exist")]
    NoSuchRealm(String),
    #[error("client {0:?} does not exist in this realm")]
    NoSuchClient(String),
    #[error("user {0:?} does not exist in this realm")]
    NoSuchUser(String),
    #[error("role {0} does not exist in this realm")]
    NoSuchRole(String),
    #[error("group {0:?} does not exist in this realm")]
    NoSuchGroup(String),
    #[error("client scope {0:?} does not exist in this realm")]
    NoSuchScope(String),
    #[error("protocol mapper {0:?} does not exist here")]
    NoSuchMapper(String),
    #[error("{0}")]
    Invalid(String),
    /// No valid administrator's token: the admin API's 401.
    #[error("not authenticated")]
    Unauthorized,
    /// A valid token without the right: 403.
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    Conflict(String),
    /// The password hashing pool is full: 503 with `Retry-After`.
    #[error("the server is busy; try again in a moment")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}
