//! RFC 7009: token revocation. A revoked JWT is remembered by `jti` until it expires.

use std::borrow::Cow;

use crate::OAuthError;
use crate::audit::{AuditEvent, AuditKind};
use crate::client_auth::ClientRequest;
use crate::model::{Client, Realm, RevokedToken};
use crate::ports::{Denylist, IssuedAccessToken, RefreshTokenStore, Revocations, StoreError};
use crate::request::FormParams;
use crate::secret::token_hash;
use crate::token::{is_access_token_shaped, verify_access_token};

/// RFC 7009 §2.1: revoking a grant revokes the access tokens issued from it ("SHOULD also invalidate all
/// access tokens based on the same authorization grant"). Tokens already expired need no denylist entry.
pub async fn revoke_issued_access_tokens(
    revocations: &dyn Revocations,
    realm_id: &str,
    tokens: &[IssuedAccessToken],
    now: i64,
) -> Result<(), StoreError> {
    for t in tokens.iter().filter(|t| t.exp > now) {
        let revoked = RevokedToken {
            jti: t.jti.clone(),
            realm_id: realm_id.to_owned(),
            client_id: t.client_id.clone(),
            exp: t.exp,
            revoked_at: now,
        };
        revocations.revoke(revoked).await?;
    }
    Ok(())
}

/// Whether an access token we signed (its `jti`, `iat` and subject) still stands: not revoked, issued after
/// the realm's, its client's and its user's not-before instants (Keycloak's revoke-all and user logout), by a
/// client that still exists and is enabled. Introspection, userinfo and the token reuse window all ask this
/// one question; every part of it is a memory lookup.
pub fn access_token_is_live(
    realm: &Realm,
    client: Option<&Client>,
    denylist: &dyn Denylist,
    token: LiveCheck<'_>,
) -> bool {
    let LiveCheck { jti, sub, iat } = token;
    !denylist.is_revoked(jti)
        && iat >= realm.not_before
        && client.is_some_and(|c| c.enabled && iat >= c.not_before)
        && denylist.user_not_before(&realm.id, sub).is_none_or(|not_before| iat >= not_before)
}

/// What [`access_token_is_live`] needs of a token: its id, its subject (the service-account user for client
/// credentials) and when it was issued.
#[derive(Debug, Clone, Copy)]
pub struct LiveCheck<'a> {
    pub jti: &'a str,
    pub sub: &'a str,
    pub iat: i64,
}

impl<'a> From<&'a tessera_proto::AccessTokenClaims> for LiveCheck<'a> {
    fn from(c: &'a tessera_proto::AccessTokenClaims) -> Self {
        Self { jti: &c.jti, sub: &c.sub, iat: c.iat }
    }
}

pub struct TokenRevocation<'a> {
    pub request: ClientRequest<'a>,
    pub revocations: &'a dyn Revocations,
    /// Where refresh tokens are looked up; `None` revokes access tokens only.
    pub refresh_tokens: Option<&'a dyn RefreshTokenStore>,
}

impl TokenRevocation<'_> {
    /// The revoked token, or `None` when there was nothing to do: the answer is 200 either way (§2.2).
    pub async fn handle(
        &self,
        authorization: Option<&str>,
        form: &FormParams,
    ) -> Result<Option<RevokedToken>, OAuthError> {
        // §2.1: the client authenticates as at the token endpoint; a public client names itself.
        let caller = self.request.authenticate_client(authorization, form, Some("revocation")).await?;
        let token = form.get("token").ok_or(OAuthError::InvalidRequest(Cow::Borrowed("missing parameter token")))?;
        if !is_access_token_shaped(token)
            && let Some(store) = self.refresh_tokens
        {
            self.revoke_refresh(store, &caller.client_id, token).await?;
            return Ok(None);
        }
        // §2.2: an invalid, expired or unknown token is not an error; nor is one already revoked.
        let Ok(claims) =
            verify_access_token(&self.request.realm.keys, &self.request.realm.issuer, token, self.request.now)
        else {
            return Ok(None);
        };
        // §2.1: a client may revoke only the tokens issued to it.
        if claims.client_id != caller.client_id || self.revocations.is_revoked(&claims.jti) {
            return Ok(None);
        }
        let revoked = RevokedToken {
            jti: claims.jti,
            realm_id: self.request.realm.realm.id.clone(),
            client_id: claims.client_id,
            exp: claims.exp,
            revoked_at: self.request.now,
        };
        self.revocations.revoke(revoked.clone()).await?;
        self.request.audit.record(
            AuditEvent::new(self.request.now, &self.request.realm.realm.name, AuditKind::TokenRevoked)
                .client(&revoked.client_id)
                .subject(&claims.sub)
                .source(self.request.source_ip),
        );
        Ok(Some(revoked))
    }
}

impl TokenRevocation<'_> {
    /// §2.1: revoking a refresh token revokes its whole family and the access tokens issued with it
    /// ("SHOULD also invalidate all access tokens based on the same authorization grant").
    async fn revoke_refresh(&self, store: &dyn RefreshTokenStore, caller: &str, token: &str) -> Result<(), OAuthError> {
        let Some(t) = store.find_refresh_token(&token_hash(token)).await? else {
            return Ok(());
        };
        if t.client_id != caller || t.realm_id != self.request.realm.realm.id || t.revoked_at.is_some() {
            return Ok(());
        }
        let issued = store.revoke_refresh_family(&t.family_id, self.request.now).await?;
        revoke_issued_access_tokens(self.revocations, &t.realm_id, &issued, self.request.now).await?;
        self.request.audit.record(
            AuditEvent::new(self.request.now, &self.request.realm.realm.name, AuditKind::TokenRevoked)
                .client(caller)
                .subject(&t.user_id)
                .source(self.request.source_ip)
                .reason("refresh token family"),
        );
        Ok(())
    }
}
