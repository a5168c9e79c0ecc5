//! Keycloak's attack detection for one user: how many failed sign-ins are counted, whether the user is locked
//! out now, and clearing it (`…/attack-detection/brute-force/users/{id}`).

use tessera_proto::admin::BruteForceStatusRepresentation;

use super::AdminError;
use super::api::AdminApi;
use super::caller::AdminRight;
use crate::sign_in::SignInPolicy;
use crate::sign_in::login::user_failure_key;

impl AdminApi<'_> {
    /// `GET`: the failures counted in the current window, and whether they lock the user out now (the rule
    /// of `sign_in::login`: `failureFactor` failures in `maxFailureWaitSeconds`).
    pub async fn brute_force_status(
        &self,
        realm: &str,
        id: &str,
    ) -> Result<BruteForceStatusRepresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewUsers).await?;
        let user =
            self.store.find_user_by_id(&realm.id, id).await?.ok_or_else(|| AdminError::NoSuchUser(id.to_owned()))?;
        let policy = SignInPolicy::of(&realm);
        let failures = self.store.login_failures(&realm.id, &user_failure_key(&user.username)).await?;
        let live = failures.filter(|f| self.now < f.window_start + policy.lockout_window);
        Ok(BruteForceStatusRepresentation {
            num_failures: live.map_or(0, |f| f.failures),
            disabled: live.is_some_and(|f| f.failures >= policy.user_failures),
            // Failures are counted per user and per address apart; the address is not kept with the user's.
            last_ip_failure: "n/a".to_owned(),
            last_failure: live.map_or(0, |f| f.window_start.saturating_mul(1000)),
        })
    }

    /// `DELETE`: the user may try again at once.
    pub async fn clear_brute_force(&self, realm: &str, id: &str) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageUsers).await?;
        let user =
            self.store.find_user_by_id(&realm.id, id).await?.ok_or_else(|| AdminError::NoSuchUser(id.to_owned()))?;
        self.store.clear_login_failures(&realm.id, &user_failure_key(&user.username)).await?;
        let path = format!("attack-detection/brute-force/users/{id}");
        self.admin_event(&realm.name, "DELETE", "USER_LOGIN_FAILURE", path, None).await
    }
}
