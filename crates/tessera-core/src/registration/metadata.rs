//! RFC 7591 §2 client metadata, checked against the realm's policy and turned into a client's settings,
//! and read back from a client for a client information response (§3.2.1).

use std::borrow::Cow;

use tessera_proto::ClientMetadata;
use url::Url;

use super::policy::{RegistrationPolicy, auth_method};
use crate::OAuthError;
use crate::admin::client_authentication::{ClientAuthentication, set_client_authentication};
use crate::client_auth::ClientAuthMethod;
use crate::device::DEVICE_GRANT_ATTRIBUTE;
use crate::grant::user_tokens::USE_REFRESH_TOKENS;
use crate::model::{Client, ClientAuthenticator, ClientKeySource, ClientScope};
use crate::redirect_uri::RedirectUri;
use crate::request::GrantType;
use crate::scope::OPENID;

/// Bounds on what one registration may carry (the body itself is bounded by the server).
const MAX_URIS: usize = 32;
const MAX_TEXT: usize = 255;

/// Reads one text member of the metadata.
type TextField = fn(&ClientMetadata) -> Option<&String>;

/// The client attributes that hold registered metadata (Keycloak's names where it has them).
const TEXT_ATTRIBUTES: [(&str, TextField); 6] = [
    ("clientUri", |m| m.client_uri.as_ref()),
    ("logoUri", |m| m.logo_uri.as_ref()),
    ("policyUri", |m| m.policy_uri.as_ref()),
    ("tosUri", |m| m.tos_uri.as_ref()),
    ("software_id", |m| m.software_id.as_ref()),
    ("software_version", |m| m.software_version.as_ref()),
];
const CONTACTS_ATTRIBUTE: &str = "contacts";

/// Registered metadata, checked: what a client's settings are set from.
#[derive(Debug, Clone)]
pub struct CheckedMetadata {
    pub redirect_uris: Vec<String>,
    pub grants: Vec<GrantType>,
    pub method: ClientAuthMethod,
    pub keys: Option<ClientAuthentication>,
    pub scopes: Vec<String>,
    pub name: Option<String>,
    pub attributes: Vec<(String, String)>,
}

fn metadata_error(d: impl Into<Cow<'static, str>>) -> OAuthError {
    OAuthError::InvalidClientMetadata(d.into())
}

fn redirect_error(d: impl Into<Cow<'static, str>>) -> OAuthError {
    OAuthError::InvalidRedirectUri(d.into())
}

fn shown(value: &str) -> String {
    value.chars().take(64).collect()
}

/// §2: every field checked against what we support and what the realm allows.
pub fn check(
    m: &ClientMetadata,
    policy: &RegistrationPolicy,
    realm_scopes: &[ClientScope],
) -> Result<CheckedMetadata, OAuthError> {
    let grant_names = m.grant_types.clone().unwrap_or_else(|| vec![GrantType::AuthorizationCode.as_str().to_owned()]);
    let mut grants = Vec::new();
    for name in &grant_names {
        let grant = GrantType::parse(name)
            .filter(|g| policy.grant_types.contains(g))
            .ok_or_else(|| metadata_error(format!("grant type {} is not allowed here", shown(name))))?;
        if !grants.contains(&grant) {
            grants.push(grant);
        }
    }
    let code = grants.contains(&GrantType::AuthorizationCode);
    // §2.1: response_types and grant_types must agree; only `code` is served (RFC 9700 §2.1.2).
    let response_types = m.response_types.clone().unwrap_or_else(|| if code { vec!["code".into()] } else { vec![] });
    if let Some(other) = response_types.iter().find(|r| r.as_str() != "code") {
        return Err(metadata_error(format!("response type {} is not supported", shown(other))));
    }
    if response_types.is_empty() == code {
        return Err(metadata_error(
            "response_types \"code\" goes with grant_types \"authorization_code\" (RFC 7591 §2.1)",
        ));
    }
    let method_name = m.token_endpoint_auth_method.as_deref().unwrap_or("client_secret_basic");
    let method = auth_method(method_name).filter(|a| policy.auth_methods.contains(a)).ok_or_else(|| {
        metadata_error(format!("token_endpoint_auth_method {} is not allowed here", shown(method_name)))
    })?;
    if method == ClientAuthMethod::None && grants.contains(&GrantType::ClientCredentials) {
        return Err(metadata_error("a client that does not authenticate cannot use client_credentials"));
    }
    let keys = check_keys(m, method)?;
    let redirect_uris = m.redirect_uris.clone().unwrap_or_default();
    if redirect_uris.len() > MAX_URIS {
        return Err(redirect_error("too many redirect_uris"));
    }
    for uri in &redirect_uris {
        check_redirect_uri(uri, policy)?;
    }
    if code && redirect_uris.is_empty() {
        return Err(redirect_error("redirect_uris is required for the authorization_code grant (RFC 7591 §2)"));
    }
    let mut scopes = Vec::new();
    for scope in m.scope.as_deref().unwrap_or_default().split_whitespace().filter(|s| *s != OPENID) {
        let allowed = policy.scopes.iter().any(|s| s == scope) && realm_scopes.iter().any(|s| s.name == scope);
        if !allowed {
            return Err(metadata_error(format!("scope {} is not allowed here", shown(scope))));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    let name = m.client_name.clone().filter(|n| !n.is_empty());
    let mut attributes = Vec::new();
    for (attribute, field) in TEXT_ATTRIBUTES {
        if let Some(value) = field(m) {
            check_text(attribute, value, attribute.ends_with("Uri"))?;
            attributes.push((attribute.to_owned(), value.clone()));
        }
    }
    if let Some(name) = &name {
        check_text("client_name", name, false)?;
    }
    if let Some(contacts) = &m.contacts {
        if contacts.len() > MAX_URIS {
            return Err(metadata_error("too many contacts"));
        }
        for c in contacts {
            check_text("contacts", c, false)?;
        }
        attributes.push((CONTACTS_ATTRIBUTE.to_owned(), contacts.join("##")));
    }
    Ok(CheckedMetadata { redirect_uris, grants, method, keys, scopes, name, attributes })
}

fn check_text(field: &str, value: &str, uri: bool) -> Result<(), OAuthError> {
    let bad = value.is_empty()
        || value.len() > if uri { RedirectUri::MAX_LEN } else { MAX_TEXT }
        || value.chars().any(char::is_control)
        || (uri && !Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "https" | "http")))
        || (!uri && value.contains("##"));
    if bad {
        return Err(metadata_error(format!("{field} is not valid")));
    }
    Ok(())
}

/// §2: `jwks_uri` and `jwks` "MUST NOT both be present"; `private_key_jwt` needs one of them.
fn check_keys(m: &ClientMetadata, method: ClientAuthMethod) -> Result<Option<ClientAuthentication>, OAuthError> {
    let keys = match (&m.jwks, &m.jwks_uri) {
        (Some(_), Some(_)) => return Err(metadata_error("jwks and jwks_uri must not both be present (RFC 7591 §2)")),
        (Some(set), None) => Some(ClientAuthentication::Jwks { set: set.to_string(), alg: None }),
        (None, Some(uri)) => Some(ClientAuthentication::JwksUri { uri: uri.clone(), alg: None }),
        (None, None) => None,
    };
    match (method, keys) {
        (ClientAuthMethod::PrivateKeyJwt, None) => Err(metadata_error("private_key_jwt needs jwks or jwks_uri")),
        (ClientAuthMethod::PrivateKeyJwt, keys) => Ok(keys),
        (_, Some(_)) => Err(metadata_error("jwks and jwks_uri are for private_key_jwt clients only")),
        (_, None) => Ok(None),
    }
}

/// RFC 6749 §3.1.2 and RFC 9700 §4.1: absolute, no fragment, no wildcard (Keycloak's patterns are for
/// administrators), https or http on a loopback address (RFC 8252 §7.3), on a host the realm allows.
fn check_redirect_uri(uri: &str, policy: &RegistrationPolicy) -> Result<(), OAuthError> {
    let refuse = |why: &str| Err(redirect_error(format!("redirect URI {} {why}", shown(uri))));
    let Some(parsed) = RedirectUri::parse(uri).and_then(|r| Url::parse(r.as_str()).ok()) else {
        return refuse("is not an absolute URI");
    };
    if parsed.fragment().is_some() || uri.contains('#') {
        return refuse("has a fragment (RFC 6749 §3.1.2)");
    }
    if uri.contains('*') || !parsed.username().is_empty() || parsed.password().is_some() {
        return refuse("may not hold a wildcard or user information");
    }
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return refuse("must use https (http only on a loopback address, RFC 8252 §7.3)"),
    }
    let host = parsed.host_str().unwrap_or_default();
    if !loopback && !policy.allows_host(host) {
        return refuse("names a host this realm does not allow");
    }
    Ok(())
}

/// The attributes a registration manages: cleared before an update applies the new metadata.
fn managed_attributes() -> impl Iterator<Item = &'static str> {
    TEXT_ATTRIBUTES.iter().map(|(a, _)| *a).chain([CONTACTS_ATTRIBUTE, USE_REFRESH_TOKENS, DEVICE_GRANT_ATTRIBUTE])
}

/// Sets the client's settings from checked metadata; the client's public/confidential kind is the caller's.
pub fn apply(checked: &CheckedMetadata, client: &mut Client, consent_required: bool) -> Result<(), OAuthError> {
    let has = |g: GrantType| checked.grants.contains(&g);
    client.name = checked.name.clone();
    client.redirect_uris = checked.redirect_uris.clone();
    client.standard_flow_enabled = has(GrantType::AuthorizationCode);
    client.direct_access_grants_enabled = has(GrantType::Password);
    client.service_accounts_enabled = has(GrantType::ClientCredentials) && !client.public_client;
    client.consent_required = consent_required && client.standard_flow_enabled;
    client.optional_scopes = checked.scopes.clone();
    for attribute in managed_attributes() {
        client.attributes.remove(attribute);
    }
    client.attributes.extend(checked.attributes.iter().cloned());
    let refresh = if has(GrantType::RefreshToken) { "true" } else { "false" };
    client.attributes.insert(USE_REFRESH_TOKENS.to_owned(), refresh.to_owned());
    if has(GrantType::DeviceCode) {
        client.attributes.insert(DEVICE_GRANT_ATTRIBUTE.to_owned(), "true".to_owned());
    }
    if !client.public_client {
        let how = match (&checked.keys, checked.method) {
            (Some(keys), _) => keys.clone(),
            (None, ClientAuthMethod::ClientSecretJwt) => ClientAuthentication::SecretJwt { alg: None },
            (None, _) => ClientAuthentication::Secret,
        };
        set_client_authentication(client, &how).map_err(|e| metadata_error(e.to_string()))?;
        // Which of Basic or the body a secret client uses is not enforced: both are RFC 6749 §2.3.1.
        client.attributes.insert(METHOD_ATTRIBUTE.to_owned(), checked.method.as_str().to_owned());
    }
    Ok(())
}

/// The registered `token_endpoint_auth_method`, remembered to be answered back as registered.
const METHOD_ATTRIBUTE: &str = "tessera.registration.auth-method";

/// The client's method as registration names it.
pub fn auth_method_of(client: &Client) -> ClientAuthMethod {
    if client.public_client {
        return ClientAuthMethod::None;
    }
    match client.authenticator() {
        ClientAuthenticator::ClientJwt => ClientAuthMethod::PrivateKeyJwt,
        ClientAuthenticator::ClientSecretJwt => ClientAuthMethod::ClientSecretJwt,
        ClientAuthenticator::ClientX509 => ClientAuthMethod::TlsClientAuth,
        ClientAuthenticator::SelfSignedX509 => ClientAuthMethod::SelfSignedTlsClientAuth,
        ClientAuthenticator::ClientSecret => {
            match client.attributes.get(METHOD_ATTRIBUTE).and_then(|m| auth_method(m)) {
                Some(ClientAuthMethod::ClientSecretPost) => ClientAuthMethod::ClientSecretPost,
                _ => ClientAuthMethod::ClientSecretBasic,
            }
        }
    }
}

/// §3.2.1: the client's metadata as it is now registered.
pub fn metadata_of(client: &Client) -> ClientMetadata {
    let mut grants = Vec::new();
    let mut push = |on: bool, g: GrantType| {
        if on {
            grants.push(g.as_str().to_owned());
        }
    };
    push(client.standard_flow_enabled, GrantType::AuthorizationCode);
    push(client.attributes.get(USE_REFRESH_TOKENS).is_none_or(|v| v != "false"), GrantType::RefreshToken);
    push(client.service_accounts_enabled, GrantType::ClientCredentials);
    push(client.direct_access_grants_enabled, GrantType::Password);
    push(crate::device::device_grant_enabled(client), GrantType::DeviceCode);
    let attr = |name: &str| client.attributes.get(name).cloned();
    let (jwks, jwks_uri) = match client.key_source() {
        Some(ClientKeySource::Inline(set)) => (serde_json::from_str(set).ok(), None),
        Some(ClientKeySource::Uri(uri)) => (None, Some(uri.to_owned())),
        None => (None, None),
    };
    let scopes: Vec<&str> = client.default_scopes.iter().chain(&client.optional_scopes).map(String::as_str).collect();
    ClientMetadata {
        redirect_uris: Some(client.redirect_uris.clone()),
        token_endpoint_auth_method: Some(auth_method_of(client).as_str().to_owned()),
        grant_types: Some(grants),
        response_types: Some(if client.standard_flow_enabled { vec!["code".to_owned()] } else { vec![] }),
        client_name: client.name.clone(),
        client_uri: attr("clientUri"),
        logo_uri: attr("logoUri"),
        scope: (!scopes.is_empty()).then(|| scopes.join(" ")),
        contacts: attr(CONTACTS_ATTRIBUTE).map(|c| c.split("##").map(str::to_owned).collect()),
        tos_uri: attr("tosUri"),
        policy_uri: attr("policyUri"),
        jwks_uri,
        jwks,
        software_id: attr("software_id"),
        software_version: attr("software_version"),
        client_id: None,
        client_secret: None,
    }
}
