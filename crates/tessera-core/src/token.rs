//! Access tokens: JWTs in the RFC 9068 profile.

use tessera_proto::{AccessTokenClaims, Audience, ScopeSet};

use crate::keys::{KeyError, SigningKey};
use crate::model::{Client, Realm};
use crate::secret::random_token;

/// What goes into one access token, before signing.
#[derive(Debug)]
pub struct AccessTokenGrant<'a> {
    pub issuer: &'a str,
    pub realm: &'a Realm,
    pub client: &'a Client,
    /// RFC 9068 §2.2: for client credentials, an identifier of the client (its service-account user).
    pub subject: &'a str,
    pub preferred_username: Option<String>,
    pub scope: &'a ScopeSet,
    pub issued_at: i64,
    pub lifetime: u64,
}

impl AccessTokenGrant<'_> {
    pub fn claims(&self) -> Result<AccessTokenClaims, KeyError> {
        let aud = match self.client.audiences.as_slice() {
            [] => Audience::One(self.issuer.to_owned()),
            [one] => Audience::One(one.clone()),
            many => Audience::Many(many.to_vec()),
        };
        Ok(AccessTokenClaims {
            iss: self.issuer.to_owned(),
            sub: self.subject.to_owned(),
            aud,
            exp: self.issued_at + self.lifetime as i64,
            iat: self.issued_at,
            // 128 bits: unique without coordination between nodes (RFC 7519 §4.1.7).
            jti: random_token(16).map_err(|_| KeyError::Sign)?,
            client_id: self.client.client_id.clone(),
            azp: Some(self.client.client_id.clone()),
            scope: self.scope.to_string(),
            typ: Some("Bearer".to_owned()),
            keycloak_client_id: Some(self.client.client_id.clone()),
            preferred_username: self.preferred_username.clone(),
        })
    }

    pub fn sign(&self, key: &SigningKey) -> Result<(String, AccessTokenClaims), KeyError> {
        let claims = self.claims()?;
        Ok((key.sign_access_token(&claims)?, claims))
    }
}
