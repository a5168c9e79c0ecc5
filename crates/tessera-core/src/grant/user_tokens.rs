//! The tokens a person's grant yields: an access token (RFC 9068), an ID token when `openid` was granted
//! (OIDC Core §3.1.3.3), and a refresh token (RFC 6749 §6) unless the client's Keycloak attribute
//! `use.refresh.tokens` is `false`: public clients get one too, as in Keycloak (keycloak-js refreshes with
//! it); every refresh rotates it and a reused one revokes its family (RFC 9700 §4.14.2). A public client's
//! refresh token is sender-constrained when it was obtained with a DPoP proof or a client certificate
//! (RFC 9449 §5, RFC 8705 §4). A refresh token is JWT-shaped like Keycloak's (its libraries decode the payload:
//! `typ` `Refresh` or `Offline`, `sid`, `exp`), HS256 under a key only the server holds; its strength is
//! the 256-bit random `jti`, and it is stored as the SHA-256 of the whole string.

use std::sync::Arc;

use serde::Serialize;
use tessera_proto::{ScopeSet, TokenResponse};

use crate::OAuthError;
use crate::mappers::{Subject, TokenKind, map_claims};
use crate::model::RealmContext;
use crate::model::{Client, RefreshToken, Resources, User};
use crate::scope::{OPENID, in_token_scope};
use crate::secret::{random_token, token_hash};
use crate::sign_in::SignInPolicy;
use crate::sign_in::id_token::IdTokenGrant;
use crate::token::AccessTokenGrant;

pub const OFFLINE_ACCESS: &str = "offline_access";

/// Keycloak's client attribute: `false` gives the client no refresh tokens.
pub const USE_REFRESH_TOKENS: &str = "use.refresh.tokens";

/// The claims of a refresh token, as Keycloak's (`typ` `Refresh`, or `Offline` for `offline_access`).
#[derive(Serialize)]
struct RefreshTokenClaims<'a> {
    exp: i64,
    iat: i64,
    jti: &'a str,
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    typ: &'static str,
    azp: &'a str,
    sid: &'a str,
    scope: String,
}

pub struct UserTokens<'a> {
    pub realm: &'a RealmContext,
    pub policy: &'a SignInPolicy,
    pub client: &'a Client,
    pub user: &'a User,
    pub session_id: &'a str,
    pub auth_time: i64,
    /// The scope of the access and ID tokens.
    pub granted: &'a ScopeSet,
    /// The refresh token's scope when it differs from `granted`: a refresh with a narrower `scope` keeps
    /// the original on the new refresh token (RFC 6749 §6). `None`: the same as `granted`.
    pub refresh_scope: Option<&'a ScopeSet>,
    /// RFC 8707: the access token's resources (its whole `aud` when any).
    pub resources: &'a Resources,
    /// The grant's resources, kept on the refresh token when they differ from `resources` (§2.2: a
    /// refresh may narrow the access token's audience, and a later one ask for the rest).
    pub refresh_resources: Option<&'a Resources>,
    pub nonce: Option<&'a str>,
    pub now: i64,
    /// RFC 9449 §5: the DPoP key the access token is bound to.
    pub dpop_jkt: Option<&'a str>,
    /// RFC 8705 §3: the client certificate the access token is bound to (`cnf.x5t#S256`).
    pub cert_thumbprint: Option<&'a str>,
}

pub struct IssuedTokens {
    pub response: TokenResponse,
    /// The record of the refresh token in `response`, to be stored.
    pub refresh: Option<RefreshToken>,
    pub access_jti: String,
    pub access_exp: i64,
}

/// A fresh identifier for a jti, a refresh family or a session.
pub fn new_identifier() -> Result<String, OAuthError> {
    Ok(random_token(16)?)
}

impl UserTokens<'_> {
    fn wants_refresh_token(&self) -> bool {
        self.client.attributes.get(USE_REFRESH_TOKENS).is_none_or(|v| v != "false")
    }

    fn refresh_scope(&self) -> &ScopeSet {
        self.refresh_scope.unwrap_or(self.granted)
    }

    /// Signs the tokens; the access token's `jti` and the refresh family are chosen by the caller, who may
    /// have had to record them first (a code's redemption).
    pub fn issue(&self, jti: &str, family_id: &str) -> Result<IssuedTokens, OAuthError> {
        let lifetime = self.client.access_token_lifespan().unwrap_or(self.realm.realm.access_token_lifespan);
        let in_token = in_token_scope(self.granted, &self.realm.scopes);
        let subject = Subject {
            id: &self.user.id,
            username: &self.user.username,
            user: Some(self.user),
            mappings: &self.user.roles,
        };
        let mapped = Arc::new(map_claims(self.realm, self.client, self.granted, subject, TokenKind::Access));
        let grant = AccessTokenGrant {
            issuer: &self.realm.issuer,
            realm: &self.realm.realm,
            client: self.client,
            subject: &self.user.id,
            preferred_username: Some(self.user.username.clone()),
            scope: &in_token,
            issued_at: self.now,
            lifetime,
            session_id: Some(self.session_id),
            mapped,
            resources: self.resources,
            dpop_jkt: self.dpop_jkt,
            cert_thumbprint: self.cert_thumbprint,
        };
        let mut claims = grant.claims()?;
        jti.clone_into(&mut claims.jti);
        let key = self.realm.keys.active();
        let access_token = grant.encode(key, &claims)?;
        let id_token = if self.granted.contains(OPENID) {
            let id = IdTokenGrant {
                issuer: &self.realm.issuer,
                client_id: &self.client.client_id,
                user: self.user,
                scopes: self.granted,
                nonce: self.nonce,
                auth_time: self.auth_time,
                session_id: self.session_id,
                access_token: &access_token,
                issued_at: self.now,
                lifetime,
                mapped: map_claims(self.realm, self.client, self.granted, subject, TokenKind::Id),
            };
            Some(id.sign(key)?)
        } else {
            None
        };
        let (refresh_token, refresh) = if self.wants_refresh_token() {
            let offline = self.refresh_scope().contains(OFFLINE_ACCESS);
            let expires_at = self.policy.refresh_expiry(self.now, self.auth_time, offline);
            let jti = random_token(32)?;
            let value = self.realm.keys.sign_refresh_token(&RefreshTokenClaims {
                exp: expires_at,
                iat: self.now,
                jti: &jti,
                iss: &self.realm.issuer,
                aud: &self.realm.issuer,
                sub: &self.user.id,
                typ: if offline { "Offline" } else { "Refresh" },
                azp: &self.client.client_id,
                sid: self.session_id,
                scope: self.refresh_scope().to_string(),
            })?;
            let record = RefreshToken {
                token_hash: token_hash(&value),
                family_id: family_id.to_owned(),
                realm_id: self.realm.realm.id.clone(),
                client_id: self.client.client_id.clone(),
                user_id: self.user.id.clone(),
                session_id: self.session_id.to_owned(),
                scope: self.refresh_scope().clone(),
                resources: self.refresh_resources.unwrap_or(self.resources).clone(),
                auth_time: self.auth_time,
                offline,
                issued_at: self.now,
                expires_at,
                access_jti: claims.jti.clone(),
                access_exp: claims.exp,
                rotated_at: None,
                revoked_at: None,
                successor: None,
                // RFC 9449 §5, RFC 8705 §4: a public client's refresh token is bound to the key and the
                // certificate it was obtained with; a confidential client's is bound by its authentication.
                dpop_jkt: self.dpop_jkt.filter(|_| self.client.public_client).map(str::to_owned),
                cert_thumbprint: self.cert_thumbprint.filter(|_| self.client.public_client).map(str::to_owned),
            };
            (Some(value), Some(record))
        } else {
            (None, None)
        };
        let response = TokenResponse {
            access_token,
            expires_in: lifetime,
            refresh_expires_in: refresh.as_ref().map_or(0, |r| u64::try_from(r.expires_at - self.now).unwrap_or(0)),
            refresh_token,
            token_type: if self.dpop_jkt.is_some() { "DPoP" } else { "Bearer" }.to_owned(),
            id_token,
            not_before_policy: self.realm.realm.not_before,
            scope: in_token.to_string(),
            // Keycloak's member (OIDC Session Management §2.1 names it for the authorization response).
            session_state: Some(self.session_id.to_owned()),
            issued_token_type: None,
        };
        Ok(IssuedTokens { response, refresh, access_jti: claims.jti, access_exp: claims.exp })
    }
}
