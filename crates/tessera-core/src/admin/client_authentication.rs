//! How a client authenticates (Keycloak's `clientAuthenticatorType` and its attributes), set from the CLI
//! and checked here once: a registered JWK Set holds public signing keys only, a `jwks_uri` is an absolute
//! http(s) URL, a pinned algorithm is one the method allows.

use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};

use super::AdminError;
use crate::client_assertion::{CLIENT_SECRET_JWT_ALGS, PRIVATE_KEY_JWT_ALGS};
use crate::model::{AUTHENTICATOR_ATTRIBUTE, Client, ClientAuthenticator};
use crate::mtls::{SAN_ATTRIBUTES, SUBJECT_DN_ATTRIBUTE, SUBJECT_DN_REGEX_ATTRIBUTE, SanKind};

/// A registered set is a few keys: more is refused.
const MAX_JWKS_BYTES: usize = 64 * 1024;

/// The way a client is to authenticate from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuthentication {
    /// RFC 6749 §2.3.1: its secret (Basic or in the body).
    Secret,
    /// OIDC Core §9 `client_secret_jwt`: assertions keyed with its secret (the secret must then be
    /// regenerated, so that it is kept sealed).
    SecretJwt { alg: Option<String> },
    /// RFC 7523 §2.2 `private_key_jwt` with the public keys registered here.
    Jwks { set: String, alg: Option<String> },
    /// RFC 7523 §2.2 `private_key_jwt` with the keys the client publishes at this URL.
    JwksUri { uri: String, alg: Option<String> },
    /// RFC 8705 §2.1 `tls_client_auth` (Keycloak's `client-x509`): a certificate from the trusted client CA
    /// with this subject DN (a regular expression over the whole DN when `regex`).
    TlsSubjectDn { dn: String, regex: bool },
    /// RFC 8705 §2.1.2: ... or with this subject alternative name.
    TlsSan { kind: SanKind, value: String },
    /// RFC 8705 §2.2 `self_signed_tls_client_auth`: one of the certificates (`x5c`, `x5t#S256`) of this JWK Set.
    SelfSignedJwks { set: String },
    /// RFC 8705 §2.2 with the JWK Set the client publishes at this URL.
    SelfSignedJwksUri { uri: String },
}

const KEY_ATTRIBUTES: [&str; 11] = [
    "use.jwks.string",
    "jwks.string",
    "use.jwks.url",
    "jwks.url",
    "token.endpoint.auth.signing.alg",
    SUBJECT_DN_ATTRIBUTE,
    SUBJECT_DN_REGEX_ATTRIBUTE,
    SAN_ATTRIBUTES[0].0,
    SAN_ATTRIBUTES[1].0,
    SAN_ATTRIBUTES[2].0,
    SAN_ATTRIBUTES[3].0,
];

fn checked_alg(alg: Option<&String>, allowed: &[Algorithm]) -> Result<Option<String>, AdminError> {
    let Some(alg) = alg else { return Ok(None) };
    match alg.parse::<Algorithm>() {
        Ok(a) if allowed.contains(&a) => Ok(Some(alg.clone())),
        _ => Err(AdminError::Invalid(format!("algorithm {alg:?} is not allowed for this method"))),
    }
}

/// Parses a JWK Set to register: every key public (no `d`, no symmetric `oct`), at least one.
pub fn checked_jwks(set: &str) -> Result<(), AdminError> {
    let invalid = |why: &str| AdminError::Invalid(format!("the JWK Set {why}"));
    if set.len() > MAX_JWKS_BYTES {
        return Err(invalid("is larger than 64 KiB"));
    }
    let raw: serde_json::Value = serde_json::from_str(set).map_err(|_| invalid("is not JSON"))?;
    let keys = raw.get("keys").and_then(|k| k.as_array()).ok_or_else(|| invalid("has no \"keys\" array"))?;
    if keys.is_empty() {
        return Err(invalid("has no keys"));
    }
    if keys.iter().any(|k| k.get("d").is_some() || k.get("p").is_some() || k.get("k").is_some()) {
        return Err(invalid("holds private or symmetric key material: register public keys only"));
    }
    let parsed: JwkSet = serde_json::from_value(raw).map_err(|e| invalid(&format!("is not valid: {e}")))?;
    if parsed.keys.iter().any(|k| matches!(k.algorithm, AlgorithmParameters::OctetKey(_))) {
        return Err(invalid("holds a symmetric key"));
    }
    Ok(())
}

fn checked_uri(uri: &str) -> Result<(), AdminError> {
    let parsed = url::Url::parse(uri).map_err(|_| AdminError::Invalid(format!("{uri:?} is not a URL")))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host().is_none() {
        return Err(AdminError::Invalid("the jwks_uri must be an http(s) URL".into()));
    }
    Ok(())
}

/// RFC 8705 §3: whether every access token of the client must be bound to its certificate (Keycloak's
/// `tls.client.certificate.bound.access.tokens`).
pub fn set_certificate_bound_tokens(client: &mut Client, required: bool) {
    client.attributes.insert(crate::mtls::BOUND_TOKENS_ATTRIBUTE.to_owned(), required.to_string());
}

/// Sets `client`'s authenticator and its attributes, clearing those of the previous method.
pub fn set_client_authentication(client: &mut Client, how: &ClientAuthentication) -> Result<(), AdminError> {
    if client.public_client {
        return Err(AdminError::Invalid("a public client does not authenticate".into()));
    }
    let mut attributes: Vec<(&str, String)> = Vec::new();
    let authenticator = match how {
        ClientAuthentication::Secret => ClientAuthenticator::ClientSecret,
        ClientAuthentication::SecretJwt { alg } => {
            if let Some(alg) = checked_alg(alg.as_ref(), &CLIENT_SECRET_JWT_ALGS)? {
                attributes.push(("token.endpoint.auth.signing.alg", alg));
            }
            ClientAuthenticator::ClientSecretJwt
        }
        ClientAuthentication::Jwks { set, alg } => {
            checked_jwks(set)?;
            attributes.push(("use.jwks.string", "true".into()));
            attributes.push(("jwks.string", set.clone()));
            attributes.push(("use.jwks.url", "false".into()));
            if let Some(alg) = checked_alg(alg.as_ref(), &PRIVATE_KEY_JWT_ALGS)? {
                attributes.push(("token.endpoint.auth.signing.alg", alg));
            }
            ClientAuthenticator::ClientJwt
        }
        ClientAuthentication::JwksUri { uri, alg } => {
            checked_uri(uri)?;
            attributes.push(("use.jwks.url", "true".into()));
            attributes.push(("jwks.url", uri.clone()));
            if let Some(alg) = checked_alg(alg.as_ref(), &PRIVATE_KEY_JWT_ALGS)? {
                attributes.push(("token.endpoint.auth.signing.alg", alg));
            }
            ClientAuthenticator::ClientJwt
        }
        ClientAuthentication::TlsSubjectDn { dn, regex } => {
            if dn.trim().is_empty() || dn.len() > 1024 {
                return Err(AdminError::Invalid("the subject DN must be 1 to 1024 characters".into()));
            }
            if *regex && regex::Regex::new(dn).is_err() {
                return Err(AdminError::Invalid(format!("{dn:?} is not a regular expression")));
            }
            attributes.push((SUBJECT_DN_ATTRIBUTE, dn.clone()));
            attributes.push((SUBJECT_DN_REGEX_ATTRIBUTE, regex.to_string()));
            ClientAuthenticator::ClientX509
        }
        ClientAuthentication::TlsSan { kind, value } => {
            if value.trim().is_empty() || value.len() > 1024 {
                return Err(AdminError::Invalid("the subject alternative name must be 1 to 1024 characters".into()));
            }
            if *kind == SanKind::Ip && value.parse::<std::net::IpAddr>().is_err() {
                return Err(AdminError::Invalid(format!("{value:?} is not an IP address")));
            }
            let name = SAN_ATTRIBUTES.iter().find(|(_, k)| k == kind).map_or(SAN_ATTRIBUTES[0].0, |(n, _)| n);
            attributes.push((name, value.clone()));
            ClientAuthenticator::ClientX509
        }
        ClientAuthentication::SelfSignedJwks { set } => {
            checked_jwks(set)?;
            let parsed: JwkSet = serde_json::from_str(set).map_err(|_| AdminError::Invalid("bad JWK Set".into()))?;
            let has_certificate =
                parsed.keys.iter().any(|k| k.common.x509_chain.is_some() || k.common.x509_sha256_fingerprint.is_some());
            if !has_certificate {
                return Err(AdminError::Invalid("the JWK Set has no certificate (x5c or x5t#S256)".into()));
            }
            attributes.push(("use.jwks.string", "true".into()));
            attributes.push(("jwks.string", set.clone()));
            attributes.push(("use.jwks.url", "false".into()));
            ClientAuthenticator::SelfSignedX509
        }
        ClientAuthentication::SelfSignedJwksUri { uri } => {
            checked_uri(uri)?;
            attributes.push(("use.jwks.url", "true".into()));
            attributes.push(("jwks.url", uri.clone()));
            ClientAuthenticator::SelfSignedX509
        }
    };
    for name in KEY_ATTRIBUTES.iter().chain([&AUTHENTICATOR_ATTRIBUTE]) {
        client.attributes.remove(*name);
    }
    client.attributes.extend(attributes.into_iter().map(|(k, v)| (k.to_owned(), v)));
    if authenticator != ClientAuthenticator::ClientSecret {
        client.attributes.insert(AUTHENTICATOR_ATTRIBUTE.to_owned(), authenticator.as_str().to_owned());
    }
    Ok(())
}
