//! The one table of endpoints: the router is built from it and the discovery documents take their URLs
//! from it, so the two cannot disagree.

/// Every endpoint we serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// RFC 6749 §3.2
    Token,
    /// RFC 7662 §2
    Introspect,
    /// RFC 7009 §2
    Revoke,
    /// Tessera's revocation feed (Server-Sent Events): GET and POST
    RevocationFeed,
    /// RFC 7517 §5, OIDC Discovery `jwks_uri`
    Certs,
    /// OIDC Discovery §4
    OpenIdConfiguration,
    /// RFC 8414 §3, the Keycloak-style path under the realm
    OAuthServerMetadata,
    /// RFC 8414 §3.1: the well-known segment inserted before the issuer's path
    OAuthServerMetadataWellKnown,
    /// RFC 6749 §3.1, OIDC Core §3.1.2: GET and POST
    Authorize,
    /// The login form's target (Keycloak's `login-actions`)
    LoginAuthenticate,
    /// The consent form's target
    LoginConsent,
    /// The required-action form's target (a new password)
    LoginRequiredAction,
    /// OIDC Core §5.3: GET and POST
    UserInfo,
    /// OIDC RP-Initiated Logout §2: GET and POST
    Logout,
    /// The login pages' stylesheet (CSP allows styles from 'self' only)
    LoginStylesheet,
    /// Keycloak's realm-info document (python-keycloak's `public_key()`).
    RealmInfo,
    /// keycloak-js's third-party-cookie probe, loaded in an iframe before it sets up its session iframe.
    ThirdPartyCookiesProbe,
    /// RFC 8628 §3.1 at Keycloak's path
    DeviceAuthorization,
    /// RFC 9126 §2 at Keycloak's path
    PushedAuthorizationRequest,
    /// RFC 7591 §3 at Keycloak's path
    ClientRegistration,
    /// RFC 7592 §2: a registered client's configuration endpoint
    ClientConfiguration,
    /// RFC 8628 §3.3: the verification URI (GET, and POST of the code form)
    DeviceVerification,
    /// The device flow's login form
    DeviceLogin,
    /// The device flow's "allow this device?" form
    DeviceConsent,
    /// The process runs.
    HealthLive,
    /// The database (and Redis, when configured) answer.
    HealthReady,
}

impl Endpoint {
    pub const ALL: [Endpoint; 26] = [
        Endpoint::Token,
        Endpoint::Introspect,
        Endpoint::Revoke,
        Endpoint::RevocationFeed,
        Endpoint::Certs,
        Endpoint::OpenIdConfiguration,
        Endpoint::OAuthServerMetadata,
        Endpoint::OAuthServerMetadataWellKnown,
        Endpoint::Authorize,
        Endpoint::LoginAuthenticate,
        Endpoint::LoginConsent,
        Endpoint::LoginRequiredAction,
        Endpoint::UserInfo,
        Endpoint::Logout,
        Endpoint::LoginStylesheet,
        Endpoint::RealmInfo,
        Endpoint::ThirdPartyCookiesProbe,
        Endpoint::DeviceAuthorization,
        Endpoint::PushedAuthorizationRequest,
        Endpoint::ClientRegistration,
        Endpoint::ClientConfiguration,
        Endpoint::DeviceVerification,
        Endpoint::DeviceLogin,
        Endpoint::DeviceConsent,
        Endpoint::HealthLive,
        Endpoint::HealthReady,
    ];

    /// The axum route path; `{realm}` is the realm name.
    pub fn route(self) -> &'static str {
        match self {
            Endpoint::Token => "/realms/{realm}/protocol/openid-connect/token",
            Endpoint::Introspect => "/realms/{realm}/protocol/openid-connect/token/introspect",
            Endpoint::Revoke => "/realms/{realm}/protocol/openid-connect/revoke",
            Endpoint::RevocationFeed => "/realms/{realm}/protocol/openid-connect/revocations",
            Endpoint::Certs => "/realms/{realm}/protocol/openid-connect/certs",
            Endpoint::OpenIdConfiguration => "/realms/{realm}/.well-known/openid-configuration",
            Endpoint::OAuthServerMetadata => "/realms/{realm}/.well-known/oauth-authorization-server",
            Endpoint::OAuthServerMetadataWellKnown => "/.well-known/oauth-authorization-server/realms/{realm}",
            Endpoint::Authorize => "/realms/{realm}/protocol/openid-connect/auth",
            Endpoint::LoginAuthenticate => "/realms/{realm}/login-actions/authenticate",
            Endpoint::LoginConsent => "/realms/{realm}/login-actions/consent",
            Endpoint::LoginRequiredAction => "/realms/{realm}/login-actions/required-action",
            Endpoint::UserInfo => "/realms/{realm}/protocol/openid-connect/userinfo",
            Endpoint::Logout => "/realms/{realm}/protocol/openid-connect/logout",
            Endpoint::LoginStylesheet => "/resources/tessera-login.css",
            Endpoint::RealmInfo => "/realms/{realm}",
            Endpoint::ThirdPartyCookiesProbe => "/realms/{realm}/protocol/openid-connect/3p-cookies/step1.html",
            Endpoint::DeviceAuthorization => "/realms/{realm}/protocol/openid-connect/auth/device",
            Endpoint::PushedAuthorizationRequest => "/realms/{realm}/protocol/openid-connect/ext/par/request",
            Endpoint::ClientRegistration => "/realms/{realm}/clients-registrations/openid-connect",
            Endpoint::ClientConfiguration => "/realms/{realm}/clients-registrations/openid-connect/{client_id}",
            Endpoint::DeviceVerification => "/realms/{realm}/device",
            Endpoint::DeviceLogin => "/realms/{realm}/device/login",
            Endpoint::DeviceConsent => "/realms/{realm}/device/consent",
            Endpoint::HealthLive => "/health/live",
            Endpoint::HealthReady => "/health/ready",
        }
    }

    /// The absolute URL of this endpoint for a realm.
    pub fn url(self, public_url: &str, realm: &str) -> String {
        format!("{}{}", public_url.trim_end_matches('/'), self.route().replace("{realm}", realm))
    }
}
