//! DPoP proofs (RFC 9449 §4) at the token endpoint: every check of §4.3 but the server nonce, and the JWK
//! thumbprint (RFC 7638) the issued token is bound to (`cnf.jkt`, §6.1).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::OAuthError;
use crate::ports::ReplayCache;

/// The asymmetric algorithms a proof may use (§4.3 check 5: never `none`, never a MAC).
pub const DPOP_SIGNING_ALGS: [Algorithm; 9] = crate::client_assertion::PRIVATE_KEY_JWT_ALGS;
/// How far `iat` may be from the server's clock (§4.3 check 11; §11.1 leaves the window to the server).
const IAT_WINDOW: i64 = 60;
/// Proofs are small: a header with a public key and five claims.
const MAX_PROOF_BYTES: usize = 8 * 1024;
const MAX_JTI_BYTES: usize = 256;

/// The request a proof is checked against.
pub struct ProofRequest<'a> {
    /// §4.3 check 8: the HTTP method.
    pub method: &'a str,
    /// §4.3 check 9: the URI of the endpoint, as the server is reached (its public URL).
    pub uri: &'a str,
    pub now: i64,
    /// §4.3 check 12 (`jti` once within the window), shared with client assertions' cache.
    pub replay: &'a dyn ReplayCache,
    /// At a protected resource, the access token presented with the proof: its hash must be `ath` (§4.3
    /// check 13, §7.1).
    pub access_token: Option<&'a str>,
}

#[derive(Deserialize)]
struct ProofClaims {
    ath: Option<String>,
    jti: Option<String>,
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<i64>,
}

fn refuse(why: &'static str) -> OAuthError {
    OAuthError::InvalidDpopProof(why.into())
}

/// RFC 9449 §4.3 checks 9 and 10: the URI without query and fragment, normalized (RFC 3986 §6.2.2, §6.2.3:
/// case of scheme and host, default port, empty path).
fn normalized_uri(uri: &str) -> Option<String> {
    let mut url = url::Url::parse(uri).ok()?;
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

impl ProofRequest<'_> {
    /// The RFC 7638 thumbprint of the proof's key (base64url SHA-256), once every check has passed.
    pub async fn verify(&self, proof: &str) -> Result<String, OAuthError> {
        if proof.len() > MAX_PROOF_BYTES {
            return Err(refuse("the DPoP proof is too large"));
        }
        // §4.3 checks 2 and 3: a JWS whose header can be read as JSON.
        let header = jsonwebtoken::decode_header(proof).map_err(|_| refuse("the DPoP proof is not a JWS"))?;
        // §4.3 check 4: `typ`.
        if header.typ.as_deref() != Some("dpop+jwt") {
            return Err(refuse("the DPoP proof's typ must be dpop+jwt"));
        }
        // §4.3 check 5: an asymmetric algorithm we support.
        if !DPOP_SIGNING_ALGS.contains(&header.alg) {
            return Err(refuse("the DPoP proof's algorithm is not supported"));
        }
        // §4.3 check 7: the `jwk` is a public key. Read from the raw header: a parsed `Jwk` silently drops
        // the private members.
        let raw_header = proof.split('.').next().and_then(|h| URL_SAFE_NO_PAD.decode(h).ok());
        let raw: serde_json::Value = raw_header
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or_else(|| refuse("the DPoP proof's header is not JSON"))?;
        let raw_jwk = raw.get("jwk").and_then(|j| j.as_object()).ok_or_else(|| refuse("the DPoP proof has no jwk"))?;
        if ["d", "p", "q", "dp", "dq", "qi", "k"].iter().any(|m| raw_jwk.contains_key(*m)) {
            return Err(refuse("the DPoP proof's jwk must be a public key"));
        }
        let jwk: Jwk = header.jwk.clone().ok_or_else(|| refuse("the DPoP proof has no jwk"))?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| refuse("the DPoP proof's jwk is not usable"))?;
        // §4.3 check 6: the signature, with the key of the header and the algorithm already allowed.
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<ProofClaims>(proof, &key, &validation)
            .map_err(|_| refuse("the DPoP proof's signature does not verify with its jwk"))?
            .claims;
        // §4.3 check 3: every required claim.
        let (Some(jti), Some(htm), Some(htu), Some(iat)) = (claims.jti, claims.htm, claims.htu, claims.iat) else {
            return Err(refuse("the DPoP proof lacks jti, htm, htu or iat"));
        };
        if jti.is_empty() || jti.len() > MAX_JTI_BYTES {
            return Err(refuse("the DPoP proof's jti is empty or too long"));
        }
        // §4.3 check 8.
        if htm != self.method {
            return Err(refuse("the DPoP proof's htm is not this request's method"));
        }
        // §4.3 check 9.
        if normalized_uri(&htu).is_none() || normalized_uri(&htu) != normalized_uri(self.uri) {
            return Err(refuse("the DPoP proof's htu is not this endpoint"));
        }
        // §4.3 check 11: created within the window.
        if (iat - self.now).abs() > IAT_WINDOW {
            return Err(refuse("the DPoP proof's iat is outside the accepted window"));
        }
        // §4.3 check 13: bound to the access token presented with it.
        if let Some(token) = self.access_token {
            let hash = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()));
            if claims.ath.as_deref() != Some(hash.as_str()) {
                return Err(refuse("the DPoP proof's ath is not the hash of this access token"));
            }
        }
        let jkt =
            jwk.thumbprint(ThumbprintHash::SHA256).map_err(|_| refuse("the DPoP proof's jwk has no thumbprint"))?;
        // §4.3 check 12 (§11.1): a proof is used once while its `iat` is acceptable.
        if !self.replay.first_use(&format!("dpop:{jkt}:{jti}"), iat + IAT_WINDOW).await {
            return Err(refuse("the DPoP proof was used before"));
        }
        Ok(jkt)
    }
}
