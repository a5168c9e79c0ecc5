//! What the fuzz targets share: the fixed key material in `fixtures/keys.json` (written once by
//! `cargo +nightly run --example make_fixture`), so that the seed tokens and sealed requests under
//! `corpus/` verify and open run after run.
//!
//! FOR FUZZING ONLY: the master key, and so every private key sealed under it, is public in this file.

use serde::{Deserialize, Serialize};
use tessera_core::keys::KeyRing;
use tessera_core::model::{KeyState, SigningAlgorithm, StoredSigningKey};
use tessera_core::secret::{MasterKey, ServerSecrets};
use tessera_proto::Jwk;

/// The instant the targets take as "now" (2030-03-17); the fixture's valid tokens expire in 2096.
pub const NOW: i64 = 1_900_000_000;

/// The fixture as stored: everything needed to rebuild the key ring, and what was made with it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Fixture {
    pub comment: String,
    /// A `ServerSecrets` key file (master key and secret pepper).
    pub key_file: String,
    pub issuer: String,
    pub realm_id: String,
    pub keys: Vec<FixtureKey>,
    /// Access tokens signed by the keys above, valid at [`NOW`] and for years after.
    pub valid_tokens: Vec<String>,
    /// Tokens that are signed by the keys above yet must be refused (expired, wrong `typ`, wrong issuer…).
    pub refused_tokens: Vec<String>,
    /// Pending authorization requests sealed for `realm_id`, open at [`NOW`].
    pub pending: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FixtureKey {
    pub kid: String,
    pub alg: SigningAlgorithm,
    pub state: KeyState,
    pub sealed_private_key: String,
    pub public_jwk: Jwk,
    pub created_at: i64,
}

impl FixtureKey {
    pub fn stored(&self, realm_id: &str) -> StoredSigningKey {
        StoredSigningKey {
            kid: self.kid.clone(),
            realm_id: realm_id.to_owned(),
            alg: self.alg,
            state: self.state,
            sealed_private_key: self.sealed_private_key.clone(),
            public_jwk: self.public_jwk.clone(),
            created_at: self.created_at,
            retired_at: None,
            not_after: None,
        }
    }
}

/// The fixture and what it rebuilds; a target builds this once, before its first input.
pub struct Loaded {
    pub fixture: Fixture,
    pub secrets: ServerSecrets,
    pub ring: KeyRing,
}

impl Loaded {
    pub fn master(&self) -> MasterKey {
        self.secrets.master_key()
    }

    /// The `header.payload` part of each valid token: the only signing inputs a successful verification
    /// may have (nobody but us holds the keys, and the fuzzer cannot forge a signature).
    pub fn valid_signing_inputs(&self) -> Vec<String> {
        let tokens = self.fixture.valid_tokens.iter();
        tokens.filter_map(|t| t.rsplit_once('.').map(|(input, _)| input.to_owned())).collect()
    }
}

/// A fixture that does not load is a broken checkout, not a finding: fail before fuzzing starts.
#[allow(clippy::expect_used)]
pub fn load() -> Loaded {
    let fixture: Fixture =
        serde_json::from_str(include_str!("../fixtures/keys.json")).expect("fuzz/fixtures/keys.json parses");
    let secrets = ServerSecrets::from_file_contents(&fixture.key_file).expect("the fixture's key file loads");
    let stored: Vec<_> = fixture.keys.iter().map(|k| k.stored(&fixture.realm_id)).collect();
    let ring = KeyRing::load(&stored, &secrets.master_key()).expect("the fixture's keys load");
    Loaded { fixture, secrets, ring }
}

/// The input as text, the way a server sees a header or body that is not UTF-8: not at all.
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}
