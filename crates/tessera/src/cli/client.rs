//! Flags of `tessera client`.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create a client; a confidential client's secret is printed once.
    Create {
        #[arg(long)]
        realm: String,
        client_id: String,
        #[arg(long)]
        name: Option<String>,
        /// Scope always granted. Repeatable.
        #[arg(long = "default-scope", value_name = "SCOPE")]
        default_scopes: Vec<String>,
        /// Scope granted when requested. Repeatable.
        #[arg(long = "optional-scope", value_name = "SCOPE")]
        optional_scopes: Vec<String>,
        /// Audience (`aud`) of the client's tokens. Repeatable.
        #[arg(long = "audience", value_name = "AUD")]
        audiences: Vec<String>,
        /// A public client (no secret; cannot use client_credentials).
        #[arg(long)]
        public: bool,
        /// Do not allow the client_credentials grant.
        #[arg(long)]
        no_service_account: bool,
        /// Redirect URI for the authorization code flow. Repeatable.
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// Allow the password grant (migration only; RFC 9700 §2.4).
        #[arg(long)]
        direct_access_grants: bool,
        /// Ask users for consent before the client gets their data.
        #[arg(long)]
        consent_required: bool,
        /// Hand the same token back to this client until this fraction of its lifetime has passed (0 to 1).
        #[arg(long, value_name = "FRACTION")]
        token_reuse: Option<f64>,
        /// A resource (API) URI the client may ask tokens for with `resource=` (RFC 8707). Repeatable.
        #[arg(long = "resource", value_name = "URI")]
        resources: Vec<String>,
    },
    /// List a realm's clients.
    List {
        #[arg(long)]
        realm: String,
    },
    /// Show one client (secrets' instants, never their values).
    Show {
        #[arg(long)]
        realm: String,
        client_id: String,
    },
    /// Delete a client.
    Delete {
        #[arg(long)]
        realm: String,
        client_id: String,
    },
    /// How the client authenticates: its secret, client_secret_jwt, private_key_jwt with a registered
    /// JWK Set or jwks_uri (RFC 7523 §2.2, OIDC Core §9), or its TLS certificate (RFC 8705 §2); and whether
    /// its access tokens must be bound to its certificate (RFC 8705 §3).
    #[command(group(clap::ArgGroup::new("method")))]
    Auth {
        #[arg(long)]
        realm: String,
        client_id: String,
        /// client_secret_basic / client_secret_post (the default).
        #[arg(long, group = "method")]
        secret: bool,
        /// client_secret_jwt: a new secret is made and printed (kept sealed, as HMAC needs it in clear).
        #[arg(long, group = "method")]
        secret_jwt: bool,
        /// private_key_jwt with the public keys of this JWK Set file.
        #[arg(long, group = "method", value_name = "FILE")]
        jwks_file: Option<PathBuf>,
        /// private_key_jwt with the keys the client publishes at this URL (fetched and cached).
        #[arg(long, group = "method", value_name = "URL")]
        jwks_uri: Option<String>,
        /// The one algorithm its assertions must use (Keycloak's token.endpoint.auth.signing.alg).
        #[arg(long, value_name = "ALG", conflicts_with = "secret")]
        signing_alg: Option<String>,
        /// tls_client_auth (Keycloak's client-x509): a certificate from the client CA with this subject DN
        /// (RFC 4514, e.g. "CN=svc,O=Example").
        #[arg(long, group = "method", value_name = "DN")]
        tls_subject_dn: Option<String>,
        /// The subject DN is a regular expression over the whole DN (Keycloak's
        /// x509.allow.regex.pattern.comparison).
        #[arg(long, requires = "tls_subject_dn")]
        tls_subject_regex: bool,
        /// tls_client_auth with a subject alternative name: dns:NAME, uri:URI, ip:ADDRESS or email:ADDRESS.
        #[arg(long, group = "method", value_name = "KIND:VALUE")]
        tls_san: Option<String>,
        /// self_signed_tls_client_auth: the certificate (x5c or x5t#S256) in the JWK Set of --jwks-file or
        /// --jwks-uri (RFC 8705 §2.2).
        #[arg(long, conflicts_with_all = ["secret", "secret_jwt", "tls_subject_dn", "tls_san", "signing_alg"])]
        self_signed: bool,
        /// Require every access token to be bound to the client's certificate (Keycloak's
        /// tls.client.certificate.bound.access.tokens).
        #[arg(long, value_name = "BOOL", required_unless_present = "method")]
        certificate_bound_tokens: Option<bool>,
    },
    /// Initial access tokens: who holds one may register clients (RFC 7591 §3).
    #[command(subcommand)]
    InitialAccess(InitialAccessCommand),
    /// What clients that register themselves may ask for (realm attributes; only the flags given change).
    RegistrationPolicy {
        #[arg(long)]
        realm: String,
        /// Grant types, space-separated (default: "authorization_code refresh_token").
        #[arg(long, value_name = "LIST")]
        grant_types: Option<String>,
        /// token_endpoint_auth_methods, space-separated (default: all).
        #[arg(long, value_name = "LIST")]
        auth_methods: Option<String>,
        /// Client scopes they may be given, space-separated (default: none but openid).
        #[arg(long, value_name = "LIST")]
        scopes: Option<String>,
        /// Hosts redirect URIs may name (`app.example.com`, `*.example.com`; default: any https host).
        #[arg(long, value_name = "LIST")]
        redirect_hosts: Option<String>,
        /// Whether their users are asked for consent (default: true).
        #[arg(long, value_name = "BOOL")]
        consent_required: Option<bool>,
    },
    /// Give the client a new secret (printed once); the old ones keep working for the grace period.
    RotateSecret {
        #[arg(long)]
        realm: String,
        client_id: String,
        /// How long old secrets keep working (`0s`, `90s`, `15m`, `24h`, `7d`).
        #[arg(long, default_value = "24h")]
        grace: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum InitialAccessCommand {
    /// Make a token for COUNT registrations, printed once (it is stored hashed).
    Create {
        #[arg(long)]
        realm: String,
        #[arg(long, default_value_t = 1)]
        count: i64,
        /// How long it works (`0` for no expiry, `3600`, `15m`, `24h`, `7d`).
        #[arg(long, default_value = "24h")]
        expiration: String,
    },
    /// List a realm's tokens (never their values).
    List {
        #[arg(long)]
        realm: String,
    },
    /// Delete a token by id: it registers nothing more.
    Delete {
        #[arg(long)]
        realm: String,
        id: String,
    },
}
