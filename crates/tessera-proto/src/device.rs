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
