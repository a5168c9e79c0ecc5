use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod admin;
mod client;
pub use admin::{AdminCommand, BootstrapArgs, EventsArgs};
pub use client::{ClientCommand, InitialAccessCommand};

/// Tessera: an OAuth 2.0 / OpenID Connect authorization server.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives. Flags beat `TESSERA_*` variables, which beat the config file.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML configuration file.
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory: the SQLite database and the master key file [default: ./tessera-data].
    #[arg(long, global = true, env = "TESSERA_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (sqlite://PATH or postgres://…); defaults to the SQLite file in the data directory.
    #[arg(long, global = true, env = "TESSERA_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The master key file [default: DATA_DIR/master.key]; nodes sharing a database share it.
    #[arg(long, global = true, env = "TESSERA_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Manage realms.
    #[command(subcommand)]
    Realm(RealmCommand),
    /// Manage clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage client scopes.
    #[command(subcommand)]
    Scope(ScopeCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage realm and client roles (Keycloak's model).
    #[command(subcommand)]
    Role(RoleCommand),
    /// Manage groups, their members and their roles.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Revoke all tokens of a client, of a user (and end their sessions), or of the whole realm, issued
    /// before now (not-before policy).
    Revoke {
        #[arg(long)]
        realm: String,
        /// The client whose tokens to revoke.
        #[arg(long, conflicts_with_all = ["all", "user"], required_unless_present_any = ["all", "user"])]
        client: Option<String>,
        /// A user, by username or id: ends their sessions, revokes their refresh tokens (offline ones too)
        /// and every access token issued to them before now ("log out everywhere").
        #[arg(long, conflicts_with = "all")]
        user: Option<String>,
        /// Every token of the realm.
        #[arg(long)]
        all: bool,
        /// Why, for the audit trail.
        #[arg(long, default_value = "revoked by an administrator")]
        reason: String,
    },
    /// Get an access token (client credentials), or decode and verify one.
    Token(TokenArgs),
    /// List audit events, or with --admin the admin events.
    Events(EventsArgs),
    /// Usage per client: tokens per minute as a sparkline (now vs baseline), failures, networks, scopes.
    Usage(UsageArgs),
    /// Administrators: bootstrap the first one.
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// `tessera usage`: read from Redis when given (every node's counts), else from the audit trail.
#[derive(Debug, Args)]
pub struct UsageArgs {
    #[arg(long)]
    pub realm: String,
    /// One client; every client of the realm without it.
    #[arg(long)]
    pub client: Option<String>,
    /// Unix seconds, or a duration ago (`15m`, `2h`, `1d`); at most two days.
    #[arg(long, default_value = "1h")]
    pub since: String,
    /// Print again every few seconds until interrupted.
    #[arg(long)]
    pub watch: bool,
    /// Seconds between two prints with --watch.
    #[arg(long, default_value_t = 5, requires = "watch", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub interval: u64,
    /// The server's Redis, where every node adds its counts.
    #[arg(long, env = "TESSERA_REDIS_URL")]
    pub redis_url: Option<String>,
    /// The report as JSON (the admin API's representation) instead of a table.
    #[arg(long, conflicts_with = "watch")]
    pub json: bool,
    /// At most this many clients, busiest first.
    #[arg(long, default_value_t = 50)]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The issuer (its discovery document names the token endpoint and the keys).
    #[arg(long)]
    pub issuer: Option<String>,
    /// The token endpoint, instead of discovery.
    #[arg(long, conflicts_with = "decode")]
    pub token_url: Option<String>,
    #[arg(long, conflicts_with = "decode")]
    pub client_id: Option<String>,
    /// A file holding the client secret (as Vault Agent or Kubernetes mount them).
    #[arg(long, conflicts_with = "decode")]
    pub client_secret_file: Option<PathBuf>,
    /// Authenticate with private_key_jwt (RFC 7523 §2.2): a PKCS#8 PEM private key (EC P-256, Ed25519 or RSA)
    /// whose public key is registered for the client.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["decode", "client_secret_file"])]
    pub private_key: Option<PathBuf>,
    /// With --private-key: the `kid` of the registered public key.
    #[arg(long, value_name = "KID", requires = "private_key")]
    pub key_id: Option<String>,
    /// RFC 8705: a PEM client certificate presented in the TLS handshake; alone (no secret or private key)
    /// it authenticates the client (tls_client_auth / self_signed_tls_client_auth); the token is bound to it.
    #[arg(long, value_name = "FILE", requires = "key", conflicts_with = "decode")]
    pub cert: Option<PathBuf>,
    /// The PEM private key of --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// RFC 9449 DPoP: bind the token to this key (a PKCS#8 PEM EC P-256, Ed25519 or RSA private key, or a
    /// private JWK); the token comes with `token_type` DPoP and `cnf.jkt`.
    #[arg(long, value_name = "FILE", conflicts_with = "decode")]
    pub dpop_key: Option<PathBuf>,
    /// A PEM CA to trust for the server's certificate, besides the system's roots.
    #[arg(long, value_name = "FILE", conflicts_with = "decode")]
    pub ca_cert: Option<PathBuf>,
    #[arg(long, conflicts_with = "decode")]
    pub scope: Option<String>,
    /// Print the whole token response as JSON.
    #[arg(long, conflicts_with = "decode")]
    pub json: bool,
    /// Show a token's header and claims.
    #[arg(long, value_name = "TOKEN")]
    pub decode: Option<String>,
    /// With --decode: check signature, issuer and expiry against --issuer's keys.
    #[arg(long, requires_all = ["decode", "issuer"])]
    pub verify: bool,
    /// With --verify: the audience the token must carry.
    #[arg(long, requires = "verify")]
    pub audience: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; with --password-stdin the password is read from standard input (never from argv).
    Create {
        #[arg(long)]
        realm: String,
        username: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List a realm's users.
    List {
        #[arg(long)]
        realm: String,
    },
    /// Set a user's password, read from standard input.
    SetPassword {
        #[arg(long)]
        realm: String,
        username: String,
        /// The user must choose a new password at the next sign-in (Keycloak's temporary password).
        #[arg(long)]
        temporary: bool,
    },
    /// Disable a user (they can no longer sign in).
    Disable {
        #[arg(long)]
        realm: String,
        username: String,
    },
    /// Enable a disabled user.
    Enable {
        #[arg(long)]
        realm: String,
        username: String,
    },
    /// Grant a role to a user (a client's service account is `service-account-CLIENT`).
    GrantRole(UserRoleArgs),
    /// Take a role back from a user.
    RevokeRole(UserRoleArgs),
}

#[derive(Debug, Args)]
pub struct UserRoleArgs {
    #[arg(long)]
    pub realm: String,
    pub username: String,
    /// A realm role, or `CLIENT/ROLE` for a client role.
    pub role: String,
    /// The client the role belongs to (instead of `CLIENT/ROLE`).
    #[arg(long)]
    pub client: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Create a realm role, or a client role with --client.
    Create {
        #[arg(long)]
        realm: String,
        name: String,
        #[arg(long)]
        client: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// A role this one includes (`ROLE` or `CLIENT/ROLE`). Repeatable.
        #[arg(long = "composite")]
        composites: Vec<String>,
    },
    /// List the realm's roles and client roles.
    List {
        #[arg(long)]
        realm: String,
    },
    /// Delete a role (its mappings go with it).
    Delete {
        #[arg(long)]
        realm: String,
        name: String,
        #[arg(long)]
        client: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group at a path (`/staff/support`); the parent must exist.
    Create {
        #[arg(long)]
        realm: String,
        path: String,
    },
    /// List groups with their roles.
    List {
        #[arg(long)]
        realm: String,
    },
    /// Delete a group and its subgroups.
    Delete {
        #[arg(long)]
        realm: String,
        path: String,
    },
    /// Add a user to a group.
    AddMember {
        #[arg(long)]
        realm: String,
        path: String,
        username: String,
    },
    /// Remove a user from a group.
    RemoveMember {
        #[arg(long)]
        realm: String,
        path: String,
        username: String,
    },
    /// Map a role to a group (`ROLE` or `CLIENT/ROLE`).
    GrantRole {
        #[arg(long)]
        realm: String,
        path: String,
        role: String,
    },
    /// Remove a role mapping from a group.
    RevokeRole {
        #[arg(long)]
        realm: String,
        path: String,
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List a realm's signing keys and their states.
    List {
        #[arg(long)]
        realm: String,
    },
    /// Promote the next key (published for at least the JWKS max-age), retire the active one, publish a new next.
    Rotate {
        #[arg(long)]
        realm: String,
        /// Rotate even if the next key was published too recently for every verifier to have it.
        #[arg(long)]
        force: bool,
        /// The publication lead to respect, in seconds [default: 300, the JWKS max-age].
        #[arg(long, default_value_t = 300)]
        lead: u64,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Development mode: plain HTTP on 127.0.0.1:8080, realm `demo` with a client created on first start.
    #[arg(long)]
    pub dev: bool,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "TESSERA_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// The externally visible base URL (issuers derive from it).
    #[arg(long, env = "TESSERA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Import a Keycloak realm export at start; a realm that exists is skipped. Repeatable.
    #[arg(long = "import-realm", value_name = "FILE")]
    pub import_realm: Vec<PathBuf>,
    /// PEM certificate chain: serve HTTPS directly.
    #[arg(long, env = "TESSERA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "TESSERA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// RFC 8705 §2.1: PEM CA certificates that tls_client_auth client certificates must chain to (with
    /// --tls-cert, client certificates are then asked for; they stay optional).
    #[arg(long, env = "TESSERA_TLS_CLIENT_CA", value_name = "FILE")]
    pub tls_client_ca: Option<PathBuf>,
    /// With --tls-cert: ask for (optional) client certificates even without --tls-client-ca, for
    /// self_signed_tls_client_auth and certificate-bound tokens (RFC 8705 §2.2, §3).
    #[arg(long, env = "TESSERA_TLS_CLIENT_CERTS")]
    pub tls_client_certs: bool,
    /// Behind a TLS-terminating proxy: the header carrying the client certificate (URL-encoded PEM, as
    /// nginx's $ssl_client_escaped_cert), believed only from --trusted-proxy addresses.
    #[arg(long, env = "TESSERA_CLIENT_CERT_HEADER", value_name = "NAME")]
    pub client_cert_header: Option<String>,
    /// Redis URL for the shared revocation feed across nodes.
    #[arg(long, env = "TESSERA_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "TESSERA_LOG_JSON")]
    pub log_json: bool,
    /// A proxy (CIDR, e.g. 10.0.0.0/8) whose X-Forwarded-For / Forwarded headers name the client. Repeatable.
    #[arg(long = "trusted-proxy", value_name = "CIDR", env = "TESSERA_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxy: Vec<ipnet::IpNet>,
    /// Serve Prometheus metrics at /metrics on this address (a management listener, plain HTTP: keep it
    /// private). Unset: no metrics.
    #[arg(long, env = "TESSERA_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// How many of the busiest clients get per-client series [default: 20].
    #[arg(long, env = "TESSERA_METRICS_TOP_CLIENTS")]
    pub metrics_top_clients: Option<usize>,
    /// Send a span per request to this OpenTelemetry collector over OTLP/HTTP (protobuf), e.g.
    /// http://collector:4318 (spans go to its /v1/traces). Unset: no tracing export.
    #[arg(long, env = "TESSERA_OTLP_ENDPOINT", value_name = "URL")]
    pub otlp_endpoint: Option<url::Url>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Alg {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "ES256")]
    Es256,
    #[value(name = "EdDSA")]
    EdDsa,
}

#[derive(Debug, Subcommand)]
pub enum RealmCommand {
    /// Create a realm with a fresh signing key.
    Create {
        name: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Signing algorithm for access tokens.
        #[arg(long, value_enum, default_value = "RS256")]
        alg: Alg,
        /// Access-token lifespan in seconds [default: 300].
        #[arg(long)]
        token_lifespan: Option<u64>,
    },
    /// List realms.
    List,
    /// Import a Keycloak realm-export JSON file (refused if the realm exists).
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// Create a client scope.
    Create {
        #[arg(long)]
        realm: String,
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// Grant the scope without listing it in the token's `scope` claim.
        #[arg(long)]
        hidden: bool,
    },
    /// List a realm's client scopes.
    List {
        #[arg(long)]
        realm: String,
    },
}
