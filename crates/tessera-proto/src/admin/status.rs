//! Keycloak's read-only reports in the admin API: error bodies, the audit trail and admin events, brute-force
//! status and the realm's keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The body of an admin error, as Keycloak writes it: `error` (and `errorMessage` for the clients that read
/// that one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminErrorRepresentation {
    pub error: String,
    pub error_message: String,
}

/// `AdminEventRepresentation`: one administrator's write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct AdminEventRepresentation {
    /// Milliseconds since the epoch.
    pub time: i64,
    pub realm_id: String,
    pub auth_details: AuthDetailsRepresentation,
    /// `CREATE`, `UPDATE`, `DELETE` or `ACTION`.
    pub operation_type: String,
    /// `REALM`, `CLIENT`, `USER`, `REALM_ROLE`, `GROUP`, `REALM_ROLE_MAPPING`, `GROUP_MEMBERSHIP`, …
    pub resource_type: String,
    pub resource_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub representation: Option<String>,
}

/// Who made an admin event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct AuthDetailsRepresentation {
    pub realm_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

/// `EventRepresentation`: a user or client event of the audit trail, in Keycloak's shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct EventRepresentation {
    /// Milliseconds since the epoch.
    pub time: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub realm_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub details: BTreeMap<String, String>,
}

/// Keycloak's brute-force status of a user (`GET …/attack-detection/brute-force/users/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct BruteForceStatusRepresentation {
    pub num_failures: u32,
    /// Locked out now.
    pub disabled: bool,
    #[serde(rename = "lastIPFailure")]
    pub last_ip_failure: String,
    /// Milliseconds since the epoch of the first failure counted (0: none).
    pub last_failure: i64,
}

/// `KeysMetadataRepresentation`: the realm's signing keys (`GET …/keys`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct KeysMetadataRepresentation {
    /// Algorithm → the kid that signs with it now.
    pub active: BTreeMap<String, String>,
    pub keys: Vec<KeyMetadataRepresentation>,
}

/// One key of `KeysMetadataRepresentation`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct KeyMetadataRepresentation {
    pub provider_id: String,
    pub provider_priority: i64,
    pub kid: String,
    /// `ACTIVE` (signs), `PASSIVE` (published, verifies: Tessera's next and retired keys).
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub algorithm: String,
    #[serde(rename = "use")]
    pub use_: String,
    /// Tessera's own state: `next`, `active` or `retired`.
    pub tessera_state: String,
    /// Milliseconds: after this no token it signed is valid (retired keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<i64>,
}
