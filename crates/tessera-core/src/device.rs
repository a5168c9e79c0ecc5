//! RFC 8628: the device authorization endpoint (§3.1-3.2) and the rules every step of the device flow
//! shares: which clients may use it, the codes, their lifetime and the polling interval.

use std::borrow::Cow;

use tessera_proto::{DeviceAuthorizationResponse, ScopeSet};

use crate::OAuthError;
use crate::client_auth::ClientRequest;
use crate::model::{Client, DeviceGrant, DeviceStatus, Realm};
use crate::ports::{DeviceGrantStore, StoreError};
use crate::request::FormParams;
use crate::scope::grant_scopes;
use crate::secret::{SecretError, random_token, token_hash};

/// Keycloak's client attribute turning the grant on ("true").
pub const DEVICE_GRANT_ATTRIBUTE: &str = "oauth2.device.authorization.grant.enabled";

/// §6.1: "BCDFGHJKLMNPQRSTVWXZ": 20 consonants, no vowels (no words) and no look-alike digits.
const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// 20^8 ≈ 2^34.5 codes (§6.1's example), entered as `XXXX-XXXX`.
const USER_CODE_LEN: usize = 8;

pub fn device_grant_enabled(client: &Client) -> bool {
    client.attributes.get(DEVICE_GRANT_ATTRIBUTE).is_some_and(|v| v == "true")
}

/// Lifetime and polling interval: Keycloak's realm attributes `oauth2DeviceCodeLifespan` (600 s) and
/// `oauth2DevicePollingInterval` (5 s, §3.2's default), overridden by its client attributes
/// `oauth2.device.code.lifespan` and `oauth2.device.polling.interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevicePolicy {
    pub lifespan: i64,
    pub interval: i64,
}

impl DevicePolicy {
    pub fn of(realm: &Realm, client: &Client) -> Self {
        let num = |value: Option<&String>| value.and_then(|v| v.parse::<i64>().ok()).filter(|v| *v > 0);
        let lifespan = num(client.attributes.get("oauth2.device.code.lifespan"))
            .or(num(realm.attributes.get("oauth2DeviceCodeLifespan")))
            .unwrap_or(600);
        let interval = num(client.attributes.get("oauth2.device.polling.interval"))
            .or(num(realm.attributes.get("oauth2DevicePollingInterval")))
            .unwrap_or(5);
        Self { lifespan, interval }
    }
}

/// A fresh user code, `XXXX-XXXX`, drawn uniformly from [`ALPHABET`] (rejection sampling: 256 is not a
/// multiple of 20).
pub fn new_user_code() -> Result<String, SecretError> {
    let mut code = String::with_capacity(USER_CODE_LEN + 1);
    while code.len() < USER_CODE_LEN + 1 {
        let mut bytes = [0u8; 16];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| SecretError::Random)?;
        for b in bytes.into_iter().filter(|b| *b < 240) {
            if code.len() == USER_CODE_LEN / 2 {
                code.push('-');
            }
            if code.len() == USER_CODE_LEN + 1 {
                break;
            }
            code.push(char::from(ALPHABET[usize::from(b % 20)]));
        }
    }
    Ok(code)
}

/// §6.1: "case insensitive" and "ignore ... punctuation": the code as typed, upper-cased, with dashes and
/// spaces dropped; `None` for anything that cannot be one of ours.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let code: String =
        typed.chars().filter(|c| *c != '-' && !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    (code.len() == USER_CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The stored form of a user code (as typed or as issued).
pub fn user_code_hash(normalized: &str) -> String {
    token_hash(normalized)
}

/// `POST …/protocol/openid-connect/auth/device` (§3.1): the client authenticates as at the token endpoint
/// (public clients too: they are who uses this grant) and gets a device code and a user code.
pub struct DeviceAuthorization<'a> {
    pub request: ClientRequest<'a>,
    pub store: &'a dyn DeviceGrantStore,
}

impl DeviceAuthorization<'_> {
    pub async fn handle(
        &self,
        authorization: Option<&str>,
        form: &FormParams,
    ) -> Result<DeviceAuthorizationResponse, OAuthError> {
        let (realm, now) = (self.request.realm, self.request.now);
        let client = self.request.authenticate_client(authorization, form, Some("device authorization")).await?;
        if !device_grant_enabled(&client) {
            return Err(OAuthError::UnauthorizedClient(Cow::Borrowed(
                "the client is not allowed the device authorization grant",
            )));
        }
        let requested = form
            .get("scope")
            .map(|raw| {
                ScopeSet::parse(raw).map_err(|_| OAuthError::InvalidScope("the scope parameter is malformed".into()))
            })
            .transpose()?;
        let scopes = grant_scopes(&client, requested.as_ref(), &realm.scopes)?;
        let policy = DevicePolicy::of(&realm.realm, &client);
        let device_code = random_token(32)?;
        // A user code collides with a live one about once in 10^10 draws; draw again when it does.
        for _ in 0..3 {
            let user_code = new_user_code()?;
            let normalized = normalize_user_code(&user_code).ok_or(OAuthError::Internal("user code".into()))?;
            let grant = DeviceGrant {
                device_code_hash: token_hash(&device_code),
                user_code_hash: user_code_hash(&normalized),
                realm_id: realm.realm.id.clone(),
                client_id: client.client_id.clone(),
                scope: scopes.granted.clone(),
                created_at: now,
                expires_at: now + policy.lifespan,
                interval: policy.interval,
                last_polled_at: None,
                status: DeviceStatus::Pending,
                redeemed_at: None,
            };
            match self.store.insert_device_grant(&grant).await {
                Ok(()) => {}
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
            let verification_uri = format!("{}/device", realm.issuer);
            let query: String =
                form_urlencoded::Serializer::new(String::new()).append_pair("user_code", &user_code).finish();
            return Ok(DeviceAuthorizationResponse {
                device_code,
                verification_uri_complete: Some(format!("{verification_uri}?{query}")),
                verification_uri,
                user_code,
                expires_in: u64::try_from(policy.lifespan).unwrap_or(600),
                interval: Some(u64::try_from(policy.interval).unwrap_or(5)),
            });
        }
        Err(OAuthError::Internal("no free user code after three draws".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_are_eight_consonants_shown_with_a_dash_rfc8628_6_1() {
        for _ in 0..200 {
            let code = new_user_code().unwrap();
            assert_eq!(code.len(), 9, "{code}");
            assert_eq!(&code[4..5], "-");
            assert!(code.bytes().filter(|b| *b != b'-').all(|b| ALPHABET.contains(&b)), "{code}");
        }
    }

    #[test]
    fn user_codes_are_read_case_insensitively_with_or_without_the_dash_rfc8628_6_1() {
        assert_eq!(normalize_user_code("bdwp-hqpk").as_deref(), Some("BDWPHQPK"));
        assert_eq!(normalize_user_code(" BDWP HQPK ").as_deref(), Some("BDWPHQPK"));
        assert_eq!(normalize_user_code("BDWPHQPK").as_deref(), Some("BDWPHQPK"));
        assert_eq!(normalize_user_code("BDWP-HQPA"), None, "a vowel is never in a code");
        assert_eq!(normalize_user_code("BDWP-HQP"), None);
    }
}
