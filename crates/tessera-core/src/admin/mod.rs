//! The administration services behind both the CLI and the admin REST API: one place for every rule about
//! what an administrator may change and how.

pub mod roles;

pub use roles::{AdminError, RoleAdmin, RoleRef};
