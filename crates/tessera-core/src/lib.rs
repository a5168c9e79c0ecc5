//! Tessera's protocol logic: client authentication, grants, token minting, key handling and realm import.
//!
//! No HTTP and no SQL here: the HTTP adapter extracts requests into the types of this crate and maps
//! [`OAuthError`] to the wire once; storage and infrastructure sit behind the ports in [`ports`].

pub mod admin;
pub mod anomaly;
pub mod audit;
pub mod backchannel_logout;
pub mod client_assertion;
pub mod client_auth;
pub mod clock;
pub mod cors;
pub mod device;
pub mod dpop;
pub mod dpop_keys;
pub mod dpop_nonce;
pub mod error;
pub mod grant;
pub mod import;
pub mod introspection;
pub mod janitor;
pub mod key_rotation;
pub mod key_service;
pub mod keys;
pub mod mappers;
pub mod model;
pub mod mtls;
pub mod par;
pub mod password;
pub mod pkce;
pub mod ports;
pub mod provisioning;
pub mod rate_limit;
pub mod realm_info;
pub mod redirect_uri;
pub mod registration;
pub mod request;
pub mod resource;
pub mod revocation;
pub mod revocation_feed;
pub mod scope;
pub mod secret;
pub mod sign_in;
pub mod token;
pub mod token_endpoint;
pub mod token_logout;
pub mod usage;

pub use error::OAuthError;
pub use tessera_proto as proto;
