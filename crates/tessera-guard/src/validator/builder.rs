//! How a [`Validator`] is built: its settings, discovery of the issuer's metadata (OIDC Discovery §4,
//! RFC 8414 §3), and the JWKS, introspection and revocation feed it starts with.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use tessera_proto::ServerMetadata;

use crate::BuildError;
use crate::feed::{Feed, FeedConfig, OnFeedOutage};
use crate::fetch::{FetchError, Fetcher, METADATA_LIMIT};
use crate::introspection::{IntrospectionConfig, Introspector};
use crate::jwks::JwksCache;

use super::{Audience, Validator};

/// How to build a [`Validator`]; see [`Validator::builder`].
#[derive(Debug)]
pub struct ValidatorBuilder {
    issuer: Option<String>,
    jwks_url: Option<String>,
    audiences: Vec<String>,
    any_audience: bool,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    typ: Option<String>,
    min_refetch: Duration,
    max_stale: Duration,
    http: Option<reqwest::ClientBuilder>,
    http_timeout: Duration,
    introspection: Option<IntrospectionConfig>,
    feed: Option<FeedConfig>,
}

impl Validator {
    /// Defaults: RS256, ES256 and EdDSA accepted; 30 s leeway; `typ` must be `at+jwt` (RFC 9068 §4); an unknown
    /// `kid` refetches the JWKS at most every 10 s; keys are served stale up to 24 h while the issuer is down;
    /// each request to the issuer gets 5 s and is never redirected.
    /// There is no default audience: call [`audience`](ValidatorBuilder::audience) or
    /// [`any_audience`](ValidatorBuilder::any_audience) before [`build`](ValidatorBuilder::build).
    pub fn builder() -> ValidatorBuilder {
        ValidatorBuilder {
            issuer: None,
            jwks_url: None,
            audiences: Vec::new(),
            any_audience: false,
            algorithms: vec![Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA],
            leeway: Duration::from_secs(30),
            typ: Some("at+jwt".to_owned()),
            min_refetch: Duration::from_secs(10),
            max_stale: Duration::from_secs(24 * 3600),
            http: None,
            http_timeout: Duration::from_secs(5),
            introspection: None,
            feed: None,
        }
    }
}

impl ValidatorBuilder {
    /// The issuer (`iss`), exact. Without `jwks_url`, its discovery document supplies the JWKS URL.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// An accepted audience, the value that identifies this API (RFC 9068 §4): a token must carry `aud` and
    /// name at least one of those given. Call it at least once, or call [`any_audience`](Self::any_audience):
    /// [`build`](Self::build) refuses to guess.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Accept tokens whatever their `aud`, opting out of RFC 9068 §4's audience check. Only for a component
    /// that checks tokens on behalf of many APIs, such as a gateway, and leaves the audience to them; an API
    /// that serves requests itself should name its audience with [`audience`](Self::audience).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), tessera_guard::BuildError> {
    /// let gateway = tessera_guard::Validator::builder()
    ///     .issuer("https://auth.example.com/realms/acme")
    ///     .any_audience()
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn any_audience(mut self) -> Self {
        self.any_audience = true;
        self
    }

    /// The accepted algorithms (an allow-list; symmetric ones are refused at build).
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The required `typ` header (`at+jwt` by default); `None` for issuers that send `JWT` or nothing.
    pub fn required_typ(mut self, typ: Option<&str>) -> Self {
        self.typ = typ.map(str::to_owned);
        self
    }

    /// The least time between two JWKS fetches caused by unknown key ids.
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch = interval;
        self
    }

    /// How long keys are used after the issuer stopped answering.
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// The HTTP client for discovery, the JWKS and introspection is built from this builder (for custom root
    /// certificates, a proxy, a client certificate…), with redirects turned off whatever it says: the guard
    /// never follows a redirect. The [`http_timeout`](Self::http_timeout) and the body limits apply too.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), tessera_guard::BuildError> {
    /// let http = reqwest::Client::builder().user_agent("orders-api");
    /// let validator = tessera_guard::Validator::builder()
    ///     .issuer("https://auth.example.com/realms/acme")
    ///     .audience("orders-api")
    ///     .http_client(http)
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn http_client(mut self, http: reqwest::ClientBuilder) -> Self {
        self.http = Some(http);
        self
    }

    /// The most time one request to the issuer (discovery, JWKS, introspection) may take, from connecting to
    /// the end of the body; 5 s by default. A validation that must fetch keys or ask the introspection
    /// endpoint then fails (`Unavailable`, or an unknown key) instead of waiting on a hanging issuer.
    /// Answers are also bounded in size: 1 MiB for discovery and the JWKS, 64 KiB for introspection.
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    pub fn introspection(mut self, config: IntrospectionConfig) -> Self {
        self.introspection = Some(config);
        self
    }

    /// Feed mode: subscribe to the issuer's revocation feed in the background and refuse revoked tokens
    /// locally. [`build`](Self::build) waits up to the [`http_timeout`](Self::http_timeout) for the first
    /// snapshot; until one arrives the feed counts as down.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), tessera_guard::BuildError> {
    /// use tessera_guard::{FeedConfig, OnFeedOutage};
    /// let mut feed = FeedConfig::new("orders-api", "its-secret");
    /// feed.on_outage = OnFeedOutage::Introspect;
    /// let validator = tessera_guard::Validator::builder()
    ///     .issuer("https://auth.example.com/realms/acme")
    ///     .audience("orders-api")
    ///     .revocation_feed(feed)
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn revocation_feed(mut self, config: FeedConfig) -> Self {
        self.feed = Some(config);
        self
    }

    pub async fn build(self) -> Result<Validator, BuildError> {
        let audience = match (self.audiences.is_empty(), self.any_audience) {
            (false, false) => Audience::OneOf(self.audiences),
            (true, true) => Audience::Any,
            (true, false) => return Err(BuildError::NoAudience),
            (false, true) => return Err(BuildError::AudienceAndAnyAudience),
        };
        if let Some(alg) =
            self.algorithms.iter().find(|a| matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
        {
            return Err(BuildError::SymmetricAlgorithm(*alg));
        }
        let http = self.http.unwrap_or_default();
        let http = Fetcher::new(http, self.http_timeout).map_err(|e| BuildError::HttpClient(e.to_string()))?;
        let issuer = self.issuer.clone();
        let feed_needs_discovery = self.feed.as_ref().is_some_and(|f| {
            f.endpoint.is_none() || (f.on_outage == OnFeedOutage::Introspect && self.introspection.is_none())
        });
        let metadata = match (&self.issuer, &self.jwks_url, &self.introspection) {
            (Some(issuer), None, _) | (Some(issuer), _, Some(IntrospectionConfig { endpoint: None, .. })) => {
                Some(discover(&http, issuer).await?)
            }
            (Some(issuer), _, _) if feed_needs_discovery => Some(discover(&http, issuer).await?),
            _ => None,
        };
        let jwks_url = match (self.jwks_url, &metadata) {
            (Some(url), _) => url,
            (None, Some(m)) => m.jwks_uri.clone(),
            (None, None) => return Err(BuildError::NoKeySource),
        };
        let issuer = issuer.ok_or(BuildError::NoKeySource)?;
        let jwks = Arc::new(JwksCache::new(http.clone(), jwks_url.clone(), self.min_refetch, self.max_stale));
        jwks.refresh().await.map_err(|reason| BuildError::Jwks { url: jwks_url, reason })?;
        let refresher = JwksCache::spawn_refresher(Arc::downgrade(&jwks));
        let introspection = match self.introspection {
            None => None,
            Some(config) => {
                let endpoint = config
                    .endpoint
                    .clone()
                    .or_else(|| metadata.as_ref().and_then(|m| m.introspection_endpoint.clone()))
                    .ok_or(BuildError::NoIntrospectionEndpoint)?;
                Some(Introspector::new(http.clone(), endpoint, config))
            }
        };
        let (feed, feed_fallback) = match self.feed {
            None => (None, None),
            Some(config) => {
                let endpoint = config
                    .endpoint
                    .clone()
                    .or_else(|| metadata.as_ref().and_then(|m| m.revocation_feed_endpoint.clone()))
                    .ok_or(BuildError::NoRevocationFeedEndpoint)?;
                let fallback = match config.on_outage {
                    OnFeedOutage::FailClosed => None,
                    OnFeedOutage::Introspect => {
                        let endpoint = metadata
                            .as_ref()
                            .and_then(|m| m.introspection_endpoint.clone())
                            .ok_or(BuildError::NoIntrospectionEndpoint)?;
                        let introspection = IntrospectionConfig::new(&config.client_id, &config.client_secret);
                        Some(Introspector::new(http.clone(), endpoint, introspection))
                    }
                };
                let feed = Feed::start(http.client().clone(), endpoint, config, self.http_timeout);
                if !feed.wait_synced(self.http_timeout).await {
                    tracing::warn!("the revocation feed sent no snapshot in time; it counts as down until it does");
                }
                (Some(feed), fallback)
            }
        };
        Ok(Validator {
            issuer,
            audience,
            algorithms: self.algorithms,
            leeway: self.leeway.as_secs(),
            typ: self.typ,
            jwks,
            introspection,
            feed,
            feed_fallback,
            refresher,
        })
    }
}

/// OIDC Discovery §4, falling back to RFC 8414 §3 when the first answers an HTTP error or cannot be reached.
async fn discover(http: &Fetcher, issuer: &str) -> Result<ServerMetadata, BuildError> {
    let base = issuer.trim_end_matches('/');
    let mut last = String::new();
    for url in
        [format!("{base}/.well-known/openid-configuration"), format!("{base}/.well-known/oauth-authorization-server")]
    {
        match http.send(http.get(&url), METADATA_LIMIT).await {
            Ok(fetched) => {
                let metadata: ServerMetadata = serde_json::from_slice(&fetched.body)
                    .map_err(|e| BuildError::Discovery { url: url.clone(), reason: e.to_string() })?;
                // OIDC Discovery §4.3 / RFC 8414 §3.3: the document must name the issuer we asked about.
                if metadata.issuer != issuer {
                    return Err(BuildError::Discovery { url, reason: format!("it names issuer {}", metadata.issuer) });
                }
                return Ok(metadata);
            }
            Err(e @ (FetchError::Status(_) | FetchError::Transport(_))) => last = e.to_string(),
            // A hanging, oversized or redirecting issuer gets no second chance.
            Err(e) => return Err(BuildError::Discovery { url, reason: e.to_string() }),
        }
    }
    Err(BuildError::Discovery { url: format!("{base}/.well-known/…"), reason: last })
}
