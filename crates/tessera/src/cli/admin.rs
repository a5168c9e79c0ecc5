//! Flags of `tessera admin` and `tessera events`.

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make an administrator of every realm (Keycloak's `kc.sh bootstrap-admin`): a user of realm `master`
    /// holding its role `admin`, or with --client-id a client whose service account holds it. Creates
    /// `master` when it is missing; refused when the user or client exists.
    Bootstrap(BootstrapArgs),
}

#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// The administrator's username.
    #[arg(long, default_value = "admin", conflicts_with = "client_id")]
    pub username: String,
    /// Read the password from standard input (else from TESSERA_BOOTSTRAP_ADMIN_PASSWORD; never from argv).
    #[arg(long, conflicts_with = "client_id")]
    pub password_stdin: bool,
    /// Make a service-account client instead (client credentials); its secret is printed once.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
}

/// Keycloak's admin event operation types.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum Operation {
    Create,
    Update,
    Delete,
    Action,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Action => "ACTION",
        }
    }
}

/// `tessera events`: the audit trail (JSON lines), or with --admin the admin events.
#[derive(Debug, Args)]
pub struct EventsArgs {
    #[arg(long)]
    pub realm: String,
    /// Admin events: every write through the admin API (who, from where, what), newest first.
    #[arg(long)]
    pub admin: bool,
    /// Unix seconds, or a duration ago (`90s`, `15m`, `2h`, `7d`).
    #[arg(long)]
    pub since: Option<String>,
    /// Event type (e.g. `token_issued`, `client_auth_failed`, `revoke_all`).
    #[arg(long = "type", conflicts_with = "admin")]
    pub kind: Option<String>,
    #[arg(long, conflicts_with = "admin")]
    pub client: Option<String>,
    /// With --admin: only this operation.
    #[arg(long, value_enum, ignore_case = true, requires = "admin")]
    pub operation: Option<Operation>,
    /// With --admin: only this resource type (Keycloak's names: `USER`, `CLIENT`, `REALM_ROLE`, …).
    #[arg(long, requires = "admin")]
    pub resource_type: Option<String>,
    /// At most this many events.
    #[arg(long, visible_alias = "max", default_value_t = 1000, value_parser = clap::value_parser!(i64).range(1..=10_000))]
    pub limit: i64,
    /// JSON lines (Keycloak's `AdminEventRepresentation` with --admin) instead of a table; the audit trail is
    /// always JSON lines.
    #[arg(long)]
    pub json: bool,
}
