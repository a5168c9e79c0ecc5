//! What a client that registers itself may ask for: realm attributes, read once per request. Keycloak
//! expresses this as client-registration policy components (Trusted Hosts, Allowed Client Scopes, Consent
//! Required, …); we keep the same decisions as five plain attributes, set with `tessera client
//! registration-policy` or the admin API's realm update, with safe defaults when they are absent.

use std::collections::BTreeMap;

use crate::client_auth::ClientAuthMethod;
use crate::request::GrantType;

/// Space-separated grant types a registered client may use. Default: `authorization_code refresh_token`
/// (never `password`, RFC 9700 §2.4; `client_credentials` only when listed).
pub const GRANT_TYPES_ATTRIBUTE: &str = "tessera.registration.grant-types";
/// Space-separated `token_endpoint_auth_method`s. Default: all we support.
pub const AUTH_METHODS_ATTRIBUTE: &str = "tessera.registration.auth-methods";
/// Space-separated client scopes a registered client may be given. Default: none (`openid` is always allowed).
pub const SCOPES_ATTRIBUTE: &str = "tessera.registration.scopes";
/// Space-separated hosts redirect URIs may name (`app.example.com`, or `*.example.com` for its subdomains).
/// Default: any host. Either way a redirect URI is https, or http on a loopback address (RFC 8252 §7.3).
pub const REDIRECT_HOSTS_ATTRIBUTE: &str = "tessera.registration.redirect-hosts";
/// `true` (the default) or `false`: registered clients ask users for consent (Keycloak's Consent Required).
pub const CONSENT_REQUIRED_ATTRIBUTE: &str = "tessera.registration.consent-required";

pub const POLICY_ATTRIBUTES: [&str; 5] = [
    GRANT_TYPES_ATTRIBUTE,
    AUTH_METHODS_ATTRIBUTE,
    SCOPES_ATTRIBUTE,
    REDIRECT_HOSTS_ATTRIBUTE,
    CONSENT_REQUIRED_ATTRIBUTE,
];

/// The grant types registration knows (token exchange is configured by an administrator, never registered).
pub const REGISTRABLE_GRANTS: [GrantType; 5] = [
    GrantType::AuthorizationCode,
    GrantType::RefreshToken,
    GrantType::ClientCredentials,
    GrantType::Password,
    GrantType::DeviceCode,
];

pub const AUTH_METHODS: [ClientAuthMethod; 5] = [
    ClientAuthMethod::ClientSecretBasic,
    ClientAuthMethod::ClientSecretPost,
    ClientAuthMethod::PrivateKeyJwt,
    ClientAuthMethod::ClientSecretJwt,
    ClientAuthMethod::None,
];

pub fn auth_method(name: &str) -> Option<ClientAuthMethod> {
    AUTH_METHODS.into_iter().find(|m| m.as_str() == name)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationPolicy {
    pub grant_types: Vec<GrantType>,
    pub auth_methods: Vec<ClientAuthMethod>,
    pub scopes: Vec<String>,
    /// Empty: any host.
    pub redirect_hosts: Vec<String>,
    pub consent_required: bool,
}

/// Why a policy attribute was refused (set through the CLI or the admin API).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{attribute}: {value:?} is not allowed here")]
pub struct PolicyError {
    pub attribute: &'static str,
    pub value: String,
}

impl RegistrationPolicy {
    /// The realm's policy; an unknown name in an attribute is skipped here (it is refused when set).
    pub fn of(attributes: &BTreeMap<String, String>) -> Self {
        let words = |name: &str| attributes.get(name).map(|v| v.split_whitespace().map(str::to_owned).collect());
        let grant_types = words(GRANT_TYPES_ATTRIBUTE)
            .map(|w: Vec<String>| w.iter().filter_map(|g| registrable_grant(g)).collect())
            .unwrap_or_else(|| vec![GrantType::AuthorizationCode, GrantType::RefreshToken]);
        let auth_methods = words(AUTH_METHODS_ATTRIBUTE)
            .map(|w: Vec<String>| w.iter().filter_map(|m| auth_method(m)).collect())
            .unwrap_or_else(|| AUTH_METHODS.to_vec());
        Self {
            grant_types,
            auth_methods,
            scopes: words(SCOPES_ATTRIBUTE).unwrap_or_default(),
            redirect_hosts: words(REDIRECT_HOSTS_ATTRIBUTE).unwrap_or_default(),
            consent_required: attributes.get(CONSENT_REQUIRED_ATTRIBUTE).is_none_or(|v| v != "false"),
        }
    }

    /// Checks a policy attribute's value before it is stored.
    pub fn check_attribute(attribute: &'static str, value: &str) -> Result<(), PolicyError> {
        let refuse = |v: &str| Err(PolicyError { attribute, value: v.to_owned() });
        for word in value.split_whitespace() {
            let known = match attribute {
                GRANT_TYPES_ATTRIBUTE => registrable_grant(word).is_some(),
                AUTH_METHODS_ATTRIBUTE => auth_method(word).is_some(),
                SCOPES_ATTRIBUTE => tessera_proto::ScopeSet::is_valid_token(word),
                REDIRECT_HOSTS_ATTRIBUTE => is_host_pattern(word),
                _ => true,
            };
            if !known {
                return refuse(word);
            }
        }
        if attribute == CONSENT_REQUIRED_ATTRIBUTE && !matches!(value, "true" | "false") {
            return refuse(value);
        }
        Ok(())
    }

    /// Whether a redirect URI's host is one the realm allows.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.redirect_hosts.is_empty()
            || self.redirect_hosts.iter().any(|allowed| match allowed.strip_prefix("*.") {
                Some(parent) => host.strip_suffix(parent).is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
                None => allowed.eq_ignore_ascii_case(&host),
            })
    }
}

fn registrable_grant(name: &str) -> Option<GrantType> {
    GrantType::parse(name).filter(|g| REGISTRABLE_GRANTS.contains(g))
}

fn is_host_pattern(word: &str) -> bool {
    let host = word.strip_prefix("*.").unwrap_or(word);
    !host.is_empty() && host.len() <= 253 && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(pairs: &[(&str, &str)]) -> RegistrationPolicy {
        RegistrationPolicy::of(&pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn the_default_policy_allows_no_password_or_client_credentials_grant_and_no_scope() {
        let p = policy(&[]);
        assert_eq!(p.grant_types, [GrantType::AuthorizationCode, GrantType::RefreshToken]);
        assert!(p.scopes.is_empty());
        assert!(p.consent_required);
        assert!(p.allows_host("anything.example"));
    }

    #[test]
    fn a_wildcard_host_allows_subdomains_only() {
        let p = policy(&[(REDIRECT_HOSTS_ATTRIBUTE, "*.example.com app.test")]);
        assert!(p.allows_host("a.example.com"));
        assert!(p.allows_host("APP.test"));
        assert!(!p.allows_host("example.com"));
        assert!(!p.allows_host("evilexample.com"));
        assert!(!p.allows_host("b.app.test"));
    }

    #[test]
    fn unknown_names_are_refused_when_set() {
        assert!(RegistrationPolicy::check_attribute(GRANT_TYPES_ATTRIBUTE, "client_credentials password").is_ok());
        assert!(RegistrationPolicy::check_attribute(GRANT_TYPES_ATTRIBUTE, "implicit").is_err());
        let exchange = "urn:ietf:params:oauth:grant-type:token-exchange";
        assert!(RegistrationPolicy::check_attribute(GRANT_TYPES_ATTRIBUTE, exchange).is_err());
        assert!(RegistrationPolicy::check_attribute(AUTH_METHODS_ATTRIBUTE, "tls_client_auth").is_err());
        assert!(RegistrationPolicy::check_attribute(CONSENT_REQUIRED_ATTRIBUTE, "yes").is_err());
        assert!(RegistrationPolicy::check_attribute(REDIRECT_HOSTS_ATTRIBUTE, "a/b").is_err());
    }
}
