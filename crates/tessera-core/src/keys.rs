//! Signing keys: generation, sealing at rest, JWK publication (RFC 7517/7518/8037), and the JWS compact
//! signer (RFC 7515 §7.1) over cached aws-lc-rs key pairs. Parsing a key per token would cost a third of the
//! token endpoint's throughput (RS256 through `jsonwebtoken::encode`, which re-parses the key per call), so a key is parsed once when the realm's key ring is loaded.

use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use aws_lc_rs::{digest, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_proto::{Jwk, JwkSet};

use serde::Serialize;

use crate::model::key::{KeyState, SigningAlgorithm, StoredSigningKey};
use crate::secret::{MasterKey, SecretError};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed")]
    Generate,
    #[error("stored key {0} could not be loaded")]
    Load(String),
    #[error("signing failed")]
    Sign,
    #[error("the realm has no active signing key")]
    NoActiveKey,
    #[error(transparent)]
    Secret(#[from] SecretError),
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A private key ready to sign, with its JWS header for access tokens pre-encoded.
pub struct SigningKey {
    kid: String,
    alg: SigningAlgorithm,
    pair: Pair,
    at_jwt_header: String,
    jwt_header: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).field("alg", &self.alg).finish()
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// RFC 7638 §3.2: exactly the required members of each key type, declared in lexicographic order (serde
/// writes fields in declaration order), so serde_json's compact output is the canonical thumbprint input.
#[derive(Serialize)]
#[serde(untagged)]
enum ThumbprintInput<'a> {
    Rsa { e: &'a str, kty: &'a str, n: &'a str },
    Ec { crv: &'a str, kty: &'a str, x: &'a str, y: &'a str },
    Okp { crv: &'a str, kty: &'a str, x: &'a str },
}

/// The JWK SHA-256 thumbprint (RFC 7638 §3), base64url; `None` for a key type we do not sign with or a JWK
/// missing a required member. Optional members (`kid`, `use`, `alg`) do not count.
pub fn jwk_thumbprint(jwk: &Jwk) -> Option<String> {
    let kty = jwk.kty.as_str();
    let input = match kty {
        "RSA" => ThumbprintInput::Rsa { e: jwk.e.as_deref()?, kty, n: jwk.n.as_deref()? },
        "EC" => ThumbprintInput::Ec { crv: jwk.crv.as_deref()?, kty, x: jwk.x.as_deref()?, y: jwk.y.as_deref()? },
        "OKP" => ThumbprintInput::Okp { crv: jwk.crv.as_deref()?, kty, x: jwk.x.as_deref()? },
        _ => return None,
    };
    let canonical = serde_json::to_vec(&input).ok()?;
    Some(b64(digest::digest(&digest::SHA256, &canonical).as_ref()))
}

impl SigningKey {
    fn from_pkcs8(alg: SigningAlgorithm, pkcs8: &[u8]) -> Option<Pair> {
        Some(match alg {
            SigningAlgorithm::Rs256 => Pair::Rsa(RsaKeyPair::from_pkcs8(pkcs8).ok()?),
            SigningAlgorithm::Es256 => {
                Pair::Ec(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).ok()?)
            }
            SigningAlgorithm::EdDsa => Pair::Ed(Ed25519KeyPair::from_pkcs8(pkcs8).ok()?),
        })
    }

    fn new(kid: String, alg: SigningAlgorithm, pair: Pair) -> Self {
        // RFC 9068 §2.1: typ "at+jwt".
        let header = serde_json::json!({ "alg": alg.as_str(), "typ": "at+jwt", "kid": kid });
        let at_jwt_header = b64(header.to_string().as_bytes());
        // OIDC Core §2: ID tokens are plain JWTs.
        let id_header = serde_json::json!({ "alg": alg.as_str(), "typ": "JWT", "kid": kid });
        let jwt_header = b64(id_header.to_string().as_bytes());
        Self { kid, alg, pair, at_jwt_header, jwt_header, rng: SystemRandom::new() }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> SigningAlgorithm {
        self.alg
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.pair {
            Pair::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut sig).map_err(|_| KeyError::Sign)?;
                Ok(sig)
            }
            Pair::Ec(k) => Ok(k.sign(&self.rng, message).map_err(|_| KeyError::Sign)?.as_ref().to_vec()),
            Pair::Ed(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }

    /// The public half as a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), as PEM files and Keycloak's
    /// realm-info `public_key` carry it.
    pub fn public_key_spki(&self) -> Option<Vec<u8>> {
        let der: Result<PublicKeyX509Der<'static>, _> = match &self.pair {
            Pair::Rsa(k) => k.public_key().as_der(),
            Pair::Ec(k) => k.public_key().as_der(),
            Pair::Ed(k) => k.public_key().as_der(),
        };
        der.ok().map(|d| d.as_ref().to_vec())
    }

    /// A JWS compact serialization of `claims` with the `at+jwt` header (RFC 9068 §2.1).
    pub fn sign_access_token(&self, claims: &impl Serialize) -> Result<String, KeyError> {
        self.sign_with_header(&self.at_jwt_header, claims)
    }

    /// A JWS compact serialization of `claims` with `typ: JWT`, for ID tokens (OIDC Core §2).
    pub fn sign_jwt(&self, claims: &impl Serialize) -> Result<String, KeyError> {
        self.sign_with_header(&self.jwt_header, claims)
    }

    /// A JWS compact serialization of `claims` with the media type `typ` (RFC 7515 §4.1.9), for the less
    /// frequent kinds (RFC 9701's `token-introspection+jwt`).
    pub fn sign_typed(&self, typ: &str, claims: &impl Serialize) -> Result<String, KeyError> {
        let header = serde_json::json!({ "alg": self.alg.as_str(), "typ": typ, "kid": self.kid });
        self.sign_with_header(&b64(header.to_string().as_bytes()), claims)
    }

    fn sign_with_header(&self, header: &str, claims: &impl Serialize) -> Result<String, KeyError> {
        let payload = serde_json::to_vec(claims).map_err(|_| KeyError::Sign)?;
        let mut token = String::with_capacity(header.len() + payload.len() * 4 / 3 + 400);
        token.push_str(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let signature = self.sign(token.as_bytes())?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }

    /// The public half as a JWK, with its RFC 7638 thumbprint as `kid`.
    fn public_jwk(alg: SigningAlgorithm, pair: &Pair) -> Result<Jwk, KeyError> {
        let (kty, n, e, crv, x, y) = match pair {
            Pair::Rsa(k) => {
                let public = k.public_key();
                let n = b64(public.modulus().big_endian_without_leading_zero());
                let e = b64(public.exponent().big_endian_without_leading_zero());
                ("RSA", Some(n), Some(e), None, None, None)
            }
            Pair::Ec(k) => {
                // Uncompressed point: 0x04 || x || y (SEC 1 §2.3.3).
                let point = k.public_key().as_ref();
                let x = point.get(1..33).unwrap_or_default();
                let y = point.get(33..65).unwrap_or_default();
                ("EC", None, None, Some("P-256"), Some(b64(x)), Some(b64(y)))
            }
            Pair::Ed(k) => ("OKP", None, None, Some("Ed25519"), Some(b64(k.public_key().as_ref())), None),
        };
        let mut jwk = Jwk {
            kty: kty.to_owned(),
            kid: String::new(),
            use_: Some("sig".to_owned()),
            alg: Some(alg.as_str().to_owned()),
            n,
            e,
            crv: crv.map(str::to_owned),
            x,
            y,
        };
        jwk.kid = jwk_thumbprint(&jwk).ok_or(KeyError::Generate)?;
        Ok(jwk)
    }
}

/// Generates a key pair for `alg` and seals its private half under the master key.
pub fn generate_signing_key(
    realm_id: &str,
    alg: SigningAlgorithm,
    state: KeyState,
    master: &MasterKey,
    now: i64,
) -> Result<StoredSigningKey, KeyError> {
    let (pkcs8, pair) = match alg {
        SigningAlgorithm::Rs256 => {
            let k = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
            let der: Pkcs8V1Der = k.as_der().map_err(|_| KeyError::Generate)?;
            (der.as_ref().to_vec(), Pair::Rsa(k))
        }
        SigningAlgorithm::Es256 => {
            let k = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(|_| KeyError::Generate)?;
            let der = k.to_pkcs8v1().map_err(|_| KeyError::Generate)?;
            (der.as_ref().to_vec(), Pair::Ec(k))
        }
        SigningAlgorithm::EdDsa => {
            let k = Ed25519KeyPair::generate().map_err(|_| KeyError::Generate)?;
            let der: Pkcs8V1Der = k.as_der().map_err(|_| KeyError::Generate)?;
            (der.as_ref().to_vec(), Pair::Ed(k))
        }
    };
    let public_jwk = SigningKey::public_jwk(alg, &pair)?;
    let sealed_private_key = master.seal(&pkcs8, &public_jwk.kid)?;
    Ok(StoredSigningKey {
        kid: public_jwk.kid.clone(),
        realm_id: realm_id.to_owned(),
        alg,
        state,
        sealed_private_key,
        public_jwk,
        created_at: now,
        retired_at: None,
        not_after: None,
    })
}

/// A public key ready to verify our own tokens (introspection, revocation).
#[derive(Clone)]
pub struct VerifyingKey {
    pub alg: jsonwebtoken::Algorithm,
    pub key: jsonwebtoken::DecodingKey,
}

/// A realm's keys as the server uses them: the one that signs, the set it publishes, and the parsed public
/// keys that verify what it signed.
#[derive(Clone)]
pub struct KeyRing {
    active: Arc<SigningKey>,
    /// Signs refresh tokens (HS256 under a key derived from the master key for this realm): a refresh
    /// token is JWT-shaped because Keycloak's libraries decode it, but no one outside may verify it, so it
    /// can never pass for an access or ID token with a verifier that skips `typ` (RFC 8725 §2.8).
    refresh_mac: hmac::Key,
    published: JwkSet,
    verifying: Arc<std::collections::HashMap<String, VerifyingKey>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("active", &self.active).field("published", &self.published.keys.len()).finish()
    }
}

fn verifying_key(jwk: &Jwk, alg: SigningAlgorithm) -> Option<VerifyingKey> {
    let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(serde_json::to_value(jwk).ok()?).ok()?;
    let key = jsonwebtoken::DecodingKey::from_jwk(&parsed).ok()?;
    let alg = match alg {
        SigningAlgorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
        SigningAlgorithm::Es256 => jsonwebtoken::Algorithm::ES256,
        SigningAlgorithm::EdDsa => jsonwebtoken::Algorithm::EdDSA,
    };
    Some(VerifyingKey { alg, key })
}

impl KeyRing {
    /// Opens the realm's active key and publishes every stored key: next, active and retired alike.
    pub fn load(stored: &[StoredSigningKey], master: &MasterKey) -> Result<Self, KeyError> {
        let active = stored
            .iter()
            .filter(|k| k.state == KeyState::Active)
            .max_by_key(|k| k.created_at)
            .ok_or(KeyError::NoActiveKey)?;
        let pkcs8 = master.open(&active.sealed_private_key, &active.kid)?;
        let pair = SigningKey::from_pkcs8(active.alg, &pkcs8).ok_or_else(|| KeyError::Load(active.kid.clone()))?;
        let signing = SigningKey::new(active.kid.clone(), active.alg, pair);
        let published = JwkSet { keys: stored.iter().map(|k| k.public_jwk.clone()).collect() };
        let verifying = stored
            .iter()
            .map(|k| {
                verifying_key(&k.public_jwk, k.alg)
                    .map(|v| (k.kid.clone(), v))
                    .ok_or_else(|| KeyError::Load(k.kid.clone()))
            })
            .collect::<Result<_, _>>()?;
        let refresh_mac = master.derive_mac_key(&format!("tessera refresh-token mac:{}", active.realm_id));
        Ok(Self { active: Arc::new(signing), refresh_mac, published, verifying: Arc::new(verifying) })
    }

    /// The published key with this id, parsed for verification.
    pub fn verifying(&self, kid: &str) -> Option<&VerifyingKey> {
        self.verifying.get(kid)
    }

    pub fn active(&self) -> &SigningKey {
        &self.active
    }

    pub fn jwks(&self) -> &JwkSet {
        &self.published
    }

    /// A refresh token: `claims` as an HS256 JWS (header `typ: JWT`, as Keycloak's) under the realm's
    /// refresh-token key. Its strength is the random `jti` in the claims; the server finds it by hash.
    pub fn sign_refresh_token(&self, claims: &impl Serialize) -> Result<String, KeyError> {
        const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; // {"alg":"HS256","typ":"JWT"}
        let payload = serde_json::to_vec(claims).map_err(|_| KeyError::Sign)?;
        let mut token = String::with_capacity(HEADER.len() + payload.len() * 4 / 3 + 48);
        token.push_str(HEADER);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let tag = hmac::sign(&self.refresh_mac, token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag.as_ref(), &mut token);
        Ok(token)
    }
}

/// Signs one throwaway token so the first real request does not pay aws-lc-rs's one-time set-up (~50 ms).
pub fn warm_up() {
    if let Ok(k) = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING) {
        let signer = SigningKey::new("warm-up".into(), SigningAlgorithm::Es256, Pair::Ec(k));
        let _ = signer.sign_access_token(&serde_json::json!({}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::ServerSecrets;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

    fn roundtrip(alg: SigningAlgorithm, jwt_alg: Algorithm) {
        let master = ServerSecrets::generate().unwrap().master_key();
        let stored = generate_signing_key("r", alg, KeyState::Active, &master, 1).unwrap();
        let ring = KeyRing::load(std::slice::from_ref(&stored), &master).unwrap();
        let token = ring.active().sign_access_token(&serde_json::json!({"sub": "x", "exp": 4_000_000_000u64})).unwrap();
        let header = decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some(stored.kid.as_str()));
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(serde_json::to_value(&stored.public_jwk).unwrap()).unwrap();
        let key = DecodingKey::from_jwk(&jwk).unwrap();
        let mut v = Validation::new(jwt_alg);
        v.validate_aud = false;
        v.required_spec_claims.clear();
        let data = decode::<serde_json::Value>(&token, &key, &v).unwrap();
        assert_eq!(data.claims["sub"], "x");
    }

    #[test]
    fn rs256_es256_and_eddsa_tokens_verify_with_the_published_jwk() {
        roundtrip(SigningAlgorithm::Rs256, Algorithm::RS256);
        roundtrip(SigningAlgorithm::Es256, Algorithm::ES256);
        roundtrip(SigningAlgorithm::EdDsa, Algorithm::EdDSA);
    }

    #[test]
    fn private_key_is_not_stored_in_clear_and_needs_the_master_key() {
        let master = ServerSecrets::generate().unwrap().master_key();
        let stored = generate_signing_key("r", SigningAlgorithm::Es256, KeyState::Active, &master, 1).unwrap();
        let other = ServerSecrets::generate().unwrap().master_key();
        assert!(matches!(KeyRing::load(&[stored], &other), Err(KeyError::Secret(SecretError::Unseal))));
    }

    #[test]
    fn a_ring_without_an_active_key_is_refused() {
        let master = ServerSecrets::generate().unwrap().master_key();
        let stored = generate_signing_key("r", SigningAlgorithm::EdDsa, KeyState::Next, &master, 1).unwrap();
        assert!(matches!(KeyRing::load(&[stored], &master), Err(KeyError::NoActiveKey)));
    }

    fn public(kty: &str) -> Jwk {
        Jwk {
            kty: kty.into(),
            kid: String::new(),
            use_: None,
            alg: None,
            n: None,
            e: None,
            crv: None,
            x: None,
            y: None,
        }
    }

    #[test]
    fn the_thumbprint_of_the_rfc7638_example_key_is_the_one_the_rfc_gives() {
        // RFC 7638 §3.1, with its optional members: they must not count.
        let jwk = Jwk {
            kid: "2011-04-29".into(),
            alg: Some("RS256".into()),
            e: Some("AQAB".into()),
            n: Some(
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiF\
                 V4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9\
                 c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1\
                 jF44-csFCur-kEgU8awapJzKnqDKgw"
                    .into(),
            ),
            ..public("RSA")
        };
        assert_eq!(jwk_thumbprint(&jwk).as_deref(), Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
    }

    #[test]
    fn the_thumbprint_of_the_rfc8037_example_key_is_the_one_the_rfc_gives() {
        // RFC 8037 §A.3: the OKP members are crv, kty, x.
        let jwk = Jwk {
            crv: Some("Ed25519".into()),
            x: Some("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".into()),
            ..public("OKP")
        };
        assert_eq!(jwk_thumbprint(&jwk).as_deref(), Some("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"));
    }

    #[test]
    fn the_thumbprint_input_is_compact_json_of_the_required_members_in_order() {
        let input = ThumbprintInput::Ec { crv: "P-256", kty: "EC", x: "X", y: "Y" };
        assert_eq!(serde_json::to_string(&input).unwrap(), r#"{"crv":"P-256","kty":"EC","x":"X","y":"Y"}"#);
        assert_eq!(jwk_thumbprint(&Jwk { x: Some("X".into()), ..public("EC") }), None, "EC without crv and y");
        assert_eq!(jwk_thumbprint(&public("oct")), None);
    }

    #[test]
    fn a_generated_keys_kid_is_its_thumbprint_as_jsonwebtoken_computes_it() {
        let master = ServerSecrets::generate().unwrap().master_key();
        for alg in [SigningAlgorithm::Rs256, SigningAlgorithm::Es256] {
            let stored = generate_signing_key("r", alg, KeyState::Active, &master, 1).unwrap();
            let jwk: jsonwebtoken::jwk::Jwk =
                serde_json::from_value(serde_json::to_value(&stored.public_jwk).unwrap()).unwrap();
            let theirs = jwk.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256).unwrap();
            assert_eq!(stored.kid, theirs, "{alg:?}");
            assert_eq!(stored.public_jwk.kid, theirs, "{alg:?}");
        }
    }
}
