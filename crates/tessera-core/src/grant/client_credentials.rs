//! RFC 6749 §4.4: the client credentials grant. The client acts on its own behalf, through its service
//! account. Nothing is written: the token is signed and returned (no write on the hot path: a token needs no row to be valid).

use std::borrow::Cow;
use std::sync::Arc;

use tessera_proto::{AccessTokenClaims, ScopeSet, TokenResponse};

use crate::OAuthError;
use crate::mappers::{Subject, TokenKind, map_claims};
use crate::model::Resources;
use crate::model::{Client, RealmContext};
use crate::scope::grant_scopes;
use crate::token::AccessTokenGrant;

/// The `sub` of the client's own tokens: its service-account user (so that a per-user revocation of that
/// user reaches them), else the client's internal id.
pub fn service_account_subject(client: &Client) -> &str {
    client.service_account_user_id.as_deref().unwrap_or(&client.id)
}

pub struct ClientCredentialsGrant<'a> {
    pub realm: &'a RealmContext,
    pub client: &'a Client,
    pub scope: Option<&'a ScopeSet>,
    /// RFC 8707 §2: the resources asked for (none: the client's configured audience).
    pub resources: &'a Resources,
    pub now: i64,
    /// RFC 9449 §5: the thumbprint of a verified DPoP proof's key; the token is then bound to it.
    pub dpop_jkt: Option<&'a str>,
    /// RFC 8705 §3: the thumbprint of the client certificate of the request; the token is then bound to it.
    pub cert_thumbprint: Option<&'a str>,
}

impl ClientCredentialsGrant<'_> {
    pub fn issue(&self) -> Result<(TokenResponse, AccessTokenClaims), OAuthError> {
        // §4.4: "MUST only be used by confidential clients".
        if self.client.public_client {
            return Err(OAuthError::UnauthorizedClient(Cow::Borrowed(
                "public clients may not use the client_credentials grant",
            )));
        }
        if !self.client.service_accounts_enabled {
            return Err(OAuthError::UnauthorizedClient(Cow::Borrowed(
                "the client is not allowed the client_credentials grant",
            )));
        }
        let scopes = grant_scopes(self.client, self.scope, &self.realm.scopes)?;
        crate::resource::check_registered(self.resources, self.client)?;
        let lifetime = self.client.access_token_lifespan().unwrap_or(self.realm.realm.access_token_lifespan);
        let subject = service_account_subject(self.client);
        let username = format!("service-account-{}", self.client.client_id);
        let service_account =
            Subject { id: subject, username: &username, user: None, mappings: &self.client.service_account_roles };
        // Without a `scope` parameter (the usual request) the claims are the same every time: made once per
        // cached client.
        let mapped = match self.scope {
            None => self.client.claims_memo.get_or_init(|| {
                map_claims(self.realm, self.client, &scopes.granted, service_account, TokenKind::Access)
            }),
            Some(_) => {
                Arc::new(map_claims(self.realm, self.client, &scopes.granted, service_account, TokenKind::Access))
            }
        };
        let grant = AccessTokenGrant {
            issuer: &self.realm.issuer,
            realm: &self.realm.realm,
            client: self.client,
            subject,
            preferred_username: Some(username.clone()),
            scope: &scopes.in_token,
            issued_at: self.now,
            lifetime,
            session_id: None,
            mapped,
            resources: self.resources,
            dpop_jkt: self.dpop_jkt,
            cert_thumbprint: self.cert_thumbprint,
        };
        let (access_token, claims) = grant.sign(self.realm.keys.active())?;
        let response = TokenResponse {
            access_token,
            expires_in: lifetime,
            // Keycloak's shape: no refresh token for client credentials (RFC 6749 §4.4.3 "SHOULD NOT").
            refresh_expires_in: 0,
            refresh_token: None,
            // RFC 9449 §5: a bound token is a DPoP token.
            token_type: if self.dpop_jkt.is_some() { "DPoP" } else { "Bearer" }.to_owned(),
            id_token: None,
            not_before_policy: self.realm.realm.not_before,
            scope: scopes.in_token.to_string(),
            session_state: None,
            issued_token_type: None,
        };
        Ok((response, claims))
    }
}
