//! Layered configuration: defaults < TOML file < `TESSERA_*` variables < flags. clap resolves flags over
//! variables; the file fills in what neither gave.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tessera_server::{Config, TlsFiles};

use crate::cli::{GlobalArgs, ServeArgs};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read config {path}: {source}")]
    Unreadable { path: String, source: std::io::Error },
    /// toml's own message, without the source excerpt it would print over several lines.
    #[error("config {path}: {message}")]
    Invalid { path: String, message: String },
    #[error("tls_cert and tls_key go together")]
    TlsPair,
    #[error("set both TESSERA_BOOTSTRAP_ADMIN_USERNAME and TESSERA_BOOTSTRAP_ADMIN_PASSWORD, or neither")]
    BootstrapAdminPair,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub master_key_file: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// RFC 8705 §2.1: the CA (PEM) of tls_client_auth client certificates.
    pub tls_client_ca: Option<PathBuf>,
    /// Ask for optional client certificates over Tessera's own TLS even without a client CA.
    pub tls_client_certs: Option<bool>,
    /// The header a trusted TLS-terminating proxy puts the client certificate in.
    pub client_cert_header: Option<String>,
    #[serde(default)]
    pub import_realms: Vec<PathBuf>,
    pub max_body_bytes: Option<usize>,
    pub refresh_interval_ms: Option<u64>,
    pub jwks_max_age_secs: Option<u64>,
    /// Rotate signing keys automatically this often (seconds); unset: only `tessera keys rotate`.
    pub key_rotation_period_secs: Option<u64>,
    /// How long a next key is published before it signs (seconds); at least `jwks_max_age_secs`.
    pub key_publication_lead_secs: Option<u64>,
    pub log_json: Option<bool>,
    pub redis_url: Option<String>,
    /// No request waits longer than this for the database or Redis (milliseconds).
    pub dependency_timeout_ms: Option<u64>,
    /// While the revocation feed is down, answer introspection from local knowledge instead of 503.
    pub introspection_fail_open: Option<bool>,
    /// Back-Channel Logout 1.0: the waits before each retry of a Logout Token's delivery (milliseconds, at
    /// most 10 retries); unset: 500, 1000, 5000, 30000.
    pub backchannel_logout_retry_ms: Option<Vec<u64>>,
    /// A request's head must arrive within this (seconds).
    pub header_read_timeout_secs: Option<u64>,
    /// A request must finish within this, body included (seconds).
    pub request_timeout_secs: Option<u64>,
    /// Requests handled at once; beyond it, 503.
    pub max_concurrent_requests: Option<usize>,
    /// Revocation feed streams open at once per realm on this node; beyond it, 503 (default 64).
    pub revocation_feed_max_connections: Option<usize>,
    /// Memory for cached clients (MiB); a realm whose active clients fit in it never reads them again.
    pub client_cache_mib: Option<u64>,
    /// Proxies (CIDRs) whose forwarding headers name the client.
    #[serde(default)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Serve Prometheus metrics at `/metrics` on this address; unset: no metrics.
    pub metrics_listen: Option<SocketAddr>,
    /// How many of the busiest clients get per-client series.
    pub metrics_top_clients: Option<usize>,
}

pub fn read_file(path: Option<&Path>) -> Result<FileConfig, SettingsError> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|source| SettingsError::Unreadable { path: path.display().to_string(), source })?;
    toml::from_str(&text)
        .map_err(|e| SettingsError::Invalid { path: path.display().to_string(), message: e.message().to_owned() })
}

/// Where the data is: all that admin commands need.
fn data_config(global: &GlobalArgs, file: &FileConfig) -> Config {
    let data_dir =
        global.data_dir.clone().or_else(|| file.data_dir.clone()).unwrap_or_else(|| PathBuf::from("tessera-data"));
    let mut config = Config::new(data_dir);
    config.database_url = global.database_url.clone().or_else(|| file.database_url.clone());
    config.master_key_file = global.master_key_file.clone().or_else(|| file.master_key_file.clone());
    config
}

pub fn admin_config(global: &GlobalArgs) -> Result<Config, SettingsError> {
    let file = read_file(global.config.as_deref())?;
    let mut config = data_config(global, &file);
    // For what commands print (how to get a token) and the issuer of the Logout Tokens a command sends
    // (`revoke --user`): the server's own, as `serve` derives it from its flags or file.
    config.public_url = std::env::var("TESSERA_PUBLIC_URL").ok().filter(|u| !u.is_empty()).or(file.public_url);
    if let Some(listen) = file.listen {
        config.listen = listen;
    }
    Ok(config)
}

pub fn serve_config(global: &GlobalArgs, args: &ServeArgs) -> Result<(Config, bool), SettingsError> {
    let file = read_file(global.config.as_deref())?;
    let mut config = data_config(global, &file);
    if let Some(listen) = args.listen.or(file.listen) {
        config.listen = listen;
    }
    config.public_url = args.public_url.clone().or(file.public_url);
    let cert = args.tls_cert.clone().or(file.tls_cert);
    let key = args.tls_key.clone().or(file.tls_key);
    config.tls = match (cert, key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        _ => return Err(SettingsError::TlsPair),
    };
    config.tls_client_ca = args.tls_client_ca.clone().or(file.tls_client_ca);
    config.tls_client_certificates = args.tls_client_certs || file.tls_client_certs == Some(true);
    config.client_cert_header = args.client_cert_header.clone().or(file.client_cert_header);
    config.trusted_proxies =
        if args.trusted_proxy.is_empty() { file.trusted_proxies } else { args.trusted_proxy.clone() };
    if let Some(s) = file.header_read_timeout_secs {
        config.header_read_timeout = std::time::Duration::from_secs(s.max(1));
    }
    if let Some(s) = file.request_timeout_secs {
        config.request_timeout = std::time::Duration::from_secs(s.max(1));
    }
    if let Some(n) = file.max_concurrent_requests {
        config.max_concurrent_requests = n.max(1);
    }
    if let Some(mib) = file.client_cache_mib {
        config.client_cache_bytes = mib.max(1).saturating_mul(1024 * 1024);
    }
    config.metrics_listen = args.metrics_listen.or(file.metrics_listen);
    if let Some(n) = args.metrics_top_clients.or(file.metrics_top_clients) {
        config.metrics_top_clients = n;
    }
    config.import_realms = file.import_realms;
    config.import_realms.extend(args.import_realm.iter().cloned());
    if let Some(n) = file.max_body_bytes {
        config.max_body_bytes = n;
    }
    if let Some(n) = file.revocation_feed_max_connections {
        config.revocation_feed_max_connections = n.max(1);
    }
    if let Some(ms) = file.refresh_interval_ms {
        config.refresh_interval = std::time::Duration::from_millis(ms.max(50));
    }
    if let Some(s) = file.jwks_max_age_secs {
        config.jwks_max_age = std::time::Duration::from_secs(s);
    }
    config.key_rotation_period = file.key_rotation_period_secs.map(std::time::Duration::from_secs);
    config.key_publication_lead = file.key_publication_lead_secs.map(std::time::Duration::from_secs);
    config.redis_url = args.redis_url.clone().or(file.redis_url);
    if let Some(ms) = file.dependency_timeout_ms {
        config.dependency_timeout = std::time::Duration::from_millis(ms.max(100));
    }
    config.introspection_fail_open = file.introspection_fail_open.unwrap_or(false);
    if let Some(delays) = file.backchannel_logout_retry_ms {
        config.backchannel_logout_retry_delays =
            delays.into_iter().take(10).map(std::time::Duration::from_millis).collect();
    }
    config.allow_plain_http = args.dev;
    config.bootstrap_demo = args.dev;
    config.bootstrap_admin = bootstrap_admin(args.dev)?;
    Ok((config, args.log_json || file.log_json.unwrap_or(false)))
}

/// The first administrator: `TESSERA_BOOTSTRAP_ADMIN_USERNAME` and `_PASSWORD` (both or neither), else in
/// `--dev` the user `admin` with a generated password, printed once when the `master` realm is made.
fn bootstrap_admin(dev: bool) -> Result<Option<(String, secrecy::SecretString)>, SettingsError> {
    let username = std::env::var("TESSERA_BOOTSTRAP_ADMIN_USERNAME").ok().filter(|u| !u.is_empty());
    let password = std::env::var("TESSERA_BOOTSTRAP_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
    match (username, password) {
        (Some(u), Some(p)) => Ok(Some((u, secrecy::SecretString::from(p)))),
        (None, None) if dev => Ok(tessera_core::secret::generate_client_secret().ok().map(|p| ("admin".to_owned(), p))),
        (None, None) => Ok(None),
        _ => Err(SettingsError::BootstrapAdminPair),
    }
}
