//! RFC 8628 §3.4-3.5: the device polls the token endpoint with its device code. Until the user answers it
//! hears `authorization_pending` (or `slow_down` when it polls faster than the interval, which then grows by
//! 5 s); then `access_denied`, `expired_token`, or the tokens, exactly once: the redemption is one
//! conditional statement.

use std::borrow::Cow;

use tessera_proto::TokenResponse;

use crate::OAuthError;
use crate::device::device_grant_enabled;
use crate::grant::PersonGrantContext;
use crate::grant::user_tokens::{UserTokens, new_identifier};
use crate::model::{Client, DeviceStatus, Resources};
use crate::resource::check_registered;
use crate::secret::token_hash;
use crate::sign_in::session::start_session;

/// §3.5: "the interval MUST be increased by 5 seconds for this and all subsequent requests".
const SLOW_DOWN_STEP: i64 = 5;

pub struct DeviceCodeGrant<'a> {
    pub ctx: &'a PersonGrantContext<'a>,
    pub client: &'a Client,
    pub device_code: &'a str,
    /// RFC 8707 §2: registered for the client (the device authorization request names none).
    pub resources: &'a Resources,
}

fn invalid_grant(d: &'static str) -> OAuthError {
    OAuthError::InvalidGrant(Cow::Borrowed(d))
}

impl DeviceCodeGrant<'_> {
    pub async fn issue(&self) -> Result<TokenResponse, OAuthError> {
        let ctx = self.ctx;
        let (realm_id, now) = (&ctx.realm.realm.id, ctx.now);
        if !device_grant_enabled(self.client) {
            return Err(OAuthError::UnauthorizedClient(Cow::Borrowed(
                "the client is not allowed the device authorization grant",
            )));
        }
        check_registered(self.resources, self.client)?;
        let hash = token_hash(self.device_code);
        let grant = ctx.store.find_device_grant(realm_id, &hash).await?;
        // §3.4: the device code was issued to this client; another client's is simply not valid for it.
        let Some(grant) = grant.filter(|g| g.client_id == self.client.client_id) else {
            return Err(invalid_grant("the device code is invalid"));
        };
        if grant.redeemed_at.is_some() {
            return Err(invalid_grant("the device code was already used"));
        }
        if grant.expires_at <= now {
            return Err(OAuthError::ExpiredToken);
        }
        let (user_id, auth_time) = match &grant.status {
            DeviceStatus::Denied => {
                return Err(OAuthError::AccessDenied(Cow::Borrowed("the user denied the device")));
            }
            DeviceStatus::Pending => {
                let too_fast = grant.last_polled_at.is_some_and(|last| now - last < grant.interval);
                let interval = if too_fast { grant.interval + SLOW_DOWN_STEP } else { grant.interval };
                ctx.store.record_device_poll(&hash, now, interval).await?;
                return Err(if too_fast { OAuthError::SlowDown } else { OAuthError::AuthorizationPending });
            }
            DeviceStatus::Approved { user_id, auth_time } => (user_id.clone(), *auth_time),
        };
        if ctx.store.redeem_device_grant(realm_id, &hash, &self.client.client_id, now).await?.is_none() {
            return Err(invalid_grant("the device code was already used"));
        }
        let user = ctx.store.find_user_by_id(realm_id, &user_id).await?;
        let user = user.filter(|u| u.enabled).ok_or(invalid_grant("the user is not available"))?;
        // The device gets a session of its own, as the password grant does: signing out in the browser
        // that approved it does not sign the device out, and logging out the device ends only its own.
        let session = start_session::<OAuthError>(ctx.store, &user, now).await?.session;
        let tokens = UserTokens {
            realm: ctx.realm,
            policy: &ctx.policy,
            client: self.client,
            user: &user,
            session_id: &session.id,
            auth_time,
            granted: &grant.scope,
            refresh_scope: None,
            resources: self.resources,
            refresh_resources: None,
            nonce: None,
            now,
            dpop_jkt: ctx.dpop_jkt,
            cert_thumbprint: ctx.cert_thumbprint,
        }
        .issue(&new_identifier()?, &new_identifier()?)?;
        if let Some(refresh) = &tokens.refresh {
            ctx.store.insert_refresh_token(refresh).await?;
        }
        Ok(tokens.response)
    }
}
