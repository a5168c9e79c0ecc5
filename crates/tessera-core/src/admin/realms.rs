//! Realms through the admin API (Keycloak's `/admin/realms` and `/admin/realms/{realm}`).

use tessera_proto::admin::RealmRepresentation;

use super::api::AdminApi;
use super::caller::{AdminRight, MASTER_REALM};
use super::{AdminError, representation};
use crate::audit::AuditKind;
use crate::provisioning::{NewRealm, add_builtin_roles, new_realm};

impl AdminApi<'_> {
    /// `GET /admin/realms`: the realms the caller may view.
    pub async fn list_realms(&self) -> Result<Vec<RealmRepresentation>, AdminError> {
        let realms = self.store.list_realms().await?;
        Ok(realms
            .iter()
            .filter(|r| self.caller.may(&r.name, AdminRight::ViewRealm))
            .map(representation::realm)
            .collect())
    }

    /// `GET /admin/realms/{realm}`.
    pub async fn get_realm(&self, name: &str) -> Result<RealmRepresentation, AdminError> {
        Ok(representation::realm(&self.realm_for(name, AdminRight::ViewRealm).await?))
    }

    /// `POST /admin/realms`: a new realm with fresh keys, Keycloak's built-in roles and `realm-management`.
    pub async fn create_realm(&self, rep: &RealmRepresentation) -> Result<String, AdminError> {
        if !self.caller.may_create_realms() {
            return Err(AdminError::Forbidden);
        }
        let name = rep.realm.clone().ok_or_else(|| AdminError::Invalid("realm is required".into()))?;
        let signing_alg = match rep.default_signature_algorithm.as_deref() {
            None => Default::default(),
            Some(a) => crate::model::SigningAlgorithm::parse(a)
                .ok_or_else(|| AdminError::Invalid(format!("unsupported algorithm {a:?} (RS256, ES256, EdDSA)")))?,
        };
        let spec = NewRealm {
            name: name.clone(),
            display_name: rep.display_name.clone(),
            signing_alg,
            access_token_lifespan: rep.access_token_lifespan.filter(|l| *l > 0),
        };
        let mut bundle = new_realm(&spec, self.master, self.now).map_err(|e| AdminError::Invalid(e.to_string()))?;
        representation::apply_realm_settings(rep, &mut bundle.realm)?;
        self.seal_secrets(&mut bundle.realm)?;
        add_builtin_roles(&mut bundle);
        crate::provisioning::add_realm_management(&mut bundle);
        self.store.create_realm(&bundle).await.map_err(|e| match e {
            crate::ports::StoreError::Conflict(_) => {
                AdminError::Conflict(format!("Conflict detected. See logs for details: realm {name} exists"))
            }
            e => e.into(),
        })?;
        self.record(&name, AuditKind::RealmCreated, "created through the admin API");
        self.admin_event(&name, "CREATE", "REALM", name.clone(), serde_json::to_string(rep).ok()).await?;
        Ok(name)
    }

    /// `PUT /admin/realms/{realm}`: the settings the representation carries; the name cannot change (Tessera's
    /// issuer URLs and every token carry it) and neither can the signing algorithm (rotate keys for that).
    pub async fn update_realm(&self, name: &str, rep: &RealmRepresentation) -> Result<(), AdminError> {
        let mut realm = self.realm_for(name, AdminRight::ManageRealm).await?;
        if rep.realm.as_deref().is_some_and(|r| r != realm.name) {
            return Err(AdminError::Invalid("a realm cannot be renamed".into()));
        }
        if rep.default_signature_algorithm.as_deref().is_some_and(|a| a != realm.signing_alg.as_str()) {
            return Err(AdminError::Invalid("the signing algorithm of a realm cannot change".into()));
        }
        representation::apply_realm_settings(rep, &mut realm)?;
        self.seal_secrets(&mut realm)?;
        if !self.store.update_realm(&realm).await? {
            return Err(AdminError::NoSuchRealm(name.to_owned()));
        }
        self.admin_event(&realm.name, "UPDATE", "REALM", realm.name.clone(), serde_json::to_string(rep).ok()).await
    }

    /// The realm's secret attributes (the anomaly webhook's) sealed under the master key before they are stored.
    fn seal_secrets(&self, realm: &mut crate::model::Realm) -> Result<(), AdminError> {
        crate::anomaly::seal_webhook_secret(&mut realm.attributes, self.master, &realm.id)
            .map_err(|e| AdminError::Invalid(format!("the webhook secret could not be sealed: {e}")))
    }

    /// `DELETE /admin/realms/{realm}`: the realm with everything in it. `master` stays (it holds the
    /// administrators), as in Keycloak.
    pub async fn delete_realm(&self, name: &str) -> Result<(), AdminError> {
        let realm = self.realm_for(name, AdminRight::ManageRealm).await?;
        if realm.name == MASTER_REALM {
            return Err(AdminError::Invalid("the master realm cannot be deleted".into()));
        }
        self.store.delete_realm(&realm.id).await?;
        self.admin_event(&realm.name, "DELETE", "REALM", realm.name.clone(), None).await
    }
}
