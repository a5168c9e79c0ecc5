//! The janitor's port: seven deletes, each one statement, none depending on another's order (a purge of one
//! table only removes rows that the others' rules already count as dead).

use async_trait::async_trait;
use tessera_core::ports::{Janitor, Purged, Retention, StoreError};

use crate::error::map_err;
use crate::{SqlStore, sql};

impl SqlStore {
    async fn purge_with(&self, statement: &'static str, realm_id: &str, cutoffs: &[i64]) -> Result<u64, StoreError> {
        let mut query = sqlx::query(statement).bind(realm_id.to_owned());
        for cutoff in cutoffs {
            query = query.bind(*cutoff);
        }
        Ok(query.execute(&self.pool).await.map_err(map_err)?.rows_affected())
    }
}

#[async_trait]
impl Janitor for SqlStore {
    async fn purge(&self, r: &Retention) -> Result<Purged, StoreError> {
        let realm = r.realm_id.as_str();
        Ok(Purged {
            codes: self.purge_with(sql::PURGE_CODES, realm, &[r.dead_by]).await?,
            refresh_tokens: self.purge_with(sql::PURGE_REFRESH, realm, &[r.dead_by]).await?,
            sessions: self.purge_with(sql::PURGE_SESSIONS, realm, &[r.dead_by, r.idle_by, r.started_by]).await?,
            login_failures: self.purge_with(sql::PURGE_LOGIN_FAILURES, realm, &[r.failure_windows_started_by]).await?,
            device_grants: self.purge_with(sql::PURGE_DEVICE_GRANTS, realm, &[r.dead_by]).await?,
            pushed_requests: self.purge_with(sql::PURGE_PUSHED_REQUESTS, realm, &[r.dead_by]).await?,
            initial_access: self.purge_with(sql::PURGE_INITIAL_ACCESS, realm, &[r.dead_by]).await?,
        })
    }
}
