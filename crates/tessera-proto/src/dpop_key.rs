//! A DPoP proof's protected header (RFC 9449 §4.2) checked (§4.3 checks 2 to 5 and 7) and its public key
//! parsed for check 6, with the key's RFC 7638 thumbprint (`cnf.jkt`, §6.1). One implementation for the
//! server's token and userinfo endpoints and for `tessera-guard` (feature `dpop`). Proofs by one key share
//! one header string, so callers keep the parsed key under it and a later proof costs one verification.

use aws_lc_rs::signature::{self, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A proof header is a few hundred bytes; an RSA key a little more.
pub const MAX_HEADER_BYTES: usize = 4 * 1024;

/// A proof key whose header passed the checks: its RFC 7638 thumbprint and a verifier.
pub struct ProofKey {
    /// RFC 7638 thumbprint (base64url SHA-256): the `cnf.jkt` of bound tokens (§6.1).
    pub jkt: String,
    verifier: Verifier,
}

enum Verifier {
    /// EC and Ed25519 keys, parsed once (aws-lc-rs).
    Parsed(ParsedPublicKey),
    /// RSA keys, through the JOSE crate.
    Jose(Box<DecodingKey>, Algorithm),
}

impl ProofKey {
    /// §4.3 check 6: the JWS signature over `signing_input` (`header.payload`).
    pub fn verifies(&self, signing_input: &[u8], signature_b64: &str) -> bool {
        match &self.verifier {
            Verifier::Parsed(key) => {
                URL_SAFE_NO_PAD.decode(signature_b64).is_ok_and(|s| key.verify_sig(signing_input, &s).is_ok())
            }
            Verifier::Jose(key, alg) => {
                jsonwebtoken::crypto::verify(signature_b64, signing_input, key, *alg).unwrap_or(false)
            }
        }
    }
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: Option<String>,
    jwk: Option<Map<String, Value>>,
}

fn text<'a>(jwk: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}

/// The header checks of §4.3 on `header_b64` (check 4 `typ`, check 5 `alg` among `algs`, asymmetric only;
/// check 7 a public `jwk`), then the key parsed; the reason of a refusal otherwise.
pub fn parse(header_b64: &str, algs: &[Algorithm]) -> Result<ProofKey, &'static str> {
    if header_b64.len() > MAX_HEADER_BYTES {
        return Err("the DPoP proof's header is too large");
    }
    let raw = URL_SAFE_NO_PAD.decode(header_b64).map_err(|_| "the DPoP proof is not a JWS")?;
    let header: Header = serde_json::from_slice(&raw).map_err(|_| "the DPoP proof's header is not JSON")?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err("the DPoP proof's typ must be dpop+jwt");
    }
    let alg = header
        .alg
        .and_then(|a| a.parse::<Algorithm>().ok())
        .filter(|a| algs.contains(a))
        .ok_or("the DPoP proof's algorithm is not accepted")?;
    let jwk = header.jwk.ok_or("the DPoP proof has no jwk")?;
    if ["d", "p", "q", "dp", "dq", "qi", "k", "oth"].iter().any(|m| jwk.contains_key(*m)) {
        return Err("the DPoP proof's jwk must be a public key");
    }
    let verifier = verifier(alg, &jwk).ok_or("the DPoP proof's jwk does not fit its alg")?;
    let parsed: Jwk = serde_json::from_value(Value::Object(jwk)).map_err(|_| "the DPoP proof's jwk is not usable")?;
    let jkt = parsed.thumbprint(ThumbprintHash::SHA256).map_err(|_| "the DPoP proof's jwk has no thumbprint")?;
    Ok(ProofKey { jkt, verifier })
}

fn verifier(alg: Algorithm, jwk: &Map<String, Value>) -> Option<Verifier> {
    let bytes = |name: &str, len: usize| {
        text(jwk, name).and_then(|c| URL_SAFE_NO_PAD.decode(c).ok()).filter(|c| c.len() == len)
    };
    let is = |kty: &str, crv: &str| text(jwk, "kty") == Some(kty) && text(jwk, "crv") == Some(crv);
    // SEC 1 §2.3.3 uncompressed point, as aws-lc-rs reads it.
    let point = |len: usize| Some([vec![4u8], bytes("x", len)?, bytes("y", len)?].concat());
    let parsed = match alg {
        Algorithm::ES256 if is("EC", "P-256") => ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point(32)?),
        Algorithm::ES384 if is("EC", "P-384") => ParsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point(48)?),
        Algorithm::EdDSA if is("OKP", "Ed25519") => ParsedPublicKey::new(&signature::ED25519, bytes("x", 32)?),
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512
            if text(jwk, "kty") == Some("RSA") =>
        {
            let parsed: Jwk = serde_json::from_value(Value::Object(jwk.clone())).ok()?;
            return Some(Verifier::Jose(Box::new(DecodingKey::from_jwk(&parsed).ok()?), alg));
        }
        _ => return None,
    };
    parsed.ok().map(Verifier::Parsed)
}
