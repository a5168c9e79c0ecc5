//! Where usage counts are kept: Redis hashes per realm and minute when configured (every node sees the
//! whole realm), a bounded map on one node otherwise.

use async_trait::async_trait;

use super::StoreError;
use crate::model::usage::UsageRow;

#[async_trait]
pub trait UsageSource: Send + Sync {
    /// The counts of minutes `[from_minute, until_minute)` of `realm`, of one client or of all.
    async fn usage(
        &self,
        realm: &str,
        client: Option<&str>,
        from_minute: i64,
        until_minute: i64,
    ) -> Result<Vec<UsageRow>, StoreError>;
}
