//! RFC 6749 §4.3 with Keycloak's answer to a wrong password: 401 `invalid_grant`, "Invalid user credentials".

use reqwest::StatusCode;

use super::{IMPORTER, direct_access_client};
use crate::signin::{acme, error_of};

// RFC 6749 §5.2 names `invalid_grant` for wrong resource-owner credentials with status 400; Keycloak answers
// 401 and python-keycloak raises `KeycloakAuthenticationError` only on 401 (docs/keycloak-compat.md,
// "password grant, wrong credentials").
#[tokio::test]
async fn a_wrong_password_at_the_password_grant_is_401_invalid_grant_as_keycloak_rfc6749_5_2() {
    let server = acme().await;
    let secret = direct_access_client(&server).await;
    let grant = |username: &'static str, password: &'static str| {
        let form = [("grant_type", "password"), ("username", username), ("password", password)];
        server.http.post(server.token_url("acme")).basic_auth(IMPORTER, Some(&secret)).form(&form).send()
    };
    for (username, password) in [("wile", "wrong"), ("nobody-at-all", "wrong")] {
        let response = grant(username, password).await.unwrap();
        let challenge = response.headers().get("www-authenticate").cloned();
        assert!(challenge.is_none(), "not a client-authentication failure: {challenge:?} {:?}", response.text().await);
        let (status, error, description) = error_of(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{username}");
        assert_eq!(error, "invalid_grant");
        assert_eq!(description, "Invalid user credentials");
    }
    let ok = grant("wile", "Super-Genius-1949").await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}
