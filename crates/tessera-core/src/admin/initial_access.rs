//! Initial access tokens through the admin API (Keycloak's `/clients-initial-access` resource).

use tessera_proto::admin::{ClientInitialAccessCreatePresentation, ClientInitialAccessPresentation};

use super::AdminError;
use super::api::AdminApi;
use super::caller::AdminRight;
use crate::audit::{AuditEvent, AuditKind};
use crate::registration::initial_access::{new_initial_access, presentation};

impl AdminApi<'_> {
    /// `POST /clients-initial-access`: a new token, shown this once. Keycloak's defaults: one registration,
    /// no expiry.
    pub async fn create_initial_access(
        &self,
        realm: &str,
        rep: &ClientInitialAccessCreatePresentation,
    ) -> Result<ClientInitialAccessPresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let (record, token) =
            new_initial_access(&realm.id, rep.count.unwrap_or(1), rep.expiration.unwrap_or(0), self.now)
                .map_err(|e| AdminError::Invalid(e.to_string()))?;
        self.store.insert_initial_access(&record).await?;
        self.audit.record(
            AuditEvent::new(self.now, &realm.name, AuditKind::InitialAccessCreated)
                .subject(&self.caller.username)
                .count(record.count as u64)
                .reason(format!("initial access {} expiring after {} s", record.id, record.expiration)),
        );
        let path = format!("clients-initial-access/{}", record.id);
        self.admin_event(&realm.name, "CREATE", "CLIENT_INITIAL_ACCESS_MODEL", path, serde_json::to_string(rep).ok())
            .await?;
        Ok(presentation(&record, Some(token)))
    }

    /// `GET /clients-initial-access`: the realm's tokens, without the tokens themselves.
    pub async fn list_initial_access(&self, realm: &str) -> Result<Vec<ClientInitialAccessPresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewClients).await?;
        Ok(self.store.list_initial_access(&realm.id).await?.iter().map(|t| presentation(t, None)).collect())
    }

    /// `DELETE /clients-initial-access/{id}`; as in Keycloak, deleting one that does not exist is no error.
    pub async fn delete_initial_access(&self, realm: &str, id: &str) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        if !self.store.delete_initial_access(&realm.id, id).await? {
            return Ok(());
        }
        self.record(&realm.name, AuditKind::InitialAccessDeleted, format!("initial access {id} deleted"));
        self.admin_event(
            &realm.name,
            "DELETE",
            "CLIENT_INITIAL_ACCESS_MODEL",
            format!("clients-initial-access/{id}"),
            None,
        )
        .await
    }
}
