//! The UserInfo endpoint (OIDC Core §5.3): a Bearer access token (RFC 6750) with scope `openid`, or a
//! sender-constrained one with its proof (RFC 9449 §7) or its certificate (RFC 8705 §3).

use std::borrow::Cow;

use subtle::ConstantTimeEq;
use tessera_proto::{ScopeSet, UserInfo};

use crate::OAuthError;
use crate::cors::CorsClient;
use crate::dpop::ProofRequest;
use crate::dpop_keys::ProofKeys;
use crate::dpop_nonce::DpopNonces;
use crate::mappers::{Subject, TokenKind, map_claims, merge_profile};
use crate::model::RealmContext;
use crate::ports::ClientDirectory;
use crate::ports::Denylist;
use crate::ports::ReplayCache;
use crate::ports::UserStore;
use crate::revocation::access_token_is_live;
use crate::secret::MasterKey;
use crate::sign_in::id_token::user_claims;
use crate::token::verify_access_token;

pub struct UserInfoEndpoint<'a> {
    pub realm: &'a RealmContext,
    pub clients: &'a dyn ClientDirectory,
    pub users: &'a dyn UserStore,
    pub denylist: &'a dyn Denylist,
    pub now: i64,
    /// The token's client once the token checks out, for the CORS headers of the answer.
    pub cors: CorsClient,
    /// DPoP proofs' `jti`s (RFC 9449 §4.3 check 12).
    pub replay: &'a dyn ReplayCache,
    /// Proof keys already parsed, and the key the realm's DPoP nonces are made with (RFC 9449 §9).
    pub dpop_keys: &'a ProofKeys,
    pub master: &'a MasterKey,
}

/// How the access token came (RFC 6750 `Bearer`, or RFC 9449 §7.1 `DPoP` with its proof).
pub struct Presentation<'a> {
    /// The `Authorization` scheme was `DPoP`.
    pub dpop_scheme: bool,
    /// The `DPoP` header values.
    pub proofs: &'a [&'a str],
    /// The request's method and this endpoint's URL, for the proof's `htm` and `htu`.
    pub method: &'a str,
    pub uri: &'a str,
    /// RFC 8705 §3: the thumbprint (`x5t#S256`) of the request's client certificate, when it has one.
    pub certificate: Option<&'a str>,
}

impl UserInfoEndpoint<'_> {
    pub async fn handle(&self, token: &str, presented: &Presentation<'_>) -> Result<UserInfo, OAuthError> {
        // RFC 9449 §7.1: a token presented with the DPoP scheme is answered with a DPoP challenge.
        self.answer(token, presented).await.map_err(|e| match e {
            OAuthError::InvalidToken(_) | OAuthError::InsufficientScope(_) if presented.dpop_scheme => {
                OAuthError::AtDpopResource(Box::new(e))
            }
            e => e,
        })
    }

    async fn answer(&self, token: &str, presented: &Presentation<'_>) -> Result<UserInfo, OAuthError> {
        let invalid = || OAuthError::InvalidToken(Cow::Borrowed("the access token is invalid or expired"));
        let claims =
            verify_access_token(&self.realm.keys, &self.realm.issuer, token, self.now).map_err(|_| invalid())?;
        self.check_binding(token, &claims, presented).await?;
        let client = self.clients.client(&self.realm.realm.id, &claims.client_id).await?;
        if !access_token_is_live(&self.realm.realm, client.as_deref(), self.denylist, (&claims).into()) {
            return Err(invalid());
        }
        if let Some(client) = &client {
            self.cors.remember(client);
        }
        let scopes = ScopeSet::parse(&claims.scope).unwrap_or_default();
        // OIDC Core §5.3: UserInfo is for tokens obtained by an OpenID Connect request.
        if !scopes.contains(crate::scope::OPENID) {
            return Err(OAuthError::InsufficientScope(Cow::Borrowed("the access token lacks the openid scope")));
        }
        let user = self.users.find_user_by_id(&self.realm.realm.id, &claims.sub).await?;
        let user = user.filter(|u| u.enabled).ok_or_else(invalid)?;
        // The mappers of the client and of its scopes: those in the token, and its default ones (some, like
        // Keycloak's `roles`, are granted without being listed in `scope`).
        let mut claims = user_claims(&user, &scopes);
        let (sub, other) = match client.as_deref() {
            Some(client) => {
                let mut granted = scopes.clone();
                for s in &client.default_scopes {
                    granted.insert(s);
                }
                let subject =
                    Subject { id: &user.id, username: &user.username, user: Some(&user), mappings: &user.roles };
                let mapped = map_claims(self.realm, client, &granted, subject, TokenKind::UserInfo);
                (mapped.subject.unwrap_or_else(|| user.id.clone()), merge_profile(&mut claims, mapped.claims))
            }
            None => (user.id.clone(), Default::default()),
        };
        Ok(UserInfo { sub, claims, other })
    }

    /// RFC 8705 §3: a token bound to a certificate (`cnf.x5t#S256`) comes over a connection with that
    /// certificate. RFC 9449 §7: a token bound to a DPoP key (`cnf.jkt`) comes with the `DPoP` scheme and a proof by that
    /// key for this request and this token; offered as Bearer it is refused (§7.2), and an unbound token
    /// offered with the `DPoP` scheme too.
    async fn check_binding(
        &self,
        token: &str,
        claims: &tessera_proto::AccessTokenClaims,
        presented: &Presentation<'_>,
    ) -> Result<(), OAuthError> {
        // §7.1: every refusal of a DPoP presentation carries the DPoP challenge.
        let refuse = |why: &'static str| OAuthError::AtDpopResource(Box::new(OAuthError::InvalidToken(why.into())));
        let bad_proof =
            |why: &'static str| OAuthError::AtDpopResource(Box::new(OAuthError::InvalidDpopProof(why.into())));
        let cnf = claims.other.get("cnf");
        // RFC 8705 §3: "the protected resource MUST obtain the client certificate ... and verify that it matches
        // the certificate associated with the access token. If they do not match, the resource access attempt
        // MUST be rejected with an error, per [RFC6750], using an HTTP 401 status code and the invalid_token
        // error code."
        if let Some(x5t) = cnf.and_then(|c| c.get("x5t#S256")).and_then(|t| t.as_str())
            && !presented.certificate.is_some_and(|p| bool::from(p.as_bytes().ct_eq(x5t.as_bytes())))
        {
            return Err(OAuthError::InvalidToken("the access token is bound to another client certificate".into()));
        }
        let bound = cnf.and_then(|c| c.get("jkt")).and_then(|j| j.as_str());
        match (bound, presented.dpop_scheme) {
            (None, false) => Ok(()),
            (None, true) => Err(refuse("the access token is not DPoP-bound")),
            (Some(_), false) => Err(refuse("a DPoP-bound access token must be presented with the DPoP scheme")),
            (Some(jkt), true) => {
                let [proof] = presented.proofs else { return Err(bad_proof("exactly one DPoP proof is required")) };
                let nonces = DpopNonces::of(&self.realm.realm, self.master);
                let check = ProofRequest {
                    method: presented.method,
                    uri: presented.uri,
                    now: self.now,
                    replay: self.replay,
                    access_token: Some(token),
                    nonces: nonces.as_ref(),
                    keys: self.dpop_keys,
                };
                let key = check.verify(proof).await.map_err(|e| match e {
                    e @ (OAuthError::InvalidDpopProof(_) | OAuthError::UseDpopNonce(_)) => {
                        OAuthError::AtDpopResource(Box::new(e))
                    }
                    e => e,
                })?;
                if key == jkt { Ok(()) } else { Err(bad_proof("the DPoP proof is not by the token's key")) }
            }
        }
    }
}
