//! Roles, groups and protocol mappers in tokens, as Keycloak writes them: a realm export with its roles,
//! groups and mappers, and the tokens its clients get (keycloak-connect's `protect('realm:…')` reads
//! `realm_access`, `protect('client:role')` reads `resource_access`).

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use tessera_testkit::TestServer;

use crate::support::{claims_of, verify_with_served_jwks};

pub const SECRET: &str = "northwind-test-secret-0123456789abcdef";

/// Northwind with known secrets, and `roles-app`, a confidential direct-access client with the scopes that
/// carry mappers (`profile`, `email`, `roles`, `groups`).
pub fn northwind(dir: &std::path::Path) -> std::path::PathBuf {
    let path =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-northwind.json");
    let mut export: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for client in export["clients"].as_array_mut().unwrap() {
        if client["secret"].is_string() {
            client["secret"] = json!(SECRET);
        }
    }
    export["clients"].as_array_mut().unwrap().push(json!({
        "clientId": "roles-app",
        "secret": SECRET,
        "directAccessGrantsEnabled": true,
        "redirectUris": ["https://app.northwind.example/cb"],
        "defaultClientScopes": ["profile", "email", "roles", "groups"],
        "optionalClientScopes": ["orders", "offline_access"]
    }));
    // A client role without a colon, for keycloak-connect's `protect('client:role')` (its parser splits on ':').
    export["roles"]["client"]["orders-api"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "auditor", "clientRole": true}));
    for user in export["users"].as_array_mut().unwrap() {
        if user["username"] == "grace" {
            user["clientRoles"] = json!({"orders-api": ["auditor"]});
        }
    }
    let file = dir.join("northwind.json");
    std::fs::write(&file, export.to_string()).unwrap();
    file
}

/// A token request of `roles-app` (client_secret_basic) with this form.
pub async fn roles_app_grant(server: &TestServer, form: &[(&str, &str)]) -> reqwest::Response {
    server
        .http
        .post(server.token_url("northwind"))
        .basic_auth("roles-app", Some(SECRET))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The password grant of `roles-app` with `scope=openid` (asserting 200): access, refresh and ID tokens.
pub async fn password_grant(server: &TestServer, username: &str, password: &str) -> Value {
    let form = [("grant_type", "password"), ("username", username), ("password", password), ("scope", "openid")];
    let response = roles_app_grant(server, &form).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_service_account_token_carries_its_roles_audience_and_hardcoded_claim_as_keycloak_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder().import_realm(northwind(dir.path())).spawn().await;
    let response = server.client_credentials("northwind", "reporting-job", SECRET, None).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let claims = verify_with_served_jwks(&server, "northwind", token, Algorithm::RS256).await;
    // The service account holds default-roles-northwind (a composite) and orders-api/orders:read.
    assert_eq!(
        claims["realm_access"],
        json!({"roles": ["default-roles-northwind", "offline_access", "uma_authorization"]})
    );
    assert_eq!(claims["resource_access"], json!({"orders-api": {"roles": ["orders:read"]}}));
    // The client's audience mapper and the roles scope's audience resolve both name orders-api, once.
    assert_eq!(claims["aud"], "orders-api");
    assert_eq!(claims["tenant"], "northwind");
    // `roles` is not listed in `scope` (include.in.token.scope=false), as in Keycloak.
    assert_eq!(body["scope"], "");
}

#[tokio::test]
async fn a_persons_tokens_carry_roles_from_groups_and_composites_groups_and_attributes_per_token_type() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder().import_realm(northwind(dir.path())).spawn().await;
    let body = password_grant(&server, "grace", "Grace-Hopper-1906").await;
    let access = claims_of(body["access_token"].as_str().unwrap());
    // grace: default roles directly, `manager` through /staff/managers, `orders:read` through /staff, and
    // what `manager` includes (staff, orders-api/orders:write).
    assert_eq!(
        access["realm_access"]["roles"],
        json!(["default-roles-northwind", "manager", "offline_access", "staff", "uma_authorization"])
    );
    assert_eq!(access["resource_access"], json!({"orders-api": {"roles": ["auditor", "orders:read", "orders:write"]}}));
    assert_eq!(access["groups"], json!(["/staff/managers"]));
    assert_eq!(access["department"], "engineering");
    assert_eq!(access["name"], "Grace Hopper");
    assert_eq!(access["preferred_username"], "grace");
    assert_eq!(access["email"], "grace@northwind.example");

    // The ID token: the mappers with id.token.claim (no roles: Keycloak's role mappers say access only).
    let id = claims_of(body["id_token"].as_str().unwrap());
    assert_eq!(id["groups"], json!(["/staff/managers"]));
    assert_eq!(id["department"], "engineering");
    assert!(id.get("realm_access").is_none(), "{id}");

    // UserInfo (OIDC Core §5.3.2): the userinfo.token.claim mappers.
    let info: Value = server
        .http
        .get(server.url("/realms/northwind/protocol/openid-connect/userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["groups"], json!(["/staff/managers"]));
    assert_eq!(info["department"], "engineering");
    assert!(info.get("realm_access").is_none(), "{info}");

    // Introspection (RFC 7662 §2.2) returns the mapped claims with the token, as Keycloak does.
    let introspected: Value = server
        .http
        .post(server.url("/realms/northwind/protocol/openid-connect/token/introspect"))
        .basic_auth("roles-app", Some(SECRET))
        .form(&[("token", body["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["realm_access"], access["realm_access"]);

    // alan: a direct client role and /staff/support (no roles of its own, /staff's through the parent).
    let alan = claims_of(password_grant(&server, "alan", "Alan-Kay-1940").await["access_token"].as_str().unwrap());
    assert_eq!(alan["resource_access"], json!({"orders-api": {"roles": ["orders:read"]}}));
    assert_eq!(
        alan["realm_access"]["roles"],
        json!(["default-roles-northwind", "offline_access", "staff", "uma_authorization"])
    );
}
