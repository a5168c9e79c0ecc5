use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Server configuration, already merged from defaults, the TOML file, `TESSERA_*` variables and flags
/// (the binary does the merging; tests build this directly).
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The externally visible base URL; issuers and endpoint URLs derive from it. When unset, the
    /// listening address over http (allowed only with `allow_plain_http`).
    pub public_url: Option<String>,
    pub data_dir: PathBuf,
    /// The master key file; defaults to `{data_dir}/master.key`. Nodes sharing a database share this file.
    pub master_key_file: Option<PathBuf>,
    /// Defaults to `sqlite://{data_dir}/tessera.db`; `postgres://…` for several nodes.
    pub database_url: Option<String>,
    /// No request waits longer than this for the database or Redis.
    pub dependency_timeout: Duration,
    /// Redis for the shared revocation feed, when several nodes run.
    pub redis_url: Option<String>,
    /// While the revocation feed is down, introspection answers from what this node knows (true) or
    /// refuses with 503 `temporarily_unavailable` (false, the default: fail closed).
    pub introspection_fail_open: bool,
    /// Back-Channel Logout 1.0: the waits before each retry of a Logout Token's delivery (then it is
    /// given up, logged and audited).
    pub backchannel_logout_retry_delays: Vec<Duration>,
    pub tls: Option<TlsFiles>,
    /// RFC 8705 §2.1: the CA (PEM) that `tls_client_auth` certificates must chain to, whether they arrive
    /// over Tessera's own TLS or from a proxy. With `tls`, client certificates are asked for.
    pub tls_client_ca: Option<PathBuf>,
    /// With `tls`: ask for client certificates (optional ones) even without a client CA, for
    /// `self_signed_tls_client_auth` and certificate-bound tokens (RFC 8705 §2.2, §3).
    pub tls_client_certificates: bool,
    /// Behind a TLS-terminating proxy: the header it puts the client certificate in (URL-encoded PEM, as
    /// nginx's `$ssl_client_escaped_cert`), believed only from `trusted_proxies`.
    pub client_cert_header: Option<String>,
    /// `--dev`: plain HTTP on any URL.
    pub allow_plain_http: bool,
    /// `--dev`: create realm `demo` with a client on first start.
    pub bootstrap_demo: bool,
    /// The first administrator (`master` realm), created at start when no `master` realm exists
    /// (`TESSERA_BOOTSTRAP_ADMIN_USERNAME` / `_PASSWORD`, as Keycloak's `KC_BOOTSTRAP_ADMIN_*`; `--dev` makes one).
    pub bootstrap_admin: Option<(String, secrecy::SecretString)>,
    pub import_realms: Vec<PathBuf>,
    /// Largest request body accepted on protocol endpoints; larger ones get 413.
    pub max_body_bytes: usize,
    /// How often the database's change counter is polled; bounds how soon CLI changes reach this node.
    pub refresh_interval: Duration,
    /// `Cache-Control: max-age` sent with the JWKS.
    pub jwks_max_age: Duration,
    /// Rotate signing keys automatically this often; `None`: only with `tessera keys rotate`.
    pub key_rotation_period: Option<Duration>,
    /// How long a next key is published before it signs; at least `jwks_max_age` (defaults to it).
    pub key_publication_lead: Option<Duration>,
    /// How often each node checks the rotation schedule.
    pub key_check_interval: Duration,
    /// How often batched audit events are written.
    pub audit_flush_interval: Duration,
    /// How often revocations of expired tokens are forgotten.
    pub revocation_purge_interval: Duration,
    /// Revocation feed streams (docs/revocation-feed.md) open at once per realm on this node; beyond it,
    /// 503 `temporarily_unavailable`.
    pub revocation_feed_max_connections: usize,
    /// A request's head (line and headers) must arrive within this, or the connection is closed.
    pub header_read_timeout: Duration,
    /// A request that takes longer than this (reading its body included) is answered 408.
    pub request_timeout: Duration,
    /// Requests handled at once by this node; beyond it, 503 with `Retry-After` at once.
    pub max_concurrent_requests: usize,
    /// Memory for cached clients, by the directory's estimate of each entry (unknown ids included); each
    /// miss reads the database (bench/README.md gives the memory per client).
    pub client_cache_bytes: u64,
    /// How often dead authorization codes, refresh tokens, SSO sessions and login-failure rows are purged
    /// (by one node at a time; the first run is at start).
    pub janitor_interval: Duration,
    /// Proxies (CIDRs) whose `X-Forwarded-For` / `Forwarded` headers are believed: the client's address is
    /// the rightmost hop that is not one of them. Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where the management listener serves Prometheus metrics at `/metrics` (plain HTTP: keep it on a
    /// private interface). `None`: no metrics are kept.
    pub metrics_listen: Option<SocketAddr>,
    /// How many of the busiest clients get per-client series.
    pub metrics_top_clients: usize,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Config {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            data_dir,
            master_key_file: None,
            database_url: None,
            dependency_timeout: Duration::from_secs(3),
            redis_url: None,
            introspection_fail_open: false,
            backchannel_logout_retry_delays: crate::backchannel::RETRY_DELAYS.to_vec(),
            tls: None,
            tls_client_ca: None,
            tls_client_certificates: false,
            client_cert_header: None,
            allow_plain_http: false,
            bootstrap_demo: false,
            bootstrap_admin: None,
            import_realms: Vec::new(),
            max_body_bytes: 64 * 1024,
            refresh_interval: Duration::from_secs(1),
            jwks_max_age: Duration::from_secs(300),
            key_rotation_period: None,
            key_publication_lead: None,
            key_check_interval: Duration::from_secs(30),
            audit_flush_interval: Duration::from_secs(1),
            revocation_purge_interval: Duration::from_secs(60),
            revocation_feed_max_connections: 64,
            janitor_interval: Duration::from_secs(3600),
            trusted_proxies: Vec::new(),
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_concurrent_requests: 1024,
            client_cache_bytes: 64 * 1024 * 1024,
            metrics_listen: None,
            metrics_top_clients: 20,
        }
    }

    pub fn master_key_file(&self) -> PathBuf {
        self.master_key_file.clone().unwrap_or_else(|| self.data_dir.join(crate::keyfile::KEY_FILE_NAME))
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| tessera_store::SqlStore::sqlite_url_for_dir(&self.data_dir))
    }

    /// The rotation policy; a publication lead shorter than the JWKS max-age would let a key sign before
    /// verifiers that cached the key set have seen it.
    pub fn rotation_policy(&self) -> Result<tessera_core::key_rotation::RotationPolicy, String> {
        let lead = self.key_publication_lead.unwrap_or(self.jwks_max_age);
        if lead < self.jwks_max_age {
            return Err(format!(
                "key_publication_lead ({} s) must be at least jwks_max_age ({} s)",
                lead.as_secs(),
                self.jwks_max_age.as_secs()
            ));
        }
        if let Some(period) = self.key_rotation_period
            && period <= lead
        {
            return Err(format!(
                "key_rotation_period ({} s) must be longer than the publication lead ({} s)",
                period.as_secs(),
                lead.as_secs()
            ));
        }
        Ok(tessera_core::key_rotation::RotationPolicy {
            period: self.key_rotation_period.map(|p| p.as_secs() as i64),
            publication_lead: lead.as_secs() as i64,
        })
    }

    /// RFC 6749 §3.1/§3.2 and RFC 9700 §2.6: credentials and tokens travel only over TLS. Refuse to
    /// serve plain HTTP unless TLS is terminated in front (an https public URL) or we were told `--dev`.
    pub fn check_transport(&self) -> Result<(), String> {
        if self.allow_plain_http || self.tls.is_some() {
            return Ok(());
        }
        match &self.public_url {
            Some(url) if url.starts_with("https://") => Ok(()),
            Some(url) => Err(format!(
                "refusing to serve plain HTTP: public URL {url} is not https; configure tls_cert/tls_key, put TLS in front and set an https public URL, or use --dev"
            )),
            None => Err("refusing to serve plain HTTP: set an https public URL (TLS terminated in front), configure tls_cert/tls_key, or use --dev".to_owned()),
        }
    }
}
