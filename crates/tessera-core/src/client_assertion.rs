//! RFC 7523 §2.2 and §3, OIDC Core §9: a client authenticates with a JWT it signed, either with a private
//! key whose public half it registered (`private_key_jwt`) or with HMAC keyed with its secret
//! (`client_secret_jwt`).

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::model::{Client, ClientAuthenticator, ClientKeySource, RealmContext};
use crate::ports::{ClientJwks, ReplayCache};

/// RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How far ahead `exp` may be (RFC 7523 §3 item 4 lets the server bound it): a long-lived assertion is a
/// replayable credential in all but name.
pub const MAX_LIFETIME: i64 = 300;
/// Tolerated clock difference for `iat` and `nbf` in the future.
const CLOCK_SKEW: i64 = 10;
/// Larger assertions are refused before any parsing.
const MAX_ASSERTION_BYTES: usize = 16 * 1024;
/// A `jti` is a key of the shared replay cache: bounded.
const MAX_JTI_BYTES: usize = 256;
/// The token endpoint's path under the issuer: `aud` may name it (RFC 7523 §3 item 3). The server's route
/// table has the same path; a test proves discovery's `token_endpoint` is accepted.
const TOKEN_ENDPOINT_PATH: &str = "/protocol/openid-connect/token";
/// A set without `kid`s is tried key by key, up to this many.
const MAX_CANDIDATE_KEYS: usize = 8;

/// `private_key_jwt`: asymmetric algorithms only (never `none`, never HMAC with a public key).
pub const PRIVATE_KEY_JWT_ALGS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];
/// `client_secret_jwt`: HMAC keyed with the client secret (OIDC Core §9).
pub const CLIENT_SECRET_JWT_ALGS: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

/// Why an assertion was refused: logged and audited, never shown (the client sees `invalid_client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssertionRejection {
    #[error("the assertion is not a well-formed JWS")]
    Malformed,
    #[error("the client does not authenticate with this method")]
    WrongMethod,
    #[error("the algorithm is not allowed for this client")]
    AlgorithmNotAllowed,
    #[error("no registered key matches the assertion")]
    UnknownKey,
    #[error("the client's keys could not be read")]
    NoKeys,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("iss and sub must both be the client_id (RFC 7523 §3 items 1, 2)")]
    NotTheClient,
    #[error("aud names neither the issuer nor the token endpoint (RFC 7523 §3 item 3)")]
    WrongAudience,
    #[error("exp is missing (RFC 7523 §3 item 4)")]
    MissingExpiry,
    #[error("the assertion has expired (RFC 7523 §3 item 4)")]
    Expired,
    #[error("exp is more than 5 minutes ahead")]
    ExpiresTooLate,
    #[error("nbf or iat is in the future (RFC 7523 §3 items 5, 6)")]
    NotYetValid,
    #[error("jti is missing or too long (OIDC Core §9)")]
    MissingJti,
    #[error("the jti was used before (RFC 7523 §3 item 7)")]
    Replayed,
}

/// An assertion as presented: its header and the `sub` that names the client read, nothing trusted yet.
#[derive(Debug)]
pub struct ClientAssertion {
    token: String,
    header: Header,
    subject: String,
}

#[derive(Deserialize)]
struct Named {
    sub: Option<String>,
}

impl ClientAssertion {
    /// `None` when it is not a JWS with a `sub` (RFC 7521 §4.2: the assertion, not `client_id`, names the
    /// client).
    pub fn parse(token: &str) -> Option<Self> {
        if token.len() > MAX_ASSERTION_BYTES {
            return None;
        }
        let header = jsonwebtoken::decode_header(token).ok()?;
        let named: Named = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
        Some(Self { token: token.to_owned(), header, subject: named.sub.filter(|s| !s.is_empty())? })
    }

    /// The client the assertion says it comes from (unverified).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Signed with HMAC: `client_secret_jwt`; else `private_key_jwt`.
    pub fn is_hmac(&self) -> bool {
        CLIENT_SECRET_JWT_ALGS.contains(&self.header.alg)
    }
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Audience {
    #[default]
    Missing,
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn values(&self) -> &[String] {
        match self {
            Self::Missing => &[],
            Self::One(a) => std::slice::from_ref(a),
            Self::Many(a) => a,
        }
    }
}

#[derive(Deserialize)]
struct AssertionClaims {
    iss: Option<String>,
    sub: Option<String>,
    #[serde(default)]
    aud: Audience,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    jti: Option<String>,
}

/// What checking an assertion needs besides the assertion and the client.
pub struct AssertionCheck<'a> {
    pub realm: &'a RealmContext,
    pub jwks: &'a dyn ClientJwks,
    pub replay: &'a dyn ReplayCache,
    pub now: i64,
}

impl AssertionCheck<'_> {
    /// RFC 7523 §3: the signature (with a key the client registered, or its secrets for
    /// `client_secret_jwt`), the claims, then the `jti` claimed once in the replay cache.
    pub async fn verify(
        &self,
        assertion: &ClientAssertion,
        client: &Client,
        secrets: &[SecretString],
    ) -> Result<(), AssertionRejection> {
        let alg = assertion.header.alg;
        if client.assertion_signing_alg().is_some_and(|wanted| wanted.parse::<Algorithm>() != Ok(alg)) {
            return Err(AssertionRejection::AlgorithmNotAllowed);
        }
        let claims = match client.authenticator() {
            ClientAuthenticator::ClientJwt => {
                if !PRIVATE_KEY_JWT_ALGS.contains(&alg) {
                    return Err(AssertionRejection::AlgorithmNotAllowed);
                }
                self.verify_with_registered_keys(assertion, client).await?
            }
            ClientAuthenticator::ClientSecretJwt => {
                if !CLIENT_SECRET_JWT_ALGS.contains(&alg) {
                    return Err(AssertionRejection::AlgorithmNotAllowed);
                }
                let keys = secrets.iter().map(|s| DecodingKey::from_secret(s.expose_secret().as_bytes()));
                verify_with_any(assertion, keys)?
            }
            ClientAuthenticator::ClientSecret
            | ClientAuthenticator::ClientX509
            | ClientAuthenticator::SelfSignedX509 => return Err(AssertionRejection::WrongMethod),
        };
        let (jti, exp) = self.check_claims(&claims, client)?;
        // RFC 7523 §3 item 7: one use, remembered until it expires (then `exp` refuses it anyway).
        let key = format!("client-assertion:{}:{}:{jti}", client.realm_id, client.client_id);
        if !self.replay.first_use(&key, exp + CLOCK_SKEW).await {
            return Err(AssertionRejection::Replayed);
        }
        Ok(())
    }

    /// The registered set, fetched again once (rate limited by the fetcher) when no key has the `kid`:
    /// the client may have rotated its keys at its `jwks_uri`.
    async fn verify_with_registered_keys(
        &self,
        assertion: &ClientAssertion,
        client: &Client,
    ) -> Result<AssertionClaims, AssertionRejection> {
        match client.key_source().ok_or(AssertionRejection::NoKeys)? {
            ClientKeySource::Inline(json) => {
                let set: JwkSet = serde_json::from_str(json).map_err(|_| AssertionRejection::NoKeys)?;
                verify_with_set(assertion, &set)
            }
            ClientKeySource::Uri(uri) => {
                let set = self.jwks.jwks(uri, false).await.map_err(|_| AssertionRejection::NoKeys)?;
                match verify_with_set(assertion, &set) {
                    Err(AssertionRejection::UnknownKey) => {
                        let set = self.jwks.jwks(uri, true).await.map_err(|_| AssertionRejection::NoKeys)?;
                        verify_with_set(assertion, &set)
                    }
                    other => other,
                }
            }
        }
    }

    /// RFC 7523 §3 items 1 to 6 and OIDC Core §9's required `jti`; returns the `jti` and `exp`.
    fn check_claims<'c>(&self, c: &'c AssertionClaims, client: &Client) -> Result<(&'c str, i64), AssertionRejection> {
        let is_client = |v: &Option<String>| v.as_deref() == Some(client.client_id.as_str());
        if !is_client(&c.iss) || !is_client(&c.sub) {
            return Err(AssertionRejection::NotTheClient);
        }
        let issuer = self.realm.issuer.as_str();
        let names_us = |a: &String| a == issuer || a.strip_prefix(issuer) == Some(TOKEN_ENDPOINT_PATH);
        if !c.aud.values().iter().any(names_us) {
            return Err(AssertionRejection::WrongAudience);
        }
        let exp = c.exp.ok_or(AssertionRejection::MissingExpiry)?;
        if exp <= self.now {
            return Err(AssertionRejection::Expired);
        }
        if exp > self.now + MAX_LIFETIME {
            return Err(AssertionRejection::ExpiresTooLate);
        }
        if [c.nbf, c.iat].into_iter().flatten().any(|t| t > self.now + CLOCK_SKEW) {
            return Err(AssertionRejection::NotYetValid);
        }
        let jti = c.jti.as_deref().filter(|j| !j.is_empty() && j.len() <= MAX_JTI_BYTES);
        Ok((jti.ok_or(AssertionRejection::MissingJti)?, exp))
    }
}

/// The key of `set` the assertion names by `kid`, or, without a `kid`, each key that fits the algorithm.
fn verify_with_set(assertion: &ClientAssertion, set: &JwkSet) -> Result<AssertionClaims, AssertionRejection> {
    let alg = assertion.header.alg;
    let fitting = set.keys.iter().filter(|k| fits(k, alg));
    let keys: Vec<DecodingKey> = match assertion.header.kid.as_deref() {
        Some(kid) => {
            fitting.filter(|k| k.common.key_id.as_deref() == Some(kid)).take(1).filter_map(decoding_key).collect()
        }
        None => fitting.take(MAX_CANDIDATE_KEYS).filter_map(decoding_key).collect(),
    };
    if keys.is_empty() {
        return Err(AssertionRejection::UnknownKey);
    }
    verify_with_any(assertion, keys.into_iter())
}

fn decoding_key(jwk: &Jwk) -> Option<DecodingKey> {
    DecodingKey::from_jwk(jwk).ok()
}

/// A public signing key of the algorithm's family (never a symmetric `oct` key), not marked for encryption,
/// whose own `alg`, when it names one, is the assertion's.
fn fits(jwk: &Jwk, alg: Algorithm) -> bool {
    let family_fits = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => {
            matches!(alg, Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512)
                || matches!(alg, Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512)
        }
        AlgorithmParameters::EllipticCurve(_) => matches!(alg, Algorithm::ES256 | Algorithm::ES384),
        AlgorithmParameters::OctetKeyPair(_) => alg == Algorithm::EdDSA,
        // A symmetric `oct` key, or a type this crate does not know: never a client's public key.
        _ => false,
    };
    let use_fits = !matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption));
    let alg_fits = jwk.common.key_algorithm.is_none_or(|a| a == KeyAlgorithm::from(alg));
    family_fits && use_fits && alg_fits
}

/// The claims, once one of `keys` verifies the signature with the header's algorithm (already on the
/// client's allow-list). Time and audience are [`AssertionCheck::check_claims`]'s, against our clock.
fn verify_with_any(
    assertion: &ClientAssertion,
    keys: impl Iterator<Item = DecodingKey>,
) -> Result<AssertionClaims, AssertionRejection> {
    let mut validation = Validation::new(assertion.header.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    validation.required_spec_claims.clear();
    let mut outcome = Err(AssertionRejection::UnknownKey);
    for key in keys {
        outcome = match jsonwebtoken::decode::<AssertionClaims>(&assertion.token, &key, &validation) {
            Ok(data) => return Ok(data.claims),
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature) => {
                Err(AssertionRejection::BadSignature)
            }
            Err(_) => Err(AssertionRejection::Malformed),
        };
    }
    outcome
}
