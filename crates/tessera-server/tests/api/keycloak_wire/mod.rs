//! The wire behaviour Keycloak's own libraries rely on (issue #13, item 3): CORS for the client's
//! `webOrigins`, response modes, refresh tokens for public clients, the realm-info document, logout with a
//! refresh token, credentials sent twice, the password grant's 401, `session_state`. Each test names the
//! spec section it rests on and, where Keycloak differs from the letter of an RFC, the line of
//! docs/keycloak-compat.md that says so.

mod client_auth;
mod password;
mod realm_info;

use reqwest::StatusCode;
use serde_json::Value;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

/// A confidential client allowed the password grant (as python-keycloak's apps are), with its secret.
pub(crate) async fn direct_access_client(server: &TestServer) -> String {
    let spec = NewClient {
        client_id: IMPORTER.into(),
        direct_access_grants: true,
        default_scopes: vec!["profile".into()],
        ..NewClient::default()
    };
    server.client("acme", spec).await.secret
}

pub(crate) const IMPORTER: &str = "importer";

/// Status and JSON body of a response.
pub(crate) async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}
