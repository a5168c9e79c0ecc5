//! DPoP at the resource server (RFC 9449 §7): a token bound to a key (`cnf.jkt`) is accepted only with the
//! `DPoP` scheme and a proof by that key for this very request (`htm`, `htu` as the API is reached from
//! outside, `ath` of the token, a fresh `iat`, a `jti` not seen before and, if asked for, a nonce of ours,
//! §9). A bound token offered as Bearer is refused (§7.2). Refusals carry a `DPoP` challenge (§7.1).
//!
//! ```no_run
//! # async fn run(validator: &tessera_guard::Validator) {
//! use tessera_guard::{DpopPolicy, ResourceRequest};
//! let dpop = DpopPolicy::new("https://api.example.com");
//! let request = ResourceRequest {
//!     authorization: Some("DPoP eyJ…"),
//!     dpop: &["eyJ…"],
//!     method: "GET",
//!     path: "/orders?page=2",
//! };
//! let token = dpop.validate(validator, &request).await;
//! # }
//! ```

#[cfg(feature = "axum")]
pub(crate) mod axum;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::Value;
use tessera_proto::ErrorCode;

use crate::{ValidationError, Validator, VerifiedToken};
use tessera_proto::dpop_key::{ProofKey, parse};

const MAX_PROOF_BYTES: usize = 8 * 1024;
const MAX_JTI_BYTES: usize = 256;
/// Server nonces (§9) name a window of this many seconds; one is good in its window and the next.
const NONCE_WINDOW: i64 = 300;
const NONCE_MAC_BYTES: usize = 16;

/// Why a DPoP presentation was refused: the RFC 9449 §7.1 error, for the `DPoP` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopRefusal {
    /// `invalid_token`, `invalid_dpop_proof` or `use_dpop_nonce`.
    pub error: ErrorCode,
    pub description: String,
    /// With `use_dpop_nonce`: the nonce to send back in `DPoP-Nonce`.
    pub nonce: Option<String>,
    /// The accepted proof algorithms, for the challenge's `algs`.
    pub algs: String,
}

/// The parts of an HTTP request the DPoP checks need.
#[derive(Debug, Clone, Copy)]
pub struct ResourceRequest<'a> {
    /// The `Authorization` header (`Bearer …` or `DPoP …`).
    pub authorization: Option<&'a str>,
    /// Every `DPoP` header value (§4.3 check 1: exactly one is accepted).
    pub dpop: &'a [&'a str],
    /// The method, as sent (§4.3 check 8).
    pub method: &'a str,
    /// The request target's path (a query is ignored, §4.3 check 9).
    pub path: &'a str,
}

/// The resource server's DPoP rules: where the API is reached from outside, the `iat` window, the proof
/// algorithms, its own bounded `jti` cache and optional nonces.
pub struct DpopPolicy {
    base_url: String,
    iat_window: i64,
    algs: Vec<Algorithm>,
    keys: moka::sync::Cache<String, Arc<ProofKey>>,
    seen: moka::sync::Cache<String, ()>,
    seen_capacity: u64,
    nonces: Option<hmac::Key>,
}

impl std::fmt::Debug for DpopPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopPolicy").field("base_url", &self.base_url).field("nonces", &self.nonces.is_some()).finish()
    }
}

#[derive(Deserialize)]
struct ProofClaims {
    jti: Option<String>,
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<i64>,
    ath: Option<String>,
    nonce: Option<String>,
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// §4.3 check 9: scheme, host and port normalized, no query, no fragment.
fn normalized(uri: &str) -> Option<String> {
    let mut url = reqwest::Url::parse(uri).ok()?;
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

impl DpopPolicy {
    /// `external_base_url`: the scheme, host and port (and path prefix, if any) clients use to reach this
    /// API, which may differ from what the process sees behind a proxy. Defaults: a 60 s `iat` window, the
    /// algorithms ES256, ES384, EdDSA, RS256 and PS256, 100,000 `jti`s remembered, no nonce.
    pub fn new(external_base_url: impl Into<String>) -> Self {
        let mut policy = Self {
            base_url: external_base_url.into().trim_end_matches('/').to_owned(),
            iat_window: 60,
            algs: vec![Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA, Algorithm::RS256, Algorithm::PS256],
            keys: moka::sync::Cache::new(10_000),
            seen: moka::sync::Cache::new(1),
            seen_capacity: 100_000,
            nonces: None,
        };
        policy.rebuild_seen();
        policy
    }

    fn rebuild_seen(&mut self) {
        // A `jti` is kept while a proof carrying it could still pass the `iat` check (§11.1).
        let ttl = Duration::from_secs(u64::try_from(2 * self.iat_window + 1).unwrap_or(121));
        self.seen = moka::sync::Cache::builder().max_capacity(self.seen_capacity).time_to_live(ttl).build();
    }

    /// How far a proof's `iat` may be from this server's clock (§4.3 check 11).
    pub fn iat_window(mut self, window: Duration) -> Self {
        self.iat_window = i64::try_from(window.as_secs()).unwrap_or(60);
        self.rebuild_seen();
        self
    }

    /// How many proof `jti`s are remembered at most (§4.3 check 12, §11.1).
    pub fn replay_capacity(mut self, capacity: u64) -> Self {
        self.seen_capacity = capacity;
        self.rebuild_seen();
        self
    }

    /// The accepted proof algorithms; symmetric ones are ignored (§4.3 check 5).
    pub fn algorithms(mut self, algs: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algs =
            algs.into_iter().filter(|a| !matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)).collect();
        self
    }

    /// Require a server nonce in every proof (§9), made from `secret`: every instance of the API given the
    /// same secret accepts the nonces of the others. A proof without a good one is answered 401
    /// `use_dpop_nonce` with a fresh nonce in `DPoP-Nonce`.
    pub fn require_nonce(mut self, secret: &[u8]) -> Self {
        self.nonces = Some(hmac::Key::new(hmac::HMAC_SHA256, secret));
        self
    }

    /// The nonce to hand out now (`DPoP-Nonce` on any answer, §9), when nonces are required.
    pub fn nonce(&self) -> Option<String> {
        let key = self.nonces.as_ref()?;
        let window = now().div_euclid(NONCE_WINDOW);
        let mac = hmac::sign(key, &window.to_be_bytes());
        Some(URL_SAFE_NO_PAD.encode([&window.to_be_bytes()[..], &mac.as_ref()[..NONCE_MAC_BYTES]].concat()))
    }

    fn nonce_ok(&self, key: &hmac::Key, nonce: &str) -> bool {
        let Ok(raw) = URL_SAFE_NO_PAD.decode(nonce) else { return false };
        let Some((window, mac)) = raw.split_first_chunk::<8>() else { return false };
        let window = i64::from_be_bytes(*window);
        let current = now().div_euclid(NONCE_WINDOW);
        (window == current || window == current - 1)
            && verify_slices_are_equal(&hmac::sign(key, &window.to_be_bytes()).as_ref()[..NONCE_MAC_BYTES], mac).is_ok()
    }

    fn refusal(&self, error: ErrorCode, description: &str) -> ValidationError {
        let algs = self.algs.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(" ");
        ValidationError::Dpop(DpopRefusal { error, description: description.to_owned(), nonce: None, algs })
    }

    /// The token of `request` validated by `validator`, and its DPoP binding checked (§7).
    pub async fn validate(
        &self,
        validator: &Validator,
        request: &ResourceRequest<'_>,
    ) -> Result<VerifiedToken, ValidationError> {
        let authorization = request.authorization.ok_or(ValidationError::Missing)?;
        let (scheme, token) = authorization.split_once(' ').ok_or(ValidationError::Missing)?;
        let token = token.trim();
        let dpop_scheme = scheme.eq_ignore_ascii_case("dpop");
        if (!dpop_scheme && !scheme.eq_ignore_ascii_case("bearer")) || token.is_empty() {
            return Err(ValidationError::Missing);
        }
        let verified = validator.validate(token).await.map_err(|e| match e {
            ValidationError::InvalidToken(why) if dpop_scheme => self.refusal(ErrorCode::InvalidToken, &why),
            e => e,
        })?;
        let bound = verified.claims.get("cnf").and_then(|c| c.get("jkt")).and_then(Value::as_str);
        match (bound, dpop_scheme) {
            (None, false) => Ok(verified),
            (None, true) => Err(self.refusal(ErrorCode::InvalidToken, "the access token is not DPoP-bound")),
            // §7.2
            (Some(_), false) => {
                Err(self.refusal(ErrorCode::InvalidToken, "a DPoP-bound access token must use the DPoP scheme"))
            }
            (Some(jkt), true) => {
                let [proof] = request.dpop else {
                    return Err(self.refusal(ErrorCode::InvalidDpopProof, "exactly one DPoP proof is required"));
                };
                let key = self.check_proof(proof, token, request)?;
                if key.jkt != jkt {
                    return Err(self.refusal(ErrorCode::InvalidDpopProof, "the DPoP proof is not by the token's key"));
                }
                Ok(verified)
            }
        }
    }

    /// Every check of §4.3 on `proof`, presented with `token`.
    fn check_proof(
        &self,
        proof: &str,
        token: &str,
        request: &ResourceRequest<'_>,
    ) -> Result<Arc<ProofKey>, ValidationError> {
        let bad = |why: &str| self.refusal(ErrorCode::InvalidDpopProof, why);
        if proof.len() > MAX_PROOF_BYTES {
            return Err(bad("the DPoP proof is too large"));
        }
        let mut parts = proof.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("the DPoP proof is not a JWS"));
        };
        let key = match self.keys.get(header) {
            Some(key) => key,
            None => {
                let key = Arc::new(parse(header, &self.algs).map_err(bad)?);
                self.keys.insert(header.to_owned(), key.clone());
                key
            }
        };
        if !key.verifies(&proof.as_bytes()[..header.len() + 1 + payload.len()], signature) {
            return Err(bad("the DPoP proof's signature does not verify with its jwk"));
        }
        let claims: ProofClaims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or_else(|| bad("the DPoP proof's claims are not JSON"))?;
        let (Some(jti), Some(htm), Some(htu), Some(iat)) = (claims.jti, claims.htm, claims.htu, claims.iat) else {
            return Err(bad("the DPoP proof lacks jti, htm, htu or iat"));
        };
        if jti.is_empty() || jti.len() > MAX_JTI_BYTES {
            return Err(bad("the DPoP proof's jti is empty or too long"));
        }
        if htm != request.method {
            return Err(bad("the DPoP proof's htm is not this request's method"));
        }
        let here = normalized(&format!("{}{}", self.base_url, request.path));
        let htu = normalized(&htu);
        if htu.is_none() || htu != here {
            return Err(bad("the DPoP proof's htu is not this resource"));
        }
        if (iat - now()).abs() > self.iat_window {
            return Err(bad("the DPoP proof's iat is outside the accepted window"));
        }
        // §4.3 check 13, §7.1
        let ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()));
        if claims.ath.as_deref() != Some(ath.as_str()) {
            return Err(bad("the DPoP proof's ath is not the hash of this access token"));
        }
        // §9
        if let Some(nonces) = &self.nonces
            && !claims.nonce.as_deref().is_some_and(|n| self.nonce_ok(nonces, n))
        {
            let mut refusal =
                self.refusal(ErrorCode::UseDpopNonce, "the DPoP proof must carry the nonce in DPoP-Nonce");
            if let ValidationError::Dpop(r) = &mut refusal {
                r.nonce = self.nonce();
            }
            return Err(refusal);
        }
        // §4.3 check 12
        if !self.seen.entry(format!("{}:{jti}", key.jkt)).or_insert(()).is_fresh() {
            return Err(bad("the DPoP proof was used before"));
        }
        Ok(key)
    }
}
