//! Server secrets: the at-rest master key (AES-256-GCM for private keys) and the pepper that client
//! secrets are hashed under (HMAC-SHA256). Both live in a key file beside the data, never in the database.
//!
//! Client secrets are generated with 256 bits from the OS CSPRNG, so a fast keyed hash is the right tool:
//! a slow password KDF protects low-entropy inputs and would cost ~26 ms per token request here, turning
//! the token endpoint into a denial-of-service target without adding any protection (see README).

use aws_lc_rs::{aead, hmac, rand};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::model::client::SecretHash;
use crate::model::{Client, ClientAuthenticator, ClientSecret};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the key file is malformed: {0}")]
    MalformedKeyFile(String),
    #[error("sealed data could not be opened (wrong master key or corrupt data)")]
    Unseal,
    #[error("the system random generator failed")]
    Random,
}

fn random_bytes<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut out = [0u8; N];
    rand::fill(&mut out).map_err(|_| SecretError::Random)?;
    Ok(out)
}

/// `n` random bytes from the OS CSPRNG, base64url without padding.
pub fn random_token(n: usize) -> Result<String, SecretError> {
    let mut out = vec![0u8; n];
    rand::fill(&mut out).map_err(|_| SecretError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(out))
}

/// A new client secret: 256 bits from the OS CSPRNG (43 base64url characters).
pub fn generate_client_secret() -> Result<SecretString, SecretError> {
    Ok(SecretString::from(random_token(32)?))
}

/// The key file's contents: generated on first start, read at every start.
#[derive(Clone)]
pub struct ServerSecrets {
    master_key: [u8; 32],
    pepper: [u8; 32],
}

impl std::fmt::Debug for ServerSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecrets(..)")
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    version: u32,
    master_key: String,
    secret_pepper: String,
}

impl ServerSecrets {
    pub fn generate() -> Result<Self, SecretError> {
        Ok(Self { master_key: random_bytes()?, pepper: random_bytes()? })
    }

    pub fn to_file_contents(&self) -> String {
        let file = KeyFile {
            version: 1,
            master_key: STANDARD.encode(self.master_key),
            secret_pepper: STANDARD.encode(self.pepper),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    pub fn from_file_contents(contents: &str) -> Result<Self, SecretError> {
        let file: KeyFile = serde_json::from_str(contents).map_err(|e| SecretError::MalformedKeyFile(e.to_string()))?;
        let decode = |name: &str, v: &str| -> Result<[u8; 32], SecretError> {
            STANDARD
                .decode(v)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .ok_or_else(|| SecretError::MalformedKeyFile(format!("{name} is not 32 base64 bytes")))
        };
        if file.version != 1 {
            return Err(SecretError::MalformedKeyFile(format!("unknown version {}", file.version)));
        }
        Ok(Self {
            master_key: decode("master_key", &file.master_key)?,
            pepper: decode("secret_pepper", &file.secret_pepper)?,
        })
    }

    pub fn master_key(&self) -> MasterKey {
        MasterKey(self.master_key)
    }

    pub fn secret_hasher(&self) -> ClientSecretHasher {
        ClientSecretHasher::new(&self.pepper)
    }
}

/// AES-256-GCM under the master key, for private keys at rest. The associated data binds a sealed value
/// to its row (the key id), so a sealed key cannot be swapped onto another row.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    fn key(&self) -> Result<aead::RandomizedNonceKey, SecretError> {
        aead::RandomizedNonceKey::new(&aead::AES_256_GCM, &self.0).map_err(|_| SecretError::Unseal)
    }

    /// base64(nonce || ciphertext || tag)
    pub fn seal(&self, plaintext: &[u8], aad: &str) -> Result<String, SecretError> {
        let key = self.key()?;
        let mut data = plaintext.to_vec();
        let nonce = key
            .seal_in_place_append_tag(aead::Aad::from(aad.as_bytes()), &mut data)
            .map_err(|_| SecretError::Random)?;
        let mut out = nonce.as_ref().to_vec();
        out.extend_from_slice(&data);
        Ok(STANDARD.encode(out))
    }

    /// An HMAC-SHA256 key derived from the master key for one purpose (`label`), so that no two uses share
    /// a key and the master key itself never signs anything.
    pub fn derive_mac_key(&self, label: &str) -> hmac::Key {
        let derivation = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        hmac::Key::new(hmac::HMAC_SHA256, hmac::sign(&derivation, label.as_bytes()).as_ref())
    }

    pub fn open(&self, sealed: &str, aad: &str) -> Result<Vec<u8>, SecretError> {
        let key = self.key()?;
        let raw = STANDARD.decode(sealed).map_err(|_| SecretError::Unseal)?;
        if raw.len() < aead::NONCE_LEN {
            return Err(SecretError::Unseal);
        }
        let (nonce, ct) = raw.split_at(aead::NONCE_LEN);
        let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::Unseal)?;
        let mut buf = ct.to_vec();
        let plain =
            key.open_in_place(nonce, aead::Aad::from(aad.as_bytes()), &mut buf).map_err(|_| SecretError::Unseal)?;
        Ok(plain.to_vec())
    }
}

/// What binds a sealed client secret to its row.
fn sealed_secret_aad(secret_id: &str) -> String {
    format!("client-secret:{secret_id}")
}

/// A client secret as stored: its keyed hash, and — for a `client_secret_jwt` client only — the secret
/// sealed under the master key, because HMAC assertions are keyed with the clear secret (OIDC Core §9) and
/// a hash cannot give it back. Every other client keeps the hash alone.
pub fn stored_client_secret(
    secret: &SecretString,
    client: &Client,
    hasher: &ClientSecretHasher,
    master: &MasterKey,
    now: i64,
) -> Result<ClientSecret, SecretError> {
    let id = crate::model::new_id();
    let sealed = match client.authenticator() {
        ClientAuthenticator::ClientSecretJwt => {
            Some(master.seal(secret.expose_secret().as_bytes(), &sealed_secret_aad(&id))?)
        }
        _ => None,
    };
    Ok(ClientSecret { hash: hasher.hash(secret), id, created_at: now, expires_at: None, sealed })
}

/// The client's secrets still valid at `now` that were kept sealed (for `client_secret_jwt`), opened. One
/// that cannot be opened (another master key) is left out: the assertion then fails as `invalid_client`.
pub fn unsealed_secrets(client: &Client, master: &MasterKey, now: i64) -> Vec<SecretString> {
    client
        .secrets
        .iter()
        .filter(|s| s.is_valid_at(now))
        .filter_map(|s| master.open(s.sealed.as_deref()?, &sealed_secret_aad(&s.id)).ok())
        .filter_map(|clear| String::from_utf8(clear).ok())
        .map(SecretString::from)
        .collect()
}

/// Hashes client secrets with HMAC-SHA256 under the server pepper and compares in constant time.
#[derive(Clone)]
pub struct ClientSecretHasher {
    key: hmac::Key,
    /// Compared against when the client is unknown, so that path costs what a known client's does.
    dummy: SecretHash,
}

impl std::fmt::Debug for ClientSecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecretHasher(..)")
    }
}

const HASH_PREFIX: &str = "hmac-sha256$";

impl ClientSecretHasher {
    pub fn new(pepper: &[u8]) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA256, pepper);
        let tag = hmac::sign(&key, b"tessera: no such client");
        let dummy = SecretHash(format!("{HASH_PREFIX}{}", STANDARD.encode(tag.as_ref())));
        Self { key, dummy }
    }

    pub fn hash(&self, secret: &SecretString) -> SecretHash {
        let tag = hmac::sign(&self.key, secret.expose_secret().as_bytes());
        // One allocation, no formatting machinery: this runs on every secret-authenticated request.
        let mut hash = String::with_capacity(HASH_PREFIX.len() + 44);
        hash.push_str(HASH_PREFIX);
        STANDARD.encode_string(tag.as_ref(), &mut hash);
        SecretHash(hash)
    }

    /// True when `presented` matches any of `stored`. Every candidate is compared, in constant time.
    pub fn matches_any<'a>(&self, presented: &SecretString, stored: impl IntoIterator<Item = &'a SecretHash>) -> bool {
        let computed = self.hash(presented);
        let mut found = subtle::Choice::from(0u8);
        for candidate in stored {
            found |= computed.0.as_bytes().ct_eq(candidate.0.as_bytes());
        }
        bool::from(found)
    }

    /// The same work as a real check, for an unknown or unusable client, so that path takes the time a
    /// known client's does and answers nothing.
    pub fn burn(&self, presented: Option<&SecretString>) {
        let fallback = SecretString::from("");
        std::hint::black_box(self.matches_any(presented.unwrap_or(&fallback), [&self.dummy]));
    }
}

/// The stored form of a high-entropy bearer value (authorization code, refresh token, session cookie):
/// SHA-256, base64url. A keyed hash adds nothing for 256-bit random values; a dump of the table is useless.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_value_opens_only_with_its_aad_and_key() {
        let s = ServerSecrets::generate().unwrap();
        let sealed = s.master_key().seal(b"private", "kid-1").unwrap();
        assert_eq!(s.master_key().open(&sealed, "kid-1").unwrap(), b"private");
        assert!(s.master_key().open(&sealed, "kid-2").is_err());
        let other = ServerSecrets::generate().unwrap();
        assert!(other.master_key().open(&sealed, "kid-1").is_err());
    }

    #[test]
    fn key_file_round_trips_and_rejects_garbage() {
        let s = ServerSecrets::generate().unwrap();
        let back = ServerSecrets::from_file_contents(&s.to_file_contents()).unwrap();
        let secret = SecretString::from("abc");
        assert_eq!(s.secret_hasher().hash(&secret), back.secret_hasher().hash(&secret));
        assert!(ServerSecrets::from_file_contents("{}").is_err());
        assert!(
            ServerSecrets::from_file_contents(r#"{"version":1,"master_key":"AA==","secret_pepper":"AA=="}"#).is_err()
        );
    }

    #[test]
    fn secret_hash_is_keyed_and_matches_only_the_secret() {
        let a = ServerSecrets::generate().unwrap().secret_hasher();
        let b = ServerSecrets::generate().unwrap().secret_hasher();
        let secret = generate_client_secret().unwrap();
        assert_eq!(secret.expose_secret().len(), 43);
        let stored = a.hash(&secret);
        assert!(!stored.0.contains(secret.expose_secret()));
        assert_ne!(stored, b.hash(&secret));
        assert!(a.matches_any(&secret, [&stored]));
        assert!(!a.matches_any(&SecretString::from("wrong"), [&stored]));
    }
}
