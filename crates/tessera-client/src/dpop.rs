//! DPoP (RFC 9449) on the client side: the key a token source proves possession of, and the proofs it signs
//! (§4.2) for token requests and for requests to resources (with `ath`, §7.1).

use std::path::Path;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Deserialize;

use crate::TokenError;

/// A DPoP key pair (RFC 9449 §2): generated (ES256) or loaded from a PKCS#8 PEM file (EC P-256, Ed25519 or
/// RSA) or a private JWK (EC P-256 or Ed25519). Tokens obtained with its proofs are bound to its public key
/// (`cnf.jkt`, §6.1).
///
/// ```
/// # fn run() -> Result<(), tessera_client::TokenError> {
/// let key = tessera_client::DpopKey::generate()?;
/// let proof = key.proof("POST", "https://id.example/realms/demo/protocol/openid-connect/token", None, None, 1_700_000_000)?;
/// assert_eq!(proof.split('.').count(), 3);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DpopKey {
    key: EncodingKey,
    alg: Algorithm,
    /// The public key, as it goes in every proof's header (§4.2 `jwk`).
    jwk: Jwk,
    jkt: String,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey").field("alg", &self.alg).field("jkt", &self.jkt).finish_non_exhaustive()
    }
}

fn key_error(why: impl std::fmt::Display) -> TokenError {
    TokenError::Secret(format!("DPoP key: {why}"))
}

/// A private JWK (RFC 7517 §4, RFC 7518 §6.2.2, RFC 8037 §2): the members read here.
#[derive(Deserialize)]
struct PrivateJwk {
    kty: String,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: Option<String>,
}

impl DpopKey {
    /// A new EC P-256 key (`ES256`), for this process only.
    pub fn generate() -> Result<Self, TokenError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(|_| key_error("generation"))?;
        let der = pair.to_pkcs8v1().map_err(|_| key_error("PKCS#8 encoding"))?;
        Self::new(EncodingKey::from_ec_der(der.as_ref()), Algorithm::ES256)
    }

    fn new(key: EncodingKey, alg: Algorithm) -> Result<Self, TokenError> {
        let jwk = Jwk::from_encoding_key(&key, alg).map_err(key_error)?;
        let jkt = jwk.thumbprint(ThumbprintHash::SHA256).map_err(key_error)?;
        Ok(Self { key, alg, jwk, jkt })
    }

    /// A PKCS#8 PEM private key: EC P-256 (`ES256`), Ed25519 (`EdDSA`) or RSA (`RS256`).
    pub fn from_pem(pem: &[u8]) -> Result<Self, TokenError> {
        if let Ok(k) = EncodingKey::from_ec_pem(pem) {
            Self::new(k, Algorithm::ES256)
        } else if let Ok(k) = EncodingKey::from_ed_pem(pem) {
            Self::new(k, Algorithm::EdDSA)
        } else if let Ok(k) = EncodingKey::from_rsa_pem(pem) {
            Self::new(k, Algorithm::RS256)
        } else {
            Err(key_error("not a PKCS#8 PEM EC P-256, Ed25519 or RSA private key"))
        }
    }

    /// A private JWK: `EC` on `P-256` (`ES256`) or `OKP` on `Ed25519` (`EdDSA`), with its `d`.
    pub fn from_jwk(json: &[u8]) -> Result<Self, TokenError> {
        let jwk: PrivateJwk = serde_json::from_slice(json).map_err(|_| key_error("not a JWK"))?;
        let member = |m: &Option<String>, name: &str| {
            let value = m.as_deref().ok_or_else(|| key_error(format!("the JWK has no {name}")))?;
            URL_SAFE_NO_PAD.decode(value).map_err(|_| key_error(format!("the JWK's {name} is not base64url")))
        };
        match (jwk.kty.as_str(), jwk.crv.as_deref()) {
            ("EC", Some("P-256")) => {
                let mut point = vec![4u8];
                point.extend(member(&jwk.x, "x")?);
                point.extend(member(&jwk.y, "y")?);
                let d = member(&jwk.d, "d")?;
                let pair = EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P256_SHA256_FIXED_SIGNING, &d, &point)
                    .map_err(key_error)?;
                let der = pair.to_pkcs8v1().map_err(|_| key_error("PKCS#8 encoding"))?;
                Self::new(EncodingKey::from_ec_der(der.as_ref()), Algorithm::ES256)
            }
            ("OKP", Some("Ed25519")) => {
                let pair = Ed25519KeyPair::from_seed_and_public_key(&member(&jwk.d, "d")?, &member(&jwk.x, "x")?)
                    .map_err(key_error)?;
                let der = pair.to_pkcs8().map_err(|_| key_error("PKCS#8 encoding"))?;
                Self::new(EncodingKey::from_ed_der(der.as_ref()), Algorithm::EdDSA)
            }
            _ => Err(key_error("a JWK must be EC P-256 or OKP Ed25519 (use a PEM file for RSA)")),
        }
    }

    /// A file holding a private JWK (JSON) or a PKCS#8 PEM key.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TokenError> {
        let path = path.as_ref();
        let raw = std::fs::read(path).map_err(|e| key_error(format!("cannot read {}: {e}", path.display())))?;
        if raw.trim_ascii_start().starts_with(b"{") { Self::from_jwk(&raw) } else { Self::from_pem(&raw) }
    }

    /// The RFC 7638 thumbprint of the public key (base64url SHA-256): the `cnf.jkt` of bound tokens and the
    /// `dpop_jkt` of an authorization request (§10).
    pub fn thumbprint(&self) -> &str {
        &self.jkt
    }

    /// A proof for one request (§4.2): `htm` the method, `htu` the URL without query and fragment, a fresh
    /// `jti`, `iat` = `now`; `ath` when an access token goes with the request (§7.1), `nonce` when the server
    /// gave one (§8, §9).
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
        now: i64,
    ) -> Result<String, TokenError> {
        let mut htu = reqwest::Url::parse(url).map_err(|e| key_error(format!("htu {url}: {e}")))?;
        htu.set_query(None);
        htu.set_fragment(None);
        let mut claims = serde_json::json!({
            "jti": uuid::Uuid::new_v4().to_string(), "htm": method, "htu": htu.as_str(), "iat": now,
        });
        if let Some(token) = access_token {
            let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
            claims["ath"] = URL_SAFE_NO_PAD.encode(hash).into();
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        let mut header = Header::new(self.alg);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| key_error(format!("cannot sign a proof: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(jws: &str) -> (serde_json::Value, serde_json::Value) {
        let part = |i: usize| {
            let raw = URL_SAFE_NO_PAD.decode(jws.split('.').nth(i).unwrap()).unwrap();
            serde_json::from_slice::<serde_json::Value>(&raw).unwrap()
        };
        (part(0), part(1))
    }

    #[test]
    fn rfc9449_4_2_a_proof_has_the_header_and_claims_of_the_rfc() {
        let key = DpopKey::generate().unwrap();
        let proof = key.proof("GET", "https://api.test/orders?page=2#top", Some("tok"), Some("n1"), 100).unwrap();
        let (header, claims) = parts(&proof);
        assert_eq!((header["typ"].as_str(), header["alg"].as_str()), (Some("dpop+jwt"), Some("ES256")));
        assert!(header["jwk"].get("d").is_none(), "the public key only");
        assert_eq!(claims["htu"], "https://api.test/orders", "§4.2: without query and fragment");
        assert_eq!(
            (claims["htm"].as_str(), claims["iat"].as_i64(), claims["nonce"].as_str()),
            (Some("GET"), Some(100), Some("n1"))
        );
        let ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"tok"));
        assert_eq!(claims["ath"], ath.as_str(), "§4.2 ath");
        let again = parts(&key.proof("GET", "https://api.test/orders", None, None, 100).unwrap()).1;
        assert_ne!(claims["jti"], again["jti"]);
        assert!(again.get("ath").is_none() && again.get("nonce").is_none());
    }

    #[test]
    fn rfc7638_a_jwk_file_and_the_same_key_in_pem_have_one_thumbprint() {
        use aws_lc_rs::encoding::AsBigEndian;
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let der = pair.to_pkcs8v1().unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(der.as_ref())
        );
        let from_pem = DpopKey::from_pem(pem.as_bytes()).unwrap();
        let public = serde_json::to_value(&from_pem.jwk).unwrap();
        let d = URL_SAFE_NO_PAD.encode(pair.private_key().as_be_bytes().unwrap().as_ref());
        let jwk = serde_json::json!({"kty": "EC", "crv": "P-256", "x": public["x"], "y": public["y"], "d": d});
        let from_jwk = DpopKey::from_jwk(jwk.to_string().as_bytes()).unwrap();
        assert_eq!(from_jwk.thumbprint(), from_pem.thumbprint());
        assert_eq!(from_jwk.thumbprint().len(), 43);
        assert!(DpopKey::from_jwk(br#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#).is_err(), "no d");
        assert!(DpopKey::from_pem(b"not a key").is_err());
    }
}
