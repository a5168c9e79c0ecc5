//! The token endpoint (RFC 6749 §3.2): authenticate the client, parse the grant, dispatch.

use tessera_proto::TokenResponse;

use crate::OAuthError;
use crate::client_auth::ClientRequest;
use crate::dpop::{ProofRequest, single_proof};
use crate::dpop_nonce::DpopNonces;
use crate::grant::PersonGrantContext;
use crate::grant::authorization_code::AuthorizationCodeGrant;
use crate::grant::client_credentials::ClientCredentialsGrant;
use crate::grant::client_credentials::service_account_subject;
use crate::grant::device_code::DeviceCodeGrant;
use crate::grant::password::PasswordGrant;
use crate::grant::refresh_token::RefreshTokenGrant;
use crate::grant::token_exchange::TokenExchangeGrant;
use crate::model::Client;
use crate::ports::{PasswordVerifier, ReusableToken, Revocations, Store, TokenReuseCache};
use crate::request::{FormParams, TokenRequest};
use crate::revocation::{LiveCheck, access_token_is_live};
use crate::secret::MasterKey;
use crate::sign_in::SignInPolicy;
use crate::usage::{UsageEvent, UsageKind};

pub struct TokenEndpoint<'a> {
    pub request: ClientRequest<'a>,
    pub issued: &'a dyn TokenReuseCache,
    pub revocations: &'a dyn Revocations,
    pub store: &'a dyn Store,
    pub master: &'a MasterKey,
    pub passwords: &'a dyn PasswordVerifier,
    /// RFC 9449 §4.1: the `DPoP` header values of the request (§4.3 check 1: at most one).
    pub dpop_proofs: &'a [&'a str],
    /// This endpoint's URL as clients reach it (the proof's `htu`, §4.3 check 9).
    pub endpoint_url: &'a str,
}

impl TokenEndpoint<'_> {
    fn person_context<'s>(&'s self, dpop_jkt: Option<&'s str>, cert: Option<&'s str>) -> PersonGrantContext<'s> {
        let r = &self.request;
        PersonGrantContext {
            realm: r.realm,
            policy: SignInPolicy::of(&r.realm.realm),
            store: self.store,
            revocations: self.revocations,
            master: self.master,
            audit: r.audit,
            passwords: self.passwords,
            source_ip: r.source_ip,
            now: r.now,
            dpop_jkt,
            cert_thumbprint: cert,
        }
    }

    pub async fn exchange(&self, authorization: Option<&str>, form: &FormParams) -> Result<TokenResponse, OAuthError> {
        let (realm, now) = (self.request.realm, self.request.now);
        let client = self.request.authenticate_client(authorization, form, None).await?;
        let request = TokenRequest::parse(form)?;
        let dpop_jkt = self.dpop_key(&client, &request).await?;
        let cert = self.certificate_binding(&client, &request)?;
        let response = match request {
            TokenRequest::ClientCredentials { scope, resource } => {
                let grant = ClientCredentialsGrant {
                    realm,
                    client: &client,
                    scope: scope.as_ref(),
                    resources: &resource,
                    now,
                    dpop_jkt: dpop_jkt.as_deref(),
                    cert_thumbprint: cert,
                };
                match client.token_reuse_fraction() {
                    // A bound token goes only to the holder of its key: never handed out again.
                    Some(fraction) if dpop_jkt.is_none() && cert.is_none() => {
                        self.issue_or_reuse(&grant, &client, scope.as_ref(), fraction)?
                    }
                    _ => grant.issue()?.0,
                }
            }
            TokenRequest::AuthorizationCode { code, redirect_uri, code_verifier, resource } => {
                let ctx = self.person_context(dpop_jkt.as_deref(), cert);
                let grant = AuthorizationCodeGrant {
                    ctx: &ctx,
                    client: &client,
                    code: &code,
                    redirect_uri: redirect_uri.as_ref(),
                    code_verifier: code_verifier.as_deref(),
                    resources: &resource,
                };
                grant.issue().await?
            }
            TokenRequest::RefreshToken { refresh_token, scope, resource } => {
                let ctx = self.person_context(dpop_jkt.as_deref(), cert);
                let grant = RefreshTokenGrant {
                    ctx: &ctx,
                    client: &client,
                    refresh_token: &refresh_token,
                    scope: scope.as_ref(),
                    resources: &resource,
                };
                grant.issue().await?
            }
            TokenRequest::Password { username, password, scope, resource } => {
                let ctx = self.person_context(dpop_jkt.as_deref(), cert);
                let grant = PasswordGrant {
                    ctx: &ctx,
                    client: &client,
                    username: &username,
                    password,
                    scope: scope.as_ref(),
                    resources: &resource,
                };
                grant.issue().await?
            }
            TokenRequest::DeviceCode { device_code, resource } => {
                let ctx = self.person_context(dpop_jkt.as_deref(), cert);
                DeviceCodeGrant { ctx: &ctx, client: &client, device_code: &device_code, resources: &resource }
                    .issue()
                    .await?
            }
            TokenRequest::TokenExchange(exchange) => {
                let ctx = self.person_context(None, None);
                let grant = TokenExchangeGrant {
                    ctx: &ctx,
                    clients: self.request.clients,
                    client: &client,
                    request: &exchange,
                };
                grant.issue().await?
            }
        };
        self.request.audit.token_issued(&realm.realm.name, &client.client_id, now);
        self.request.audit.usage(&UsageEvent {
            realm: &realm.realm.name,
            client: &client.client_id,
            at: now,
            source_ip: self.request.source_ip,
            kind: UsageKind::TokenIssued { scope: form.get("scope") },
        });
        Ok(response)
    }

    /// RFC 9449 §5: the thumbprint of the request's DPoP proof, checked as §4.3 says; `None` without a proof,
    /// unless the client requires DPoP (Keycloak's `dpop.bound.access.tokens`). Every grant but token
    /// exchange binds its access token to it, for any client; a public client's refresh token too (§5,
    /// [`crate::grant::user_tokens`]). Token exchange issues Bearer tokens.
    async fn dpop_key(&self, client: &Client, request: &TokenRequest) -> Result<Option<String>, OAuthError> {
        let required = client.attributes.get("dpop.bound.access.tokens").is_some_and(|v| v == "true");
        let Some(proof) = single_proof(self.dpop_proofs)? else {
            return if required {
                Err(OAuthError::InvalidDpopProof("this client requires a DPoP proof".into()))
            } else {
                Ok(None)
            };
        };
        let nonces = DpopNonces::of(&self.request.realm.realm, self.master);
        let check = ProofRequest {
            method: "POST",
            uri: self.endpoint_url,
            now: self.request.now,
            replay: self.request.replay,
            access_token: None,
            nonces: nonces.as_ref(),
            keys: self.request.dpop_keys,
        };
        let jkt = check.verify(proof).await?;
        match request {
            TokenRequest::TokenExchange(_) if required => {
                Err(OAuthError::invalid_request("token exchange does not issue DPoP-bound tokens"))
            }
            TokenRequest::TokenExchange(_) => Ok(None),
            _ => Ok(Some(jkt)),
        }
    }

    /// RFC 8705 §3: the access tokens of a client that presented a certificate are bound to it
    /// (`cnf.x5t#S256`), whatever the way it authenticated; a public client's refresh token too (§4). A client
    /// that requires it (Keycloak's `tls.client.certificate.bound.access.tokens`) is refused without one.
    /// Token exchange issues unbound tokens.
    fn certificate_binding(&self, client: &Client, request: &TokenRequest) -> Result<Option<&'_ str>, OAuthError> {
        let required = crate::mtls::bound_tokens_required(client);
        let bindable = !matches!(request, TokenRequest::TokenExchange(_));
        match self.request.certificate {
            Some(cert) if bindable => Ok(Some(cert.thumbprint.as_str())),
            None if required => Err(OAuthError::InvalidRequest(
                "this client requires certificate-bound tokens: present a client certificate".into(),
            )),
            _ if required => {
                Err(OAuthError::InvalidRequest("certificate-bound tokens are not issued by token exchange".into()))
            }
            _ => Ok(None),
        }
    }

    /// The opt-in reuse window: a client that calls the token endpoint before every request gets the same
    /// still-fresh token back for the same scope until `fraction` of its lifetime has passed, unless it was
    /// revoked or a not-before policy came after it.
    fn issue_or_reuse(
        &self,
        grant: &ClientCredentialsGrant<'_>,
        client: &Client,
        scope: Option<&tessera_proto::ScopeSet>,
        fraction: f64,
    ) -> Result<TokenResponse, OAuthError> {
        let (realm, now) = (&self.request.realm.realm, self.request.now);
        let requested = scope.map(|s| s.to_string()).unwrap_or_default();
        // RFC 8707: a token for other resources is another token.
        let resources = grant.resources.to_stored();
        let key = format!("{}\n{}\n{requested}\n{resources}", realm.id, client.client_id);
        if let Some(t) = self.issued.get(&key) {
            let sub = service_account_subject(client);
            let reuse_until = t.iat + ((t.exp - t.iat) as f64 * fraction) as i64;
            if now < reuse_until
                && access_token_is_live(
                    realm,
                    Some(client),
                    self.revocations,
                    LiveCheck { jti: &t.jti, sub, iat: t.iat },
                )
            {
                let mut response = t.response;
                response.expires_in = u64::try_from(t.exp - now).unwrap_or(0);
                response.not_before_policy = realm.not_before;
                return Ok(response);
            }
        }
        let (response, claims) = grant.issue()?;
        self.issued
            .put(key, ReusableToken { response: response.clone(), jti: claims.jti, iat: claims.iat, exp: claims.exp });
        Ok(response)
    }
}
