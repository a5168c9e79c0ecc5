//! RFC 7662: token introspection. Checking one of our JWTs costs a signature verification and memory
//! lookups (denylist, not-before instants, the cached client): no database read in the steady state.

use std::borrow::Cow;

use tessera_proto::IntrospectionResponse;

use crate::OAuthError;
use crate::client_auth::{AuthAttempt, PresentedCredentials};
use crate::model::RealmContext;
use crate::ports::AuditSink;
use crate::ports::ClientDirectory;
use crate::ports::RefreshTokenStore;
use crate::ports::{Denylist, StoreError};
use crate::request::FormParams;
use crate::secret::ClientSecretHasher;
use crate::secret::token_hash;
use crate::token::verify_access_token;

pub struct TokenIntrospection<'a> {
    pub realm: &'a RealmContext,
    pub clients: &'a dyn ClientDirectory,
    pub denylist: &'a dyn Denylist,
    pub hasher: &'a ClientSecretHasher,
    pub audit: &'a dyn AuditSink,
    pub source_ip: Option<&'a str>,
    /// While the revocation feed is down: answer from what we know (open), or refuse with 503 (closed).
    pub fail_open: bool,
    /// Where refresh tokens are looked up; `None` answers for access tokens only.
    pub refresh_tokens: Option<&'a dyn RefreshTokenStore>,
    pub now: i64,
}

impl TokenIntrospection<'_> {
    fn attempt(&self) -> AuthAttempt<'_> {
        AuthAttempt { realm: &self.realm.realm.name, source_ip: self.source_ip, audit: self.audit, now: self.now }
    }

    /// §2.1: the caller authenticates as a confidential client of the realm, then names the token.
    pub async fn handle(
        &self,
        authorization: Option<&str>,
        form: &FormParams,
    ) -> Result<IntrospectionResponse, OAuthError> {
        let presented = PresentedCredentials::extract(authorization, form)?;
        let found = self.clients.client(&self.realm.realm.id, &presented.client_id).await?;
        // §2.1: only a confidential client may introspect; a public one counts as unauthenticated.
        let caller = self.attempt().check(&presented, found, self.hasher, "introspection")?;
        if caller.public_client {
            return Err(OAuthError::InvalidClient { basic_challenge: false });
        }
        let token = form.get("token").ok_or(OAuthError::InvalidRequest(Cow::Borrowed("missing parameter token")))?;
        // `token_type_hint` (§2.1) is not needed: a JWT is an access token, anything else a refresh token.
        if !token.contains('.')
            && let Some(store) = self.refresh_tokens
        {
            return Ok(self.inspect_refresh(store, token).await?);
        }
        Ok(self.inspect(token).await?)
    }

    /// A refresh token is active while it is neither rotated, revoked nor expired, and no not-before policy
    /// came after it.
    async fn inspect_refresh(
        &self,
        store: &dyn RefreshTokenStore,
        token: &str,
    ) -> Result<IntrospectionResponse, StoreError> {
        let Some(t) = store.find_refresh_token(&token_hash(token)).await? else {
            return Ok(IntrospectionResponse::inactive());
        };
        let live = t.realm_id == self.realm.realm.id
            && t.rotated_at.is_none()
            && t.revoked_at.is_none()
            && t.expires_at > self.now
            && t.issued_at >= self.realm.realm.not_before;
        let client = self.clients.client(&self.realm.realm.id, &t.client_id).await?;
        if !live || !client.is_some_and(|c| c.enabled && t.issued_at >= c.not_before) {
            return Ok(IntrospectionResponse::inactive());
        }
        Ok(IntrospectionResponse {
            active: true,
            scope: Some(t.scope.to_string()),
            client_id: Some(t.client_id),
            token_type: Some("Refresh".to_owned()),
            exp: Some(t.expires_at),
            iat: Some(t.issued_at),
            sub: Some(t.user_id),
            iss: Some(self.realm.issuer.clone()),
            ..IntrospectionResponse::default()
        })
    }

    /// Active with its claims, or `{"active": false}` for anything expired, revoked, not yet valid, foreign,
    /// forged or unparseable (§2.2).
    pub async fn inspect(&self, token: &str) -> Result<IntrospectionResponse, StoreError> {
        let Ok(claims) = verify_access_token(&self.realm.keys, &self.realm.issuer, token, self.now) else {
            return Ok(IntrospectionResponse::inactive());
        };
        if !self.fail_open && !self.denylist.is_current() {
            return Err(StoreError::Unavailable("the revocation feed is down".to_owned()));
        }
        if self.denylist.is_revoked(&claims.jti) || claims.iat < self.realm.realm.not_before {
            return Ok(IntrospectionResponse::inactive());
        }
        let client = self.clients.client(&self.realm.realm.id, &claims.client_id).await?;
        if !client.is_some_and(|c| c.enabled && claims.iat >= c.not_before) {
            return Ok(IntrospectionResponse::inactive());
        }
        Ok(IntrospectionResponse {
            active: true,
            scope: Some(claims.scope),
            client_id: Some(claims.client_id),
            username: claims.preferred_username,
            token_type: Some("Bearer".to_owned()),
            exp: Some(claims.exp),
            iat: Some(claims.iat),
            nbf: claims.nbf,
            sub: Some(claims.sub),
            aud: Some(claims.aud),
            iss: Some(claims.iss),
            jti: Some(claims.jti),
        })
    }
}
