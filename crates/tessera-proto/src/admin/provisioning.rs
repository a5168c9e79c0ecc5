//! Provisioning in bulk (`partialImport`) and by clients themselves (RFC 7591 initial access tokens), in
//! Keycloak's representations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ClientRepresentation, GroupRepresentation, RoleRepresentation, UserRepresentation};

/// `PartialImportRepresentation`: resources to add to an existing realm, and what to do with those that
/// exist (`FAIL`, the default; `SKIP`; `OVERWRITE`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct PartialImportRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_resource_exists: Option<String>,
    pub users: Vec<UserRepresentation>,
    pub clients: Vec<ClientRepresentation>,
    pub groups: Vec<GroupRepresentation>,
    pub roles: RolesRepresentation,
}

/// `RolesRepresentation`: realm roles, and client roles by `clientId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct RolesRepresentation {
    pub realm: Vec<RoleRepresentation>,
    pub client: BTreeMap<String, Vec<RoleRepresentation>>,
}

/// `PartialImportResults`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct PartialImportResults {
    pub overwritten: u64,
    pub added: u64,
    pub skipped: u64,
    pub results: Vec<PartialImportResult>,
}

/// One resource of a partial import: `ADDED`, `SKIPPED` or `OVERWRITTEN`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct PartialImportResult {
    pub action: String,
    pub resource_type: String,
    pub resource_name: String,
    pub id: String,
}

/// Keycloak's `ClientInitialAccessCreatePresentation`: how long an initial access token lives (seconds,
/// 0: no expiry) and how many registrations it allows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientInitialAccessCreatePresentation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// Keycloak's `ClientInitialAccessPresentation`; `token` only in the answer to its creation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientInitialAccessPresentation {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// When it was created (Unix seconds).
    pub timestamp: i64,
    /// Its lifetime in seconds from `timestamp`; 0: no expiry.
    pub expiration: i64,
    pub count: i64,
    pub remaining_count: i64,
}
