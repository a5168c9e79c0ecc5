//! RFC 7662: token introspection. Checking one of our JWTs costs a signature verification and memory
//! lookups (denylist, not-before instants, the cached client): no database read in the steady state.

use std::borrow::Cow;
use std::sync::Arc;

use tessera_proto::IntrospectionResponse;

use crate::OAuthError;
use crate::client_auth::ClientRequest;
use crate::model::Client;
use crate::ports::{Denylist, RefreshTokenStore, StoreError};
use crate::request::FormParams;
use crate::revocation::access_token_is_live;
use crate::secret::token_hash;
use crate::token::{is_access_token_shaped, verify_access_token};

/// The realm attribute saying who may introspect which tokens: `audience` (the default: a token's own
/// client and the clients named in its `aud`) or `realm` (any confidential client of the realm).
pub const INTROSPECTION_SCOPE_ATTRIBUTE: &str = "tessera.introspection.scope";

/// RFC 9701 §4: the media type a caller sends in `Accept` for a signed answer, and the answer's; §5: the
/// JWT's `typ` is the same without `application/`.
pub const INTROSPECTION_JWT_MEDIA_TYPE: &str = "application/token-introspection+jwt";
pub const INTROSPECTION_JWT_TYPE: &str = "token-introspection+jwt";

/// RFC 9701 §5: the claims of a signed introspection answer. No `sub` or `exp` at the top: the JWT is a
/// statement about a token, never mistaken for one.
#[derive(serde::Serialize)]
struct SignedIntrospection<'a> {
    iss: &'a str,
    /// The resource server that asked.
    aud: &'a str,
    iat: i64,
    token_introspection: &'a IntrospectionResponse,
}

pub struct TokenIntrospection<'a> {
    pub request: ClientRequest<'a>,
    pub denylist: &'a dyn Denylist,
    /// While the revocation feed is down: answer from what we know (open), or refuse with 503 (closed).
    pub fail_open: bool,
    /// Where refresh tokens are looked up; `None` answers for access tokens only.
    pub refresh_tokens: Option<&'a dyn RefreshTokenStore>,
}

impl TokenIntrospection<'_> {
    /// §2.1: the caller authenticates as a confidential client of the realm, then names the token.
    pub async fn handle(
        &self,
        authorization: Option<&str>,
        form: &FormParams,
    ) -> Result<IntrospectionResponse, OAuthError> {
        Ok(self.answer(authorization, form).await?.1)
    }

    /// RFC 9701 §5: the answer as a JWT signed with the realm's active key, for the caller (`aud`), and whether
    /// the token is active.
    pub async fn handle_signed(
        &self,
        authorization: Option<&str>,
        form: &FormParams,
    ) -> Result<(String, bool), OAuthError> {
        let (caller, answer) = self.answer(authorization, form).await?;
        let realm = self.request.realm;
        let claims = SignedIntrospection {
            iss: &realm.issuer,
            aud: &caller.client_id,
            iat: self.request.now,
            token_introspection: &answer,
        };
        Ok((realm.keys.active().sign_typed(INTROSPECTION_JWT_TYPE, &claims)?, answer.active))
    }

    async fn answer(
        &self,
        authorization: Option<&str>,
        form: &FormParams,
    ) -> Result<(Arc<Client>, IntrospectionResponse), OAuthError> {
        // §2.1: only a confidential client may introspect; a public one counts as unauthenticated.
        let caller = self.request.authenticate_client(authorization, form, Some("introspection")).await?;
        if caller.public_client {
            return Err(OAuthError::InvalidClient { basic_challenge: false });
        }
        let token = form.get("token").ok_or(OAuthError::InvalidRequest(Cow::Borrowed("missing parameter token")))?;
        // `token_type_hint` (§2.1) is not needed: an `at+jwt` is an access token, anything else is looked up
        // as a refresh token.
        let answer = match self.refresh_tokens {
            Some(store) if !is_access_token_shaped(token) => self.inspect_refresh(store, token).await?,
            _ => self.inspect(token).await?,
        };
        let answer = if self.may_see(&caller, &answer) { answer } else { IntrospectionResponse::inactive() };
        Ok((caller, answer))
    }

    /// RFC 7662 §4: "the authorization server MUST determine whether or not the protected resource is
    /// allowed to introspect the token". By default a client may introspect its own tokens and those naming
    /// it in `aud`; the realm attribute [`INTROSPECTION_SCOPE_ATTRIBUTE`] = `realm` lets every confidential
    /// client of the realm introspect every token, as Keycloak does. A token a caller may not see is
    /// simply inactive to it (§2.2), so nothing is learnt about it.
    fn may_see(&self, caller: &Client, answer: &IntrospectionResponse) -> bool {
        let realm_wide =
            self.request.realm.realm.attributes.get(INTROSPECTION_SCOPE_ATTRIBUTE).is_some_and(|v| v == "realm");
        realm_wide
            || answer.client_id.as_deref() == Some(caller.client_id.as_str())
            || answer.aud.as_ref().is_some_and(|aud| aud.contains(&caller.client_id))
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
        let live = t.realm_id == self.request.realm.realm.id
            && t.rotated_at.is_none()
            && t.revoked_at.is_none()
            && t.expires_at > self.request.now
            && t.issued_at >= self.request.realm.realm.not_before;
        let client = self.request.clients.client(&self.request.realm.realm.id, &t.client_id).await?;
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
            iss: Some(self.request.realm.issuer.clone()),
            // Keycloak's `typ` claim of the refresh token itself.
            typ: Some(if t.offline { "Offline" } else { "Refresh" }.to_owned()),
            sid: Some(t.session_id),
            // RFC 9449 §6.2 and RFC 8705 §3.2: a bound refresh token (§5 / §4) shows its binding as its access
            // tokens do, so that a resource server or auditor sees which key or certificate it needs.
            other: crate::token::confirmation(t.dpop_jkt.as_deref(), t.cert_thumbprint.as_deref())
                .map(|cnf| ("cnf".to_owned(), cnf))
                .into_iter()
                .collect(),
            ..IntrospectionResponse::default()
        })
    }

    /// Active with its claims, or `{"active": false}` for anything expired, revoked, not yet valid, foreign,
    /// forged or unparseable (§2.2).
    pub async fn inspect(&self, token: &str) -> Result<IntrospectionResponse, StoreError> {
        let realm = self.request.realm;
        let Ok(claims) = verify_access_token(&realm.keys, &realm.issuer, token, self.request.now) else {
            return Ok(IntrospectionResponse::inactive());
        };
        if !self.fail_open && !self.denylist.is_current() {
            return Err(StoreError::Unavailable("the revocation feed is down".to_owned()));
        }
        let client = self.request.clients.client(&realm.realm.id, &claims.client_id).await?;
        if !access_token_is_live(&realm.realm, client.as_deref(), self.denylist, (&claims).into()) {
            // Signed by us, unexpired, yet void: revoked (or its client's not-before came after it). Counted
            // for the token's client; the caller's address is the resource server's, not the client's.
            self.request.audit.usage(&crate::usage::UsageEvent {
                realm: &realm.realm.name,
                client: &claims.client_id,
                at: self.request.now,
                source_ip: None,
                kind: crate::usage::UsageKind::RevokedTokenUsed,
            });
            return Ok(IntrospectionResponse::inactive());
        }
        Ok(IntrospectionResponse {
            active: true,
            scope: Some(claims.scope),
            client_id: Some(claims.client_id),
            username: claims.preferred_username,
            // RFC 9449 §6.2: a token bound to a DPoP key is a DPoP token; its `cnf` is in `other`.
            // RFC 8705 §3.2: a certificate-bound token stays a Bearer token; its `cnf` is shown the same way.
            token_type: Some(
                if claims.other.get("cnf").is_some_and(|c| c.get("jkt").is_some()) { "DPoP" } else { "Bearer" }
                    .to_owned(),
            ),
            exp: Some(claims.exp),
            iat: Some(claims.iat),
            nbf: claims.nbf,
            sub: Some(claims.sub),
            aud: Some(claims.aud),
            iss: Some(claims.iss),
            jti: Some(claims.jti),
            other: claims.other,
            typ: claims.typ,
            sid: claims.sid,
        })
    }
}
