//! `GET /admin/realms/{realm}/tessera/usage`: usage per client for the console, with the rights Keycloak
//! asks for its events or its clients (`view-events` or `view-clients`).

use super::AdminError;
use super::api::AdminApi;
use super::caller::AdminRight;
use crate::ports::UsageSource;
use crate::usage::{UsageQuery, UsageReport, UsageService};

impl AdminApi<'_> {
    pub async fn usage(&self, source: &dyn UsageSource, mut query: UsageQuery) -> Result<UsageReport, AdminError> {
        if self.caller.require(&query.realm, AdminRight::ViewEvents).is_err() {
            self.caller.require(&query.realm, AdminRight::ViewClients)?;
        }
        let realm =
            self.store.find_realm(&query.realm).await?.ok_or_else(|| AdminError::NoSuchRealm(query.realm.clone()))?;
        query.realm = realm.name;
        Ok(UsageService { source }.report(&query, self.now).await?)
    }
}
