//! Users, their single sign-on sessions and failed sign-in counts.

use std::collections::BTreeMap;

use super::roles::RoleMappings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub realm_id: String,
    pub username: String,
    pub enabled: bool,
    pub email: Option<String>,
    pub email_verified: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: Option<String>,
    /// Set on the service-account user of a client.
    pub service_account_client_id: Option<String>,
    /// Keycloak's required actions, by Keycloak's names: what the user must do at the next sign-in before
    /// being let through. [`UPDATE_PASSWORD`] is acted on; others are kept as imported.
    pub required_actions: Vec<String>,
    pub created_at: i64,
    /// Keycloak's user attributes (multi-valued), read by attribute mappers.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Roles and groups mapped to the user directly.
    pub roles: RoleMappings,
}

/// The user must choose a new password at the next sign-in (a temporary password, Keycloak's
/// `"temporary": true` credential or `UPDATE_PASSWORD` required action).
pub const UPDATE_PASSWORD: &str = "UPDATE_PASSWORD";

impl User {
    pub fn must_update_password(&self) -> bool {
        self.required_actions.iter().any(|a| a == UPDATE_PASSWORD)
    }
}

/// A single sign-on session: what the browser's session cookie stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    /// Public: the `sid` claim.
    pub id: String,
    /// SHA-256 of the cookie value; the cookie itself is never stored.
    pub cookie_hash: String,
    pub realm_id: String,
    pub user_id: String,
    pub auth_time: i64,
    pub last_seen_at: i64,
    pub ended_at: Option<i64>,
}

/// Failed sign-in attempts counted for one key (a user or a source address) in a window that starts at
/// the first failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub failures: u32,
    pub window_start: i64,
}

/// A search over a realm's people (service accounts are never listed), Keycloak's way: each field a
/// case-insensitive pattern where `*` is any text and the value is a prefix unless `exact` (then whole).
/// `search` matches username, email, first or last name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSearch {
    pub search: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub exact: bool,
    pub offset: u64,
    pub limit: u64,
}

impl UserSearch {
    /// The SQL `LIKE` pattern (escape character `\`) of one field: lower case, `*` as `%`, `%` and `_`
    /// taken literally; a prefix unless exact.
    pub fn like_pattern(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len() + 1);
        let mut open_end = false;
        for c in value.to_lowercase().chars() {
            open_end = c == '*';
            match c {
                '*' => out.push('%'),
                '%' | '_' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        if !self.exact && !open_end {
            out.push('%');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_values_are_prefixes_with_star_wildcards_and_like_metacharacters_taken_literally() {
        let prefix = UserSearch::default();
        assert_eq!(prefix.like_pattern("Gra"), "gra%");
        assert_eq!(prefix.like_pattern("*hop*"), "%hop%");
        assert_eq!(prefix.like_pattern("50%_off"), "50\\%\\_off%");
        let exact = UserSearch { exact: true, ..UserSearch::default() };
        assert_eq!(exact.like_pattern("Grace"), "grace");
    }
}
