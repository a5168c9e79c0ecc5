use serde::{Deserialize, Serialize};

/// The device authorization response of RFC 8628 §3.2.
///
/// ```
/// use tessera_proto::DeviceAuthorizationResponse;
/// let body: DeviceAuthorizationResponse = serde_json::from_str(
///     r#"{"device_code":"d","user_code":"BDWP-HQPK","verification_uri":"https://a/device","expires_in":600}"#,
/// ).unwrap();
/// assert_eq!(body.interval, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceAuthorizationResponse {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    /// Seconds between polls; RFC 8628 §3.2 says 5 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
}

/// The pushed authorization response of RFC 9126 §2.2 (status 201).
///
/// ```
/// use tessera_proto::PushedAuthorizationResponse;
/// let body: PushedAuthorizationResponse = serde_json::from_str(
///     r#"{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}"#,
/// ).unwrap();
/// assert_eq!(body.expires_in, 60);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedAuthorizationResponse {
    pub request_uri: String,
    pub expires_in: u64,
}
