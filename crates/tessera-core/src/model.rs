//! The domain model: realms (tenants), client scopes, clients, users, signing keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tessera_proto::Jwk;

use crate::keys::SigningAlgorithm;

/// The client attribute that turns the token reuse window on (a fraction of the lifetime, 0 to 1).
pub const TOKEN_REUSE_ATTRIBUTE: &str = "tessera.token.reuse";

/// Keycloak's default access-token lifespan, in seconds.
pub const DEFAULT_ACCESS_TOKEN_LIFESPAN: u64 = 300;

/// A realm: one tenant with its own issuer, clients, scopes, users and keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm {
    pub id: String,
    /// The URL path segment: `/realms/{name}`.
    pub name: String,
    pub display_name: Option<String>,
    pub enabled: bool,
    pub access_token_lifespan: u64,
    pub signing_alg: SigningAlgorithm,
    /// Tokens issued before this instant (Unix seconds) are invalid; 0 means none. Keycloak's `notBefore`.
    pub not_before: i64,
    /// Settings kept for later features (SSO lifetimes, refresh-token reuse), by Keycloak's names.
    pub attributes: BTreeMap<String, String>,
    pub created_at: i64,
}

impl Realm {
    /// A realm name is a path segment: keep it to characters that need no escaping.
    pub fn is_valid_name(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    }

    /// `{public_url}/realms/{name}`, as Keycloak.
    pub fn issuer(&self, public_url: &str) -> String {
        format!("{}/realms/{}", public_url.trim_end_matches('/'), self.name)
    }
}

/// A client scope (Keycloak's term): a named scope clients may be given by default or on request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientScope {
    pub name: String,
    pub description: Option<String>,
    /// Keycloak's `include.in.token.scope`: whether the scope appears in the token's `scope` claim.
    pub include_in_token_scope: bool,
    pub attributes: BTreeMap<String, String>,
}

impl ClientScope {
    pub fn new(name: &str) -> Self {
        Self { name: name.to_owned(), description: None, include_in_token_scope: true, attributes: BTreeMap::new() }
    }
}

/// An HMAC-SHA256 of a client secret under the server pepper; never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHash(pub String);

/// One of a client's secrets. Two exist during a rotation's grace window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecret {
    pub id: String,
    pub hash: SecretHash,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

impl ClientSecret {
    pub fn is_valid_at(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|e| now < e)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Internal identifier (UUID).
    pub id: String,
    pub realm_id: String,
    /// The OAuth `client_id` (RFC 6749 §2.2), unique within the realm.
    pub client_id: String,
    pub name: Option<String>,
    pub enabled: bool,
    /// RFC 6749 §2.1 public client: has no secret.
    pub public_client: bool,
    /// May use the client-credentials grant (Keycloak's `serviceAccountsEnabled`).
    pub service_accounts_enabled: bool,
    pub standard_flow_enabled: bool,
    pub direct_access_grants_enabled: bool,
    pub consent_required: bool,
    pub redirect_uris: Vec<String>,
    pub web_origins: Vec<String>,
    /// Always granted.
    pub default_scopes: Vec<String>,
    /// Granted only when requested.
    pub optional_scopes: Vec<String>,
    /// The `aud` of this client's access tokens; empty means the realm's issuer (RFC 9068 §3 default).
    pub audiences: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    /// The `sub` of client-credentials tokens: the service-account user, as in Keycloak.
    pub service_account_user_id: Option<String>,
    pub secrets: Vec<ClientSecret>,
    /// Tokens issued to this client before this instant are invalid (revoke-all); 0 means none.
    pub not_before: i64,
    pub created_at: i64,
}

impl Client {
    /// Keycloak's per-client override `access.token.lifespan`, in seconds.
    pub fn access_token_lifespan(&self) -> Option<u64> {
        self.attributes.get("access.token.lifespan").and_then(|v| v.parse::<u64>().ok()).filter(|v| *v > 0)
    }

    /// The opt-in token reuse window (attribute `tessera.token.reuse`): the fraction of a token's lifetime
    /// during which the same token is handed back for the same request.
    pub fn token_reuse_fraction(&self) -> Option<f64> {
        self.attributes.get(TOKEN_REUSE_ATTRIBUTE).and_then(|v| v.parse::<f64>().ok()).filter(|f| *f > 0.0 && *f <= 1.0)
    }

    /// A client id is printable ASCII without spaces (RFC 6749 Appendix A.1 allows VSCHAR; we are stricter).
    pub fn is_valid_client_id(id: &str) -> bool {
        !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| (0x21..=0x7E).contains(&b))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub realm_id: String,
    pub username: String,
    pub enabled: bool,
    pub email: Option<String>,
    pub email_verified: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: Option<String>,
    /// Set on the service-account user of a client.
    pub service_account_client_id: Option<String>,
    pub created_at: i64,
}

/// The life of a signing key: published before it signs, published after it stops signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    Next,
    Active,
    Retired,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Next => "next",
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "next" => Some(Self::Next),
            "active" => Some(Self::Active),
            "retired" => Some(Self::Retired),
            _ => None,
        }
    }
}

/// A signing key as stored: the private half sealed under the master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSigningKey {
    pub kid: String,
    pub realm_id: String,
    pub alg: SigningAlgorithm,
    pub state: KeyState,
    /// AES-256-GCM sealed PKCS#8 document (base64).
    pub sealed_private_key: String,
    pub public_jwk: Jwk,
    pub created_at: i64,
    pub retired_at: Option<i64>,
    /// No token this key signed is valid after this instant; once past, the key is unpublished.
    pub not_after: Option<i64>,
}

/// Everything that makes up a realm, written in one transaction (create and import).
#[derive(Debug, Clone)]
pub struct RealmBundle {
    pub realm: Realm,
    pub scopes: Vec<ClientScope>,
    pub clients: Vec<Client>,
    pub users: Vec<User>,
    pub keys: Vec<StoredSigningKey>,
}

/// A revoked access token, remembered by `jti` until `exp` (RFC 7009 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedToken {
    pub jti: String,
    pub realm_id: String,
    pub client_id: String,
    pub exp: i64,
    pub revoked_at: i64,
}

/// An authorization code as stored (RFC 6749 §4.1.2): its SHA-256, never the code, with everything it is
/// bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_hash: String,
    pub realm_id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: String,
    pub redirect_uri: String,
    /// The granted scopes, space-separated.
    pub scope: String,
    pub nonce: Option<String>,
    /// RFC 7636 S256 challenge.
    pub code_challenge: Option<String>,
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What a redemption issues, recorded with it so that a replay can revoke it (RFC 6749 §4.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeIssue {
    pub access_jti: String,
    pub access_exp: i64,
    pub family_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// This call redeemed the code.
    Redeemed(AuthorizationCode),
    /// The code was redeemed before: what that redemption issued.
    Replayed(CodeIssue),
    /// No such code for this client, or it expired unredeemed.
    Unknown,
}

/// A refresh token as stored (RFC 6749 §6): its SHA-256, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub token_hash: String,
    /// Every token rotated from one grant shares the family (RFC 9700 §4.14.2).
    pub family_id: String,
    pub realm_id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: String,
    /// The granted scopes, space-separated.
    pub scope: String,
    pub auth_time: i64,
    /// Issued for `offline_access`: outlives the SSO session (Keycloak's offline token).
    pub offline: bool,
    pub issued_at: i64,
    pub expires_at: i64,
    /// The access token issued with it, so revoking the family revokes that too.
    pub access_jti: String,
    pub access_exp: i64,
    pub rotated_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The token response that replaced it, sealed under the master key, for the optional retry window.
    pub successor: Option<String>,
}

/// A single sign-on session: what the browser's session cookie stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    /// Public: the `sid` claim.
    pub id: String,
    /// SHA-256 of the cookie value; the cookie itself is never stored.
    pub cookie_hash: String,
    pub realm_id: String,
    pub user_id: String,
    pub auth_time: i64,
    pub last_seen_at: i64,
    pub ended_at: Option<i64>,
}

/// Failed sign-in attempts counted for one key (a user or a source address) in a window that starts at
/// the first failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub failures: u32,
    pub window_start: i64,
}
