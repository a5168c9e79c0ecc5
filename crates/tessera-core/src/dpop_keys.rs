//! The keys of DPoP proofs (RFC 9449 §4.2), parsed once per distinct proof header. A client signs every
//! proof with the same key, so its protected header (`typ`, `alg`, `jwk`) is the same string each time:
//! the header checks of §4.3 (checks 4, 5 and 7), the parsed public key and its RFC 7638 thumbprint
//! ([`tessera_proto::dpop_key`], shared with `tessera-guard`) are kept under that string, and a later proof
//! costs one signature verification with an already parsed key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonwebtoken::Algorithm;
pub use tessera_proto::dpop_key::ProofKey;

use crate::OAuthError;

/// The asymmetric algorithms a proof may use (§4.3 check 5: never `none`, never a MAC).
pub const DPOP_SIGNING_ALGS: [Algorithm; 9] = crate::client_assertion::PRIVATE_KEY_JWT_ALGS;
/// Headers kept at most; the cache starts over when full (a flood of keys costs parsing, nothing else).
const CAPACITY: usize = 10_000;

pub(crate) fn refuse(why: &'static str) -> OAuthError {
    OAuthError::InvalidDpopProof(why.into())
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
        let key = Arc::new(tessera_proto::dpop_key::parse(header_b64, &DPOP_SIGNING_ALGS).map_err(refuse)?);
        if let Ok(mut keys) = self.keys.lock() {
            if keys.len() >= CAPACITY {
                keys.clear();
            }
            keys.insert(header_b64.to_owned(), key.clone());
        }
        Ok(key)
    }
}
