//! What every handler may use, built once by [`crate::Application`]. State is passed in, never global.

use std::sync::Arc;

use tessera_core::ports::{Clock, Store};
use tessera_core::secret::{ClientSecretHasher, MasterKey};

use crate::audit_trail::AuditTrail;
use crate::denylist::RevocationList;
use crate::directory::Directory;
use crate::http::login::BlockingArgon2;
use crate::issued_tokens::IssuedTokenCache;
use crate::redis_fanout::RedisFanout;

/// What every handler may use. State is passed in, never global.
#[derive(Clone)]
pub struct AppState {
    pub directory: Arc<Directory>,
    pub revocations: Arc<RevocationList>,
    pub audit: Arc<AuditTrail>,
    pub hasher: Arc<ClientSecretHasher>,
    pub clock: Arc<dyn Clock>,
    pub max_body_bytes: usize,
    pub jwks_max_age: u64,
    pub introspection_fail_open: bool,
    pub store: Arc<dyn Store>,
    pub redis: Option<Arc<RedisFanout>>,
    pub issued: Arc<IssuedTokenCache>,
    /// Seals what pages carry between requests and the refresh retry window's responses.
    pub master: Arc<MasterKey>,
    pub passwords: Arc<BlockingArgon2>,
    /// `Secure` on cookies: set whenever the public URL is https (not in `--dev`).
    pub secure_cookies: bool,
}
