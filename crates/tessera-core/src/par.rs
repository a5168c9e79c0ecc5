//! RFC 9126: pushed authorization requests. The client posts its authorization parameters straight to us,
//! authenticated as at the token endpoint (§2); we check them exactly as the authorization endpoint would
//! ([`AuthorizationRequest::check`], one set of rules), keep them for [`PAR_LIFETIME`] seconds and answer a
//! `request_uri` (§2.2) that the browser then carries with `client_id` alone (§4). The URI is used once.

use std::borrow::Cow;

use tessera_proto::{ErrorCode, PushedAuthorizationResponse};

use crate::OAuthError;
use crate::client_auth::ClientRequest;
use crate::dpop::{ProofRequest, single_proof};
use crate::dpop_nonce::DpopNonces;
use crate::model::PushedAuthorizationRequest;
use crate::ports::{PushedRequestStore, StoreError};
use crate::request::FormParams;
use crate::secret::{random_token, token_hash};
use crate::sign_in::SignInPolicy;
use crate::sign_in::authorization::{AuthorizationRefusal, AuthorizationRequest};

/// §2.2: "urn:ietf:params:oauth:request_uri:" followed by a value only we can have made (256 random bits).
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// §2.2: short-lived; 60 s is the RFC's example and Keycloak's default.
pub const PAR_LIFETIME: u64 = 60;

/// The parameters that authenticate the client: never stored with the request.
const CREDENTIALS: [&str; 3] = ["client_secret", "client_assertion", "client_assertion_type"];

pub struct PushedAuthorization<'a> {
    pub request: ClientRequest<'a>,
    pub store: &'a dyn PushedRequestStore,
}

impl PushedAuthorization<'_> {
    /// `POST …/ext/par/request`: 201 with the `request_uri`, or an error as at the token endpoint (§2.3).
    /// `dpop`: the request's `DPoP` header values and the URL of this endpoint (the proofs' `htu`).
    pub async fn push(
        &self,
        authorization: Option<&str>,
        form: &FormParams,
        dpop: (&[&str], &str),
    ) -> Result<PushedAuthorizationResponse, OAuthError> {
        let (realm, now) = (self.request.realm, self.request.now);
        // §2: "the authorization server MUST ... authenticate the client in the same way as at the token
        // endpoint"; a public client identifies itself with client_id.
        let client = self.request.authenticate_client(authorization, form, Some("pushed authorization")).await?;
        // §2.1: "The request_uri authorization request parameter is one exception, and it MUST NOT be provided."
        if form.get("request_uri").is_some() {
            return Err(OAuthError::invalid_request("request_uri may not be pushed"));
        }
        // §2.1: "validate the pushed request as it would an authorization request".
        let policy = SignInPolicy::of(&realm.realm);
        let checked =
            AuthorizationRequest::check(form, Some(&client), &policy, &realm.scopes, true).map_err(refusal_error)?;
        let proof_jkt = self.proof_key(dpop.0, dpop.1).await?;
        // RFC 9449 §10.1: "If both mechanisms are used at the same time, the authorization server MUST reject
        // the request if the JWK Thumbprint in dpop_jkt does not match the public key in the DPoP header."
        if let (Some(named), Some(proved)) = (checked.dpop_jkt.as_deref(), proof_jkt.as_deref())
            && named != proved
        {
            return Err(OAuthError::invalid_request("dpop_jkt is not the thumbprint of the DPoP proof's key"));
        }
        let secret = random_token(32)?;
        let request_uri = format!("{REQUEST_URI_PREFIX}{secret}");
        let mut kept: Vec<(&str, &str)> = form
            .pairs()
            .iter()
            .filter(|(name, _)| !CREDENTIALS.contains(&name.as_str()) && name != "client_id")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        // §10.1: the proof's key binds the code "as if [its] thumbprint was provided using dpop_jkt".
        if let (None, Some(jkt)) = (checked.dpop_jkt.as_deref(), proof_jkt.as_deref()) {
            kept.push(("dpop_jkt", jkt));
        }
        let parameters = form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish();
        let record = PushedAuthorizationRequest {
            request_uri_hash: token_hash(&request_uri),
            realm_id: realm.realm.id.clone(),
            client_id: client.client_id.clone(),
            parameters,
            created_at: now,
            expires_at: now + PAR_LIFETIME as i64,
        };
        self.store.insert_pushed_request(&record).await?;
        Ok(PushedAuthorizationResponse { request_uri, expires_in: PAR_LIFETIME })
    }
}

impl PushedAuthorization<'_> {
    /// RFC 9449 §10.1: a `DPoP` header on the pushed request is checked as §4.3 says (with the realm's nonces,
    /// §8); the thumbprint of its key, or `None` without one.
    async fn proof_key(&self, proofs: &[&str], endpoint_url: &str) -> Result<Option<String>, OAuthError> {
        let Some(proof) = single_proof(proofs)? else { return Ok(None) };
        let nonces = DpopNonces::of(&self.request.realm.realm, self.request.master);
        let check = ProofRequest {
            method: "POST",
            uri: endpoint_url,
            now: self.request.now,
            replay: self.request.replay,
            access_token: None,
            nonces: nonces.as_ref(),
            keys: self.request.dpop_keys,
        };
        check.verify(proof).await.map(Some)
    }
}

/// The authorization endpoint's side (§4): the pushed parameters named by `request_uri` for the request's
/// `client_id`, taken once; `Ok(None)` for an unknown, expired, used or another client's URI. Only the
/// pushed parameters count (§4: the others "MUST be ignored"), with the `client_id` that fetched them.
pub async fn take_pushed(
    store: &dyn PushedRequestStore,
    realm_id: &str,
    request_uri: &str,
    client_id: &str,
    now: i64,
) -> Result<Option<FormParams>, StoreError> {
    if !request_uri.starts_with(REQUEST_URI_PREFIX) {
        return Ok(None);
    }
    let Some(pushed) = store.take_pushed_request(realm_id, &token_hash(request_uri), client_id, now).await? else {
        return Ok(None);
    };
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(pushed.parameters.as_bytes()).into_owned().collect();
    pairs.push(("client_id".to_owned(), pushed.client_id));
    // We wrote them from parameters that passed the same rules.
    Ok(FormParams::new(pairs).ok())
}

/// §2.3: the authorization endpoint's refusals as token-endpoint errors (a page's reason is the request's).
fn refusal_error(refusal: AuthorizationRefusal) -> OAuthError {
    match refusal {
        AuthorizationRefusal::Page(d) => OAuthError::InvalidRequest(d),
        AuthorizationRefusal::Redirect(r) => {
            let d: Cow<'static, str> = r.description;
            match r.error {
                ErrorCode::UnauthorizedClient => OAuthError::UnauthorizedClient(d),
                ErrorCode::InvalidScope => OAuthError::InvalidScope(d),
                ErrorCode::InvalidTarget => OAuthError::InvalidTarget(d),
                ErrorCode::UnsupportedResponseType => OAuthError::UnsupportedResponseType(d),
                _ => OAuthError::InvalidRequest(d),
            }
        }
    }
}
