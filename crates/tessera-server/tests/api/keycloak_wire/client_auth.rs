//! RFC 6749 §2.3: one authentication method per request. keycloak-connect sends the client's id and secret
//! both in HTTP Basic and in the body; Keycloak takes that, and so do we when the two agree.

use reqwest::StatusCode;

use super::json_of;
use crate::signin::{WEB, WEB_SECRET, acme, error_of};

async fn introspect(server: &tessera_testkit::TestServer, body_id: &str, body_secret: &str) -> reqwest::Response {
    let form = [("token", "not-a-token"), ("client_id", body_id), ("client_secret", body_secret)];
    let url = server.url("/realms/acme/protocol/openid-connect/token/introspect");
    server.http.post(url).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap()
}

// RFC 6749 §2.3 ("MUST NOT use more than one authentication method"): the same id and secret twice are one
// method presented twice (docs/keycloak-compat.md, "credentials in Basic and body").
#[tokio::test]
async fn the_same_client_credentials_in_basic_and_in_the_body_are_accepted_rfc6749_2_3() {
    let server = acme().await;
    let (status, body) = json_of(introspect(&server, WEB, WEB_SECRET).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
}

// RFC 6749 §2.3: two different identities, or one identity with two different secrets, stay refused.
#[tokio::test]
async fn basic_and_body_naming_different_clients_or_secrets_are_refused_rfc6749_2_3() {
    let server = acme().await;
    let (status, error, _) = error_of(introspect(&server, WEB, "backoffice-secret-other").await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_request"), "another secret");
    let (status, error, _) = error_of(introspect(&server, "billing-service", WEB_SECRET).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_request"), "another client");
    // A body secret without a body client_id is a second method, not a repetition.
    let url = server.url("/realms/acme/protocol/openid-connect/token/introspect");
    let form = [("token", "x"), ("client_secret", WEB_SECRET)];
    let response = server.http.post(url).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "invalid_request");
}
