//! Test fixtures: a real Tessera server on `127.0.0.1:0` with its own fresh SQLite database, spoken to over
//! real HTTP, plus builders for realms, scopes and clients.

// Fixtures fail loudly: a test that cannot set up must stop.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use tessera_core::clock::{Clock, SystemClock};
use tessera_core::model::SigningAlgorithm;
use tessera_core::model::{Client, Realm};
use tessera_core::ports::{ClientStore, RealmStore, ScopeStore};
use tessera_core::provisioning::{NewClient, NewRealm, new_client, new_realm, new_scope};
use tessera_core::secret::ServerSecrets;
use tessera_server::{Application, Config, load_or_create_secrets};
use tessera_store::SqlStore;

pub use reqwest;

pub mod mtls;
mod proxy;
mod services;
pub use proxy::CuttableProxy;
pub use services::{SERVICES_VAR, fresh_postgres, postgres_url, redis_url, service_url, services_required};

/// How to start a test server.
pub struct TestServerBuilder {
    config: Config,
    clock: Arc<dyn Clock>,
    dir: Option<tempfile::TempDir>,
}

impl TestServerBuilder {
    /// Serve from an existing data directory (e.g. shared with another server or the CLI).
    pub fn data_dir(mut self, dir: &Path) -> Self {
        self.config.data_dir = dir.to_path_buf();
        self.dir = None;
        self
    }

    pub fn import_realm(mut self, file: impl Into<PathBuf>) -> Self {
        self.config.import_realms.push(file.into());
        self
    }

    /// Use this database (e.g. a fresh PostgreSQL schema) instead of SQLite in the data dir.
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.config.database_url = Some(url.into());
        self
    }

    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn configure(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
        self
    }

    pub async fn spawn(self) -> TestServer {
        if let Ok(filter) = std::env::var("TESSERA_TEST_LOG") {
            // Opt-in server logs for debugging a test; a second init in the same process is a no-op.
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
        let app = match Application::build_with_clock(self.config.clone(), self.clock.clone()).await {
            Ok(app) => app,
            Err(e) => panic!("test server failed to start: {e}"),
        };
        let scheme = if self.config.tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{}", app.local_addr());
        let metrics_url = app.metrics_addr().map(|addr| format!("http://{addr}/metrics"));
        let public_url = app.public_url().to_owned();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        let clock = self.clock.clone();
        let store = SqlStore::connect(&self.config.database_url()).await.expect("test store");
        let secrets = load_or_create_secrets(&self.config.master_key_file(), false).expect("key file");
        TestServer {
            base_url,
            public_url,
            metrics_url,
            http: reqwest::Client::new(),
            store,
            secrets,
            data_dir: self.config.data_dir.clone(),
            clock,
            _dir: self.dir,
            stop: Some(stop),
            task: Some(task),
        }
    }
}

/// A running server and a client to talk to it.
pub struct TestServer {
    /// Where to connect.
    pub base_url: String,
    /// What issuers derive from (the same as `base_url` unless configured).
    pub public_url: String,
    /// The management listener's `/metrics`, when `metrics_listen` was configured.
    pub metrics_url: Option<String>,
    pub http: reqwest::Client,
    /// A second handle on the server's database, as the CLI would have.
    pub store: SqlStore,
    pub secrets: ServerSecrets,
    pub data_dir: PathBuf,
    /// The server's clock: fixtures made here carry its instants.
    pub clock: Arc<dyn Clock>,
    _dir: Option<tempfile::TempDir>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// A client made for a test, with its secret.
pub struct TestClient {
    pub client: Client,
    pub secret: String,
}

impl TestServer {
    pub fn builder() -> TestServerBuilder {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::new(dir.path().to_path_buf());
        config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        config.allow_plain_http = true;
        config.refresh_interval = Duration::from_millis(100);
        config.key_check_interval = Duration::from_millis(100);
        config.audit_flush_interval = Duration::from_millis(100);
        config.revocation_purge_interval = Duration::from_millis(200);

        TestServerBuilder { config, clock: Arc::new(SystemClock), dir: Some(dir) }
    }

    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn issuer(&self, realm: &str) -> String {
        format!("{}/realms/{realm}", self.public_url)
    }

    pub fn token_url(&self, realm: &str) -> String {
        self.url(&format!("/realms/{realm}/protocol/openid-connect/token"))
    }

    pub fn certs_url(&self, realm: &str) -> String {
        self.url(&format!("/realms/{realm}/protocol/openid-connect/certs"))
    }

    /// A realm with the given scopes.
    pub async fn realm(&self, name: &str, alg: SigningAlgorithm, scopes: &[&str]) -> Realm {
        self.realm_with_attributes(name, alg, scopes, &[]).await
    }

    /// As [`Self::realm`], with realm attributes (Keycloak's names or Tessera's `tessera.*`).
    pub async fn realm_with_attributes(
        &self,
        name: &str,
        alg: SigningAlgorithm,
        scopes: &[&str],
        attributes: &[(&str, &str)],
    ) -> Realm {
        let spec = NewRealm { name: name.into(), display_name: None, signing_alg: alg, access_token_lifespan: None };
        let mut bundle = new_realm(&spec, &self.secrets.master_key(), self.clock.now()).expect("realm");
        bundle.realm.attributes.extend(attributes.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        bundle.scopes = scopes.iter().map(|s| new_scope(s, None).expect("scope")).collect();
        self.store.create_realm(&bundle).await.expect("store realm");
        bundle.realm
    }

    /// A client built from `spec` in `realm`.
    pub async fn client(&self, realm: &str, spec: NewClient) -> TestClient {
        let realm = self.store.find_realm(realm).await.expect("find realm").expect("realm exists");
        let scopes = self.store.list_scopes(&realm.id).await.expect("scopes");
        let (client, secret) =
            new_client(&realm.id, &spec, &scopes, &self.secrets.secret_hasher(), self.clock.now()).expect("client");
        self.store.create_client(&client).await.expect("store client");
        TestClient { client, secret: secret.map(|s| s.expose_secret().to_owned()).unwrap_or_default() }
    }

    /// A confidential client allowed client credentials, with these attributes (its authenticator too).
    pub async fn service_client_with(&self, realm: &str, id: &str, attributes: &[(&str, &str)]) -> TestClient {
        let realm = self.store.find_realm(realm).await.expect("find realm").expect("realm exists");
        let spec = NewClient { client_id: id.into(), service_accounts_enabled: true, ..NewClient::default() };
        let (mut client, secret) =
            new_client(&realm.id, &spec, &[], &self.secrets.secret_hasher(), self.clock.now()).expect("client");
        client.attributes.extend(attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        self.store.create_client(&client).await.expect("store client");
        TestClient { client, secret: secret.map(|s| s.expose_secret().to_owned()).unwrap_or_default() }
    }

    /// A confidential client allowed client credentials.
    pub async fn service_client(&self, realm: &str, id: &str, default: &[&str], optional: &[&str]) -> TestClient {
        let spec = NewClient {
            client_id: id.into(),
            service_accounts_enabled: true,
            default_scopes: default.iter().map(|s| s.to_string()).collect(),
            optional_scopes: optional.iter().map(|s| s.to_string()).collect(),
            ..NewClient::default()
        };
        self.client(realm, spec).await
    }

    /// POSTs a client-credentials request with the secret in the body (`client_secret_post`).
    pub async fn client_credentials(
        &self,
        realm: &str,
        id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.http.post(self.token_url(realm)).form(&form).send().await.expect("token request")
    }

    /// RFC 7662 introspection of `token` by the client `id`; the JSON body (after asserting 200).
    pub async fn introspect(&self, realm: &str, id: &str, secret: &str, token: &str) -> serde_json::Value {
        let response = self
            .http
            .post(self.url(&format!("/realms/{realm}/protocol/openid-connect/token/introspect")))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)])
            .send()
            .await
            .expect("introspection request");
        assert_eq!(response.status(), 200, "introspection failed");
        response.json().await.expect("introspection JSON")
    }

    /// RFC 7009 revocation of `token` by the client `id`; the response.
    pub async fn revoke(&self, realm: &str, id: &str, secret: &str, token: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/realms/{realm}/protocol/openid-connect/revoke")))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)])
            .send()
            .await
            .expect("revocation request")
    }

    /// A client-credentials access token (asserting success).
    pub async fn access_token(&self, realm: &str, id: &str, secret: &str) -> String {
        let response = self.client_credentials(realm, id, secret, None).await;
        assert_eq!(response.status(), 200, "token request failed");
        let body: serde_json::Value = response.json().await.expect("token JSON");
        body["access_token"].as_str().expect("access_token").to_owned()
    }

    /// Waits until `check` holds, polling every 50 ms for at most `limit`; returns how long it took.
    pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if check().await {
                return Some(start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A private `redis-server` on a free loopback port, for tests that stop Redis; killed on drop.
pub struct PrivateRedis {
    pub port: u16,
    child: Option<std::process::Child>,
}

impl PrivateRedis {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let mut redis = PrivateRedis { port, child: None };
        redis.restart().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// (Re)starts it on the same port and waits until it answers.
    pub async fn restart(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start");
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
