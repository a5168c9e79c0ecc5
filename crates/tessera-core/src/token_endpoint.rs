//! The token endpoint (RFC 6749 §3.2): authenticate the client, parse the grant, dispatch.

use tessera_proto::TokenResponse;

use crate::OAuthError;
use crate::client_auth::{AuthAttempt, PresentedCredentials};
use crate::grant::PersonGrantContext;
use crate::grant::authorization_code::AuthorizationCodeGrant;
use crate::grant::client_credentials::ClientCredentialsGrant;
use crate::grant::password::PasswordGrant;
use crate::grant::refresh_token::RefreshTokenGrant;
use crate::model::Client;
use crate::model::RealmContext;
use crate::ports::AuditSink;
use crate::ports::PasswordVerifier;
use crate::ports::Revocations;
use crate::ports::{ClientDirectory, ReusableToken, Store, TokenReuseCache};
use crate::request::{FormParams, TokenRequest};
use crate::secret::{ClientSecretHasher, MasterKey};
use crate::sign_in::SignInPolicy;

pub struct TokenEndpoint<'a> {
    pub realm: &'a RealmContext,
    pub clients: &'a dyn ClientDirectory,
    pub hasher: &'a ClientSecretHasher,
    pub audit: &'a dyn AuditSink,
    pub issued: &'a dyn TokenReuseCache,
    pub revocations: &'a dyn Revocations,
    pub store: &'a dyn Store,
    pub master: &'a MasterKey,
    pub passwords: &'a dyn PasswordVerifier,
    pub source_ip: Option<&'a str>,
    pub now: i64,
}

impl TokenEndpoint<'_> {
    fn attempt(&self) -> AuthAttempt<'_> {
        AuthAttempt { realm: &self.realm.realm.name, source_ip: self.source_ip, audit: self.audit, now: self.now }
    }

    fn person_context(&self) -> PersonGrantContext<'_> {
        PersonGrantContext {
            realm: self.realm,
            policy: SignInPolicy::of(&self.realm.realm),
            store: self.store,
            revocations: self.revocations,
            master: self.master,
            audit: self.audit,
            passwords: self.passwords,
            source_ip: self.source_ip,
            now: self.now,
        }
    }

    pub async fn exchange(&self, authorization: Option<&str>, form: &FormParams) -> Result<TokenResponse, OAuthError> {
        let presented = PresentedCredentials::extract(authorization, form)?;
        let request = TokenRequest::parse(form)?;
        let found = self.clients.client(&self.realm.realm.id, &presented.client_id).await?;
        let client = self.attempt().check(&presented, found, self.hasher, presented.method.as_str())?;
        let response = match request {
            TokenRequest::ClientCredentials { scope } => {
                let grant =
                    ClientCredentialsGrant { realm: self.realm, client: &client, scope: scope.as_ref(), now: self.now };
                match client.token_reuse_fraction() {
                    None => grant.issue()?.0,
                    Some(fraction) => self.issue_or_reuse(&grant, &client, scope.as_ref(), fraction)?,
                }
            }
            TokenRequest::AuthorizationCode { code, redirect_uri, code_verifier } => {
                let ctx = self.person_context();
                let grant = AuthorizationCodeGrant {
                    ctx: &ctx,
                    client: &client,
                    code: &code,
                    redirect_uri: redirect_uri.as_deref(),
                    code_verifier: code_verifier.as_deref(),
                };
                grant.issue().await?
            }
            TokenRequest::RefreshToken { refresh_token, scope } => {
                let ctx = self.person_context();
                RefreshTokenGrant { ctx: &ctx, client: &client, refresh_token: &refresh_token, scope: scope.as_ref() }
                    .issue()
                    .await?
            }
            TokenRequest::Password { username, password, scope } => {
                let ctx = self.person_context();
                PasswordGrant { ctx: &ctx, client: &client, username: &username, password, scope: scope.as_ref() }
                    .issue()
                    .await?
            }
        };
        self.audit.token_issued(&self.realm.realm.name, &client.client_id, self.now);
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
        let requested = scope.map(|s| s.to_string()).unwrap_or_default();
        let key = format!("{}\n{}\n{requested}", self.realm.realm.id, client.client_id);
        if let Some(t) = self.issued.get(&key) {
            let reuse_until = t.iat + ((t.exp - t.iat) as f64 * fraction) as i64;
            let still_good = self.now < reuse_until
                && !self.revocations.is_revoked(&t.jti)
                && t.iat >= self.realm.realm.not_before
                && t.iat >= client.not_before;
            if still_good {
                let mut response = t.response;
                response.expires_in = u64::try_from(t.exp - self.now).unwrap_or(0);
                response.not_before_policy = self.realm.realm.not_before;
                return Ok(response);
            }
        }
        let (response, claims) = grant.issue()?;
        self.issued
            .put(key, ReusableToken { response: response.clone(), jti: claims.jti, iat: claims.iat, exp: claims.exp });
        Ok(response)
    }
}
