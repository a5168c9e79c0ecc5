pub mod error;
pub mod extract;
pub mod oidc;
