//! What every handler may use, built once by [`crate::Application`]. State is passed in, never global.

use std::sync::Arc;

use tessera_core::client_auth::ClientRequest;
use tessera_core::cors::CorsClient;
use tessera_core::device::DeviceAuthorization;
use tessera_core::model::RealmContext;
use tessera_core::mtls::ClientCertificate;
use tessera_core::par::PushedAuthorization;
use tessera_core::ports::{Clock, Store};
use tessera_core::secret::{ClientSecretHasher, MasterKey};
use tessera_core::sign_in::SignIn;

use crate::audit_trail::AuditTrail;
use crate::client_jwks::ClientJwksCache;
use crate::denylist::RevocationList;
use crate::directory::Directory;
use crate::issued_tokens::IssuedTokenCache;
use crate::passwords::Argon2Pool;
use crate::redis_fanout::RedisFanout;
use crate::replay::SharedReplayCache;

/// What every handler may use. State is passed in, never global. Extractors clone it for every request, so
/// it is one `Arc`: a clone is one atomic increment, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub directory: Arc<Directory>,
    pub revocations: Arc<RevocationList>,
    /// The revocation feed's open streams, per realm.
    pub revocation_feed: Arc<crate::revocation_feed::FeedConnections>,
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
    pub passwords: Arc<Argon2Pool>,
    /// `Secure` on cookies: set whenever the public URL is https (not in `--dev`).
    pub secure_cookies: bool,
    /// In-flight and time limits of every request.
    pub limits: crate::limits::RequestLimits,
    /// Whose forwarding headers name the client.
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// RFC 8705: where client certificates come from, and the CA of `tls_client_auth`.
    pub client_certificates: Arc<crate::client_certificate::ClientCertificates>,
    /// When a next key may sign (the admin API's rotation follows the scheduler's rule).
    pub rotation: tessera_core::key_rotation::RotationPolicy,
    /// Prometheus metrics, when a management listener is configured.
    pub metrics: Option<Arc<crate::metrics::Metrics>>,
    /// Usage counts per client (and the detector they feed), read back by the admin API.
    pub usage: Arc<crate::usage::UsageRecorder>,
    /// Rate limits' state: shared through Redis when configured, else (and while it is down) on this node.
    pub rate_limiter: Arc<dyn tessera_core::rate_limit::RateLimiter>,
    /// Clients' keys at their `jwks_uri` (`private_key_jwt`).
    pub client_jwks: Arc<ClientJwksCache>,
    /// Client assertions' `jti`s, shared through Redis when configured.
    pub replay: Arc<SharedReplayCache>,
    /// DPoP proof keys parsed once per distinct proof header (RFC 9449 §4.3).
    pub dpop_keys: Arc<tessera_core::dpop_keys::ProofKeys>,
    /// Back-Channel Logout 1.0: Logout Tokens go out from here, in the background.
    pub logout_deliveries: Arc<crate::backchannel::LogoutSender>,
}

/// What the readiness probe reports.
#[derive(Debug, Clone, Copy)]
pub struct Readiness {
    pub database: bool,
    /// `None` when no Redis is configured; else whether it answers and the revocation feed is subscribed.
    pub redis: Option<bool>,
}

impl AppState {
    pub async fn readiness(&self) -> Readiness {
        let database = self.store.ping().await.is_ok();
        let redis = match &self.redis {
            Some(redis) => Some(redis.ping().await && redis.is_subscribed()),
            None => None,
        };
        Readiness { database, redis }
    }

    /// The revocation feed of one realm from the entry after `after`, reading the realm's log in the store
    /// and woken by this node's revocation list; it holds `slot` while it runs.
    pub fn revocation_feed_stream(
        &self,
        realm_id: &str,
        after: i64,
        slot: crate::revocation_feed::FeedSlot,
    ) -> crate::revocation_feed::FeedStream {
        crate::revocation_feed::FeedStream {
            store: self.store.clone(),
            clock: self.clock.clone(),
            changes: self.revocations.changes(),
            cursor: tessera_core::revocation_feed::FeedCursor::new(realm_id.to_owned(), after),
            slot,
        }
    }

    /// A request from a client of `realm` to the token, introspection or revocation endpoint.
    pub fn client_request<'a>(&'a self, realm: &'a RealmContext, source_ip: Option<&'a str>) -> ClientRequest<'a> {
        ClientRequest {
            realm,
            clients: self.directory.as_ref(),
            hasher: &self.hasher,
            audit: self.audit.as_ref(),
            jwks: self.client_jwks.as_ref(),
            replay: self.replay.as_ref(),
            dpop_keys: &self.dpop_keys,
            master: &self.master,
            source_ip,
            now: self.clock.now(),
            limiter: self.rate_limiter.as_ref(),
            now_ms: self.clock.now_millis(),
            cors: CorsClient::default(),
            certificate: None,
        }
    }

    /// The device authorization endpoint (RFC 8628 §3.1) for a client of `realm`, over this server's store.
    pub fn device_authorization<'a>(
        &'a self,
        realm: &'a RealmContext,
        source_ip: Option<&'a str>,
        certificate: Option<&'a ClientCertificate>,
    ) -> DeviceAuthorization<'a> {
        let request = ClientRequest { certificate, ..self.client_request(realm, source_ip) };
        DeviceAuthorization { request, store: self.store.as_ref() }
    }

    /// The pushed authorization request endpoint (RFC 9126 §2) for a client of `realm`.
    pub fn pushed_authorization<'a>(
        &'a self,
        realm: &'a RealmContext,
        source_ip: Option<&'a str>,
        certificate: Option<&'a ClientCertificate>,
    ) -> PushedAuthorization<'a> {
        let request = ClientRequest { certificate, ..self.client_request(realm, source_ip) };
        PushedAuthorization { request, store: self.store.as_ref() }
    }

    /// The sign-in steps, over this server's directory, store and revocation list.
    pub fn sign_in(&self) -> SignIn<'_> {
        SignIn {
            realms: self.directory.as_ref(),
            clients: self.directory.as_ref(),
            store: self.store.as_ref(),
            revocations: self.revocations.as_ref(),
            audit: self.audit.as_ref(),
            deliveries: self.logout_deliveries.as_ref(),
            passwords: self.passwords.as_ref(),
            master: &self.master,
            now: self.clock.now(),
            limiter: self.rate_limiter.as_ref(),
            now_ms: self.clock.now_millis(),
        }
    }
}
