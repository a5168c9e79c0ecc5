//! Dynamic client registration: the client metadata of RFC 7591 §2 and the client information response of
//! RFC 7591 §3.2.1 / RFC 7592 §3. Members we do not understand are ignored (§2: "MUST ignore any client
//! metadata sent by the client that it does not understand").

use serde::{Deserialize, Serialize};

/// RFC 7591 §2: what a client says about itself when it registers (or, RFC 7592 §2.2, replaces its
/// registration). Every member is optional on the wire; the server applies the RFC's defaults.
///
/// ```
/// use tessera_proto::ClientMetadata;
/// let m: ClientMetadata =
///     serde_json::from_str(r#"{"redirect_uris":["https://app.example/cb"],"x-unknown":1}"#).unwrap();
/// assert_eq!(m.redirect_uris.unwrap(), ["https://app.example/cb"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    /// Space-separated scope values the client may ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tos_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// A JWK Set (RFC 7517 §5), by value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
    /// RFC 7592 §2.2: an update names the client it replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// RFC 7592 §2.2: when an update carries it, it must be the client's current secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// RFC 7591 §3.2.1 and RFC 7592 §3: the registered metadata, with what the server provisioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientInformation {
    pub client_id: String,
    /// Only when a secret was issued by this response (it is kept hashed: a read cannot show it again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub client_id_issued_at: i64,
    /// §3.2.1: REQUIRED when a secret exists; 0 (it does not expire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
    /// RFC 7592 §3: the token for the client configuration endpoint.
    pub registration_access_token: String,
    pub registration_client_uri: String,
    #[serde(flatten)]
    pub metadata: ClientMetadata,
}
