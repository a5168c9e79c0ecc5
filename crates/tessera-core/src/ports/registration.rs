//! Dynamic client registration's storage (RFC 7591, RFC 7592): initial access tokens, and the hash of each
//! registered client's registration access token. Every method is one transaction.

use async_trait::async_trait;

use super::StoreError;
use crate::model::{Client, InitialAccessToken};

#[async_trait]
pub trait ClientRegistrationStore: Send + Sync {
    async fn insert_initial_access(&self, token: &InitialAccessToken) -> Result<(), StoreError>;
    /// The realm's initial access tokens, expired and used-up ones included, oldest first.
    async fn list_initial_access(&self, realm_id: &str) -> Result<Vec<InitialAccessToken>, StoreError>;
    /// False when there is no such token in the realm.
    async fn delete_initial_access(&self, realm_id: &str, id: &str) -> Result<bool, StoreError>;
    /// One transaction: takes one use of the initial access token whose hash is `initial_access_hash` (a
    /// single `UPDATE … SET remaining = remaining - 1 WHERE … remaining > 0` that also refuses an expired
    /// token), then inserts `client` (with its service-account user) and the hash of its registration access
    /// token. `Ok(false)`, with nothing written, when the token is unknown, expired or used up; `Conflict`
    /// (nothing taken) when the client id exists.
    async fn register_client(
        &self,
        initial_access_hash: &str,
        now: i64,
        client: &Client,
        registration_token_hash: &str,
    ) -> Result<bool, StoreError>;
    /// The hash of the registration access token of a client that registered itself.
    async fn registration_token_hash(&self, realm_id: &str, client_id: &str) -> Result<Option<String>, StoreError>;
    /// One transaction: replaces the registration access token's hash `old_hash` with `new_hash` (RFC 7592
    /// §2.2: a new token on every update) and writes the client's settings as `update_client` does. False,
    /// with nothing written, when `old_hash` is no longer the client's (a concurrent update won).
    async fn update_registered_client(
        &self,
        client: &Client,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError>;
}
