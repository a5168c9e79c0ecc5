//! Rotating a realm's signing keys through the store: the policy of [`crate::key_rotation`] applied as one
//! atomic claim, shared by the CLI, the scheduler and the admin API. Callers record the audit event.

use crate::key_rotation::{RotationPolicy, RotationRefused, max_token_lifetime, promotable};
use crate::keys::generate_signing_key;
use crate::model::{KeyState, Realm};
use crate::ports::{Store, StoreError};
use crate::provisioning::ProvisioningError;
use crate::secret::MasterKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationOutcome {
    /// `promoted` now signs; `next` is the new published-but-idle key.
    Rotated { promoted: String, next: String },
    /// Another process rotated first.
    LostRace,
}

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error(transparent)]
    Refused(#[from] RotationRefused),
    #[error(transparent)]
    Provisioning(#[from] ProvisioningError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Promotes the realm's next key (after its publication lead, unless `force`), retires the active one and
/// publishes a fresh next key, as one atomic claim in the store.
pub async fn rotate_realm_keys(
    store: &dyn Store,
    master: &MasterKey,
    realm: &Realm,
    policy: &RotationPolicy,
    force: bool,
    now: i64,
) -> Result<RotationOutcome, RotationError> {
    let keys = store.signing_keys(&realm.id).await?;
    let promote = match promotable(&keys, now, policy, force) {
        Ok(kid) => kid,
        // Two nodes asked at once and the other one finished first.
        Err(RotationRefused::JustRotated) => return Ok(RotationOutcome::LostRace),
        Err(e) => return Err(e.into()),
    };
    rotate_to(store, master, realm, &promote, now).await
}

/// Promotes `promote` now.
pub async fn rotate_to(
    store: &dyn Store,
    master: &MasterKey,
    realm: &Realm,
    promote: &str,
    now: i64,
) -> Result<RotationOutcome, RotationError> {
    let next = generate_signing_key(&realm.id, realm.signing_alg, KeyState::Next, master, now)
        .map_err(ProvisioningError::from)?;
    let clients = store.list_clients(&realm.id).await?;
    // Tokens the retiring key signed stay verifiable until the longest of them has expired.
    let not_after = now + max_token_lifetime(realm, &clients);
    if !store.rotate_signing_keys(&realm.id, promote, &next, now, not_after).await? {
        return Ok(RotationOutcome::LostRace);
    }
    Ok(RotationOutcome::Rotated { promoted: promote.to_owned(), next: next.kid })
}
