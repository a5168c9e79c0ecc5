//! Keycloak's non-interactive logout: `POST …/logout` with `refresh_token` and client authentication ends
//! that token's SSO session and revokes what was issued in it, answered 204. Without a refresh token the
//! request is a browser's (OIDC RP-Initiated Logout §2) and gets the confirmation page as before.

use reqwest::StatusCode;
use reqwest::header::{LOCATION, ORIGIN};
use serde_json::Value;

use super::{IMPORTER, direct_access_client, spa_params, spa_tokens};
use crate::signin::{Browser, SPA, WEB, WEB_SECRET, acme, error_of, pkce, query_of, redeem_spa, refresh, userinfo};

fn logout_url(server: &tessera_testkit::TestServer) -> String {
    server.url("/realms/acme/protocol/openid-connect/logout")
}

// RFC 7009 §2.1 in spirit ("SHOULD also invalidate all access tokens based on the same authorization grant")
// with Keycloak's request: a public client's refresh token and its client_id end the browser's SSO
// session: the refresh token, the access token and the session cookie stop working.
#[tokio::test]
async fn a_posted_refresh_token_with_client_id_ends_its_session_and_answers_204_rfc7009_2_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let page = browser.authorize(&spa_params(&p, "openid", &[])).await;
    let done = browser.login(page, "wile", "Super-Genius-1949").await;
    let code = query_of(done.headers()[LOCATION].to_str().unwrap())["code"].clone();
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let form = [("client_id", SPA), ("refresh_token", refresh_token)];
    let shop = "https://shop.acme.test";
    let out = server.http.post(logout_url(&server)).header(ORIGIN, shop).form(&form).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(out.headers()["access-control-allow-origin"], shop);
    assert_eq!(error_of(refresh(&server, SPA, refresh_token).await).await.1, "invalid_grant");
    assert_eq!(userinfo(&server, tokens["access_token"].as_str().unwrap()).await.status(), 401);
    let again = browser.authorize(&spa_params(&p, "openid", &[])).await;
    assert_eq!(again.status(), StatusCode::OK, "the browser's session ended: the login page again");
}

// RFC 6749 §2.3.1 at the logout: a confidential client authenticates (python-keycloak sends Basic or the
// body secret); Keycloak's errors: another client's token and an unknown token are 400 `invalid_grant`, no
// client at all 401 `invalid_client`.
#[tokio::test]
async fn logout_with_a_refresh_token_needs_its_own_client_and_answers_keycloaks_errors_rfc6749_5_2() {
    let server = acme().await;
    let secret = direct_access_client(&server).await;
    let form = [("grant_type", "password"), ("username", "wile"), ("password", "Super-Genius-1949")];
    let grant = server.http.post(server.token_url("acme")).basic_auth(IMPORTER, Some(&secret)).form(&form);
    let tokens: Value = grant.send().await.unwrap().json().await.unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let post = |form: Vec<(&'static str, String)>| server.http.post(logout_url(&server)).form(&form);

    let other = post(vec![("refresh_token", refresh_token.to_owned())]).basic_auth(WEB, Some(WEB_SECRET));
    let (status, error, description) = error_of(other.send().await.unwrap()).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    assert_eq!(description, "Invalid refresh token. Token client and authorized client don't match");
    let unknown = post(vec![("refresh_token", "no-such-token".into())]).basic_auth(IMPORTER, Some(&secret));
    let (status, error, description) = error_of(unknown.send().await.unwrap()).await;
    assert_eq!(
        (status, error.as_str(), description.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_grant", "Invalid refresh token")
    );
    let anonymous = post(vec![("refresh_token", refresh_token.to_owned())]);
    assert_eq!(error_of(anonymous.send().await.unwrap()).await.1, "invalid_client");

    let body = vec![
        ("refresh_token", refresh_token.to_owned()),
        ("client_id", IMPORTER.into()),
        ("client_secret", secret.clone()),
    ];
    assert_eq!(post(body).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let introspected = server.introspect("acme", IMPORTER, &secret, refresh_token).await;
    assert_eq!(introspected["active"], false);
}

// OIDC RP-Initiated Logout §2: a browser's logout (no refresh_token) still asks first.
#[tokio::test]
async fn a_logout_without_a_refresh_token_still_gets_the_confirmation_page_rp_initiated_logout_2() {
    let server = acme().await;
    let tokens = spa_tokens(&server, "openid").await;
    assert!(tokens["refresh_token"].is_string());
    let page = server.http.post(logout_url(&server)).form(&[("client_id", SPA)]).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}
