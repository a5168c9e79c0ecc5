//! Per-user not-before instants in memory (Keycloak's user `notBefore`), so that introspection and userinfo
//! check them with a lookup. Each entry lives until every token it voids has expired, so the map holds at most
//! the users revoked within the longest token lifetime.

use std::collections::HashMap;
use std::sync::RwLock;

use tessera_core::model::UserNotBefore;

/// user id → (not-before, kept until), for one realm.
type RealmUsers = HashMap<String, (i64, i64)>;

/// realm id → its users' entries.
#[derive(Debug, Default)]
pub struct UserNotBeforeMap {
    entries: RwLock<HashMap<String, RealmUsers>>,
}

impl UserNotBeforeMap {
    /// The later of what is known and `e`: entries arrive twice (Redis and the database) and out of order.
    pub fn remember(&self, e: &UserNotBefore) {
        if let Ok(mut entries) = self.entries.write() {
            let slot = entries.entry(e.realm_id.clone()).or_default().entry(e.user_id.clone()).or_insert((i64::MIN, 0));
            *slot = (slot.0.max(e.not_before), slot.1.max(e.expires_at));
        }
    }

    /// A poisoned lock refuses every token (fails closed), as the denylist does.
    pub fn get(&self, realm_id: &str, user_id: &str) -> Option<i64> {
        match self.entries.read() {
            Ok(entries) => entries.get(realm_id).and_then(|users| users.get(user_id)).map(|(nb, _)| *nb),
            Err(_) => Some(i64::MAX),
        }
    }

    /// Forgets entries whose tokens have all expired.
    pub fn retain_unexpired(&self, now: i64) {
        if let Ok(mut entries) = self.entries.write() {
            entries.values_mut().for_each(|users| users.retain(|_, (_, until)| *until > now));
            entries.retain(|_, users| !users.is_empty());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(user: &str, not_before: i64, expires_at: i64) -> UserNotBefore {
        UserNotBefore { realm_id: "r".into(), user_id: user.into(), not_before, expires_at }
    }

    #[test]
    fn the_latest_not_before_wins_and_goes_once_its_tokens_expired() {
        let map = UserNotBeforeMap::default();
        assert_eq!(map.get("r", "u"), None);
        map.remember(&entry("u", 200, 500));
        map.remember(&entry("u", 100, 400));
        assert_eq!(map.get("r", "u"), Some(200), "an older entry arriving late changes nothing");
        assert_eq!(map.get("r", "other"), None);
        assert_eq!(map.get("other-realm", "u"), None);
        map.retain_unexpired(499);
        assert_eq!(map.get("r", "u"), Some(200));
        map.retain_unexpired(500);
        assert_eq!(map.get("r", "u"), None);
    }
}
