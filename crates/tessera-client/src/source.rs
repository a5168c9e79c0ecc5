use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use tessera_proto::{ErrorCode, ErrorResponse, TokenResponse};

use crate::DpopKey;
use crate::PrivateKey;
use crate::assertion::JWT_BEARER;
use crate::secret::SecretReader;

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
pub(crate) struct Cached {
    access_token: String,
    /// RFC 9449 §5: `token_type` `DPoP`: the token goes with the `DPoP` scheme and a proof (§7.1).
    dpop: bool,
    expires_at: i64,
}

/// How the client authenticates.
#[derive(Debug)]
pub(crate) enum Credential {
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
pub struct TlsIdentity(pub(crate) reqwest::Identity);

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

/// RFC 9449: the source's DPoP key and the last nonce the token endpoint gave (§8).
#[derive(Debug)]
pub(crate) struct Dpop {
    pub(crate) key: DpopKey,
    pub(crate) nonce: RwLock<Option<String>>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) token_url: String,
    pub(crate) client_id: String,
    pub(crate) credential: Credential,
    pub(crate) scope: Option<String>,
    pub(crate) audience: Option<String>,
    pub(crate) resource: Option<String>,
    pub(crate) skew: i64,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) attempts: u32,
    pub(crate) dpop: Option<Dpop>,
    pub(crate) cached: RwLock<Option<Cached>>,
    pub(crate) refresh: tokio::sync::Mutex<()>,
}

/// A client-credentials token source. Cheap to clone; clones share the cache.
#[derive(Debug, Clone)]
pub struct TokenSource {
    pub(crate) inner: Arc<Inner>,
}

impl TokenSource {
    fn fresh(&self) -> Option<Cached> {
        let now = self.inner.clock.now();
        let cached = self.inner.cached.read().ok()?;
        cached.as_ref().filter(|c| now < c.expires_at - self.inner.skew).cloned()
    }

    /// A valid access token: the cached one until it is within the skew of expiry, else a new one. Only
    /// one refresh runs at a time; concurrent callers wait for it and share its result.
    pub async fn token(&self) -> Result<String, TokenError> {
        self.current().await.map(|c| c.access_token)
    }

    async fn current(&self) -> Result<Cached, TokenError> {
        if let Some(cached) = self.fresh() {
            return Ok(cached);
        }
        let _one = self.inner.refresh.lock().await;
        if let Some(cached) = self.fresh() {
            return Ok(cached);
        }
        match self.fetch().await {
            Ok(response) => {
                let fresh = Cached {
                    dpop: response.token_type.eq_ignore_ascii_case("DPoP"),
                    expires_at: self.inner.clock.now() + response.expires_in as i64,
                    access_token: response.access_token,
                };
                if let Ok(mut cached) = self.inner.cached.write() {
                    *cached = Some(fresh.clone());
                }
                Ok(fresh)
            }
            Err(e) => {
                // A refresh ahead of time failed: the old token is still good until it expires.
                let now = self.inner.clock.now();
                let still_valid = self.inner.cached.read().ok().and_then(|c| c.clone()).filter(|c| now < c.expires_at);
                match still_valid {
                    Some(c) => {
                        tracing::warn!(error = %e, "token refresh failed; using the current token until it expires");
                        Ok(c)
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

    /// Adds the token to a request: `Authorization: Bearer <token>`, or for a DPoP-bound token (RFC 9449
    /// §7.1) `Authorization: DPoP <token>` and a `DPoP` proof for this request's method and URL, with `ath`.
    pub async fn authorize(&self, request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, TokenError> {
        self.authorize_with_nonce(request, None).await
    }

    /// As [`Self::authorize`], the proof carrying `nonce`: what a resource server asked for in its
    /// `DPoP-Nonce` header with a `use_dpop_nonce` error (RFC 9449 §9); send the request again with it.
    pub async fn authorize_with_nonce(
        &self,
        request: reqwest::RequestBuilder,
        nonce: Option<&str>,
    ) -> Result<reqwest::RequestBuilder, TokenError> {
        let token = self.current().await?;
        let Some(dpop) = self.inner.dpop.as_ref().filter(|_| token.dpop) else {
            return Ok(request.bearer_auth(token.access_token));
        };
        let (client, built) = request.build_split();
        let mut built = built.map_err(|e| TokenError::Malformed(format!("the resource request: {e}")))?;
        let now = self.inner.clock.now();
        let proof =
            dpop.key.proof(built.method().as_str(), built.url().as_str(), Some(&token.access_token), nonce, now)?;
        let header = |v: String| HeaderValue::from_str(&v).map_err(|e| TokenError::Malformed(e.to_string()));
        built.headers_mut().insert(AUTHORIZATION, header(format!("DPoP {}", token.access_token))?);
        built.headers_mut().insert("dpop", header(proof)?);
        Ok(reqwest::RequestBuilder::from_parts(client, built))
    }

    /// The source's DPoP key, when it has one (to make proofs for requests [`Self::authorize`] does not build).
    pub fn dpop_key(&self) -> Option<&DpopKey> {
        self.inner.dpop.as_ref().map(|d| &d.key)
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

    /// RFC 9449 §8: a `use_dpop_nonce` refusal is answered once more, with the nonce it came with.
    async fn fetch_once(&self) -> Result<TokenResponse, TokenError> {
        match self.post_token_request().await {
            Err(TokenError::OAuth { error: ErrorCode::UseDpopNonce, .. }) if self.inner.dpop.is_some() => {
                self.post_token_request().await
            }
            other => other,
        }
    }

    async fn post_token_request(&self) -> Result<TokenResponse, TokenError> {
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
                request = request.header(AUTHORIZATION, format!("Basic {basic}"));
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
        if let Some(dpop) = &i.dpop {
            // RFC 9449 §5: a fresh proof per request, with the last nonce the server gave (§8).
            let nonce = dpop.nonce.read().ok().and_then(|n| n.clone());
            request =
                request.header("dpop", dpop.key.proof("POST", &i.token_url, None, nonce.as_deref(), i.clock.now())?);
        }
        let response = request.form(&form).send().await.map_err(|e| TokenError::Unavailable(e.to_string()))?;
        let status = response.status();
        // §8.2: the server may give a new nonce with any answer; the next proof carries it.
        if let (Some(dpop), Some(nonce)) = (&i.dpop, response.headers().get("dpop-nonce").and_then(|v| v.to_str().ok()))
            && let Ok(mut kept) = dpop.nonce.write()
        {
            *kept = Some(nonce.to_owned());
        }
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
