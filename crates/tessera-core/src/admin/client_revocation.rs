//! "Revoke all tokens of this client", Keycloak's client "Revocation → Set to now" (the client's `notBefore`)
//! with its "Push" (`POST /clients/{id}/push-revocation`): every token issued to the client before now is
//! refused at introspection, userinfo and the refresh grant on every node (the not-before enters the
//! revocation feed), and the client's live refresh tokens are revoked in the same transaction (RFC 7009 §2.1:
//! revoking a grant invalidates what was issued from it). The CLI's `revoke --client` sets the same not-before.

use super::AdminError;
use super::api::AdminApi;
use super::caller::AdminRight;
use crate::audit::{AuditEvent, AuditKind};

impl AdminApi<'_> {
    /// Sets the client's not-before to now and returns it (seconds). Tokens issued in this same second stay
    /// valid (a not-before is a NumericDate, whole seconds).
    pub async fn revoke_client_tokens(&self, realm: &str, id: &str) -> Result<i64, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageClients).await?;
        let client = self.client_by_pk(&realm, id).await?;
        if !self.store.set_client_not_before(&realm.id, &client.client_id, self.now).await? {
            return Err(AdminError::NoSuchClient(id.to_owned()));
        }
        self.audit.record(
            AuditEvent::new(self.now, &realm.name, AuditKind::RevokeAll)
                .client(&client.client_id)
                .subject(&self.caller.username)
                .source(self.caller.source_ip.as_deref())
                .reason(format!("every token of client {} issued before {} revoked", client.client_id, self.now)),
        );
        let path = format!("clients/{id}/push-revocation");
        self.admin_event(&realm.name, "ACTION", "CLIENT", path, None).await?;
        Ok(self.now)
    }
}
