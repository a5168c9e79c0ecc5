//! "Revoke all tokens of this client" over the admin REST API: Keycloak's `POST
//! /clients/{id}/push-revocation` (with the client's `notBefore` set to now first, as "Set to now" does) and
//! `PUT /clients/{id}` with a later `notBefore`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_testkit::TestServer;

use super::{SECRET, call, master_token, server};
use crate::roles::{password_grant, roles_app_grant};

const NW: &str = "/admin/realms/northwind";

async fn client_pk(server: &TestServer, token: &str, client_id: &str) -> String {
    let (status, found, _) =
        call(server, Method::GET, &format!("{NW}/clients?clientId={client_id}"), Some(token), None).await;
    assert_eq!(status, StatusCode::OK);
    found[0]["id"].as_str().unwrap().to_owned()
}

async fn grace_tokens(server: &TestServer) -> Value {
    password_grant(server, "grace", "Grace-Hopper-1906").await
}

/// A not-before is a NumericDate (whole seconds, RFC 7519 §2) and spares tokens issued in its own second:
/// a revocation meant to void `token` must come in a later second.
async fn next_second_after(token: &str) {
    let iat = crate::support::claims_of(token)["iat"].as_i64().unwrap();
    while std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 <= iat {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// RFC 7662 introspection by the token's own client (who may introspect a token: its client and audiences).
async fn active_for(server: &TestServer, client: &str, token: &str) -> bool {
    server.introspect("northwind", client, SECRET, token).await["active"] == json!(true)
}

async fn active(server: &TestServer, token: &str) -> bool {
    active_for(server, "roles-app", token).await
}

/// RFC 7662 §2.2 (`active: false` for a token no longer valid) and RFC 7009 §2.1 (revoking a grant voids what
/// was issued from it): after the push, the client's earlier tokens are inactive and its refresh token is
/// refused, a token issued afterwards is active, and other clients' tokens are untouched.
#[tokio::test]
async fn push_revocation_makes_the_clients_earlier_tokens_inactive_and_leaves_later_ones_and_other_clients_alone() {
    let (server, _dir) = server().await;
    let admin = master_token(&server).await;
    let roles_app = client_pk(&server, &admin, "roles-app").await;
    let before = grace_tokens(&server).await;
    let other = server.access_token("northwind", "reporting-job", SECRET).await;
    let early = before["access_token"].as_str().unwrap();
    assert!(active(&server, early).await);
    assert!(active_for(&server, "reporting-job", &other).await);
    next_second_after(early).await;

    let path = format!("{NW}/clients/{roles_app}/push-revocation");
    let (status, body, _) = call(&server, Method::POST, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"successRequests": [], "failedRequests": []}));

    assert!(!active(&server, early).await, "a token issued before is inactive");
    assert!(active_for(&server, "reporting-job", &other).await, "another client's token stays active");
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", before["refresh_token"].as_str().unwrap())];
    let refused = roles_app_grant(&server, &refresh).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(refused.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let after = grace_tokens(&server).await;
    assert!(active(&server, after["access_token"].as_str().unwrap()).await, "a token issued after is active");

    // The representation carries the instant; the admin event names the action.
    let (_, client, _) = call(&server, Method::GET, &format!("{NW}/clients/{roles_app}"), Some(&admin), None).await;
    let not_before = client["notBefore"].as_i64().unwrap();
    assert!(not_before > crate::support::claims_of(early)["iat"].as_i64().unwrap(), "{client}");
    let (_, events, _) =
        call(&server, Method::GET, &format!("{NW}/admin-events?operationTypes=ACTION"), Some(&admin), None).await;
    let pushed = format!("clients/{roles_app}/push-revocation");
    assert!(events.as_array().unwrap().iter().any(|e| e["resourcePath"] == json!(pushed)), "{events}");
}

/// Keycloak's "Set to now" is a `PUT` of the client with a later `notBefore`; sending the representation
/// back unchanged changes nothing. Without `manage-clients` the push is refused (403).
#[tokio::test]
async fn a_later_not_before_put_on_the_client_revokes_as_the_push_does_and_an_unchanged_one_does_nothing() {
    let (server, _dir) = server().await;
    let admin = master_token(&server).await;
    let roles_app = client_pk(&server, &admin, "roles-app").await;
    let early = grace_tokens(&server).await["access_token"].as_str().unwrap().to_owned();
    let path = format!("{NW}/clients/{roles_app}");
    let (_, client, _) = call(&server, Method::GET, &path, Some(&admin), None).await;
    let (status, ..) = call(&server, Method::PUT, &path, Some(&admin), Some(client.clone())).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(active(&server, &early).await, "the same notBefore sent back revokes nothing");
    next_second_after(&early).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let (status, ..) = call(&server, Method::PUT, &path, Some(&admin), Some(json!({ "notBefore": now }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!active(&server, &early).await);

    // grace holds no realm-management role: the push is not hers to make.
    let grace = grace_tokens(&server).await["access_token"].as_str().unwrap().to_owned();
    let (status, ..) = call(&server, Method::POST, &format!("{path}/push-revocation"), Some(&grace), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
