//! Resource-server side of OAuth 2.0: validate JWT access tokens (RFC 9068) from any standards-compliant
//! issuer against its cached JWKS, check scopes, and reject per RFC 6750.
//!
//! ```no_run
//! # async fn run() -> Result<(), tessera_guard::BuildError> {
//! use tessera_guard::{ScopeRequirement, Validator};
//! let validator = Validator::builder()
//!     .issuer("http://127.0.0.1:8080/realms/demo")
//!     .audience("http://127.0.0.1:8080/realms/demo")
//!     .build()
//!     .await?;
//! let token = validator.validate("eyJ…").await;
//! if let Ok(token) = token {
//!     token.require(&ScopeRequirement::all_of(["api:read"])).ok();
//! }
//! # Ok(()) }
//! ```

mod dpop;
mod error;
mod feed;
mod fetch;
mod introspection;
mod jwks;
mod revocation_cache;
mod scope;
mod sse;
mod validator;

#[cfg(feature = "axum")]
pub mod axum;

pub use dpop::{DpopPolicy, DpopRefusal, ResourceRequest};
pub use error::{BuildError, ValidationError};
pub use feed::{FeedConfig, OnFeedOutage};
pub use introspection::IntrospectionConfig;
pub use jsonwebtoken::Algorithm;
pub use revocation_cache::RevocationCache;
pub use scope::ScopeRequirement;
pub use tessera_proto::FeedEvent;
pub use validator::{Validator, ValidatorBuilder, VerifiedToken};
