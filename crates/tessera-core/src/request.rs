//! Token requests parsed from form pairs (RFC 6749 §3.2, §4.4.2): parse, don't validate.

use std::borrow::Cow;

use secrecy::SecretString;
use tessera_proto::ScopeSet;

use crate::OAuthError;
use crate::model::Resources;
use crate::redirect_uri::RedirectUri;

/// The longest value (in bytes) each parameter may have where a request enters: our own codes, refresh
/// tokens and CSRF tokens are 43 characters; JWTs (`token`, `id_token_hint`) a few KB. Anything longer is
/// refused before it is looked up, cached, logged or audited.
fn max_len(name: &str) -> usize {
    match name {
        "grant_type"
        | "response_type"
        | "response_mode"
        | "prompt"
        | "max_age"
        | "code_challenge_method"
        | "action"
        | "token_type_hint" => 64,
        // RFC 7636 §4.1: 43 to 128 characters; §4.2: the challenge is shorter still.
        "code_verifier" | "code_challenge" => 128,
        "code" | "csrf" | "device_code" => 256,
        "user_code" => 64,
        "client_id" | "username" | "login_hint" | "audience" => 255,
        "client_secret" | "nonce" => 512,
        "password" | "password-new" | "password-confirm" => 1024,
        "state" | "redirect_uri" | "post_logout_redirect_uri" => RedirectUri::MAX_LEN,
        "scope" => 16 * 1024,
        // Refresh tokens are JWT-shaped, with their scope inside (see `grant::user_tokens`).
        "token" | "id_token_hint" | "access_token" | "refresh_token" | "pending" | "subject_token" | "actor_token" => {
            16 * 1024
        }
        _ => 8 * 1024,
    }
}

/// The parameters a request may repeat: RFC 8707 §2's `resource` (one per target).
const REPEATABLE: [&str; 1] = ["resource"];

/// `application/x-www-form-urlencoded` pairs with RFC 6749 §3.2's rules applied: a repeated parameter is
/// refused (except those of [`REPEATABLE`]), and one sent without a value is treated as omitted.
#[derive(Debug, Clone, Default)]
pub struct FormParams(Vec<(String, String)>);

impl FormParams {
    /// Parses `application/x-www-form-urlencoded` bytes (a body or a query string).
    pub fn from_urlencoded(bytes: &[u8]) -> Result<Self, OAuthError> {
        Self::new(form_urlencoded::parse(bytes).into_owned().collect())
    }

    pub fn new(pairs: Vec<(String, String)>) -> Result<Self, OAuthError> {
        // A set, not pairwise comparison: a 64 KiB body can hold thousands of pairs.
        let mut seen = std::collections::HashSet::with_capacity(pairs.len());
        let repeated =
            pairs.iter().find(|(name, _)| !REPEATABLE.contains(&name.as_str()) && !seen.insert(name.as_str()));
        if let Some((name, _)) = repeated {
            let name: String = name.chars().take(64).collect();
            return Err(OAuthError::InvalidRequest(Cow::Owned(format!("parameter {name} is repeated"))));
        }
        if let Some((name, _)) = pairs.iter().find(|(name, value)| value.len() > max_len(name)) {
            let name: String = name.chars().take(64).collect();
            return Err(OAuthError::InvalidRequest(Cow::Owned(format!("parameter {name} is too long"))));
        }
        Ok(Self(pairs))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    /// Every non-empty value of a repeatable parameter, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    /// The pairs as received (a pushed authorization request keeps them for the authorization endpoint).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    fn require(&self, name: &'static str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| OAuthError::InvalidRequest(Cow::Owned(format!("missing parameter {name}"))))
    }
}

/// The grant types the token endpoint accepts (RFC 6749 §4 and §6), by their `grant_type` names: parsing
/// and discovery's `grant_types_supported` both read this one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    AuthorizationCode,
    ClientCredentials,
    RefreshToken,
    Password,
    /// RFC 8628 §3.4
    DeviceCode,
    /// RFC 8693 §2.1
    TokenExchange,
}

impl GrantType {
    pub const ALL: [GrantType; 6] = [
        GrantType::AuthorizationCode,
        GrantType::ClientCredentials,
        GrantType::RefreshToken,
        GrantType::Password,
        GrantType::DeviceCode,
        GrantType::TokenExchange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::RefreshToken => "refresh_token",
            GrantType::Password => "password",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
            GrantType::TokenExchange => "urn:ietf:params:oauth:grant-type:token-exchange",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == name)
    }
}

/// A token request, one variant per supported grant type.
#[derive(Debug, Clone)]
pub enum TokenRequest {
    /// RFC 6749 §4.4.2
    ClientCredentials { scope: Option<ScopeSet>, resource: Resources },
    /// RFC 6749 §4.1.3, RFC 7636 §4.5
    AuthorizationCode {
        code: String,
        redirect_uri: Option<RedirectUri>,
        code_verifier: Option<String>,
        resource: Resources,
    },
    /// RFC 6749 §6
    RefreshToken { refresh_token: String, scope: Option<ScopeSet>, resource: Resources },
    /// RFC 6749 §4.3.2
    Password { username: String, password: SecretString, scope: Option<ScopeSet>, resource: Resources },
    /// RFC 8628 §3.4
    DeviceCode { device_code: String, resource: Resources },
    /// RFC 8693 §2.1
    TokenExchange(TokenExchangeRequest),
}

/// The parameters of RFC 8693 §2.1, as sent; [`crate::grant::token_exchange`] decides what it accepts.
#[derive(Debug, Clone)]
pub struct TokenExchangeRequest {
    pub subject_token: String,
    pub subject_token_type: String,
    pub requested_token_type: Option<String>,
    pub audience: Option<String>,
    pub resource: Resources,
    pub scope: Option<ScopeSet>,
    pub actor_token: Option<String>,
    pub actor_token_type: Option<String>,
    /// Keycloak's impersonation parameter (legacy token exchange).
    pub requested_subject: Option<String>,
    /// Keycloak's parameters for exchanges with other identity providers.
    pub requested_issuer: Option<String>,
    pub subject_issuer: Option<String>,
}

impl TokenRequest {
    pub fn parse(form: &FormParams) -> Result<Self, OAuthError> {
        let name = form.require("grant_type")?;
        let Some(grant_type) = GrantType::parse(name) else {
            return Err(OAuthError::UnsupportedGrantType(Cow::Owned(format!(
                "grant type {} is not supported",
                name.chars().take(64).collect::<String>()
            ))));
        };
        // RFC 8707 §2: checked against the client by each grant; malformed values are refused here.
        let resource = parse_resources(form)?;
        match grant_type {
            GrantType::ClientCredentials => Ok(Self::ClientCredentials { scope: parse_scope(form)?, resource }),
            GrantType::AuthorizationCode => Ok(Self::AuthorizationCode {
                code: form.require("code")?.to_owned(),
                redirect_uri: form
                    .get("redirect_uri")
                    .map(|r| RedirectUri::parse(r).ok_or(OAuthError::invalid_request("the redirect_uri is malformed")))
                    .transpose()?,
                code_verifier: form.get("code_verifier").map(str::to_owned),
                resource,
            }),
            GrantType::RefreshToken => Ok(Self::RefreshToken {
                refresh_token: form.require("refresh_token")?.to_owned(),
                scope: parse_scope(form)?,
                resource,
            }),
            GrantType::Password => Ok(Self::Password {
                username: form.require("username")?.to_owned(),
                password: SecretString::from(form.require("password")?.to_owned()),
                scope: parse_scope(form)?,
                resource,
            }),
            GrantType::DeviceCode => {
                Ok(Self::DeviceCode { device_code: form.require("device_code")?.to_owned(), resource })
            }
            GrantType::TokenExchange => {
                let owned = |name: &str| form.get(name).map(str::to_owned);
                Ok(Self::TokenExchange(TokenExchangeRequest {
                    subject_token: form.require("subject_token")?.to_owned(),
                    subject_token_type: form.require("subject_token_type")?.to_owned(),
                    requested_token_type: owned("requested_token_type"),
                    audience: owned("audience"),
                    resource,
                    scope: parse_scope(form)?,
                    actor_token: owned("actor_token"),
                    actor_token_type: owned("actor_token_type"),
                    requested_subject: owned("requested_subject"),
                    requested_issuer: owned("requested_issuer"),
                    subject_issuer: owned("subject_issuer"),
                }))
            }
        }
    }
}

/// Every `resource` of a form (the parameter may repeat, RFC 8707 §2); a malformed one is `invalid_target`.
pub fn parse_resources(form: &FormParams) -> Result<Resources, OAuthError> {
    Resources::parse(form.get_all("resource"))
        .ok_or(OAuthError::InvalidTarget(Cow::Borrowed("resource must be at most 16 absolute URIs without a fragment")))
}

fn parse_scope(form: &FormParams) -> Result<Option<ScopeSet>, OAuthError> {
    form.get("scope")
        .map(|raw| {
            ScopeSet::parse(raw)
                .map_err(|_| OAuthError::InvalidScope(Cow::Borrowed("the scope parameter is malformed")))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Result<FormParams, OAuthError> {
        FormParams::new(pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect())
    }

    #[test]
    fn repeated_parameters_are_refused_rfc6749_3_2() {
        let err = form(&[("grant_type", "client_credentials"), ("grant_type", "client_credentials")]).unwrap_err();
        assert!(matches!(err, OAuthError::InvalidRequest(_)));
    }

    #[test]
    fn empty_values_count_as_omitted_rfc6749_3_2() {
        let f = form(&[("grant_type", "client_credentials"), ("scope", "")]).unwrap();
        assert!(matches!(TokenRequest::parse(&f).unwrap(), TokenRequest::ClientCredentials { scope: None, .. }));
        let f = form(&[("grant_type", "")]).unwrap();
        assert!(matches!(TokenRequest::parse(&f), Err(OAuthError::InvalidRequest(_))));
    }

    #[test]
    fn code_grant_needs_a_code_rfc6749_4_1_3() {
        let f = form(&[("grant_type", "authorization_code"), ("redirect_uri", "https://a/cb")]).unwrap();
        assert!(matches!(TokenRequest::parse(&f), Err(OAuthError::InvalidRequest(_))));
        let f = form(&[("grant_type", "authorization_code"), ("code", "c"), ("code_verifier", "v")]).unwrap();
        let TokenRequest::AuthorizationCode { code, redirect_uri, code_verifier, .. } =
            TokenRequest::parse(&f).unwrap()
        else {
            panic!("a code request")
        };
        assert_eq!((code.as_str(), redirect_uri, code_verifier.as_deref()), ("c", None, Some("v")));
    }

    #[test]
    fn resource_may_repeat_and_must_be_an_absolute_uri_rfc8707_2() {
        let f = form(&[("grant_type", "client_credentials"), ("resource", "https://a/"), ("resource", "https://b/")])
            .unwrap();
        let TokenRequest::ClientCredentials { resource, .. } = TokenRequest::parse(&f).unwrap() else {
            panic!("a client credentials request")
        };
        assert_eq!(resource.iter().collect::<Vec<_>>(), ["https://a/", "https://b/"]);
        let f = form(&[("grant_type", "client_credentials"), ("resource", "api")]).unwrap();
        assert!(matches!(TokenRequest::parse(&f), Err(OAuthError::InvalidTarget(_))));
    }

    #[test]
    fn unknown_grant_type_is_unsupported_rfc6749_5_2() {
        let f = form(&[("grant_type", "urn:example:nothing")]).unwrap();
        assert!(matches!(TokenRequest::parse(&f), Err(OAuthError::UnsupportedGrantType(_))));
    }

    #[test]
    fn malformed_scope_is_invalid_scope_rfc6749_3_3() {
        let f = form(&[("grant_type", "client_credentials"), ("scope", "a\\b")]).unwrap();
        assert!(matches!(TokenRequest::parse(&f), Err(OAuthError::InvalidScope(_))));
    }
}
