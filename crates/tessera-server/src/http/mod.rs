pub mod error;
pub mod extract;
pub mod health;
pub mod oidc;
