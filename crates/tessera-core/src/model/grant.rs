//! What grants leave behind: codes, refresh tokens and revocations.

use tessera_proto::ScopeSet;

use super::Resources;

/// A revoked access token, remembered by `jti` until `exp` (RFC 7009 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedToken {
    pub jti: String,
    pub realm_id: String,
    pub client_id: String,
    pub exp: i64,
    pub revoked_at: i64,
}

/// A per-user not-before instant (Keycloak's user `notBefore`): every access token issued to the user before
/// `not_before` is void. Kept until `expires_at`, when every such token has expired anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserNotBefore {
    pub realm_id: String,
    pub user_id: String,
    pub not_before: i64,
    pub expires_at: i64,
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
    /// The granted scopes.
    pub scope: ScopeSet,
    pub nonce: Option<String>,
    /// RFC 7636 S256 challenge.
    pub code_challenge: Option<String>,
    /// RFC 8707 §2: the resources of the authorization request.
    pub resources: Resources,
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
    /// RFC 9449 §10: the thumbprint of the DPoP key the code is bound to (`dpop_jkt`, or the key of the
    /// pushed request's proof, §10.1): the token request must carry a proof by that key.
    pub dpop_jkt: Option<String>,
}

/// What a redemption issues, recorded with it so that a replay can revoke it (RFC 6749 §4.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeIssue {
    pub access_jti: String,
    pub access_exp: i64,
    pub family_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
// Returned once per redemption and matched at once: boxing the code would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum CodeRedemption {
    /// This call redeemed the code.
    Redeemed(AuthorizationCode),
    /// The code was redeemed before: what that redemption issued.
    Replayed(CodeIssue),
    /// No such code for this client, or it expired unredeemed.
    Unknown,
}

/// A pushed authorization request as stored (RFC 9126 §2.2): the SHA-256 of its `request_uri`, never the
/// URI, with the parameters as pushed (checked again when used: the client may have changed meanwhile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedAuthorizationRequest {
    pub request_uri_hash: String,
    pub realm_id: String,
    pub client_id: String,
    /// The pushed parameters, `application/x-www-form-urlencoded`.
    pub parameters: String,
    pub created_at: i64,
    pub expires_at: i64,
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
    /// The granted scopes.
    pub scope: ScopeSet,
    /// RFC 8707 §2.2: the resources of the grant; a refresh may ask for fewer, never others.
    pub resources: Resources,
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
    /// RFC 9449 §5: a public client's refresh token is bound to the DPoP key (JWK SHA-256 thumbprint) that
    /// obtained it; each use needs a proof by that key.
    pub dpop_jkt: Option<String>,
    /// RFC 8705 §4: a public client's refresh token is bound to the client certificate (`x5t#S256`) it was
    /// obtained with; each use needs that certificate.
    pub cert_thumbprint: Option<String>,
}

/// What one entry of a realm's revocation feed says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationEventKind {
    /// RFC 7009: one token (`subject` = its `jti`, `expires_at` = its `exp`) is revoked.
    Token,
    /// Revoke-all for one client (`subject` = its `client_id`): its tokens issued before `at` are void.
    Client,
    /// A user's not-before (`subject` = their id, the tokens' `sub`).
    User,
    /// Revoke-all for the realm (`subject` is empty).
    Realm,
}

impl RevocationEventKind {
    pub const ALL: [RevocationEventKind; 4] = [Self::Token, Self::Client, Self::User, Self::Realm];

    /// The stored name, also the SSE `event:` type with `-not-before` or `revoked` added by the server.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Client => "client",
            Self::User => "user",
            Self::Realm => "realm",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entry of a realm's revocation feed, in the order the changes were recorded (`id`, the cursor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationEvent {
    pub id: i64,
    pub kind: RevocationEventKind,
    pub subject: String,
    /// When the token was revoked, or the not-before instant.
    pub at: i64,
    /// When no token the entry voids can be valid anyway (the token's `exp`; for a user, the last of their
    /// tokens'); `None` for realm and client not-befores, kept until a newer one replaces them.
    pub expires_at: Option<i64>,
}
