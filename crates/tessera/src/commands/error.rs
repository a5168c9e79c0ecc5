//! Why a command failed. `main` prints the message as one line after `tessera: ` and exits non-zero.

use tessera_core::password::PasswordError;
use tessera_core::ports::StoreError;
use tessera_core::provisioning::ProvisioningError;
use tessera_server::StartError;
use tessera_server::operations::OperationError;

use crate::duration::DurationError;
use crate::settings::SettingsError;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A flag missing or out of range where clap cannot tell (`--verify` without `--issuer`, ...).
    #[error("{0}")]
    Usage(&'static str),
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error("realm {0:?} does not exist")]
    NoSuchRealm(String),
    #[error("client {client:?} does not exist in realm {realm}")]
    NoSuchClient { realm: String, client: String },
    #[error("user {user:?} does not exist in realm {realm}")]
    NoSuchUser { realm: String, user: String },
    #[error("unknown event type {given:?}; one of {known}")]
    UnknownEventType { given: String, known: String },
    #[error("unknown resource type {given:?}; one of {known}")]
    UnknownResourceType { given: String, known: String },
    #[error("cannot read the password from stdin: {0}")]
    StdinUnreadable(std::io::Error),
    #[error("the password on stdin is empty")]
    EmptyPassword,
    #[error(transparent)]
    PasswordHash(#[from] PasswordError),
    #[error("not a JWT: {0}")]
    NotAJwt(&'static str),
    #[error("not verified: {0}")]
    NotVerified(#[from] tessera_guard::ValidationError),
    #[error(transparent)]
    Validator(#[from] tessera_guard::BuildError),
    #[error(transparent)]
    Token(#[from] tessera_client::TokenError),
    #[error(transparent)]
    Provisioning(#[from] ProvisioningError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Admin(#[from] tessera_core::admin::AdminError),
    #[error(transparent)]
    Operation(#[from] OperationError),
    #[error(transparent)]
    Start(#[from] StartError),
    /// The server stopped on an I/O error.
    #[error(transparent)]
    Serve(std::io::Error),
    /// The OTLP exporter could not be set up (`--otlp-endpoint`).
    #[error("--otlp-endpoint: {0}")]
    Telemetry(String),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("cannot read {path}: {source}")]
    File { path: String, source: std::io::Error },
}
