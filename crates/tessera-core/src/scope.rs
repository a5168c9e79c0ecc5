//! Which scopes a client gets, with Keycloak's meaning of default and optional client scopes:
//! default scopes are always granted, optional ones only when requested, and a requested scope the client
//! is not assigned is refused (RFC 6749 §3.3, §5.2 `invalid_scope`).

use std::borrow::Cow;

use tessera_proto::ScopeSet;

use crate::OAuthError;
use crate::model::{Client, ClientScope};

/// `openid` is always accepted on request, as in Keycloak: it names the protocol, not a resource.
pub const OPENID: &str = "openid";

/// The scopes granted, and the subset written into the token's `scope` claim and response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedScopes {
    pub granted: ScopeSet,
    pub in_token: ScopeSet,
}

pub fn grant_scopes(
    client: &Client,
    requested: Option<&ScopeSet>,
    realm_scopes: &[ClientScope],
) -> Result<GrantedScopes, OAuthError> {
    let mut granted = ScopeSet::default();
    if let Some(requested) = requested {
        if requested.contains(OPENID) {
            granted.insert(OPENID);
        }
        for scope in requested.iter().filter(|s| *s != OPENID) {
            let assigned = client.default_scopes.iter().chain(&client.optional_scopes).any(|a| a == scope);
            if !assigned {
                return Err(OAuthError::InvalidScope(Cow::Owned(format!(
                    "scope {} is not allowed for this client",
                    scope.chars().take(64).collect::<String>()
                ))));
            }
        }
    }
    for scope in &client.default_scopes {
        granted.insert(scope);
    }
    if let Some(requested) = requested {
        for scope in requested.iter().filter(|s| client.optional_scopes.iter().any(|o| o == s)) {
            granted.insert(scope);
        }
    }
    let in_token = in_token_scope(&granted, realm_scopes);
    Ok(GrantedScopes { granted, in_token })
}

/// The granted scopes that appear in the token's `scope` claim (Keycloak's `include.in.token.scope`).
pub fn in_token_scope(granted: &ScopeSet, realm_scopes: &[ClientScope]) -> ScopeSet {
    granted
        .iter()
        .filter(|s| realm_scopes.iter().find(|d| d.name == *s).is_none_or(|d| d.include_in_token_scope))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provisioning::tests::client_with_scopes;

    #[test]
    fn defaults_always_optionals_on_request_others_refused() {
        let client = client_with_scopes(&["orders:read"], &["orders:write"]);
        let mut hidden = ClientScope::new("orders:read");
        hidden.include_in_token_scope = true;
        let none = grant_scopes(&client, None, &[]).unwrap();
        assert_eq!(none.granted.to_string(), "orders:read");
        let req = ScopeSet::parse("orders:write openid").unwrap();
        let both = grant_scopes(&client, Some(&req), &[hidden]).unwrap();
        assert_eq!(both.granted.to_string(), "openid orders:read orders:write");
        let bad = ScopeSet::parse("admin").unwrap();
        assert!(matches!(grant_scopes(&client, Some(&bad), &[]), Err(OAuthError::InvalidScope(_))));
    }

    #[test]
    fn scopes_not_included_in_token_scope_are_granted_but_not_listed() {
        let client = client_with_scopes(&["quiet", "loud"], &[]);
        let mut quiet = ClientScope::new("quiet");
        quiet.include_in_token_scope = false;
        let g = grant_scopes(&client, None, &[quiet]).unwrap();
        assert_eq!(g.granted.to_string(), "quiet loud");
        assert_eq!(g.in_token.to_string(), "loud");
    }
}
