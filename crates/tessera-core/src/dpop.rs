//! DPoP proofs (RFC 9449 §4) at the token endpoint and at the userinfo resource: every check of §4.3, the
//! server nonce when the realm asks for one (§8, §9), and the JWK thumbprint (RFC 7638) the issued token
//! is bound to (`cnf.jkt`, §6.1).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::OAuthError;
pub use crate::dpop_keys::DPOP_SIGNING_ALGS;
use crate::dpop_keys::{ProofKeys, refuse};
use crate::dpop_nonce::DpopNonces;
use crate::ports::ReplayCache;

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
    /// §4.3 check 10: the realm's nonces, when it requires them.
    pub nonces: Option<&'a DpopNonces>,
    /// Proof keys already parsed.
    pub keys: &'a ProofKeys,
}

#[derive(Deserialize)]
struct ProofClaims {
    ath: Option<String>,
    jti: Option<String>,
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<i64>,
    nonce: Option<String>,
}

/// RFC 9449 §4.3 check 9: the URI without query and fragment, normalized (RFC 3986 §6.2.2, §6.2.3:
/// case of scheme and host, default port, empty path).
fn normalized_uri(uri: &str) -> Option<String> {
    let mut url = url::Url::parse(uri).ok()?;
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

/// RFC 9449 §4.3 check 1: "there is not more than one DPoP HTTP request header field"; `None` without one.
pub fn single_proof<'a>(proofs: &[&'a str]) -> Result<Option<&'a str>, OAuthError> {
    match proofs {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(refuse("more than one DPoP header")),
    }
}

/// RFC 9449 §10: a `dpop_jkt` is a JWK SHA-256 thumbprint (RFC 7638): base64url, no padding, of 32 bytes.
pub fn is_jkt(value: &str) -> bool {
    value.len() == 43 && URL_SAFE_NO_PAD.decode(value).is_ok_and(|raw| raw.len() == 32)
}

/// RFC 9449 §7.1: the `ath` of an access token, base64url SHA-256 of its ASCII.
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()))
}

impl ProofRequest<'_> {
    /// The RFC 7638 thumbprint of the proof's key (base64url SHA-256), once every check has passed.
    pub async fn verify(&self, proof: &str) -> Result<String, OAuthError> {
        if proof.len() > MAX_PROOF_BYTES {
            return Err(refuse("the DPoP proof is too large"));
        }
        // §4.3 check 2: a JWS in compact form.
        let mut parts = proof.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(refuse("the DPoP proof is not a JWS"));
        };
        // §4.3 checks 3 to 5 and 7, from the header (kept parsed for the next proof of the same key).
        let key = self.keys.key(header)?;
        // §4.3 check 6: the signature, with the key of the header and the algorithm already allowed.
        if !key.verifies(&proof.as_bytes()[..header.len() + 1 + payload.len()], signature) {
            return Err(refuse("the DPoP proof's signature does not verify with its jwk"));
        }
        let claims: ProofClaims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or_else(|| refuse("the DPoP proof's claims are not JSON"))?;
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
        let htu = normalized_uri(&htu);
        if htu.is_none() || htu != normalized_uri(self.uri) {
            return Err(refuse("the DPoP proof's htu is not this endpoint"));
        }
        // §4.3 check 11: created within the window.
        if (iat - self.now).abs() > IAT_WINDOW {
            return Err(refuse("the DPoP proof's iat is outside the accepted window"));
        }
        // §4.3 check 13: bound to the access token presented with it.
        if let Some(token) = self.access_token
            && claims.ath.as_deref() != Some(access_token_hash(token).as_str())
        {
            return Err(refuse("the DPoP proof's ath is not the hash of this access token"));
        }
        // §4.3 check 10, §8.1: a nonce this server made, recently; else the client is given one to retry with.
        if let Some(nonces) = self.nonces
            && !claims.nonce.as_deref().is_some_and(|n| nonces.accepts(n, self.now))
        {
            return Err(OAuthError::UseDpopNonce(nonces.issue(self.now)));
        }
        // §4.3 check 12 (§11.1): a proof is used once while its `iat` is acceptable.
        if !self.replay.first_use(&format!("dpop:{}:{jti}", key.jkt), iat + IAT_WINDOW).await {
            return Err(refuse("the DPoP proof was used before"));
        }
        Ok(key.jkt.clone())
    }
}
