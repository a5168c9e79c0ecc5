//! The client side of the client-credentials grant (RFC 6749 §4.4): a [`TokenSource`] that fetches an
//! access token, caches it until shortly before it expires, refreshes one at a time under concurrency, and
//! adds it to outgoing requests. The tokens can be bound to a DPoP key (RFC 9449, [`DpopKey`]) or to a TLS
//! client certificate (RFC 8705, [`TlsIdentity`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), tessera_client::TokenError> {
//! use tessera_client::{ClientSecret, TokenSource};
//! let source = TokenSource::builder()
//!     .issuer("http://127.0.0.1:8080/realms/demo")
//!     .client_id("demo-service")
//!     .client_secret(ClientSecret::File("/run/secrets/demo-service".into()))
//!     .scope("api:read")
//!     .build()
//!     .await?;
//! let response = source.authorize(reqwest::Client::new().get("https://api.example/orders")).await?.send().await;
//! # Ok(()) }
//! ```

mod assertion;
mod builder;
mod dpop;
mod secret;
mod source;

pub use assertion::PrivateKey;
pub use builder::TokenSourceBuilder;
pub use dpop::DpopKey;
pub use secret::ClientSecret;
pub use source::{Clock, SystemClock, TlsIdentity, TokenError, TokenSource};
pub use tessera_proto::ErrorCode;
