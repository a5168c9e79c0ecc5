//! The keys of DPoP proofs (RFC 9449 §4.2), parsed once per distinct proof header. A client signs every
//! proof with the same key, so its protected header (`typ`, `alg`, `jwk`) is the same string each time:
//! the header checks of §4.3 (checks 4, 5 and 7), the parsed public key and its RFC 7638 thumbprint are
//! kept under that string, and a later proof costs one signature verification with an already parsed key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{self, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::OAuthError;

/// The asymmetric algorithms a proof may use (§4.3 check 5: never `none`, never a MAC).
pub const DPOP_SIGNING_ALGS: [Algorithm; 9] = crate::client_assertion::PRIVATE_KEY_JWT_ALGS;
/// Headers kept at most; the cache starts over when full (a flood of keys costs parsing, nothing else).
const CAPACITY: usize = 10_000;
/// A proof header is a few hundred bytes; an RSA key a little more.
const MAX_HEADER_BYTES: usize = 4 * 1024;

pub(crate) fn refuse(why: &'static str) -> OAuthError {
    OAuthError::InvalidDpopProof(why.into())
}

/// A proof key that passed the header checks of §4.3.
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

/// The bounded cache of proof keys, one per server, shared by every endpoint that checks proofs.
#[derive(Default)]
pub struct ProofKeys {
    keys: Mutex<HashMap<String, Arc<ProofKey>>>,
}

impl ProofKeys {
    /// The key of a proof whose protected header is `header_b64`, checked and parsed on first sight.
    pub fn key(&self, header_b64: &str) -> Result<Arc<ProofKey>, OAuthError> {
        if let Some(key) = self.keys.lock().ok().and_then(|k| k.get(header_b64).cloned()) {
            return Ok(key);
        }
        let key = Arc::new(parse(header_b64)?);
        if let Ok(mut keys) = self.keys.lock() {
            if keys.len() >= CAPACITY {
                keys.clear();
            }
            keys.insert(header_b64.to_owned(), key.clone());
        }
        Ok(key)
    }
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: Option<String>,
    jwk: Option<Map<String, Value>>,
}

fn member<'a>(jwk: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}

/// §4.3 checks 2 to 5 and 7 on the protected header, then the key parsed for check 6.
fn parse(header_b64: &str) -> Result<ProofKey, OAuthError> {
    if header_b64.len() > MAX_HEADER_BYTES {
        return Err(refuse("the DPoP proof's header is too large"));
    }
    let raw = URL_SAFE_NO_PAD.decode(header_b64).map_err(|_| refuse("the DPoP proof is not a JWS"))?;
    let header: Header = serde_json::from_slice(&raw).map_err(|_| refuse("the DPoP proof's header is not JSON"))?;
    // §4.3 check 4: `typ`.
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err(refuse("the DPoP proof's typ must be dpop+jwt"));
    }
    // §4.3 check 5: an asymmetric algorithm we support.
    let alg = header
        .alg
        .as_deref()
        .and_then(|a| a.parse::<Algorithm>().ok())
        .filter(|a| DPOP_SIGNING_ALGS.contains(a))
        .ok_or_else(|| refuse("the DPoP proof's algorithm is not supported"))?;
    // §4.3 check 7: the `jwk` is a public key.
    let jwk = header.jwk.ok_or_else(|| refuse("the DPoP proof has no jwk"))?;
    if ["d", "p", "q", "dp", "dq", "qi", "k", "oth"].iter().any(|m| jwk.contains_key(*m)) {
        return Err(refuse("the DPoP proof's jwk must be a public key"));
    }
    let verifier = verifier(alg, &jwk).ok_or_else(|| refuse("the DPoP proof's jwk is not usable with its alg"))?;
    let parsed: Jwk =
        serde_json::from_value(Value::Object(jwk)).map_err(|_| refuse("the DPoP proof's jwk is not usable"))?;
    let jkt =
        parsed.thumbprint(ThumbprintHash::SHA256).map_err(|_| refuse("the DPoP proof's jwk has no thumbprint"))?;
    Ok(ProofKey { jkt, verifier })
}

fn verifier(alg: Algorithm, jwk: &Map<String, Value>) -> Option<Verifier> {
    let coordinate = |name: &str, len: usize| {
        member(jwk, name).and_then(|c| URL_SAFE_NO_PAD.decode(c).ok()).filter(|c| c.len() == len)
    };
    // SEC 1 §2.3.3: the uncompressed point 0x04 || x || y that aws-lc-rs reads.
    let point = |crv: &str, len: usize| {
        if member(jwk, "kty") != Some("EC") || member(jwk, "crv") != Some(crv) {
            return None;
        }
        let mut point = vec![4u8];
        point.extend(coordinate("x", len)?);
        point.extend(coordinate("y", len)?);
        Some(point)
    };
    let parsed = match alg {
        Algorithm::ES256 => ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point("P-256", 32)?),
        Algorithm::ES384 => ParsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point("P-384", 48)?),
        Algorithm::EdDSA if member(jwk, "kty") == Some("OKP") && member(jwk, "crv") == Some("Ed25519") => {
            ParsedPublicKey::new(&signature::ED25519, coordinate("x", 32)?)
        }
        Algorithm::EdDSA => return None,
        _ if member(jwk, "kty") == Some("RSA") => {
            let parsed: Jwk = serde_json::from_value(Value::Object(jwk.clone())).ok()?;
            return Some(Verifier::Jose(Box::new(DecodingKey::from_jwk(&parsed).ok()?), alg));
        }
        _ => return None,
    };
    parsed.ok().map(Verifier::Parsed)
}
