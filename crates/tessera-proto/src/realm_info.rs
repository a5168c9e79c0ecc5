use serde::{Deserialize, Serialize};

/// Keycloak's realm-info document at `GET /realms/{realm}` (its `PublishedRealmRepresentation`), which
/// python-keycloak's `public_key()` and older adapters read. Member names are Keycloak's.
///
/// ```
/// use tessera_proto::PublishedRealm;
/// let doc = PublishedRealm {
///     realm: "acme".into(),
///     public_key: None,
///     token_service: "https://id.test/realms/acme/protocol/openid-connect".into(),
///     account_service: "https://id.test/realms/acme/account".into(),
///     tokens_not_before: 0,
/// };
/// let json = serde_json::to_value(&doc).unwrap();
/// assert_eq!(json["token-service"], "https://id.test/realms/acme/protocol/openid-connect");
/// assert!(json.get("public_key").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedRealm {
    pub realm: String,
    /// The signing key's SubjectPublicKeyInfo (DER), base64: a PEM body without its armour lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    #[serde(rename = "token-service")]
    pub token_service: String,
    #[serde(rename = "account-service")]
    pub account_service: String,
    #[serde(rename = "tokens-not-before")]
    pub tokens_not_before: i64,
}
