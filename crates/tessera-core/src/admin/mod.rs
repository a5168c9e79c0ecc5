//! The administration services behind both the CLI and the admin REST API: one place for every rule about
//! what an administrator may change and how.

pub mod api;
mod attack_detection;
pub mod bootstrap;
pub mod caller;
pub mod client_authentication;
pub mod client_revocation;
pub mod client_scopes;
pub mod clients;
mod directory;
pub mod error;
pub mod events;
mod groups;
mod initial_access;
mod keys;
pub mod mappings;
mod partial_import;
mod realms;
pub mod representation;
pub mod roles;
pub mod usage;
pub mod user_revocation;
pub mod users;

pub use api::{AdminApi, Page};
pub use bootstrap::{AdminBootstrap, Administrator, Bootstrapped};
pub use caller::{AdminAuthentication, AdminCaller, AdminRight};
pub use client_scopes::MapperOwner;
pub use clients::ScopeLink;
pub use error::AdminError;
pub use mappings::{Holder, RoleLevel};
pub use roles::{RoleAdmin, RoleRef};
pub use user_revocation::{RevokedBy, UserRevocation, UserRevocationOutcome};
