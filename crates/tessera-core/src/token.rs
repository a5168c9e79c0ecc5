//! Access tokens: JWTs in the RFC 9068 profile.

use tessera_proto::{AccessTokenClaims, Audience, ScopeSet};

use crate::keys::{KeyError, KeyRing, SigningKey};
use std::sync::Arc;

use crate::mappers::MappedClaims;
use crate::model::Resources;
use crate::model::{Client, Realm};
use crate::secret::random_token;

/// An access token's claims and the mapped ones, serialized as one object without copying either.
#[derive(serde::Serialize)]
struct WithMapped<'a> {
    #[serde(flatten)]
    claims: &'a AccessTokenClaims,
    #[serde(flatten)]
    mapped: &'a serde_json::Map<String, serde_json::Value>,
}

/// What goes into one access token, before signing.
#[derive(Debug)]
pub struct AccessTokenGrant<'a> {
    pub issuer: &'a str,
    pub realm: &'a Realm,
    pub client: &'a Client,
    /// RFC 9068 §2.2: for client credentials, an identifier of the client (its service-account user).
    pub subject: &'a str,
    pub preferred_username: Option<String>,
    pub scope: &'a ScopeSet,
    pub issued_at: i64,
    pub lifetime: u64,
    /// The SSO session of a person's token.
    pub session_id: Option<&'a str>,
    /// What the protocol mappers add: claims and audiences (shared: a service account's are made once).
    pub mapped: Arc<MappedClaims>,
    /// RFC 8707 §2: the resources asked for; when any, they are the whole `aud`.
    pub resources: &'a Resources,
    /// RFC 9449 §6.1: the thumbprint of the DPoP key the token is bound to (`cnf.jkt`).
    pub dpop_jkt: Option<&'a str>,
    /// RFC 8705 §3.1: the thumbprint of the client certificate the token is bound to (`cnf.x5t#S256`).
    pub cert_thumbprint: Option<&'a str>,
}

impl AccessTokenGrant<'_> {
    pub fn claims(&self) -> Result<AccessTokenClaims, KeyError> {
        let aud = self.resources.audience().unwrap_or_else(|| self.configured_audience());
        let preferred_username = self.mapped.preferred_username.clone().or_else(|| self.preferred_username.clone());
        Ok(AccessTokenClaims {
            iss: self.issuer.to_owned(),
            sub: self.subject.to_owned(),
            aud,
            exp: self.issued_at + self.lifetime as i64,
            iat: self.issued_at,
            nbf: None,
            // 128 bits: unique without coordination between nodes (RFC 7519 §4.1.7).
            jti: random_token(16).map_err(|_| KeyError::Sign)?,
            client_id: self.client.client_id.clone(),
            azp: Some(self.client.client_id.clone()),
            scope: self.scope.to_string(),
            typ: Some("Bearer".to_owned()),
            keycloak_client_id: Some(self.client.client_id.clone()),
            preferred_username,
            sid: self.session_id.map(str::to_owned),
            // The mapped claims are added when signing (`encode`), by reference; `cnf` (RFC 7800 §3.1) travels
            // here, so introspection shows it as it shows every other claim of the token.
            other: confirmation(self.dpop_jkt, self.cert_thumbprint)
                .map(|cnf| ("cnf".to_owned(), cnf))
                .into_iter()
                .collect(),
        })
    }

    /// Without resource indicators: the client's audiences and the mappers', else the issuer (RFC 9068 §3).
    fn configured_audience(&self) -> Audience {
        let mut audiences = self.client.audiences.clone();
        for a in &self.mapped.audiences {
            if !audiences.contains(a) {
                audiences.push(a.clone());
            }
        }
        match audiences.len() {
            0 => Audience::One(self.issuer.to_owned()),
            1 => Audience::One(audiences.swap_remove(0)),
            _ => Audience::Many(audiences),
        }
    }

    /// The JWS of `claims` (from [`Self::claims`], perhaps changed) with the mapped claims beside them.
    pub fn encode(&self, key: &SigningKey, claims: &AccessTokenClaims) -> Result<String, KeyError> {
        if self.mapped.claims.is_empty() {
            return key.sign_access_token(claims);
        }
        key.sign_access_token(&WithMapped { claims, mapped: &self.mapped.claims })
    }

    pub fn sign(&self, key: &SigningKey) -> Result<(String, AccessTokenClaims), KeyError> {
        let claims = self.claims()?;
        Ok((self.encode(key, &claims)?, claims))
    }
}

/// Whether `token` says it is an access token (a JWS whose header has `typ: at+jwt`, RFC 9068 §2.1), before
/// any verification: introspection and revocation look every other token up as a refresh token (ours are
/// JWT-shaped too, with `typ: JWT`, and older ones opaque).
pub fn is_access_token_shaped(token: &str) -> bool {
    token.contains('.')
        && jsonwebtoken::decode_header(token)
            .is_ok_and(|h| h.typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("at+jwt")))
}

/// Why one of our access tokens was not accepted. Never shown to clients (introspection answers only
/// `active: false`); kept for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    Malformed,
    WrongType,
    UnknownKey,
    BadSignature,
    WrongIssuer,
    Expired,
    NotYetValid,
}

/// The claims of a JWS signed by a published key of the realm, with that key's algorithm (never the
/// header's choice: no `none`, no HS256 keyed with a public key) and the expected `typ`. Time and issuer are
/// the caller's to check.
pub(crate) fn decode_signed<T: serde::de::DeserializeOwned>(
    keys: &KeyRing,
    token: &str,
    typ: &str,
) -> Result<T, TokenRejection> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRejection::Malformed)?;
    if header.typ.as_deref() != Some(typ) {
        return Err(TokenRejection::WrongType);
    }
    let kid = header.kid.ok_or(TokenRejection::UnknownKey)?;
    let key = keys.verifying(&kid).ok_or(TokenRejection::UnknownKey)?;
    let mut validation = jsonwebtoken::Validation::new(key.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<T>(token, &key.key, &validation).map(|d| d.claims).map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenRejection::BadSignature,
        _ => TokenRejection::Malformed,
    })
}

/// Verifies one of our access tokens: signed by a published key of the realm with that key's algorithm
/// (never the header's choice: no `none`, no HS256 keyed with a public key), `typ: at+jwt` (RFC 9068 §4),
/// our issuer, and valid at `now` (the clock is ours, so tests can move it).
pub fn verify_access_token(
    keys: &KeyRing,
    issuer: &str,
    token: &str,
    now: i64,
) -> Result<AccessTokenClaims, TokenRejection> {
    let claims: AccessTokenClaims = decode_signed(keys, token, "at+jwt")?;
    if claims.iss != issuer {
        return Err(TokenRejection::WrongIssuer);
    }
    if claims.exp <= now {
        return Err(TokenRejection::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf > now) {
        return Err(TokenRejection::NotYetValid);
    }
    Ok(claims)
}

/// RFC 7800 §3.1 `cnf`: the DPoP key (RFC 9449 §6.1 `jkt`) and the client certificate (RFC 8705 §3.1
/// `x5t#S256`) a token is bound to, when any.
pub(crate) fn confirmation(dpop_jkt: Option<&str>, cert_thumbprint: Option<&str>) -> Option<serde_json::Value> {
    let mut cnf = serde_json::Map::new();
    if let Some(jkt) = dpop_jkt {
        cnf.insert("jkt".to_owned(), jkt.into());
    }
    if let Some(x5t) = cert_thumbprint {
        cnf.insert("x5t#S256".to_owned(), x5t.into());
    }
    (!cnf.is_empty()).then_some(serde_json::Value::Object(cnf))
}
