//! Signing-key rotation that never breaks a verifier. A key is *next* (published, not signing), then
//! *active* (signing), then *retired* (published until every token it signed has expired), then removed.
//! A next key is promoted only after it has been published for at least the JWKS `max-age`, so every
//! verifier that caches our key set already holds it when the first token signed with it arrives.

use crate::model::{Client, KeyState, Realm, StoredSigningKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationPolicy {
    /// Rotate automatically when the active key has signed this long; `None`: only by hand.
    pub period: Option<i64>,
    /// How long a next key must have been published before it may sign: at least the JWKS max-age.
    pub publication_lead: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotationRefused {
    #[error("the realm has no next key to promote")]
    NoNextKey,
    #[error(
        "the next key has been published for {published_for} s, less than the {needed} s verifiers may cache the key set; wait, or force it"
    )]
    NextTooYoung { published_for: i64, needed: i64 },
    /// The next key is young because another process rotated a moment ago (it retired the old active key
    /// when it published this next one): the rotation asked for has happened.
    #[error("another process has just rotated the keys")]
    JustRotated,
}

/// The next key that may be promoted now, or why none may.
pub fn promotable(
    keys: &[StoredSigningKey],
    now: i64,
    policy: &RotationPolicy,
    force: bool,
) -> Result<String, RotationRefused> {
    let next = keys
        .iter()
        .filter(|k| k.state == KeyState::Next)
        .min_by_key(|k| k.created_at)
        .ok_or(RotationRefused::NoNextKey)?;
    let published_for = now - next.created_at;
    if !force && published_for < policy.publication_lead {
        let made_by_a_rotation =
            keys.iter().any(|k| k.state == KeyState::Retired && k.retired_at.is_some_and(|at| at >= next.created_at));
        if made_by_a_rotation {
            return Err(RotationRefused::JustRotated);
        }
        return Err(RotationRefused::NextTooYoung { published_for, needed: policy.publication_lead });
    }
    Ok(next.kid.clone())
}

/// When the active key took over: the newest retirement, or the active key's creation for a new realm.
fn active_since(keys: &[StoredSigningKey]) -> Option<i64> {
    let active = keys.iter().filter(|k| k.state == KeyState::Active).map(|k| k.created_at).max()?;
    Some(keys.iter().filter_map(|k| k.retired_at).max().unwrap_or(active).max(active))
}

/// The next key to promote when the schedule says so.
pub fn scheduled_rotation(keys: &[StoredSigningKey], now: i64, policy: &RotationPolicy) -> Option<String> {
    let period = policy.period?;
    let since = active_since(keys)?;
    (now - since >= period).then(|| promotable(keys, now, policy, false).ok()).flatten()
}

/// Retired keys whose every token has expired: safe to unpublish.
pub fn expired_retired_keys(keys: &[StoredSigningKey], now: i64) -> Vec<String> {
    keys.iter()
        .filter(|k| k.state == KeyState::Retired && k.not_after.is_some_and(|t| t <= now))
        .map(|k| k.kid.clone())
        .collect()
}

/// The longest an access token of this realm can live: the realm's lifespan or any client's override.
pub fn max_token_lifetime(realm: &Realm, clients: &[Client]) -> i64 {
    let longest = clients.iter().filter_map(Client::access_token_lifespan).max().unwrap_or(0);
    realm.access_token_lifespan.max(longest) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_signing_key;
    use crate::model::SigningAlgorithm;
    use crate::secret::ServerSecrets;

    fn key(state: KeyState, created_at: i64) -> StoredSigningKey {
        let master = ServerSecrets::generate().unwrap().master_key();
        generate_signing_key("r", SigningAlgorithm::EdDsa, state, &master, created_at).unwrap()
    }

    const POLICY: RotationPolicy = RotationPolicy { period: Some(1000), publication_lead: 300 };

    #[test]
    fn a_next_key_signs_only_after_it_was_published_for_the_lead() {
        let keys = [key(KeyState::Active, 0), key(KeyState::Next, 100)];
        assert!(matches!(promotable(&keys, 399, &POLICY, false), Err(RotationRefused::NextTooYoung { .. })));
        assert_eq!(promotable(&keys, 400, &POLICY, false).unwrap(), keys[1].kid);
        assert_eq!(promotable(&keys, 101, &POLICY, true).unwrap(), keys[1].kid);
        assert_eq!(promotable(&keys[..1], 5000, &POLICY, true), Err(RotationRefused::NoNextKey));
    }

    #[test]
    fn a_next_key_made_by_a_rotation_a_moment_ago_means_that_rotation_happened_not_too_young() {
        let mut retired = key(KeyState::Retired, 0);
        retired.retired_at = Some(500);
        let keys = [retired, key(KeyState::Active, 100), key(KeyState::Next, 500)];
        assert_eq!(promotable(&keys, 500, &POLICY, false), Err(RotationRefused::JustRotated));
        assert_eq!(promotable(&keys, 800, &POLICY, false).unwrap(), keys[2].kid);
    }

    #[test]
    fn the_schedule_counts_from_the_last_rotation() {
        let mut retired = key(KeyState::Retired, 0);
        retired.retired_at = Some(2000);
        let keys = [retired, key(KeyState::Active, 10), key(KeyState::Next, 1500)];
        assert_eq!(scheduled_rotation(&keys, 2999, &POLICY), None);
        assert_eq!(scheduled_rotation(&keys, 3000, &POLICY), Some(keys[2].kid.clone()));
        let manual_only = RotationPolicy { period: None, ..POLICY };
        assert_eq!(scheduled_rotation(&keys, 1_000_000, &manual_only), None);
    }

    #[test]
    fn retired_keys_go_only_after_their_last_token_expired() {
        let mut retired = key(KeyState::Retired, 0);
        retired.not_after = Some(700);
        let keys = [retired, key(KeyState::Active, 10)];
        assert!(expired_retired_keys(&keys, 699).is_empty());
        assert_eq!(expired_retired_keys(&keys, 700), vec![keys[0].kid.clone()]);
    }
}
