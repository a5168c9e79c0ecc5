//! The revocation feed's log: every revocation and not-before change of a realm, in one order. The writes
//! that add to it (`insert_revocation`, `revoke_user`, `set_realm_not_before`, `set_client_not_before`) add
//! their entry in the same transaction as the change, so the log never misses one.

use async_trait::async_trait;

use super::StoreError;
use crate::model::RevocationEvent;

#[async_trait]
pub trait RevocationFeedStore: Send + Sync {
    /// The realm's entries after `after` still live at `now` (no `expires_at`, or one after `now`), oldest
    /// first, at most `limit`.
    async fn revocation_events(
        &self,
        realm_id: &str,
        after: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<RevocationEvent>, StoreError>;
    /// Forgets entries no token can need any more: expired ones, and realm or client not-befores a newer one
    /// for the same subject replaced. Returns how many went.
    async fn purge_revocation_events(&self, now: i64) -> Result<u64, StoreError>;
}
