//! RFC 7591 dynamic client registration and RFC 7592 client management, at Keycloak's path
//! `/realms/{realm}/clients-registrations/openid-connect`. Registering takes an initial access token (§3,
//! issued by an administrator with a count and an expiry: anonymous registration is not offered); the
//! answer carries a registration access token (RFC 7592 §3) for reading, replacing and deleting the
//! registration. Both tokens are random, stored as hashes and compared in constant time; the registration
//! access token is replaced on every update, as Keycloak does. What may be asked for is the realm's
//! [`policy::RegistrationPolicy`].

pub mod initial_access;
pub mod metadata;
pub mod policy;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tessera_proto::{ClientInformation, ClientMetadata};

use crate::OAuthError;
use crate::admin::RoleAdmin;
use crate::audit::{AuditEvent, AuditKind};
use crate::client_auth::ClientAuthMethod;
use crate::model::{Client, RealmContext, new_id};
use crate::ports::{AuditSink, Store, StoreError};
use crate::provisioning::{NewClient, new_client};
use crate::secret::{ClientSecretHasher, MasterKey, random_token, stored_client_secret, token_hash};
use metadata::{CheckedMetadata, apply, auth_method_of, check, metadata_of};
use policy::RegistrationPolicy;

/// A bearer value longer than this is no token of ours.
const MAX_TOKEN_LEN: usize = 512;

pub struct ClientRegistration<'a> {
    pub realm: &'a RealmContext,
    pub store: &'a dyn Store,
    pub hasher: &'a ClientSecretHasher,
    pub master: &'a MasterKey,
    pub audit: &'a dyn AuditSink,
    /// The realm's registration endpoint (absolute): a client's configuration endpoint is below it.
    pub endpoint: String,
    pub source_ip: Option<&'a str>,
    pub now: i64,
}

/// RFC 6750 §2.1: `Authorization: Bearer <token>`; without one the answer is a bare challenge (§3.1).
fn bearer(authorization: Option<&str>) -> Result<&str, OAuthError> {
    let (scheme, token) = authorization.and_then(|h| h.split_once(' ')).ok_or(OAuthError::BearerMissing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(OAuthError::BearerMissing);
    }
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(OAuthError::InvalidToken("the token is not valid".into()));
    }
    Ok(token)
}

/// RFC 7591 §3.1: the body is a JSON object of client metadata.
fn parse_metadata(body: &[u8]) -> Result<ClientMetadata, OAuthError> {
    serde_json::from_slice(body)
        .map_err(|_| OAuthError::InvalidClientMetadata("the body is not a JSON object of client metadata".into()))
}

fn store_failure(e: crate::admin::AdminError) -> OAuthError {
    match e {
        crate::admin::AdminError::Store(e) => OAuthError::Store(e),
        e => OAuthError::Internal(e.to_string()),
    }
}

impl ClientRegistration<'_> {
    fn client_uri(&self, client_id: &str) -> String {
        format!("{}/{client_id}", self.endpoint)
    }

    fn information(&self, client: &Client, secret: Option<&SecretString>, token: String) -> ClientInformation {
        ClientInformation {
            client_id: client.client_id.clone(),
            client_secret: secret.map(|s| s.expose_secret().to_owned()),
            client_id_issued_at: client.created_at,
            // §3.2.1: REQUIRED with a secret; ours do not expire.
            client_secret_expires_at: (!client.public_client).then_some(0),
            registration_access_token: token,
            registration_client_uri: self.client_uri(&client.client_id),
            metadata: metadata_of(client),
        }
    }

    fn record(&self, kind: AuditKind, client_id: &str, reason: String) {
        let event = AuditEvent::new(self.now, &self.realm.realm.name, kind).client(client_id).source(self.source_ip);
        self.audit.record(event.reason(reason));
    }

    fn policy(&self) -> RegistrationPolicy {
        RegistrationPolicy::of(&self.realm.realm.attributes)
    }

    /// RFC 7591 §3.1: `POST` with an initial access token; §3.2.1: 201 with the client information.
    pub async fn register(&self, authorization: Option<&str>, body: &[u8]) -> Result<ClientInformation, OAuthError> {
        let initial = token_hash(bearer(authorization)?);
        let invalid = || OAuthError::InvalidToken("the initial access token is not valid".into());
        // Refused before the body is read, so that no one learns the realm's policy without a token; the
        // registration itself takes the use atomically below.
        let usable = self.store.list_initial_access(&self.realm.realm.id).await?.into_iter().any(|t| {
            bool::from(t.token_hash.as_bytes().ct_eq(initial.as_bytes()))
                && t.remaining > 0
                && t.expires_at().is_none_or(|e| self.now < e)
        });
        if !usable {
            return Err(invalid());
        }
        let checked = check(&parse_metadata(body)?, &self.policy(), &self.realm.scopes)?;
        let (mut client, secret) = self.new_client(&checked).await?;
        let token = random_token(32)?;
        match self.store.register_client(&initial, self.now, &client, &token_hash(&token)).await {
            Ok(true) => {}
            Ok(false) => return Err(invalid()),
            Err(StoreError::Conflict(e)) => return Err(OAuthError::Internal(format!("a new client id exists: {e}"))),
            Err(e) => return Err(e.into()),
        }
        client.secrets.clear();
        let grants: Vec<&str> = checked.grants.iter().map(|g| g.as_str()).collect();
        self.record(AuditKind::ClientRegistered, &client.client_id, format!("grants {}", grants.join(" ")));
        Ok(self.information(&client, secret.as_ref(), token))
    }

    async fn new_client(&self, checked: &CheckedMetadata) -> Result<(Client, Option<SecretString>), OAuthError> {
        let public_client = checked.method == ClientAuthMethod::None;
        let spec = NewClient {
            client_id: new_id(),
            public_client,
            service_accounts_enabled: !public_client
                && checked.grants.contains(&crate::request::GrantType::ClientCredentials),
            ..NewClient::default()
        };
        let (mut client, secret) = new_client(&self.realm.realm.id, &spec, &self.realm.scopes, self.hasher, self.now)
            .map_err(|e| OAuthError::Internal(e.to_string()))?;
        apply(checked, &mut client, self.policy().consent_required)?;
        // Stored again now that the authenticator is set: a client_secret_jwt secret is kept sealed.
        client.secrets = match &secret {
            Some(s) => vec![stored_client_secret(s, &client, self.hasher, self.master, self.now)?],
            None => Vec::new(),
        };
        RoleAdmin { store: self.store }
            .with_default_role_for_service_account(&self.realm.realm, &mut client)
            .await
            .map_err(store_failure)?;
        Ok((client, secret))
    }

    /// RFC 7592 §2: the client, once the registration access token is its own; else 401 `invalid_token`,
    /// whether or not the client exists (§2.1).
    async fn authorized(&self, authorization: Option<&str>, client_id: &str) -> Result<(Client, String), OAuthError> {
        let presented = token_hash(bearer(authorization)?);
        let invalid = || OAuthError::InvalidToken("the registration access token is not valid".into());
        let realm_id = &self.realm.realm.id;
        let stored = match crate::model::ClientId::parse(client_id) {
            Some(_) => self.store.registration_token_hash(realm_id, client_id).await?,
            None => None,
        };
        let candidate = stored.clone().unwrap_or_else(|| token_hash("no such registration"));
        let matches = bool::from(candidate.as_bytes().ct_eq(presented.as_bytes()));
        if stored.is_none() || !matches {
            return Err(invalid());
        }
        let client = self.store.find_client(realm_id, client_id).await?.ok_or_else(invalid)?;
        Ok((client, presented))
    }

    /// RFC 7592 §2.1: `GET` answers the registration; the token presented stays valid.
    pub async fn read(&self, authorization: Option<&str>, client_id: &str) -> Result<ClientInformation, OAuthError> {
        let (client, _) = self.authorized(authorization, client_id).await?;
        let token = bearer(authorization)?.to_owned();
        Ok(self.information(&client, None, token))
    }

    /// RFC 7592 §2.2: `PUT` replaces the metadata (fields left out are unset) and answers a new registration
    /// access token; the old one stops working.
    pub async fn update(
        &self,
        authorization: Option<&str>,
        client_id: &str,
        body: &[u8],
    ) -> Result<ClientInformation, OAuthError> {
        let (mut client, old_hash) = self.authorized(authorization, client_id).await?;
        let metadata = parse_metadata(body)?;
        let refuse = |d: &'static str| Err(OAuthError::InvalidClientMetadata(d.into()));
        // §2.2: "The client MUST include its client_id field in the request, and it MUST be the same as its
        // currently issued client identifier."
        if metadata.client_id.as_deref() != Some(client_id) {
            return refuse("client_id must be the client's own (RFC 7592 §2.2)");
        }
        // §2.2: "If the client includes the client_secret field in the request, the value of this field MUST
        // match the currently issued client secret for that client."
        if let Some(secret) = &metadata.client_secret {
            let valid = client.secrets.iter().filter(|s| s.is_valid_at(self.now)).map(|s| &s.hash);
            if !self.hasher.matches_any(&SecretString::from(secret.clone()), valid) {
                return refuse("client_secret is not the client's current secret (RFC 7592 §2.2)");
            }
        }
        let checked = check(&metadata, &self.policy(), &self.realm.scopes)?;
        let secret_methods = [ClientAuthMethod::ClientSecretBasic, ClientAuthMethod::ClientSecretPost];
        let current = auth_method_of(&client);
        if checked.method != current && !(secret_methods.contains(&current) && secret_methods.contains(&checked.method))
        {
            return refuse("token_endpoint_auth_method cannot change; register a new client");
        }
        apply(&checked, &mut client, self.policy().consent_required)?;
        if client.service_accounts_enabled && client.service_account_user_id.is_none() {
            client.service_account_user_id = Some(new_id());
            RoleAdmin { store: self.store }
                .with_default_role_for_service_account(&self.realm.realm, &mut client)
                .await
                .map_err(store_failure)?;
        }
        let token = random_token(32)?;
        if !self.store.update_registered_client(&client, &old_hash, &token_hash(&token)).await? {
            return Err(OAuthError::InvalidToken("the registration access token is not valid".into()));
        }
        let grants: Vec<&str> = checked.grants.iter().map(|g| g.as_str()).collect();
        self.record(AuditKind::ClientRegistrationUpdated, client_id, format!("grants {}", grants.join(" ")));
        Ok(self.information(&client, None, token))
    }

    /// RFC 7592 §2.3: `DELETE` removes the client; its tokens, registration access token included, die with it.
    pub async fn delete(&self, authorization: Option<&str>, client_id: &str) -> Result<(), OAuthError> {
        let (client, _) = self.authorized(authorization, client_id).await?;
        self.store.delete_client(&self.realm.realm.id, &client.client_id).await?;
        self.record(AuditKind::ClientRegistrationDeleted, client_id, "deleted by the client".to_owned());
        Ok(())
    }
}
