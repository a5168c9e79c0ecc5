//! One module per grant type, named in the spec's words and dispatched by an exhaustive match in
//! [`crate::token_endpoint`].

pub mod authorization_code;
pub mod client_credentials;
pub mod device_code;
pub mod password;
pub mod refresh_token;
pub mod token_exchange;
pub mod user_tokens;

use crate::model::RealmContext;
use crate::ports::AuditSink;
use crate::ports::PasswordVerifier;
use crate::ports::Revocations;
use crate::ports::{IssuedAccessToken, Store, StoreError};
use crate::revocation::revoke_issued_access_tokens;
use crate::secret::MasterKey;
use crate::sign_in::SignInPolicy;

/// What the grants of people (code, refresh, password, device) need besides the request: unlike client
/// credentials, they read and write the store.
pub struct PersonGrantContext<'a> {
    pub realm: &'a RealmContext,
    pub policy: SignInPolicy,
    pub store: &'a dyn Store,
    pub revocations: &'a dyn Revocations,
    /// Seals the response kept for the refresh retry window.
    pub master: &'a MasterKey,
    pub audit: &'a dyn AuditSink,
    pub passwords: &'a dyn PasswordVerifier,
    pub source_ip: Option<&'a str>,
    pub now: i64,
    /// RFC 9449 §5: the DPoP key the access tokens are bound to (confidential clients).
    pub dpop_jkt: Option<&'a str>,
    /// RFC 8705 §3: the thumbprint of the client certificate the access tokens are bound to.
    pub cert_thumbprint: Option<&'a str>,
}

impl PersonGrantContext<'_> {
    /// Puts still-valid access tokens on the denylist (RFC 7009 §2.1: revoking a grant revokes its tokens).
    pub async fn revoke_access_tokens(&self, tokens: &[IssuedAccessToken]) -> Result<(), StoreError> {
        revoke_issued_access_tokens(self.revocations, &self.realm.realm.id, tokens, self.now).await
    }
}
