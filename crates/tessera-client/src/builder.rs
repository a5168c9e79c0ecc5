//! How a [`TokenSource`] is configured: where the token endpoint is, how the client authenticates, what it
//! asks for, and the keys that bind its tokens (DPoP, a TLS client certificate).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tessera_proto::ServerMetadata;

use crate::secret::SecretReader;
use crate::source::{Credential, Dpop, Inner};
use crate::{ClientSecret, Clock, DpopKey, PrivateKey, SystemClock, TlsIdentity, TokenError, TokenSource};

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
    dpop: Option<DpopKey>,
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
            dpop: None,
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

    /// RFC 9449: a DPoP proof by `key` goes with every token request, so the tokens are bound to it
    /// (`token_type` `DPoP`); [`TokenSource::authorize`] then adds a proof to each resource request.
    /// A `use_dpop_nonce` answer is retried once with the server's nonce, which is kept for later proofs.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), tessera_client::TokenError> {
    /// use tessera_client::{ClientSecret, DpopKey, TokenSource};
    /// let source = TokenSource::builder()
    ///     .issuer("https://id.example/realms/demo")
    ///     .client_id("demo-service")
    ///     .client_secret(ClientSecret::File("/run/secrets/demo-service".into()))
    ///     .dpop(DpopKey::generate()?)
    ///     .build()
    ///     .await?;
    /// let request = source.authorize(reqwest::Client::new().get("https://api.example/orders")).await?;
    /// # Ok(()) }
    /// ```
    pub fn dpop(mut self, key: DpopKey) -> Self {
        self.dpop = Some(key);
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
                dpop: self.dpop.map(|key| Dpop { key, nonce: RwLock::new(None) }),
                cached: RwLock::new(None),
                refresh: tokio::sync::Mutex::new(()),
            }),
        })
    }
}
