use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tessera_proto::{ErrorCode, ErrorResponse, ServerMetadata, TokenResponse};

use crate::assertion::JWT_BEARER;
use crate::secret::SecretReader;
use crate::{ClientSecret, PrivateKey};

/// Seconds since the Unix epoch; injectable so that tests can move time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> i64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    }
}

/// Why no token could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The server refused, with an RFC 6749 §5.2 code.
    #[error("{error}: {}", description.as_deref().unwrap_or("no description"))]
    OAuth { status: u16, error: ErrorCode, description: Option<String> },
    /// The server could not be reached or answered 5xx, after the retries.
    #[error("token endpoint unavailable: {0}")]
    Unavailable(String),
    /// The answer was not a token response.
    #[error("unexpected answer from the token endpoint: {0}")]
    Malformed(String),
    #[error("client secret: {0}")]
    Secret(String),
    #[error("discovery failed: {0}")]
    Discovery(String),
}

#[derive(Debug, Clone)]
struct Cached {
    access_token: String,
    expires_at: i64,
}

/// How the client authenticates.
#[derive(Debug)]
enum Credential {
    /// RFC 6749 §2.3.1 `client_secret_basic`.
    Secret(SecretReader),
    /// RFC 7523 §2.2 `private_key_jwt`.
    PrivateKey(PrivateKey),
    /// RFC 8705 §2 `tls_client_auth` / `self_signed_tls_client_auth`: the certificate of the TLS handshake;
    /// the body names the client.
    Certificate,
}

/// RFC 8705: a client certificate and its private key (PEM), presented in the TLS handshake of token
/// requests. It authenticates a client registered for it, and binds the tokens to it (§3) whatever the way
/// the client authenticates.
#[derive(Clone)]
pub struct TlsIdentity(reqwest::Identity);

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsIdentity(..)")
    }
}

impl TlsIdentity {
    /// The certificate (chain) and its private key, both PEM.
    pub fn from_pem(cert: &[u8], key: &[u8]) -> Result<Self, TokenError> {
        let mut pem = cert.to_vec();
        pem.push(b'\n');
        pem.extend_from_slice(key);
        reqwest::Identity::from_pem(&pem)
            .map(Self)
            .map_err(|e| TokenError::Secret(format!("client certificate or key: {e}")))
    }
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    credential: Credential,
    scope: Option<String>,
    audience: Option<String>,
    resource: Option<String>,
    skew: i64,
    clock: Arc<dyn Clock>,
    attempts: u32,
    cached: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
}

/// A client-credentials token source. Cheap to clone; clones share the cache.
#[derive(Debug, Clone)]
pub struct TokenSource {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub struct TokenSourceBuilder {
    token_url: Option<String>,
    issuer: Option<String>,
    client_id: Option<String>,
    secret: Option<ClientSecret>,
    private_key: Option<PrivateKey>,
    scope: Option<String>,
    audience: Option<String>,
    resource: Option<String>,
    skew: Duration,
    clock: Arc<dyn Clock>,
    http: Option<reqwest::Client>,
    attempts: u32,
    identity: Option<TlsIdentity>,
    roots: Vec<reqwest::Certificate>,
}

impl TokenSource {
    /// Defaults: tokens are renewed 30 s before they expire; three attempts on 5xx or connection errors.
    pub fn builder() -> TokenSourceBuilder {
        TokenSourceBuilder {
            token_url: None,
            issuer: None,
            client_id: None,
            secret: None,
            private_key: None,
            scope: None,
            audience: None,
            resource: None,
            skew: Duration::from_secs(30),
            clock: Arc::new(SystemClock),
            http: None,
            attempts: 3,
            identity: None,
            roots: Vec::new(),
        }
    }

    fn fresh(&self) -> Option<String> {
        let now = self.inner.clock.now();
        let cached = self.inner.cached.read().ok()?;
        cached.as_ref().filter(|c| now < c.expires_at - self.inner.skew).map(|c| c.access_token.clone())
    }

    /// A valid access token: the cached one until it is within the skew of expiry, else a new one. Only
    /// one refresh runs at a time; concurrent callers wait for it and share its result.
    pub async fn token(&self) -> Result<String, TokenError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _one = self.inner.refresh.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        match self.fetch().await {
            Ok(response) => {
                let expires_at = self.inner.clock.now() + response.expires_in as i64;
                if let Ok(mut cached) = self.inner.cached.write() {
                    *cached = Some(Cached { access_token: response.access_token.clone(), expires_at });
                }
                Ok(response.access_token)
            }
            Err(e) => {
                // A refresh ahead of time failed: the old token is still good until it expires.
                let now = self.inner.clock.now();
                let still_valid = self.inner.cached.read().ok().and_then(|c| c.clone()).filter(|c| now < c.expires_at);
                match still_valid {
                    Some(c) => {
                        tracing::warn!(error = %e, "token refresh failed; using the current token until it expires");
                        Ok(c.access_token)
                    }
                    None => Err(e),
                }
            }
        }
    }

    /// A new token response straight from the server (retries included), bypassing the cache.
    pub async fn request_token(&self) -> Result<TokenResponse, TokenError> {
        self.fetch().await
    }

    /// Adds `Authorization: Bearer <token>` to a request.
    pub async fn authorize(&self, request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, TokenError> {
        Ok(request.bearer_auth(self.token().await?))
    }

    /// Forgets the cached token (e.g. after an API answered 401 with `invalid_token`).
    pub fn invalidate(&self) {
        if let Ok(mut cached) = self.inner.cached.write() {
            *cached = None;
        }
    }

    async fn fetch(&self) -> Result<TokenResponse, TokenError> {
        let mut delay = Duration::from_millis(100);
        let mut last = TokenError::Unavailable("no attempt".into());
        for attempt in 1..=self.inner.attempts.max(1) {
            match self.fetch_once().await {
                Err(TokenError::Unavailable(why)) => {
                    last = TokenError::Unavailable(why);
                    if attempt < self.inner.attempts {
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                }
                other => return other,
            }
        }
        Err(last)
    }

    async fn fetch_once(&self) -> Result<TokenResponse, TokenError> {
        let i = &self.inner;
        let mut form = vec![("grant_type", "client_credentials")];
        let mut request = i.http.post(&i.token_url);
        let assertion;
        match &i.credential {
            Credential::Secret(reader) => {
                let secret = reader.read().map_err(TokenError::Secret)?;
                // RFC 6749 §2.3.1: both parts are form-url-encoded before the Basic encoding.
                let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                let basic = STANDARD.encode(format!("{}:{}", encode(&i.client_id), encode(&secret)));
                request = request.header(reqwest::header::AUTHORIZATION, format!("Basic {basic}"));
            }
            Credential::PrivateKey(key) => {
                // A new assertion per request: its `jti` is single use (RFC 7523 §3 item 7).
                assertion = key.assertion(&i.client_id, &i.token_url, i.clock.now())?;
                form.push(("client_id", i.client_id.as_str()));
                form.push(("client_assertion_type", JWT_BEARER));
                form.push(("client_assertion", assertion.as_str()));
            }
            Credential::Certificate => form.push(("client_id", i.client_id.as_str())),
        }
        for (name, value) in [("scope", &i.scope), ("audience", &i.audience), ("resource", &i.resource)] {
            if let Some(v) = value {
                form.push((name, v.as_str()));
            }
        }
        let response = request.form(&form).send().await.map_err(|e| TokenError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(TokenError::Unavailable(format!("HTTP {status}")));
        }
        let body = response.bytes().await.map_err(|e| TokenError::Unavailable(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| TokenError::Malformed(e.to_string()));
        }
        match serde_json::from_slice::<ErrorResponse>(&body) {
            Ok(e) => {
                Err(TokenError::OAuth { status: status.as_u16(), error: e.error, description: e.error_description })
            }
            Err(_) => Err(TokenError::Malformed(format!("HTTP {status} without an RFC 6749 error body"))),
        }
    }
}

impl TokenSourceBuilder {
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// The issuer; its discovery document names the token endpoint.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Authenticates with `private_key_jwt` (RFC 7523 §2.2) instead of a secret: a JWT signed by `key` on
    /// every token request.
    pub fn private_key_jwt(mut self, key: PrivateKey) -> Self {
        self.private_key = Some(key);
        self
    }

    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Sent as the `audience` parameter (Auth0, Hydra style).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sent as the RFC 8707 `resource` parameter.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// How long before expiry a token is replaced.
    pub fn skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// RFC 8705: present this client certificate to the token endpoint. Without a secret or a private key,
    /// the client authenticates with it (`tls_client_auth` / `self_signed_tls_client_auth`). Ignored when an
    /// HTTP client is given (configure its identity there).
    pub fn tls_identity(mut self, identity: TlsIdentity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Trust this CA (PEM) for the server's certificate, besides the system's roots.
    pub fn root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, TokenError> {
        let cert = reqwest::Certificate::from_pem(pem).map_err(|e| TokenError::Discovery(format!("CA: {e}")))?;
        self.roots.push(cert);
        Ok(self)
    }

    /// Attempts on 5xx or connection errors (at least one).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    pub async fn build(self) -> Result<TokenSource, TokenError> {
        let by_certificate = self.identity.is_some();
        let http = match (self.http, self.identity) {
            (Some(http), _) => http,
            (None, None) if self.roots.is_empty() => reqwest::Client::default(),
            (None, identity) => {
                let mut builder = reqwest::Client::builder();
                for root in self.roots {
                    builder = builder.add_root_certificate(root);
                }
                if let Some(TlsIdentity(identity)) = identity {
                    builder = builder.identity(identity);
                }
                builder.build().map_err(|e| TokenError::Discovery(format!("TLS client: {e}")))?
            }
        };
        let token_url = match (self.token_url, self.issuer) {
            (Some(url), _) => url,
            (None, Some(issuer)) => {
                let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
                let response = http.get(&url).send().await.map_err(|e| TokenError::Discovery(format!("{url}: {e}")))?;
                if !response.status().is_success() {
                    return Err(TokenError::Discovery(format!("{url}: HTTP {}", response.status())));
                }
                let metadata: ServerMetadata =
                    response.json().await.map_err(|e| TokenError::Discovery(format!("{url}: {e}")))?;
                metadata.token_endpoint
            }
            (None, None) => return Err(TokenError::Discovery("set a token URL or an issuer".into())),
        };
        let client_id = self.client_id.ok_or_else(|| TokenError::Secret("no client id".into()))?;
        let credential = match (self.private_key, self.secret) {
            (Some(key), _) => Credential::PrivateKey(key),
            (None, Some(secret)) => {
                let reader = SecretReader::new(secret);
                reader.read().map_err(TokenError::Secret)?;
                Credential::Secret(reader)
            }
            (None, None) if by_certificate => Credential::Certificate,
            (None, None) => return Err(TokenError::Secret("no client secret, private key or certificate".into())),
        };
        Ok(TokenSource {
            inner: Arc::new(Inner {
                http,
                token_url,
                client_id,
                credential,
                scope: self.scope,
                audience: self.audience,
                resource: self.resource,
                skew: self.skew.as_secs() as i64,
                clock: self.clock,
                attempts: self.attempts,
                cached: RwLock::new(None),
                refresh: tokio::sync::Mutex::new(()),
            }),
        })
    }
}
