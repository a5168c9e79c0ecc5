//! Keycloak's `session_state` in the token response and the `sid` and `typ` claims where Keycloak puts
//! them: `Bearer` (access), `ID`, `Refresh` / `Offline` (introspection of a refresh token).

use serde_json::Value;

use super::{IMPORTER, direct_access_client, spa_tokens};
use crate::signin::acme;
use crate::support::claims_of;

// OIDC Session Management §2.1 names `session_state`; Keycloak puts the SSO session's id in its token
// responses, and the same id is `sid` (OIDC Back-Channel Logout §2.4) in the access and ID tokens.
#[tokio::test]
async fn token_responses_carry_session_state_equal_to_the_tokens_sid_and_keycloaks_typ_claims_oidc_session_2_1() {
    let server = acme().await;
    let tokens = spa_tokens(&server, "openid profile").await;
    let session = tokens["session_state"].as_str().expect("session_state");
    let access = claims_of(tokens["access_token"].as_str().unwrap());
    let id = claims_of(tokens["id_token"].as_str().unwrap());
    assert_eq!((access["sid"].as_str(), access["typ"].as_str()), (Some(session), Some("Bearer")));
    assert_eq!((id["sid"].as_str(), id["typ"].as_str()), (Some(session), Some("ID")));
    // A client's own token has no session.
    let cc = server.client_credentials("acme", "billing-service", "billing-service-secret-77f0c2b5d1e94a3c", None);
    let cc: Value = cc.await.json().await.unwrap();
    assert!(cc.get("session_state").is_none(), "{cc}");
}

// RFC 7662 §2.2 allows extension members: introspection shows Keycloak's `typ` and the `sid` of both kinds.
#[tokio::test]
async fn introspection_shows_keycloaks_typ_and_the_sid_of_access_and_refresh_tokens_rfc7662_2_2() {
    let server = acme().await;
    let secret = direct_access_client(&server).await;
    let form = [("grant_type", "password"), ("username", "wile"), ("password", "Super-Genius-1949")];
    let request = server.http.post(server.token_url("acme")).basic_auth(IMPORTER, Some(&secret)).form(&form);
    let tokens: Value = request.send().await.unwrap().json().await.unwrap();
    let session = tokens["session_state"].as_str().unwrap();
    let access = server.introspect("acme", IMPORTER, &secret, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!((access["typ"].as_str(), access["sid"].as_str()), (Some("Bearer"), Some(session)), "{access}");
    let refresh = server.introspect("acme", IMPORTER, &secret, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refresh["active"], true, "{refresh}");
    assert_eq!((refresh["typ"].as_str(), refresh["sid"].as_str()), (Some("Refresh"), Some(session)));
}
