//! Wire types shared by the Tessera server, `tessera-guard` and `tessera-client`.
//!
//! Everything here is exactly what crosses the wire: the RFC 6749 §5.2 error vocabulary, token responses,
//! discovery metadata (RFC 8414 / OIDC Discovery), JWK sets (RFC 7517) and the access-token claims of RFC 9068.

pub mod admin;
mod device;
#[cfg(feature = "dpop")]
pub mod dpop_key;
mod error;
mod jwk;
mod metadata;
mod realm_info;
mod registration;
mod revocation_feed;
mod scope;
mod token;

pub use device::{DeviceAuthorizationResponse, PushedAuthorizationResponse};
pub use error::{ErrorCode, ErrorResponse};
pub use jwk::{Jwk, JwkSet};
pub use metadata::ServerMetadata;
pub use realm_info::PublishedRealm;
pub use registration::{ClientInformation, ClientMetadata};
pub use revocation_feed::{FEED_READY_EVENT, FeedEvent};
pub use scope::{ScopeSet, ScopeSetError};
pub use token::{
    AccessTokenClaims, Audience, IdTokenClaims, IntrospectionResponse, TokenResponse, UserClaims, UserInfo,
};
