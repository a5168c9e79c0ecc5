use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::SecretString;
use tessera_core::clock::{Clock, SystemClock};
use tessera_core::key_rotation::RotationPolicy;
use tessera_core::ports::Store;
use tessera_core::secret::ServerSecrets;

use crate::audit_trail::AuditTrail;
use crate::config::Config;
use crate::denylist::RevocationList;
use crate::directory::Directory;
use crate::metrics::Metrics;
use crate::metrics::gauges::ServerGauges;
use crate::operations::{self, ImportOutcome, OperationError};
use crate::passwords::Argon2Pool;
use crate::redis_fanout::RedisFanout;
use crate::state::{AppState, Shared};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Operation(#[from] OperationError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("TLS: {0}")]
    Tls(String),
}

/// A secret shown once at start: a generated demo client, or a masked secret replaced during import.
#[derive(Debug)]
pub struct StartupSecret {
    pub realm: String,
    pub client_id: String,
    pub secret: SecretString,
}

/// A built server, bound to its port, not yet serving.
pub struct Application {
    listener: std::net::TcpListener,
    local_addr: SocketAddr,
    /// The management listener and what it serves, when metrics are on.
    management: Option<(std::net::TcpListener, axum::Router)>,
    metrics_addr: Option<SocketAddr>,
    public_url: String,
    router: axum::Router,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    directory: Arc<Directory>,
    revocations: Arc<RevocationList>,
    audit: Arc<AuditTrail>,
    /// Usage counts' flush and anomaly detection, every second.
    usage_task: Arc<crate::usage::UsageTask>,
    redis: Option<Arc<RedisFanout>>,
    store: tessera_store::SqlStore,
    secrets: ServerSecrets,
    clock: Arc<dyn Clock>,
    rotation: RotationPolicy,
    refresh_interval: std::time::Duration,
    key_check_interval: std::time::Duration,
    revocation_purge_interval: std::time::Duration,
    header_read_timeout: std::time::Duration,
    janitor_interval: std::time::Duration,
    /// Secrets created during start-up, for the operator to see once.
    pub startup_secrets: Vec<StartupSecret>,
    /// The first administrator created at this start (`master` realm), with the password it was given.
    pub created_admin: Option<(String, SecretString)>,
    /// One line per import, for the operator.
    pub startup_notes: Vec<String>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        config.check_transport().map_err(StartError::Config)?;
        let rotation = config.rotation_policy().map_err(StartError::Config)?;
        let (store, secrets) = operations::open(&config, true).await?;
        let dyn_store: Arc<dyn Store> = Arc::new(store.clone());
        let mut startup_secrets = Vec::new();
        let mut startup_notes = Vec::new();

        for path in &config.import_realms {
            match operations::import_realm_file(dyn_store.as_ref(), &secrets, path, true, clock.now()).await? {
                ImportOutcome::Imported { realm, warnings, generated_secrets } => {
                    startup_notes.push(format!("imported realm {realm} from {}", path.display()));
                    startup_notes.extend(warnings.into_iter().map(|w| format!("realm {realm}: {w}")));
                    startup_secrets.extend(generated_secrets.into_iter().map(|(client_id, secret)| StartupSecret {
                        realm: realm.clone(),
                        client_id,
                        secret,
                    }));
                }
                ImportOutcome::Skipped { realm } => {
                    startup_notes.push(format!("realm {realm} exists; {} not imported", path.display()));
                }
            }
        }
        if config.bootstrap_demo
            && let Some(secret) = operations::bootstrap_demo(&dyn_store, &secrets, clock.now()).await?
        {
            startup_secrets.push(StartupSecret {
                realm: operations::DEMO_REALM.into(),
                client_id: operations::DEMO_CLIENT.into(),
                secret,
            });
        }

        let mut created_admin = None;
        if let Some((username, password)) = &config.bootstrap_admin
            && operations::bootstrap_admin(dyn_store.as_ref(), &secrets, username, password, clock.now()).await?
        {
            startup_notes.push(format!("created realm master with administrator {username}"));
            created_admin = Some((username.clone(), password.clone()));
        }

        let listener = bind(config.listen)?;
        let local_addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.listen, source })?;
        let client_certificates = crate::client_certificate::ClientCertificates {
            ca: config.tls_client_ca.as_deref().map(crate::tls::client_ca).transpose().map_err(StartError::Tls)?,
            available: config.client_cert_header.is_some()
                || (config.tls.is_some() && (config.tls_client_certificates || config.tls_client_ca.is_some())),
            header: match &config.client_cert_header {
                Some(name) => Some(
                    axum::http::HeaderName::try_from(name.as_str())
                        .map_err(|_| StartError::Config(format!("client_cert_header {name:?} is not a header name")))?,
                ),
                None => None,
            },
        };
        let tls = match &config.tls {
            Some(files) => {
                let ask = config.tls_client_certificates || config.tls_client_ca.is_some();
                let ca = client_certificates.ca.clone();
                Some(crate::tls::server_config(&files.cert, &files.key, ask, ca).map_err(StartError::Tls)?)
            }
            None => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{local_addr}"))
            .trim_end_matches('/')
            .to_owned();
        // The admin console signs in through its own client of `master`, at this public URL.
        tessera_core::admin::bootstrap::ensure_console_client(
            dyn_store.as_ref(),
            &secrets.secret_hasher(),
            &public_url,
            clock.now(),
        )
        .await
        .map_err(|e| StartError::Config(e.to_string()))?;

        let directory = Arc::new(Directory::new(
            dyn_store.clone(),
            secrets.master_key(),
            public_url.clone(),
            config.client_cache_bytes,
        ));
        directory.refresh_if_changed().await.map_err(|e| StartError::Config(e.to_string()))?;
        let redis = match &config.redis_url {
            Some(url) => Some(Arc::new(
                RedisFanout::connect(url, config.dependency_timeout, clock.clone())
                    .await
                    .map_err(StartError::Config)?,
            )),
            None => None,
        };
        let revocations =
            Arc::new(RevocationList::new(dyn_store.clone(), clock.clone(), redis.clone(), config.refresh_interval));
        revocations.catch_up().await.map_err(|e| StartError::Config(e.to_string()))?;
        let metrics = config.metrics_listen.map(|_| Metrics::new(config.metrics_top_clients));
        let mut metrics = metrics;
        let passwords = Arc::new(Argon2Pool::sized_to_cores());
        let issued: Arc<crate::issued_tokens::IssuedTokenCache> = Arc::default();
        if let Some(m) = &mut metrics {
            m.register_collector(ServerGauges {
                passwords: passwords.clone(),
                revocations: revocations.clone(),
                directory: directory.clone(),
                issued: issued.clone(),
            });
        }
        let metrics = metrics.map(Arc::new);
        let management = match (config.metrics_listen, &metrics) {
            (Some(addr), Some(m)) => Some((bind(addr)?, crate::metrics::http::management_router(m.clone()))),
            _ => None,
        };
        let metrics_addr = match &management {
            Some((l, _)) => Some(l.local_addr().map_err(|source| StartError::Bind { addr: config.listen, source })?),
            None => None,
        };
        let audit = AuditTrail::start(
            dyn_store.clone(),
            config.audit_flush_interval,
            clock.clone(),
            redis.clone(),
            metrics.clone(),
        );
        tessera_core::keys::warm_up();
        let usage_store = match &redis {
            Some(r) => crate::usage::UsageStore::Redis(crate::usage::redis::RedisUsage::new(r)),
            None => crate::usage::UsageStore::Local(crate::usage::local::LocalUsage::default()),
        };
        let usage = Arc::new(crate::usage::UsageRecorder::new(usage_store, crate::usage::MAX_WATCHED_CLIENTS));
        audit.attach_usage(usage.clone());
        let usage_task = Arc::new(crate::usage::UsageTask {
            recorder: usage.clone(),
            store: dyn_store.clone(),
            realms: directory.clone(),
            audit: audit.clone(),
            metrics: metrics.clone(),
            webhooks: Arc::new(crate::usage::webhook::Webhooks::start(
                directory.clone(),
                secrets.master_key(),
                crate::usage::webhook::RETRY_DELAYS.to_vec(),
            )),
            clock: clock.clone(),
        });

        let state = AppState::new(Shared {
            directory: directory.clone(),
            revocations: revocations.clone(),
            revocation_feed: crate::revocation_feed::FeedConnections::new(
                config.revocation_feed_max_connections,
                config.refresh_interval,
            ),
            audit: audit.clone(),
            hasher: Arc::new(secrets.secret_hasher()),
            clock: clock.clone(),
            max_body_bytes: config.max_body_bytes,
            jwks_max_age: config.jwks_max_age.as_secs(),
            introspection_fail_open: config.introspection_fail_open,
            store: dyn_store,
            redis: redis.clone(),
            issued,
            master: Arc::new(secrets.master_key()),
            passwords,
            rate_limiter: crate::rate_limits::SharedRateLimiter::start(redis.as_deref()),
            metrics,
            usage,
            secure_cookies: public_url.starts_with("https://"),
            trusted_proxies: config.trusted_proxies.clone().into(),
            client_certificates: Arc::new(client_certificates),
            rotation,
            client_jwks: Arc::new(
                crate::client_jwks::ClientJwksCache::new(config.dependency_timeout).map_err(StartError::Config)?,
            ),
            replay: Arc::new(crate::replay::SharedReplayCache::new(redis.clone(), clock.clone())),
            dpop_keys: Arc::default(),
            limits: crate::limits::RequestLimits::new(config.max_concurrent_requests, config.request_timeout),
            logout_deliveries: Arc::new(crate::backchannel::LogoutSender::start(
                config.backchannel_logout_retry_delays.clone(),
                audit.clone(),
                clock.clone(),
            )),
        });
        Ok(Self {
            listener,
            local_addr,
            management,
            metrics_addr,
            public_url,
            router: crate::router::router(state),
            tls,
            directory,
            revocations,
            audit,
            usage_task,
            redis,
            store,
            secrets,
            clock,
            rotation,
            refresh_interval: config.refresh_interval,
            key_check_interval: config.key_check_interval,
            revocation_purge_interval: config.revocation_purge_interval,
            header_read_timeout: config.header_read_timeout,
            janitor_interval: config.janitor_interval,

            startup_secrets,
            created_admin,
            startup_notes,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where `/metrics` is served, when metrics are on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let mut tasks = vec![
            self.directory.spawn_refresh(self.refresh_interval),
            self.revocations.spawn_feed(self.refresh_interval, self.revocation_purge_interval),
            spawn_key_schedule(
                Arc::new(self.store.clone()),
                self.secrets.clone(),
                self.clock.clone(),
                self.rotation,
                self.key_check_interval,
            ),
            crate::janitor::spawn(
                Arc::new(self.store.clone()),
                self.audit.clone(),
                self.clock.clone(),
                self.janitor_interval,
            ),
        ];
        tasks.push(crate::usage::spawn(self.usage_task.clone(), std::time::Duration::from_secs(1)));
        if let Some(redis) = &self.redis {
            tasks.push(redis.spawn_subscriber(Arc::downgrade(&self.revocations)));
        }
        if let Some((listener, router)) = self.management {
            tasks.push(tokio::spawn(async move {
                if let Err(e) =
                    crate::serve::serve(listener, None, router, self.header_read_timeout, std::future::pending::<()>())
                        .await
                {
                    tracing::error!(error = %e, "metrics listener stopped");
                }
            }));
        }
        let result =
            crate::serve::serve(self.listener, self.tls, self.router, self.header_read_timeout, shutdown).await;
        for task in tasks {
            task.abort();
        }
        // Everything recorded before the stop is written before we return.
        self.usage_task.run_once().await;
        self.audit.close().await;
        self.store.close().await;
        result
    }
}

fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, StartError> {
    let listener = std::net::TcpListener::bind(addr).map_err(|source| StartError::Bind { addr, source })?;
    listener.set_nonblocking(true).map_err(|source| StartError::Bind { addr, source })?;
    Ok(listener)
}

/// Every node runs the schedule; the store's atomic claim makes each rotation happen once.
fn spawn_key_schedule(
    store: Arc<dyn Store>,
    secrets: ServerSecrets,
    clock: Arc<dyn Clock>,
    policy: RotationPolicy,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let realms = match store.list_realms().await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "key schedule: cannot list realms");
                    continue;
                }
            };
            for realm in realms {
                if let Err(e) =
                    operations::maintain_realm_keys(store.as_ref(), &secrets, &realm, &policy, clock.now()).await
                {
                    tracing::warn!(realm = %realm.name, error = %e, "key schedule failed");
                }
            }
        }
    })
}
