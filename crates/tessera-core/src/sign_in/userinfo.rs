//! The UserInfo endpoint (OIDC Core §5.3): a Bearer access token (RFC 6750) with scope `openid`.

use std::borrow::Cow;

use tessera_proto::{ScopeSet, UserInfo};

use crate::OAuthError;
use crate::cors::CorsClient;
use crate::mappers::{Subject, TokenKind, map_claims, merge_profile};
use crate::model::RealmContext;
use crate::ports::ClientDirectory;
use crate::ports::Denylist;
use crate::ports::UserStore;
use crate::revocation::access_token_is_live;
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
}

impl UserInfoEndpoint<'_> {
    pub async fn handle(&self, token: &str) -> Result<UserInfo, OAuthError> {
        let invalid = || OAuthError::InvalidToken(Cow::Borrowed("the access token is invalid or expired"));
        let claims =
            verify_access_token(&self.realm.keys, &self.realm.issuer, token, self.now).map_err(|_| invalid())?;
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
}
