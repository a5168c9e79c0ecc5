pub mod admin;
pub mod console;
pub mod cors;
pub mod error;
pub mod extract;
pub mod health;
pub mod login;
pub mod oidc;
