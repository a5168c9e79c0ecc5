//! Client authentication at the token endpoint: RFC 6749 §2.3.1 (`client_secret_basic`,
//! `client_secret_post`), §2.1 public clients (`none`), and JWT assertions (RFC 7523 §2.2, OIDC Core §9:
//! `private_key_jwt`, `client_secret_jwt`; checked in [`crate::client_assertion`]).

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::SecretString;
use subtle::ConstantTimeEq;

use crate::OAuthError;
use crate::audit::{AuditEvent, AuditKind};
use crate::client_assertion::{AssertionCheck, AssertionRejection, ClientAssertion, JWT_BEARER};
use crate::cors::CorsClient;
use crate::model::{Client, ClientAuthenticator, ClientId, RealmContext};
use crate::mtls::{CertificateRejection, ClientCertificate};
use crate::ports::{AuditSink, ClientDirectory, ClientJwks, ReplayCache};
use crate::rate_limit::{RateLimiter, checks_before_auth, failed_auth_check};
use crate::request::FormParams;
use crate::secret::{ClientSecretHasher, MasterKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    /// RFC 7523 §2.2 with a key the client registered (OIDC Core §9).
    PrivateKeyJwt,
    /// RFC 7523 §2.2 with HMAC keyed with the client secret (OIDC Core §9).
    ClientSecretJwt,
    /// RFC 8705 §2.1: a certificate from a trusted CA with the registered subject.
    TlsClientAuth,
    /// RFC 8705 §2.2: the self-signed certificate the client registered.
    SelfSignedTlsClientAuth,
    None,
}

impl ClientAuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::TlsClientAuth => "tls_client_auth",
            Self::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
            Self::None => "none",
        }
    }
}

/// The credentials a request carries, before they are checked.
#[derive(Debug)]
pub struct PresentedCredentials {
    pub client_id: ClientId,
    pub secret: Option<SecretString>,
    /// RFC 7523 §2.2: `client_assertion`, when the client authenticates with a JWT.
    pub assertion: Option<ClientAssertion>,
    pub method: ClientAuthMethod,
}

impl PresentedCredentials {
    fn invalid(&self) -> OAuthError {
        OAuthError::InvalidClient { basic_challenge: self.method == ClientAuthMethod::ClientSecretBasic }
    }

    /// Reads the credentials from the `Authorization` header and the form. Using two methods at once is an
    /// `invalid_request` (RFC 6749 §2.3: "MUST NOT use more than one authentication method"), unless the
    /// body repeats exactly the client id and secret of the Basic header (Keycloak accepts that).
    pub fn extract(authorization: Option<&str>, form: &FormParams) -> Result<Self, OAuthError> {
        let form_id = form.get("client_id");
        let form_secret = form.get("client_secret");
        if form.get("client_assertion_type").is_some() || form.get("client_assertion").is_some() {
            if authorization.is_some() || form_secret.is_some() {
                return Err(OAuthError::invalid_request("more than one client authentication method was used"));
            }
            return Self::assertion(form);
        }
        let Some(header) = authorization else {
            let client_id =
                form_id.and_then(ClientId::parse).ok_or(OAuthError::InvalidClient { basic_challenge: false })?;
            return Ok(Self {
                client_id,
                secret: form_secret.map(|s| SecretString::from(s.to_owned())),
                assertion: None,
                method: if form_secret.is_some() { ClientAuthMethod::ClientSecretPost } else { ClientAuthMethod::None },
            });
        };
        let (scheme, value) = header.trim().split_once(' ').unwrap_or((header, ""));
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(OAuthError::invalid_request("only the Basic authorization scheme is accepted here"));
        }
        let (client_id, secret) =
            decode_basic(value.trim()).ok_or(OAuthError::InvalidClient { basic_challenge: true })?;
        if form_id.is_some_and(|id| id != client_id) {
            return Err(OAuthError::invalid_request("client_id does not match the Authorization header"));
        }
        // The same credentials in Basic and in the body (keycloak-connect sends both) are one
        // authentication presented twice, so they are taken when id and secret agree; anything else is
        // two methods at once.
        if let Some(body_secret) = form_secret {
            let agree = form_id.is_some() && bool::from(body_secret.as_bytes().ct_eq(secret.as_bytes()));
            if !agree {
                return Err(OAuthError::invalid_request("more than one client authentication method was used"));
            }
        }
        let client_id = ClientId::parse(&client_id).ok_or(OAuthError::InvalidClient { basic_challenge: true })?;
        Ok(Self {
            client_id,
            secret: Some(SecretString::from(secret)),
            assertion: None,
            method: ClientAuthMethod::ClientSecretBasic,
        })
    }

    /// RFC 7521 §4.2 with RFC 7523 §2.2: `client_assertion_type` names the JWT profile and the assertion's
    /// `sub` names the client; a `client_id` beside it must name the same one.
    fn assertion(form: &FormParams) -> Result<Self, OAuthError> {
        if form.get("client_assertion_type") != Some(JWT_BEARER) {
            return Err(OAuthError::invalid_request("client_assertion_type must be the RFC 7523 JWT bearer type"));
        }
        let token = form.get("client_assertion").ok_or(OAuthError::invalid_request("client_assertion is missing"))?;
        let invalid = OAuthError::InvalidClient { basic_challenge: false };
        let assertion = ClientAssertion::parse(token).ok_or(OAuthError::InvalidClient { basic_challenge: false })?;
        if form.get("client_id").is_some_and(|id| id != assertion.subject()) {
            return Err(invalid);
        }
        let client_id = ClientId::parse(assertion.subject()).ok_or(invalid)?;
        let method =
            if assertion.is_hmac() { ClientAuthMethod::ClientSecretJwt } else { ClientAuthMethod::PrivateKeyJwt };
        Ok(Self { client_id, secret: None, assertion: Some(assertion), method })
    }
}

/// RFC 6749 §2.3.1: id and secret are form-url-encoded, then joined by ':' and base64-encoded (RFC 7617).
fn decode_basic(value: &str) -> Option<(String, String)> {
    let raw = STANDARD.decode(value).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| -> Option<String> {
        let plus_as_space = s.replace('+', " ");
        percent_encoding::percent_decode_str(&plus_as_space).decode_utf8().ok().map(Cow::into_owned)
    };
    let id = decode(id)?;
    (!id.is_empty()).then_some(())?;
    Some((id, decode(secret)?))
}

/// Checks presented credentials against the client found for them (`None` when the id is unknown).
/// Unknown, disabled and wrong-secret cases do the same work and give the same answer.
pub fn authenticate(
    presented: &PresentedCredentials,
    client: Option<Arc<Client>>,
    hasher: &ClientSecretHasher,
    now: i64,
) -> Result<Arc<Client>, OAuthError> {
    let Some(client) = client.filter(|c| c.enabled) else {
        hasher.burn(presented.secret.as_ref());
        return Err(presented.invalid());
    };
    if client.public_client {
        // A public client has no secret to check (RFC 6749 §2.1); one that sends a secret is confused.
        hasher.burn(presented.secret.as_ref());
        return match presented.method {
            ClientAuthMethod::None => Ok(client),
            _ => Err(presented.invalid()),
        };
    }
    // A client registered for JWT assertions never authenticates with its secret alone.
    let Some(secret) =
        presented.secret.as_ref().filter(|_| client.authenticator() == ClientAuthenticator::ClientSecret)
    else {
        hasher.burn(presented.secret.as_ref());
        return Err(presented.invalid());
    };
    let valid = client.secrets.iter().filter(|s| s.is_valid_at(now)).map(|s| &s.hash);
    if hasher.matches_any(secret, valid) { Ok(client) } else { Err(presented.invalid()) }
}

/// A request from a client to one of the endpoints where it authenticates (token, introspection,
/// revocation): the realm it names and what is needed to check who it is.
pub struct ClientRequest<'a> {
    pub realm: &'a RealmContext,
    pub clients: &'a dyn ClientDirectory,
    pub hasher: &'a ClientSecretHasher,
    pub audit: &'a dyn AuditSink,
    /// The keys clients publish at their `jwks_uri` (`private_key_jwt`).
    pub jwks: &'a dyn ClientJwks,
    /// Client assertions' `jti`s, each accepted once (RFC 7523 §3 item 7).
    pub replay: &'a dyn ReplayCache,
    /// DPoP proof keys already parsed (RFC 9449 §4.3), for the token endpoint's proofs.
    pub dpop_keys: &'a crate::dpop_keys::ProofKeys,
    /// Opens the secrets kept sealed for `client_secret_jwt`.
    pub master: &'a MasterKey,
    pub source_ip: Option<&'a str>,
    pub now: i64,
    /// Where the rate limits keep their state, and the time they count in.
    pub limiter: &'a dyn RateLimiter,
    pub now_ms: i64,
    /// The client once it has authenticated, for the CORS headers of the answer.
    pub cors: CorsClient,
    /// RFC 8705: the TLS client certificate of the request (from the connection or a trusted proxy).
    pub certificate: Option<&'a ClientCertificate>,
}

impl ClientRequest<'_> {
    /// RFC 6749 §2.3: the credentials presented, the client they name, checked; a failure leaves a
    /// `client_auth_failed` audit event with `context` (the endpoint, or the method when `None`) as reason.
    pub async fn authenticate_client(
        &self,
        authorization: Option<&str>,
        form: &FormParams,
        context: Option<&str>,
    ) -> Result<Arc<Client>, OAuthError> {
        let presented = PresentedCredentials::extract(authorization, form)?;
        let found = self.clients.client(&self.realm.realm.id, &presented.client_id).await?;
        let (realm, endpoint) = (self.realm, context.unwrap_or("token"));
        let checks = checks_before_auth(realm, endpoint, &presented.client_id, found.as_deref(), self.source_ip);
        if !checks.is_empty() {
            self.limiter.check(&checks, self.now_ms).await.map_err(OAuthError::RateLimited)?;
        }
        let by_certificate = |c: &Arc<Client>| !c.public_client && c.authenticator().is_certificate();
        let result = match &presented.assertion {
            // RFC 8705 §2: only the `client_id` in the body; the TLS layer carries the credential.
            None if presented.method == ClientAuthMethod::None && found.as_ref().is_some_and(by_certificate) => {
                self.authenticate_with_certificate(found).await
            }
            None => authenticate(&presented, found, self.hasher, self.now),
            Some(assertion) => self.authenticate_with_assertion(assertion, found).await,
        };
        if matches!(result, Err(OAuthError::InvalidClient { .. }))
            && let Some(failed) = failed_auth_check(realm, &presented.client_id, self.source_ip)
        {
            // Charged after the fact: the next attempt from this address meets the refusal.
            let _ = self.limiter.check(std::slice::from_ref(&failed), self.now_ms).await;
        }
        result.inspect(|c| self.cors.remember(c)).inspect_err(|e| {
            if matches!(e, OAuthError::InvalidClient { .. }) {
                self.audit.record(
                    AuditEvent::new(self.now, &self.realm.realm.name, AuditKind::ClientAuthFailed)
                        .client(&presented.client_id)
                        .source(self.source_ip)
                        .failed()
                        .reason(context.unwrap_or(presented.method.as_str())),
                );
            }
        })
    }
}

impl ClientRequest<'_> {
    /// RFC 8705 §2.1 / §2.2 for an enabled confidential client registered for certificates; every refusal is
    /// the same `invalid_client`, its reason only logged.
    async fn authenticate_with_certificate(&self, client: Option<Arc<Client>>) -> Result<Arc<Client>, OAuthError> {
        let invalid = OAuthError::InvalidClient { basic_challenge: false };
        let Some(client) = client.filter(|c| c.enabled) else { return Err(invalid) };
        let outcome = match (self.certificate, client.authenticator()) {
            (None, _) => Err(CertificateRejection::Missing),
            (Some(cert), ClientAuthenticator::ClientX509) => {
                tracing::debug!(subject = %cert.subject_dn, sans = ?cert.subject_alt_names, "client certificate");
                crate::mtls::check_pki(&client, cert)
            }
            (Some(cert), _) => crate::mtls::check_registered_certificate(&client, self.jwks, cert).await,
        };
        match outcome {
            Ok(()) => Ok(client),
            Err(reason) => {
                tracing::debug!(client_id = %client.client_id, %reason, "client certificate refused");
                Err(invalid)
            }
        }
    }

    /// RFC 7523 §3 for an enabled confidential client registered for assertions; every refusal is the same
    /// `invalid_client`, its reason only logged.
    async fn authenticate_with_assertion(
        &self,
        assertion: &ClientAssertion,
        client: Option<Arc<Client>>,
    ) -> Result<Arc<Client>, OAuthError> {
        let client = client.filter(|c| c.enabled && !c.public_client);
        let outcome = match &client {
            None => Err(AssertionRejection::WrongMethod),
            Some(client) => {
                let secrets = crate::secret::unsealed_secrets(client, self.master, self.now);
                let check = AssertionCheck { realm: self.realm, jwks: self.jwks, replay: self.replay, now: self.now };
                check.verify(assertion, client, &secrets).await
            }
        };
        match (outcome, client) {
            (Ok(()), Some(client)) => Ok(client),
            (outcome, _) => {
                if let Err(reason) = outcome {
                    tracing::debug!(client_id = assertion.subject(), %reason, "client assertion refused");
                }
                Err(OAuthError::InvalidClient { basic_challenge: false })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormParams {
        FormParams::new(pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()).unwrap()
    }

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn basic_credentials_are_form_url_decoded_rfc6749_2_3_1() {
        let p = PresentedCredentials::extract(Some(&basic("my%3Aclient", "s%2Bx+y")), &form(&[])).unwrap();
        assert_eq!(p.client_id, "my:client");
        assert_eq!(secrecy::ExposeSecret::expose_secret(p.secret.as_ref().unwrap()), "s+x y");
        assert_eq!(p.method, ClientAuthMethod::ClientSecretBasic);
    }

    #[test]
    fn two_methods_at_once_are_invalid_request_rfc6749_2_3() {
        let err = PresentedCredentials::extract(Some(&basic("a", "b")), &form(&[("client_secret", "b")])).unwrap_err();
        assert!(matches!(err, OAuthError::InvalidRequest(_)));
    }

    #[test]
    fn the_same_credentials_in_basic_and_body_are_one_method_rfc6749_2_3() {
        let both = form(&[("client_id", "a"), ("client_secret", "b")]);
        let p = PresentedCredentials::extract(Some(&basic("a", "b")), &both).unwrap();
        assert_eq!(p.method, ClientAuthMethod::ClientSecretBasic);
        let other_secret = form(&[("client_id", "a"), ("client_secret", "c")]);
        let err = PresentedCredentials::extract(Some(&basic("a", "b")), &other_secret).unwrap_err();
        assert!(matches!(err, OAuthError::InvalidRequest(_)));
        let other_id = form(&[("client_id", "x"), ("client_secret", "b")]);
        let err = PresentedCredentials::extract(Some(&basic("a", "b")), &other_id).unwrap_err();
        assert!(matches!(err, OAuthError::InvalidRequest(_)));
    }

    #[test]
    fn malformed_basic_is_invalid_client_with_challenge() {
        let err = PresentedCredentials::extract(Some("Basic !!!"), &form(&[])).unwrap_err();
        assert!(matches!(err, OAuthError::InvalidClient { basic_challenge: true }));
    }

    #[test]
    fn no_credentials_at_all_is_invalid_client() {
        let err = PresentedCredentials::extract(None, &form(&[])).unwrap_err();
        assert!(matches!(err, OAuthError::InvalidClient { basic_challenge: false }));
    }
}
