//! Clients (RFC 6749 §2) and their secrets.

use std::collections::BTreeMap;

use std::sync::{Arc, OnceLock};

use super::roles::{MappedClaims, ProtocolMapper, RoleMappings};

/// The client attribute that turns the token reuse window on (a fraction of the lifetime, 0 to 1).
pub const TOKEN_REUSE_ATTRIBUTE: &str = "tessera.token.reuse";

/// Where Keycloak's `clientAuthenticatorType` is kept: a column in Keycloak, an attribute here (the admin
/// representation shows it as the top-level field and hides the attribute).
pub const AUTHENTICATOR_ATTRIBUTE: &str = "tessera.client.authenticator";

/// How a confidential client proves who it is at the token, introspection and revocation endpoints:
/// Keycloak's `clientAuthenticatorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuthenticator {
    /// RFC 6749 §2.3.1: `client_secret_basic` or `client_secret_post`.
    #[default]
    ClientSecret,
    /// RFC 7523 §2.2, OIDC Core §9 `private_key_jwt`: a JWT signed with a key the client registered.
    ClientJwt,
    /// OIDC Core §9 `client_secret_jwt`: a JWT signed with HMAC keyed with the client's secret.
    ClientSecretJwt,
    /// RFC 8705 §2.1 `tls_client_auth`: a certificate from a trusted CA with the registered subject (Keycloak's
    /// `client-x509`).
    ClientX509,
    /// RFC 8705 §2.2 `self_signed_tls_client_auth`: the very certificate registered in the client's JWK Set.
    SelfSignedX509,
}

impl ClientAuthenticator {
    pub const ALL: [ClientAuthenticator; 5] =
        [Self::ClientSecret, Self::ClientJwt, Self::ClientSecretJwt, Self::ClientX509, Self::SelfSignedX509];

    /// Keycloak's name (`clientAuthenticatorType`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecret => "client-secret",
            Self::ClientJwt => "client-jwt",
            Self::ClientSecretJwt => "client-secret-jwt",
            Self::ClientX509 => "client-x509",
            // Keycloak has no such authenticator: Tessera's name for RFC 8705 §2.2.
            Self::SelfSignedX509 => "client-x509-self-signed",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// RFC 8705 §2: the client authenticates with its TLS certificate.
    pub fn is_certificate(self) -> bool {
        matches!(self, Self::ClientX509 | Self::SelfSignedX509)
    }
}

/// Where a `client-jwt` client's public keys are (Keycloak's attributes `use.jwks.url` / `jwks.url` and
/// `use.jwks.string` / `jwks.string`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKeySource<'a> {
    /// A JWK Set registered with the client (`jwks.string`).
    Inline(&'a str),
    /// The client's `jwks_uri` (`jwks.url`), fetched and cached by the server.
    Uri(&'a str),
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
    /// The secret itself, sealed under the master key, for `client_secret_jwt` clients only (their
    /// assertions are keyed with it, OIDC Core §9); `None` for every other client.
    pub sealed: Option<String>,
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
    /// The client's own protocol mappers (beside those of its client scopes).
    pub protocol_mappers: Vec<ProtocolMapper>,
    /// The roles and groups of its service account, loaded with the client so that client credentials
    /// need no extra read.
    pub service_account_roles: RoleMappings,
    /// The mapped claims of client-credentials tokens for the default scopes, made on first use.
    pub claims_memo: ClaimsMemo,
}

/// Claims computed once for a client. A client is cached whole and replaced (with a fresh memo) whenever
/// anything changes — it, its roles, the realm's roles or scopes — so the memo never outlives its inputs.
#[derive(Clone, Default)]
pub struct ClaimsMemo(Arc<OnceLock<Arc<MappedClaims>>>);

impl ClaimsMemo {
    pub fn get_or_init(&self, make: impl FnOnce() -> MappedClaims) -> Arc<MappedClaims> {
        self.0.get_or_init(|| Arc::new(make())).clone()
    }
}

/// A memo is a cache, not part of the client: two clients equal in every field are equal.
impl PartialEq for ClaimsMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ClaimsMemo {}

impl std::fmt::Debug for ClaimsMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() { "ClaimsMemo(made)" } else { "ClaimsMemo(empty)" })
    }
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

    /// Keycloak's `clientAuthenticatorType`; an unknown name counts as `client-secret` (it is refused when
    /// set through the admin API or an import).
    pub fn authenticator(&self) -> ClientAuthenticator {
        self.attributes.get(AUTHENTICATOR_ATTRIBUTE).and_then(|a| ClientAuthenticator::parse(a)).unwrap_or_default()
    }

    /// The registered keys of a `client-jwt` client: the inline set when `use.jwks.string` is true, else the
    /// `jwks.url` (unless `use.jwks.url` is false).
    pub fn key_source(&self) -> Option<ClientKeySource<'_>> {
        let attr = |name: &str| self.attributes.get(name).map(String::as_str).filter(|v| !v.is_empty());
        if attr("use.jwks.string") == Some("true")
            && let Some(set) = attr("jwks.string")
        {
            return Some(ClientKeySource::Inline(set));
        }
        if attr("use.jwks.url") != Some("false")
            && let Some(uri) = attr("jwks.url")
        {
            return Some(ClientKeySource::Uri(uri));
        }
        None
    }

    /// Keycloak's `token.endpoint.auth.signing.alg`: the one algorithm its assertions must use, when set.
    pub fn assertion_signing_alg(&self) -> Option<&str> {
        self.attributes.get("token.endpoint.auth.signing.alg").map(String::as_str).filter(|a| !a.is_empty())
    }

    /// A client id is printable ASCII without spaces (RFC 6749 Appendix A.1 allows VSCHAR; we are stricter).
    pub fn is_valid_client_id(id: &str) -> bool {
        super::names::ClientId::parse(id).is_some()
    }
}
