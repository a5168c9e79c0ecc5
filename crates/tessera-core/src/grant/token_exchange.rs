//! RFC 8693: token exchange, as Keycloak 26's "standard token exchange". A confidential client with
//! `standard.token.exchange.enabled` presents an access token of this realm (the subject token) that names
//! it in `aud` (or that was issued to it) and gets a new access token for the same user and session, issued
//! to itself, for an `audience` it may address, with its own scopes. No refresh or ID token is issued
//! (Keycloak's default); tokens of other issuers are refused. Every exchange, granted or refused, is in the
//! audit trail.
//!
//! Beyond Keycloak's standard exchange, two RFC 8693 forms, each explicitly enabled per client:
//! - **delegation** (§1.1, §4.1): with `actor_token` (the requester's own access token, e.g. from client
//!   credentials) the new token says who acts: `act: {sub, client_id}`, nesting the subject token's `act`;
//!   client attribute `tessera.token.exchange.delegation` = `true`.
//! - **impersonation** (§1.1): `requested_subject` names a user of the realm (id or username); the subject
//!   token must be the requester's own; the new token is that user's and still names the requester in `act`,
//!   so no API mistakes it for the user's own. Client attribute `tessera.token.exchange.impersonation` = `true`.

use std::borrow::Cow;

use tessera_proto::{Audience, TokenResponse};

use crate::OAuthError;
use crate::audit::{AuditEvent, AuditKind};
use crate::grant::PersonGrantContext;
use crate::mappers::{Subject, TokenKind, map_claims};
use crate::model::Client;
use crate::ports::ClientDirectory;
use crate::request::TokenExchangeRequest;
use crate::resource::check_registered;
use crate::revocation::access_token_is_live;
use crate::scope::{OPENID, grant_scopes};
use crate::token::{AccessTokenGrant, verify_access_token};

/// Keycloak's client attribute turning standard token exchange on ("true").
pub const TOKEN_EXCHANGE_ATTRIBUTE: &str = "standard.token.exchange.enabled";
/// Turns delegation (`actor_token`, RFC 8693 §4.1 `act`) on for a client ("true").
pub const DELEGATION_ATTRIBUTE: &str = "tessera.token.exchange.delegation";
/// Turns impersonation (`requested_subject`) on for a client ("true").
pub const IMPERSONATION_ATTRIBUTE: &str = "tessera.token.exchange.impersonation";
/// RFC 8693 §3
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

pub struct TokenExchangeGrant<'a> {
    pub ctx: &'a PersonGrantContext<'a>,
    pub clients: &'a dyn ClientDirectory,
    pub client: &'a Client,
    pub request: &'a TokenExchangeRequest,
}

fn invalid_request(d: &'static str) -> OAuthError {
    OAuthError::InvalidRequest(Cow::Borrowed(d))
}

/// What a granted exchange leaves in the audit trail besides the token.
struct Exchanged {
    response: TokenResponse,
    user_id: String,
    from_client: String,
    audience: String,
}

/// RFC 8693 §4.1: `act` names the acting party; a prior `act` is nested, most recent actor outermost.
fn act_claim(sub: &str, client_id: &str, prior: Option<&serde_json::Value>) -> serde_json::Value {
    let mut act = serde_json::Map::new();
    act.insert("sub".to_owned(), sub.into());
    act.insert("client_id".to_owned(), client_id.into());
    if let Some(prior) = prior {
        act.insert("act".to_owned(), prior.clone());
    }
    serde_json::Value::Object(act)
}

impl TokenExchangeGrant<'_> {
    /// The `act` claim for an actor token: a live access token of this realm issued to the requester itself
    /// (a client cannot name another party as the one acting).
    async fn actor(&self, token: &str, prior: Option<&serde_json::Value>) -> Result<serde_json::Value, OAuthError> {
        let realm = self.ctx.realm;
        let actor = verify_access_token(&realm.keys, &realm.issuer, token, self.ctx.now)
            .map_err(|_| invalid_request("Invalid actor token"))?;
        let holder = self.clients.client(&realm.realm.id, &actor.client_id).await?;
        if !access_token_is_live(&realm.realm, holder.as_deref(), self.ctx.revocations, (&actor).into()) {
            return Err(invalid_request("Invalid actor token"));
        }
        if actor.client_id != self.client.client_id {
            return Err(OAuthError::AccessDenied(Cow::Borrowed("the actor token must be the requesting client's own")));
        }
        Ok(act_claim(&actor.sub, &actor.client_id, prior))
    }

    pub async fn issue(&self) -> Result<TokenResponse, OAuthError> {
        let ctx = self.ctx;
        let event = AuditEvent::new(ctx.now, &ctx.realm.realm.name, AuditKind::TokenExchanged)
            .client(&self.client.client_id)
            .source(ctx.source_ip);
        match self.exchange().await {
            Ok(done) => {
                ctx.audit.record(
                    event
                        .subject(&done.user_id)
                        .reason(format!("subject token of {} for audience {}", done.from_client, done.audience)),
                );
                Ok(done.response)
            }
            Err(e) => {
                ctx.audit.record(event.failed().reason(e.to_string()));
                Err(e)
            }
        }
    }

    /// The checks in Keycloak's order: the requester, the request's shape, the subject token, the audience
    /// rule, the target audience, the scopes.
    async fn exchange(&self) -> Result<Exchanged, OAuthError> {
        let (ctx, client, r) = (self.ctx, self.client, self.request);
        let realm = ctx.realm;
        if client.public_client {
            // Keycloak: "Public client is not allowed to exchange token".
            return Err(OAuthError::InvalidClient { basic_challenge: false });
        }
        if client.attributes.get(TOKEN_EXCHANGE_ATTRIBUTE).is_none_or(|v| v != "true") {
            return Err(OAuthError::UnauthorizedClient(Cow::Borrowed(
                "standard token exchange is not enabled for the client",
            )));
        }
        let enabled = |attribute: &str| client.attributes.get(attribute).is_some_and(|v| v == "true");
        if r.requested_subject.is_some() && !enabled(IMPERSONATION_ATTRIBUTE) {
            return Err(invalid_request("requested_subject (impersonation) is not enabled for the client"));
        }
        let delegating = match (&r.actor_token, &r.actor_token_type) {
            (None, None) => false,
            // §2.1: actor_token_type is REQUIRED with actor_token, and MUST NOT be sent without it.
            (Some(_), Some(kind)) if kind == ACCESS_TOKEN_TYPE => true,
            (Some(_), Some(_)) => {
                return Err(invalid_request("actor_token_type must be urn:ietf:params:oauth:token-type:access_token"));
            }
            _ => return Err(invalid_request("actor_token and actor_token_type go together")),
        };
        if delegating && !enabled(DELEGATION_ATTRIBUTE) {
            return Err(invalid_request("actor_token (delegation) is not enabled for the client"));
        }
        if r.requested_issuer.is_some() || r.subject_issuer.is_some() {
            return Err(invalid_request("exchanges with other issuers are not supported"));
        }
        // RFC 8693 §2.1, RFC 8707 §2: resources registered for the requester, as for any token it gets.
        check_registered(&r.resource, client)?;
        if r.subject_token_type != ACCESS_TOKEN_TYPE {
            return Err(invalid_request("subject_token_type must be urn:ietf:params:oauth:token-type:access_token"));
        }
        if r.requested_token_type.as_deref().is_some_and(|t| t != ACCESS_TOKEN_TYPE) {
            return Err(invalid_request("requested_token_type unsupported"));
        }
        // §2.2.2: an invalid subject token is invalid_request (Keycloak: "Invalid token").
        let claims = verify_access_token(&realm.keys, &realm.issuer, &r.subject_token, ctx.now)
            .map_err(|_| invalid_request("Invalid token"))?;
        let holder = self.clients.client(&realm.realm.id, &claims.client_id).await?;
        if !access_token_is_live(&realm.realm, holder.as_deref(), ctx.revocations, (&claims).into()) {
            return Err(invalid_request("Invalid token"));
        }
        // Impersonation: the subject token is the requester's own, and the user is the one it names.
        let impersonated = match &r.requested_subject {
            None => None,
            Some(named) => {
                if claims.client_id != client.client_id {
                    return Err(OAuthError::AccessDenied(Cow::Borrowed(
                        "to impersonate, present the requesting client's own token",
                    )));
                }
                let by_id = ctx.store.find_user_by_id(&realm.realm.id, named).await?;
                let found = match by_id {
                    Some(u) => Some(u),
                    None => ctx.store.find_user(&realm.realm.id, named).await?,
                };
                let found = found.filter(|u| u.enabled && u.service_account_client_id.is_none());
                Some(found.ok_or(invalid_request("requested_subject is not a user of the realm"))?)
            }
        };
        let act = match (&r.actor_token, impersonated.is_some()) {
            (Some(actor), _) => Some(self.actor(actor, claims.other.get("act")).await?),
            // The impersonator is named, so the token never passes for the user's own.
            (None, true) => Some(act_claim(&claims.sub, &claims.client_id, None)),
            (None, false) => claims.other.get("act").cloned(),
        };
        let user = match impersonated {
            Some(user) => user,
            None => {
                let user = ctx.store.find_user_by_id(&realm.realm.id, &claims.sub).await?;
                user.filter(|u| u.enabled).ok_or(invalid_request("Invalid token"))?
            }
        };
        if let Some(sid) = claims.sid.as_ref().filter(|_| r.requested_subject.is_none()) {
            let session = ctx.store.find_session(&realm.realm.id, sid).await?;
            if session.is_none_or(|s| s.ended_at.is_some()) {
                return Err(invalid_request("Invalid token"));
            }
        }
        // Keycloak: a requester that is not the token's holder must be in its audience.
        if claims.client_id != client.client_id && !claims.aud.contains(&client.client_id) {
            return Err(OAuthError::AccessDenied(Cow::Borrowed("Client is not within the token audience")));
        }
        let audience = match r.audience.as_deref() {
            None => None,
            Some(target) => {
                let found = self.clients.client(&realm.realm.id, target).await?;
                if !found.is_some_and(|c| c.enabled) {
                    return Err(OAuthError::InvalidTarget(Cow::Borrowed("audience not found")));
                }
                // Keycloak: the audience must be one the requester's own tokens may carry (here, its audiences).
                if target != client.client_id && !client.audiences.iter().any(|a| a == target) {
                    return Err(OAuthError::InvalidTarget(Cow::Borrowed("requested audience not available")));
                }
                Some(target.to_owned())
            }
        };
        // The requester's own scopes, as for any token it gets (Keycloak: `isValidScope` for the requester).
        let scopes = grant_scopes(client, r.scope.as_ref(), &realm.scopes)?;
        if client.consent_required {
            let consented = ctx.store.find_consent(&realm.realm.id, &user.id, &client.client_id).await?;
            let covered = scopes
                .granted
                .iter()
                .filter(|s| *s != OPENID)
                .all(|s| consented.as_ref().is_some_and(|c| c.contains(s)));
            if !covered {
                return Err(OAuthError::InvalidScope(Cow::Owned(format!(
                    "Missing consents for Token Exchange in client {}",
                    client.client_id
                ))));
            }
        }
        let lifetime = client.access_token_lifespan().unwrap_or(realm.realm.access_token_lifespan);
        let grant = AccessTokenGrant {
            issuer: &realm.issuer,
            realm: &realm.realm,
            client,
            subject: &user.id,
            preferred_username: Some(user.username.clone()),
            scope: &scopes.in_token,
            issued_at: ctx.now,
            lifetime,
            session_id: claims.sid.as_deref().filter(|_| r.requested_subject.is_none()),
            // The requester's mappers and scopes, for this user, as any token it gets.
            mapped: std::sync::Arc::new(map_claims(
                realm,
                client,
                &scopes.granted,
                Subject { id: &user.id, username: &user.username, user: Some(&user), mappings: &user.roles },
                TokenKind::Access,
            )),
            resources: &r.resource,
            dpop_jkt: None,
            cert_thumbprint: None,
        };
        let mut new = grant.claims()?;
        if let Some(act) = act {
            new.other.insert("act".to_owned(), act);
        }
        if let Some(target) = &audience {
            // Keycloak narrows `aud` to the requested audience (beside the resources, when named).
            let mut all = vec![target.clone()];
            all.extend(r.resource.iter().filter(|res| *res != target).map(str::to_owned));
            new.aud = if all.len() == 1 { Audience::One(target.clone()) } else { Audience::Many(all) };
        }
        let audience = match &new.aud {
            Audience::One(a) => a.clone(),
            Audience::Many(many) => many.join(" "),
        };
        let access_token = grant.encode(realm.keys.active(), &new)?;
        let response = TokenResponse {
            access_token,
            expires_in: lifetime,
            refresh_expires_in: 0,
            refresh_token: None,
            token_type: "Bearer".to_owned(),
            id_token: None,
            not_before_policy: realm.realm.not_before,
            scope: scopes.in_token.to_string(),
            session_state: claims.sid.clone(),
            // §2.2.1: required.
            issued_token_type: Some(ACCESS_TOKEN_TYPE.to_owned()),
        };
        Ok(Exchanged { response, user_id: user.id, from_client: claims.client_id, audience })
    }
}
