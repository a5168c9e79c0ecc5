//! Keycloak's non-interactive logout: `POST …/logout` with a `refresh_token` and the client's
//! authentication (keycloak-connect's and python-keycloak's `logout(refresh_token)`), answered 204. It ends
//! the SSO session the refresh token belongs to and revokes what was issued in it, as the interactive
//! logout does (OIDC RP-Initiated Logout has no such request; the browser's way stays in
//! [`crate::sign_in::logout`]). Errors are Keycloak's: a token not found is `invalid_grant` "Invalid refresh
//! token"; another client's token is `invalid_grant` "Invalid refresh token. Token client and authorized
//! client don't match". Like Keycloak, an expired or already rotated token still ends its session: ending a
//! session is what its holder asks for, and a rotated token's family is its session's.

use std::borrow::Cow;

use crate::OAuthError;
use crate::audit::{AuditEvent, AuditKind};
use crate::backchannel_logout::LogoutDeliveries;
use crate::client_auth::ClientRequest;
use crate::ports::{Revocations, Store};
use crate::request::FormParams;
use crate::revocation::revoke_issued_access_tokens;
use crate::secret::token_hash;
use crate::sign_in::session::{Ending, end_session};

pub struct RefreshTokenLogout<'a> {
    pub request: ClientRequest<'a>,
    pub store: &'a dyn Store,
    pub revocations: &'a dyn Revocations,
    pub deliveries: &'a dyn LogoutDeliveries,
}

impl RefreshTokenLogout<'_> {
    pub async fn handle(&self, authorization: Option<&str>, form: &FormParams) -> Result<(), OAuthError> {
        let r = &self.request;
        // RFC 6749 §2.3 as at the token endpoint: a public client names itself, a confidential one proves it.
        let client = r.authenticate_client(authorization, form, Some("logout")).await?;
        let token = form.get("refresh_token").ok_or(OAuthError::InvalidRequest(Cow::Borrowed("No refresh token")))?;
        let found = self.store.find_refresh_token(&token_hash(token)).await?;
        let Some(t) = found.filter(|t| t.realm_id == r.realm.realm.id) else {
            return Err(OAuthError::InvalidGrant(Cow::Borrowed("Invalid refresh token")));
        };
        if t.client_id != client.client_id {
            return Err(OAuthError::InvalidGrant(Cow::Borrowed(
                "Invalid refresh token. Token client and authorized client don't match",
            )));
        }
        if t.offline {
            // An offline token outlives its SSO session (Keycloak keeps an offline session for it): logging
            // out with it ends that, i.e. its family, and the access tokens issued with it.
            let issued = self.store.revoke_refresh_family(&t.family_id, r.now).await?;
            revoke_issued_access_tokens(self.revocations, &t.realm_id, &issued, r.now).await?;
            r.audit.record(
                AuditEvent::new(r.now, &r.realm.realm.name, AuditKind::Logout)
                    .client(&client.client_id)
                    .subject(&t.user_id)
                    .source(r.source_ip)
                    .reason("offline refresh token"),
            );
        } else if let Some(session) = self.store.find_session(&r.realm.realm.id, &t.session_id).await? {
            let ending = Ending {
                realm: r.realm,
                clients: r.clients,
                deliveries: self.deliveries,
                client_id: Some(&client.client_id),
                source_ip: r.source_ip,
                now: r.now,
            };
            end_session(self.store, self.revocations, r.audit, &session, &ending).await?;
        }
        Ok(())
    }
}
