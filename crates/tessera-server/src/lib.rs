//! Tessera's HTTP adapter. Handlers extract, call one core function and map the result; every error goes
//! through the one mapping in [`http::error`].

mod app;
mod audit_trail;
mod backchannel;
mod client_address;
mod client_certificate;
mod client_jwks;
mod config;
mod denylist;
mod directory;
mod file_modes;
mod http;
mod issued_tokens;
mod janitor;
mod keyfile;
mod limits;
mod metrics;
pub mod operations;
mod passwords;
mod rate_limits;
mod redis_fanout;
mod replay;
mod revocation_feed;
mod router;
mod routes;
mod serve;
mod state;
pub mod telemetry;
mod tls;
pub mod usage;
mod user_not_before;

pub use app::{Application, StartError};
pub use config::{Config, TlsFiles};
pub use directory::Directory;
pub use http::admin::admin_route_table;
pub use keyfile::{KEY_FILE_NAME, load_or_create_secrets};
pub use metrics::dependencies::DependencyLayer;
pub use routes::Endpoint;
