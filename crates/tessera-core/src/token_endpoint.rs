//! The token endpoint (RFC 6749 §3.2): authenticate the client, parse the grant, dispatch.

use std::sync::Arc;

use async_trait::async_trait;
use tessera_proto::TokenResponse;

use crate::OAuthError;
use crate::audit::{AuditEvent, AuditKind, AuditSink};
use crate::client_auth::{PresentedCredentials, authenticate};
use crate::grant::client_credentials::{ClientCredentialsGrant, RealmContext};
use crate::model::Client;
use crate::request::{FormParams, TokenRequest};
use crate::secret::ClientSecretHasher;
use crate::store::StoreError;

/// Finds clients by id; the server answers from its cache.
#[async_trait]
pub trait ClientDirectory: Send + Sync {
    async fn client(&self, realm_id: &str, client_id: &str) -> Result<Option<Arc<Client>>, StoreError>;
}

pub struct TokenEndpoint<'a> {
    pub realm: &'a RealmContext,
    pub clients: &'a dyn ClientDirectory,
    pub hasher: &'a ClientSecretHasher,
    pub audit: &'a dyn AuditSink,
    pub source_ip: Option<&'a str>,
    pub now: i64,
}

impl TokenEndpoint<'_> {
    pub async fn exchange(&self, authorization: Option<&str>, form: &FormParams) -> Result<TokenResponse, OAuthError> {
        let presented = PresentedCredentials::extract(authorization, form)?;
        let request = TokenRequest::parse(form)?;
        let found = self.clients.client(&self.realm.realm.id, &presented.client_id).await?;
        let client = authenticate(&presented, found, self.hasher, self.now).inspect_err(|e| {
            if matches!(e, OAuthError::InvalidClient { .. }) {
                self.audit.record(
                    AuditEvent::new(self.now, &self.realm.realm.name, AuditKind::ClientAuthFailed)
                        .client(&presented.client_id)
                        .source(self.source_ip)
                        .failed()
                        .reason(presented.method.as_str()),
                );
            }
        })?;
        let response = match request {
            TokenRequest::ClientCredentials { scope } => {
                ClientCredentialsGrant { realm: self.realm, client: &client, scope: scope.as_ref(), now: self.now }
                    .issue()?
            }
        };
        self.audit.token_issued(&self.realm.realm.name, &client.client_id, self.now);
        Ok(response)
    }
}
