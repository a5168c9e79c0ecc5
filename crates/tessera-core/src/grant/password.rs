//! RFC 6749 §4.3: the resource owner password credentials grant. Only for clients explicitly allowed it
//! (Keycloak's `directAccessGrantsEnabled`), for migrating old systems (RFC 9700 §2.4: "MUST NOT be used"
//! otherwise). Same lockout as the login page.

use std::borrow::Cow;

use secrecy::SecretString;
use tessera_proto::{ScopeSet, TokenResponse};

use crate::OAuthError;
use crate::grant::PersonGrantContext;
use crate::grant::user_tokens::{UserTokens, new_identifier};
use crate::model::{Client, Resources};
use crate::resource::check_registered;
use crate::scope::grant_scopes;
use crate::sign_in::login::{LoginRefusal, PasswordLogin};
use crate::sign_in::session::start_session;

pub struct PasswordGrant<'a> {
    pub ctx: &'a PersonGrantContext<'a>,
    pub client: &'a Client,
    pub username: &'a str,
    pub password: SecretString,
    pub scope: Option<&'a ScopeSet>,
    /// RFC 8707 §2: registered for the client.
    pub resources: &'a Resources,
}

impl PasswordGrant<'_> {
    pub async fn issue(self) -> Result<TokenResponse, OAuthError> {
        let ctx = self.ctx;
        if !self.client.direct_access_grants_enabled {
            return Err(OAuthError::UnauthorizedClient(Cow::Borrowed("the client is not allowed the password grant")));
        }
        let scopes = grant_scopes(self.client, self.scope, &ctx.realm.scopes)?;
        check_registered(self.resources, self.client)?;
        let login = PasswordLogin {
            realm: &ctx.realm.realm,
            policy: &ctx.policy,
            users: ctx.store,
            failures: ctx.store,
            verifier: ctx.passwords,
            audit: ctx.audit,
            client_id: &self.client.client_id,
            source_ip: ctx.source_ip,
            now: ctx.now,
        };
        let user = match login.attempt(self.username, self.password).await? {
            Ok(user) => user,
            // Keycloak's wording; a locked account says so, since the owner may be the one asking.
            Err(LoginRefusal::LockedOut { .. }) => {
                return Err(OAuthError::InvalidGrant(Cow::Borrowed("too many failed attempts; try again later")));
            }
            Err(LoginRefusal::Busy) => return Err(OAuthError::Busy),
            Err(LoginRefusal::Disabled) => return Err(OAuthError::InvalidGrant(Cow::Borrowed("Account disabled"))),
            // Keycloak answers 401 here, and its libraries branch on that status.
            Err(LoginRefusal::InvalidCredentials) => return Err(OAuthError::InvalidUserCredentials),
        };
        // Keycloak's answer while a required action (a temporary password) is pending.
        if user.must_update_password() {
            return Err(OAuthError::InvalidGrant(Cow::Borrowed("Account is not fully set up")));
        }
        // A session without a browser: it bounds the refresh tokens' lifetime and ends with logout.
        let session = start_session::<OAuthError>(ctx.store, &user, ctx.now).await?.session;
        let tokens = UserTokens {
            realm: ctx.realm,
            policy: &ctx.policy,
            client: self.client,
            user: &user,
            session_id: &session.id,
            auth_time: ctx.now,
            granted: &scopes.granted,
            refresh_scope: None,
            resources: self.resources,
            refresh_resources: None,
            nonce: None,
            now: ctx.now,
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
