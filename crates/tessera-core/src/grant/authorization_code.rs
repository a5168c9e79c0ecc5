//! RFC 6749 §4.1.3: the authorization code grant, with PKCE (RFC 7636 §4.5-4.6).

use std::borrow::Cow;

use tessera_proto::TokenResponse;

use crate::OAuthError;
use crate::audit::{AuditEvent, AuditKind};
use crate::grant::PersonGrantContext;
use crate::grant::user_tokens::{UserTokens, new_identifier};
use crate::model::{Client, CodeIssue, CodeRedemption, Resources};
use crate::pkce::CodeChallenge;
use crate::ports::IssuedAccessToken;
use crate::redirect_uri::RedirectUri;
use crate::resource::narrow;
use crate::secret::token_hash;

pub struct AuthorizationCodeGrant<'a> {
    pub ctx: &'a PersonGrantContext<'a>,
    pub client: &'a Client,
    pub code: &'a str,
    pub redirect_uri: Option<&'a RedirectUri>,
    pub code_verifier: Option<&'a str>,
    /// RFC 8707 §2.2: the resources asked for now, within those of the authorization request.
    pub resources: &'a Resources,
}

fn invalid_grant(d: &'static str) -> OAuthError {
    OAuthError::InvalidGrant(Cow::Borrowed(d))
}

impl AuthorizationCodeGrant<'_> {
    pub async fn issue(&self) -> Result<TokenResponse, OAuthError> {
        let ctx = self.ctx;
        if !self.client.standard_flow_enabled {
            return Err(OAuthError::UnauthorizedClient(Cow::Borrowed(
                "the client is not allowed the authorization_code grant",
            )));
        }
        // The jti and refresh family are chosen before the redemption and recorded by it, so that a replay
        // can revoke exactly what this redemption issues (§4.1.2).
        let lifetime = self.client.access_token_lifespan().unwrap_or(ctx.realm.realm.access_token_lifespan);
        let issue = CodeIssue {
            access_jti: new_identifier()?,
            access_exp: ctx.now + lifetime as i64,
            family_id: new_identifier()?,
        };
        let code_hash = token_hash(self.code);
        let redemption =
            ctx.store.redeem_code(&ctx.realm.realm.id, &code_hash, &self.client.client_id, ctx.now, &issue);
        let code = match redemption.await? {
            CodeRedemption::Redeemed(code) => code,
            CodeRedemption::Unknown => return Err(invalid_grant("the authorization code is invalid or expired")),
            CodeRedemption::Replayed(first) => {
                // §4.1.2: "SHOULD revoke (when possible) all tokens previously issued based on that code".
                let revoked = ctx.store.revoke_refresh_family(&first.family_id, ctx.now).await?;
                let first_access = IssuedAccessToken {
                    jti: first.access_jti,
                    client_id: self.client.client_id.clone(),
                    exp: first.access_exp,
                };
                let tokens: Vec<_> = std::iter::once(first_access).chain(revoked).collect();
                ctx.revoke_access_tokens(&tokens).await?;
                ctx.audit.record(
                    AuditEvent::new(ctx.now, &ctx.realm.realm.name, AuditKind::CodeReplayed)
                        .client(&self.client.client_id)
                        .source(ctx.source_ip)
                        .failed()
                        .reason("tokens issued from the code were revoked"),
                );
                return Err(invalid_grant("the authorization code was already used"));
            }
        };
        // §4.1.3: "ensure that the redirect_uri parameter is present if [it] was included in the initial
        // authorization request ... and if included ensure that their values are identical".
        if self.redirect_uri.map(RedirectUri::as_str) != Some(code.redirect_uri.as_str()) {
            return Err(invalid_grant("redirect_uri does not match the authorization request"));
        }
        match (code.code_challenge.clone(), self.code_verifier) {
            (Some(challenge), Some(verifier))
                if CodeChallenge::from_stored(challenge.clone()).is_satisfied_by(verifier) => {}
            (Some(_), _) => return Err(invalid_grant("the code_verifier does not match the code_challenge")),
            // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
            (None, Some(_)) => return Err(invalid_grant("a code_verifier was sent for a code issued without PKCE")),
            (None, None) => {}
        }
        // RFC 9449 §10: "verifies that it matches the dpop_jkt parameter value in the authorization request. If
        // they do not match, it MUST reject the request" (no proof at all does not match either).
        if let Some(bound) = code.dpop_jkt.as_deref()
            && ctx.dpop_jkt != Some(bound)
        {
            return Err(invalid_grant("the authorization code is bound to another DPoP key (dpop_jkt)"));
        }
        let resources = narrow(self.resources, &code.resources, self.client)?;
        let user = ctx.store.find_user_by_id(&ctx.realm.realm.id, &code.user_id).await?;
        let user = user.filter(|u| u.enabled).ok_or(invalid_grant("the user is not available"))?;
        let tokens = UserTokens {
            realm: ctx.realm,
            policy: &ctx.policy,
            client: self.client,
            user: &user,
            session_id: &code.session_id,
            auth_time: code.auth_time,
            granted: &code.scope,
            refresh_scope: None,
            resources: &resources,
            // The refresh token keeps the whole grant (when the authorization named resources).
            refresh_resources: Some(&code.resources).filter(|r| !r.is_empty()),
            nonce: code.nonce.as_deref(),
            now: ctx.now,
            dpop_jkt: ctx.dpop_jkt,
            cert_thumbprint: ctx.cert_thumbprint,
        }
        .issue(&issue.access_jti, &issue.family_id)?;
        if let Some(refresh) = &tokens.refresh {
            ctx.store.insert_refresh_token(refresh).await?;
        }
        Ok(tokens.response)
    }
}
