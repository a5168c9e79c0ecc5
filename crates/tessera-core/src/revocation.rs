//! RFC 7009: token revocation. A revoked JWT is remembered by `jti` until it expires.

use std::borrow::Cow;

use crate::OAuthError;
use crate::audit::{AuditEvent, AuditKind};
use crate::client_auth::{AuthAttempt, PresentedCredentials};
use crate::model::RealmContext;
use crate::model::RevokedToken;
use crate::ports::AuditSink;
use crate::ports::ClientDirectory;
use crate::ports::RefreshTokenStore;
use crate::ports::{IssuedAccessToken, Revocations, StoreError};
use crate::request::FormParams;
use crate::secret::ClientSecretHasher;
use crate::secret::token_hash;
use crate::token::verify_access_token;

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

pub struct TokenRevocation<'a> {
    pub realm: &'a RealmContext,
    pub clients: &'a dyn ClientDirectory,
    pub revocations: &'a dyn Revocations,
    pub hasher: &'a ClientSecretHasher,
    pub audit: &'a dyn AuditSink,
    pub source_ip: Option<&'a str>,
    /// Where refresh tokens are looked up; `None` revokes access tokens only.
    pub refresh_tokens: Option<&'a dyn RefreshTokenStore>,
    pub now: i64,
}

impl TokenRevocation<'_> {
    fn attempt(&self) -> AuthAttempt<'_> {
        AuthAttempt { realm: &self.realm.realm.name, source_ip: self.source_ip, audit: self.audit, now: self.now }
    }

    /// The revoked token, or `None` when there was nothing to do: the answer is 200 either way (§2.2).
    pub async fn handle(
        &self,
        authorization: Option<&str>,
        form: &FormParams,
    ) -> Result<Option<RevokedToken>, OAuthError> {
        let presented = PresentedCredentials::extract(authorization, form)?;
        let found = self.clients.client(&self.realm.realm.id, &presented.client_id).await?;
        // §2.1: the client authenticates as at the token endpoint; a public client names itself.
        let caller = self.attempt().check(&presented, found, self.hasher, "revocation")?;
        let token = form.get("token").ok_or(OAuthError::InvalidRequest(Cow::Borrowed("missing parameter token")))?;
        if !token.contains('.')
            && let Some(store) = self.refresh_tokens
        {
            self.revoke_refresh(store, &caller.client_id, token).await?;
            return Ok(None);
        }
        // §2.2: an invalid, expired or unknown token is not an error; nor is one already revoked.
        let Ok(claims) = verify_access_token(&self.realm.keys, &self.realm.issuer, token, self.now) else {
            return Ok(None);
        };
        // §2.1: a client may revoke only the tokens issued to it.
        if claims.client_id != caller.client_id || self.revocations.is_revoked(&claims.jti) {
            return Ok(None);
        }
        let revoked = RevokedToken {
            jti: claims.jti,
            realm_id: self.realm.realm.id.clone(),
            client_id: claims.client_id,
            exp: claims.exp,
            revoked_at: self.now,
        };
        self.revocations.revoke(revoked.clone()).await?;
        self.audit.record(
            AuditEvent::new(self.now, &self.realm.realm.name, AuditKind::TokenRevoked)
                .client(&revoked.client_id)
                .subject(&claims.sub)
                .source(self.source_ip),
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
        if t.client_id != caller || t.realm_id != self.realm.realm.id || t.revoked_at.is_some() {
            return Ok(());
        }
        let issued = store.revoke_refresh_family(&t.family_id, self.now).await?;
        revoke_issued_access_tokens(self.revocations, &t.realm_id, &issued, self.now).await?;
        self.audit.record(
            AuditEvent::new(self.now, &self.realm.realm.name, AuditKind::TokenRevoked)
                .client(caller)
                .subject(&t.user_id)
                .source(self.source_ip)
                .reason("refresh token family"),
        );
        Ok(())
    }
}
