//! How a client authenticates (Keycloak's `clientAuthenticatorType` and its attributes), set from the CLI
//! and checked here once: a registered JWK Set holds public signing keys only, a `jwks_uri` is an absolute
//! http(s) URL, a pinned algorithm is one the method allows.

use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};

use super::AdminError;
use crate::client_assertion::{CLIENT_SECRET_JWT_ALGS, PRIVATE_KEY_JWT_ALGS};
use crate::model::{AUTHENTICATOR_ATTRIBUTE, Client, ClientAuthenticator};

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
}

const KEY_ATTRIBUTES: [&str; 5] =
    ["use.jwks.string", "jwks.string", "use.jwks.url", "jwks.url", "token.endpoint.auth.signing.alg"];

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
            let parsed = url::Url::parse(uri).map_err(|_| AdminError::Invalid(format!("{uri:?} is not a URL")))?;
            if !matches!(parsed.scheme(), "https" | "http") || parsed.host().is_none() {
                return Err(AdminError::Invalid("the jwks_uri must be an http(s) URL".into()));
            }
            attributes.push(("use.jwks.url", "true".into()));
            attributes.push(("jwks.url", uri.clone()));
            if let Some(alg) = checked_alg(alg.as_ref(), &PRIVATE_KEY_JWT_ALGS)? {
                attributes.push(("token.endpoint.auth.signing.alg", alg));
            }
            ClientAuthenticator::ClientJwt
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
