//! The administration services behind both the CLI and the admin REST API: one place for every rule about
//! what an administrator may change and how.

pub mod api;
mod attack_detection;
pub mod caller;
mod directory;
pub mod error;
pub mod events;
mod keys;
pub mod representation;
pub mod roles;
pub mod user_revocation;
pub mod users;

pub use api::{AdminApi, Page};
pub use caller::{AdminAuthentication, AdminCaller, AdminRight};
pub use error::AdminError;
pub use roles::{RoleAdmin, RoleRef};
pub use user_revocation::{RevokedBy, UserRevocation, UserRevocationOutcome};
