//! Every request the guard makes to the issuer (discovery, JWKS, introspection) goes through [`Fetcher`],
//! with the same three bounds:
//!
//! - **time**: one limit for the whole exchange, connecting to the last byte of the body;
//! - **size**: the body is counted as it arrives and refused past its limit (a `Content-Length` over the
//!   limit only refuses it sooner: a body without one, or a chunked one, is still bounded);
//! - **no redirects**: a 3xx answer is an error. The issuer's metadata names the URLs to use; a key set or an
//!   introspection answer fetched from wherever a redirect points is not the issuer's (RFC 7517 §9.1), and
//!   a redirected introspection request would carry the token and the client's credentials along.

use std::time::Duration;

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{RequestBuilder, StatusCode};

/// The most a discovery document or a JWK set may weigh.
pub const METADATA_LIMIT: usize = 1024 * 1024;
/// The most an introspection answer may weigh.
pub const INTROSPECTION_LIMIT: usize = 64 * 1024;

/// Why a request to the issuer gave nothing usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {} ms", .0.as_millis())]
    Timeout(Duration),
    #[error("HTTP {status} to {location}: redirects are not followed")]
    Redirect { status: StatusCode, location: String },
    #[error("HTTP {0}")]
    Status(StatusCode),
    #[error("the answer is more than {0} bytes")]
    TooLarge(usize),
    #[error("{0}")]
    Transport(String),
}

/// A successful (2xx) answer, its body read in full.
#[derive(Debug)]
pub struct Fetched {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Fetcher {
    http: reqwest::Client,
    timeout: Duration,
}

impl Fetcher {
    /// The client is built from `builder` with redirects turned off, whatever the builder said.
    pub fn new(builder: reqwest::ClientBuilder, timeout: Duration) -> Result<Self, reqwest::Error> {
        let http = builder.redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Self { http, timeout })
    }

    /// The client itself, for the revocation feed's long-lived stream (which the whole-exchange timeout of
    /// [`send`](Self::send) does not fit).
    pub fn client(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn get(&self, url: &str) -> RequestBuilder {
        self.http.get(url)
    }

    pub fn post(&self, url: &str) -> RequestBuilder {
        self.http.post(url)
    }

    /// Sends `request` and reads at most `limit` bytes of a 2xx answer, all within the timeout.
    pub async fn send(&self, request: RequestBuilder, limit: usize) -> Result<Fetched, FetchError> {
        let exchange = async {
            let response = request.send().await.map_err(|e| FetchError::Transport(e.to_string()))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("nowhere");
                return Err(FetchError::Redirect { status, location: location.to_owned() });
            }
            if !status.is_success() {
                return Err(FetchError::Status(status));
            }
            let headers = response.headers().clone();
            let body = read_at_most(response, limit).await?;
            Ok(Fetched { headers, body })
        };
        tokio::time::timeout(self.timeout, exchange).await.map_err(|_| FetchError::Timeout(self.timeout))?
    }
}

async fn read_at_most(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(FetchError::TooLarge(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| FetchError::Transport(e.to_string()))? {
        if body.len() + chunk.len() > limit {
            return Err(FetchError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
