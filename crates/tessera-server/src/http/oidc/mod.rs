//! The OAuth 2.0 / OpenID Connect endpoints under `/realms/{realm}`.

pub mod certs;
pub mod device;
pub mod discovery;
pub mod introspect;
pub mod logout;
pub mod realm_info;
pub mod registration;
pub mod revocation_feed;
pub mod revoke;
pub mod token;
pub mod userinfo;
