//! The realm's signing keys in Keycloak's key-list shape (`GET /admin/realms/{realm}/keys`), with Tessera's
//! rotation states beside Keycloak's statuses.

use tessera_proto::admin::{KeyMetadataRepresentation, KeysMetadataRepresentation};

use super::AdminError;
use super::api::AdminApi;
use super::caller::AdminRight;
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
}
