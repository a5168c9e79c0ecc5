//! Storage ports, owned by the core and implemented by `tessera-store`. Methods are shaped by use case and
//! atomic inside the adapter. Finders return `Result<Option<T>, StoreError>`: "not found" and "the database
//! failed" are never the same value.

use async_trait::async_trait;

use crate::model::{Client, ClientScope, Realm, RealmBundle, StoredSigningKey};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or timed out: worth retrying.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness rule was broken (the realm, client or scope exists).
    #[error("already exists: {0}")]
    Conflict(String),
    /// A row could not be read back into the model.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("storage failed: {0}")]
    Other(String),
}

/// A counter bumped by every committed change to realms, clients, scopes or keys. Servers poll it to know
/// when their caches are stale, which is how a change made by the CLI or another node reaches them.
#[async_trait]
pub trait RevisionStore: Send + Sync {
    async fn revision(&self) -> Result<i64, StoreError>;
}

#[async_trait]
pub trait RealmStore: Send + Sync {
    /// Writes a whole realm (realm, scopes, clients, users, keys) in one transaction.
    /// `Conflict` when a realm of that name exists.
    async fn create_realm(&self, bundle: &RealmBundle) -> Result<(), StoreError>;
    async fn find_realm(&self, name: &str) -> Result<Option<Realm>, StoreError>;
    async fn list_realms(&self) -> Result<Vec<Realm>, StoreError>;
}

#[async_trait]
pub trait ScopeStore: Send + Sync {
    async fn create_scope(&self, realm_id: &str, scope: &ClientScope) -> Result<(), StoreError>;
    async fn list_scopes(&self, realm_id: &str) -> Result<Vec<ClientScope>, StoreError>;
}

#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Inserts the client with its secrets (and its service-account user when it has one).
    async fn create_client(&self, client: &Client) -> Result<(), StoreError>;
    /// The client with its secrets.
    async fn find_client(&self, realm_id: &str, client_id: &str) -> Result<Option<Client>, StoreError>;
    async fn list_clients(&self, realm_id: &str) -> Result<Vec<Client>, StoreError>;
    /// True when a client was deleted.
    async fn delete_client(&self, realm_id: &str, client_id: &str) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn signing_keys(&self, realm_id: &str) -> Result<Vec<StoredSigningKey>, StoreError>;
}

/// Every port the server needs, behind one `Arc<dyn Store>`.
pub trait Store: RevisionStore + RealmStore + ScopeStore + ClientStore + KeyStore {}

impl<T: RevisionStore + RealmStore + ScopeStore + ClientStore + KeyStore> Store for T {}
