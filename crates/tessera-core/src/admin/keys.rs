//! The realm's signing keys in Keycloak's key-list shape (`GET /admin/realms/{realm}/keys`), with Tessera's
//! rotation states beside Keycloak's statuses.

use tessera_proto::admin::{KeyMetadataRepresentation, KeysMetadataRepresentation};

use super::AdminError;
use super::api::AdminApi;
use super::caller::AdminRight;
use crate::audit::AuditKind;
use crate::key_service::{RotationError, RotationOutcome, rotate_realm_keys};
use crate::model::KeyState;

impl AdminApi<'_> {
    pub async fn keys(&self, realm: &str) -> Result<KeysMetadataRepresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewRealm).await?;
        let stored = self.store.signing_keys(&realm.id).await?;
        let mut out = KeysMetadataRepresentation::default();
        for k in &stored {
            if k.state == KeyState::Active {
                out.active.insert(k.alg.as_str().to_owned(), k.kid.clone());
            }
            out.keys.push(KeyMetadataRepresentation {
                provider_id: format!("tessera-{}", k.alg.as_str().to_ascii_lowercase()),
                provider_priority: 100,
                kid: k.kid.clone(),
                status: if k.state == KeyState::Active { "ACTIVE" } else { "PASSIVE" }.to_owned(),
                kind: k.public_jwk.kty.clone(),
                algorithm: k.alg.as_str().to_owned(),
                use_: "SIG".to_owned(),
                tessera_state: k.state.as_str().to_owned(),
                valid_to: k.not_after.map(|t| t.saturating_mul(1000)),
            });
        }
        Ok(out)
    }

    /// `POST /admin/realms/{realm}/keys/rotate` (Tessera's extension; Keycloak rotates by adding key
    /// providers): the next key signs from now on, once it has been published long enough for verifiers
    /// to hold it (`force` skips that wait); the refusal says how long is left.
    pub async fn rotate_keys(&self, realm: &str, force: bool) -> Result<RotationOutcome, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageRealm).await?;
        let outcome = rotate_realm_keys(self.store, self.master, &realm, &self.rotation, force, self.now)
            .await
            .map_err(|e| match e {
                RotationError::Refused(e) => AdminError::Invalid(e.to_string()),
                RotationError::Provisioning(e) => AdminError::Invalid(e.to_string()),
                RotationError::Store(e) => e.into(),
            })?;
        match &outcome {
            RotationOutcome::Rotated { promoted, .. } => {
                self.record(&realm.name, AuditKind::KeyRotated, format!("{promoted} now signs (admin API)"));
            }
            RotationOutcome::LostRace => {
                return Err(AdminError::Conflict("another process has just rotated the keys".into()));
            }
        }
        self.admin_event(&realm.name, "ACTION", "REALM", "keys/rotate".to_owned(), None).await?;
        Ok(outcome)
    }
}
