//! `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9): the client proves who it is with a JWT signed by its
//! private key, a new one for every token request.

use std::path::Path;

use jsonwebtoken::{Algorithm, EncodingKey, Header};

/// RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long an assertion is valid: only for the request it goes with.
const LIFETIME: i64 = 60;

/// A client's private key for `private_key_jwt`: a PKCS#8 PEM file holding an EC P-256 (`ES256`),
/// Ed25519 (`EdDSA`) or RSA (`RS256`) key, whose public half is registered with the server (inline JWK Set
/// or the client's `jwks_uri`).
///
/// ```no_run
/// # fn run() -> Result<(), tessera_client::TokenError> {
/// let key = tessera_client::PrivateKey::from_pem_file("/run/secrets/billing.pem")?.key_id("billing-2026");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PrivateKey {
    key: EncodingKey,
    alg: Algorithm,
    kid: Option<String>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey").field("alg", &self.alg).field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Reads a PKCS#8 PEM private key; its type chooses the algorithm.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, crate::TokenError> {
        let path = path.as_ref();
        let pem = std::fs::read(path)
            .map_err(|e| crate::TokenError::Secret(format!("cannot read {}: {e}", path.display())))?;
        Self::from_pem(&pem)
    }

    /// As [`Self::from_pem_file`], from the PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Self, crate::TokenError> {
        let (key, alg) = if let Ok(k) = EncodingKey::from_ec_pem(pem) {
            (k, Algorithm::ES256)
        } else if let Ok(k) = EncodingKey::from_ed_pem(pem) {
            (k, Algorithm::EdDSA)
        } else if let Ok(k) = EncodingKey::from_rsa_pem(pem) {
            (k, Algorithm::RS256)
        } else {
            return Err(crate::TokenError::Secret("not a PKCS#8 PEM EC, Ed25519 or RSA private key".into()));
        };
        Ok(Self { key, alg, kid: None })
    }

    /// The `kid` of the registered public key, put in every assertion's header.
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// RFC 7523 §3: `iss` and `sub` the client, `aud` the token endpoint, a short `exp`, a fresh `jti`.
    pub(crate) fn assertion(&self, client_id: &str, token_url: &str, now: i64) -> Result<String, crate::TokenError> {
        let mut header = Header::new(self.alg);
        header.kid = self.kid.clone();
        let claims = serde_json::json!({
            "iss": client_id, "sub": client_id, "aud": token_url,
            "iat": now, "exp": now + LIFETIME, "jti": uuid::Uuid::new_v4().to_string(),
        });
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| crate::TokenError::Secret(format!("cannot sign the client assertion: {e}")))
    }
}
