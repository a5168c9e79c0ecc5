//! The token endpoint (RFC 6749 §3.2): authenticate the client, parse the grant, dispatch.

use tessera_proto::TokenResponse;

use crate::OAuthError;
use crate::client_auth::ClientRequest;
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

pub struct TokenEndpoint<'a> {
    pub request: ClientRequest<'a>,
    pub issued: &'a dyn TokenReuseCache,
    pub revocations: &'a dyn Revocations,
    pub store: &'a dyn Store,
    pub master: &'a MasterKey,
    pub passwords: &'a dyn PasswordVerifier,
}

impl TokenEndpoint<'_> {
    fn person_context(&self) -> PersonGrantContext<'_> {
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
        }
    }

    pub async fn exchange(&self, authorization: Option<&str>, form: &FormParams) -> Result<TokenResponse, OAuthError> {
        let (realm, now) = (self.request.realm, self.request.now);
        let client = self.request.authenticate_client(authorization, form, None).await?;
        let request = TokenRequest::parse(form)?;
        let response = match request {
            TokenRequest::ClientCredentials { scope, resource } => {
                let grant =
                    ClientCredentialsGrant { realm, client: &client, scope: scope.as_ref(), resources: &resource, now };
                match client.token_reuse_fraction() {
                    None => grant.issue()?.0,
                    Some(fraction) => self.issue_or_reuse(&grant, &client, scope.as_ref(), fraction)?,
                }
            }
            TokenRequest::AuthorizationCode { code, redirect_uri, code_verifier, resource } => {
                let ctx = self.person_context();
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
                let ctx = self.person_context();
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
                let ctx = self.person_context();
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
                let ctx = self.person_context();
                DeviceCodeGrant { ctx: &ctx, client: &client, device_code: &device_code, resources: &resource }
                    .issue()
                    .await?
            }
            TokenRequest::TokenExchange(exchange) => {
                let ctx = self.person_context();
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
        Ok(response)
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
