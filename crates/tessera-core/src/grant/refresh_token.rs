//! RFC 6749 §6: refreshing an access token, with rotation and reuse detection (RFC 9700 §4.14.2).
//! Every use rotates the token; presenting a rotated token again revokes the whole family, unless the
//! realm's retry window is on and the same client asks again within it: then it gets the very pair
//! the first use produced, so a response lost on the wire costs nothing and nothing new is minted.

use std::borrow::Cow;

use subtle::ConstantTimeEq;
use tessera_proto::{ScopeSet, TokenResponse};

use crate::OAuthError;
use crate::audit::{AuditEvent, AuditKind};
use crate::grant::PersonGrantContext;
use crate::grant::user_tokens::{UserTokens, new_identifier};
use crate::model::{Client, RefreshToken, Resources};
use crate::resource::narrow;
use crate::secret::token_hash;

pub struct RefreshTokenGrant<'a> {
    pub ctx: &'a PersonGrantContext<'a>,
    pub client: &'a Client,
    pub refresh_token: &'a str,
    pub scope: Option<&'a ScopeSet>,
    /// RFC 8707 §2.2: the resources asked for now, within the grant's.
    pub resources: &'a Resources,
}

fn invalid_grant(d: &'static str) -> OAuthError {
    OAuthError::InvalidGrant(Cow::Borrowed(d))
}

/// RFC 9449 §5: "such a client MUST present a DPoP proof for the same key that was used to obtain the refresh
/// token each time that refresh token is used"; RFC 8705 §4: a certificate-bound refresh token is usable only
/// over a connection with that certificate. The RFCs name no error code: `invalid_grant` (RFC 6749 §5.2, the
/// token "does not match"), as node-oidc-provider answers.
fn check_binding(old: &RefreshToken, jkt: Option<&str>, cert: Option<&str>) -> Result<(), OAuthError> {
    let holds = |bound: &Option<String>, presented: Option<&str>| match (bound, presented) {
        (None, _) => true,
        (Some(b), Some(p)) => bool::from(b.as_bytes().ct_eq(p.as_bytes())),
        (Some(_), None) => false,
    };
    if !holds(&old.dpop_jkt, jkt) {
        return Err(invalid_grant("the refresh token is bound to a DPoP key: present a proof by that key"));
    }
    if !holds(&old.cert_thumbprint, cert) {
        return Err(invalid_grant("the refresh token is bound to a client certificate: present that certificate"));
    }
    Ok(())
}

/// The additional authenticated data binding a sealed successor to the token it replaced.
fn successor_aad(token_hash: &str) -> String {
    format!("tessera-refresh-successor:{token_hash}")
}

impl RefreshTokenGrant<'_> {
    pub async fn issue(&self) -> Result<TokenResponse, OAuthError> {
        let ctx = self.ctx;
        let hash = token_hash(self.refresh_token);
        let Some(old) = ctx.store.find_refresh_token(&hash).await? else {
            return Err(invalid_grant("the refresh token is invalid"));
        };
        // §6: "the authorization server MUST ... ensure that the refresh token was issued to the
        // authenticated client". Another client's token is simply not valid for it.
        if old.client_id != self.client.client_id || old.realm_id != ctx.realm.realm.id {
            return Err(invalid_grant("the refresh token is invalid"));
        }
        // Before anything else, so that a stolen bound token, without its key or certificate, cannot even
        // set off the reuse detection below.
        check_binding(&old, ctx.dpop_jkt, ctx.cert_thumbprint)?;
        if old.revoked_at.is_some() {
            return Err(invalid_grant("the refresh token was revoked"));
        }
        if old.rotated_at.is_some() {
            return self.reused(&old).await;
        }
        if old.expires_at <= ctx.now {
            return Err(invalid_grant("the refresh token has expired"));
        }
        if old.issued_at < ctx.realm.realm.not_before || old.issued_at < self.client.not_before {
            return Err(invalid_grant("the refresh token was issued before a not-before policy"));
        }
        if !old.offline {
            let session = ctx.store.find_session(&ctx.realm.realm.id, &old.session_id).await?;
            if session.is_none_or(|s| s.ended_at.is_some()) {
                return Err(invalid_grant("the session has ended"));
            }
        }
        let user = ctx.store.find_user_by_id(&ctx.realm.realm.id, &old.user_id).await?;
        let user = user.filter(|u| u.enabled).ok_or(invalid_grant("the user is not available"))?;
        let original = old.scope.clone();
        // §6: the requested scope "MUST NOT include any scope not originally granted".
        let granted = match self.scope {
            None => original.clone(),
            Some(requested) if requested.iter().all(|s| original.contains(s)) => requested.clone(),
            Some(_) => return Err(OAuthError::InvalidScope(Cow::Borrowed("the scope exceeds what was granted"))),
        };
        let resources = narrow(self.resources, &old.resources, self.client)?;
        let tokens = UserTokens {
            realm: ctx.realm,
            policy: &ctx.policy,
            client: self.client,
            user: &user,
            session_id: &old.session_id,
            auth_time: old.auth_time,
            granted: &granted,
            // §6: "the refresh token scope MUST be identical to that of the refresh token included by the
            // client in the request".
            refresh_scope: Some(&original),
            resources: &resources,
            // §2.2: the new refresh token keeps the grant's resources, however narrow this token is.
            refresh_resources: Some(&old.resources),
            nonce: None,
            now: ctx.now,
            dpop_jkt: ctx.dpop_jkt,
            cert_thumbprint: ctx.cert_thumbprint,
        }
        .issue(&new_identifier()?, &old.family_id)?;
        let mut new = tokens.refresh.ok_or(invalid_grant("the client may no longer use refresh tokens"))?;
        // An offline token keeps its kind; a session token keeps the session's maximum.
        new.offline = old.offline;
        new.expires_at = ctx.policy.refresh_expiry(ctx.now, old.auth_time, old.offline);
        let body = serde_json::to_vec(&tokens.response)?;
        let sealed = ctx.master.seal(&body, &successor_aad(&hash))?;
        if ctx.store.rotate_refresh_token(&hash, &sealed, &new, ctx.now).await? {
            return Ok(tokens.response);
        }
        // Another request rotated (or revoked) it between our read and our write: exactly one rotation
        // wins; this one is a reuse.
        let Some(current) = ctx.store.find_refresh_token(&hash).await? else {
            return Err(invalid_grant("the refresh token is invalid"));
        };
        if current.revoked_at.is_some() {
            return Err(invalid_grant("the refresh token was revoked"));
        }
        self.reused(&current).await
    }

    async fn reused(&self, old: &RefreshToken) -> Result<TokenResponse, OAuthError> {
        let ctx = self.ctx;
        let window = ctx.policy.refresh_retry_window;
        if window > 0
            && let (Some(rotated_at), Some(sealed)) = (old.rotated_at, old.successor.as_deref())
            && ctx.now <= rotated_at + window
            && self.scope.is_none()
            && self.resources.is_empty()
        {
            let body = ctx.master.open(sealed, &successor_aad(&old.token_hash))?;
            // The very response of the first use, byte for byte: never a second pair.
            return Ok(serde_json::from_slice(&body)?);
        }
        let revoked = ctx.store.revoke_refresh_family(&old.family_id, ctx.now).await?;
        ctx.revoke_access_tokens(&revoked).await?;
        ctx.audit.record(
            AuditEvent::new(ctx.now, &ctx.realm.realm.name, AuditKind::RefreshTokenReused)
                .client(&old.client_id)
                .subject(&old.user_id)
                .source(ctx.source_ip)
                .failed()
                .reason("the token family was revoked"),
        );
        Err(invalid_grant("the refresh token was already used"))
    }
}
