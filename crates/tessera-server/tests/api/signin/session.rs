//! How a sign-in session ends: the SSO idle timeout and RP-initiated logout.

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;
use tessera_core::clock::ManualClock;
use tessera_testkit::TestServer;

use super::{
    Browser, SPA, WEB, WEB_REDIRECT, WEB_SECRET, acme, error_of, field, fixture, pkce, query_of, redeem_spa, refresh,
    userinfo,
};

#[tokio::test]
async fn sso_idle_timeout_ends_the_session_and_its_refresh_tokens() {
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = TestServer::builder().import_realm(fixture()).clock(clock.clone()).spawn().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code"), ("scope", "openid")];
    let html = browser.authorize(&web).await.text().await.unwrap();
    let granted = browser.submit(&html, &[("action", "accept")]).await;
    let web_code = query_of(granted.headers()[LOCATION].to_str().unwrap())["code"].clone();
    let form = [("grant_type", "authorization_code"), ("code", web_code.as_str()), ("redirect_uri", WEB_REDIRECT)];
    let web_tokens: Value = server
        .http
        .post(server.token_url("acme"))
        .basic_auth(WEB, Some(WEB_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(web_tokens["refresh_expires_in"], 1800, "the realm's ssoSessionIdleTimeout");
    drop(code);
    clock.advance(1801);
    assert_eq!(browser.authorize_spa(&p, &[]).await.status(), 200, "idle too long: the login form again");
    let form = [("grant_type", "refresh_token"), ("refresh_token", web_tokens["refresh_token"].as_str().unwrap())];
    let response =
        server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "invalid_grant");
}

#[tokio::test]
async fn logout_ends_the_session_revokes_its_refresh_tokens_and_checks_the_redirect_rp_initiated_logout_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let hint = tokens["id_token"].as_str().unwrap();
    let url = server.url("/realms/acme/protocol/openid-connect/logout");
    let bad = browser
        .http
        .get(&url)
        .query(&[("id_token_hint", hint), ("post_logout_redirect_uri", "https://evil.test/")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.headers().get(LOCATION).is_none());
    let out = browser
        .http
        .get(&url)
        .query(&[("id_token_hint", hint), ("post_logout_redirect_uri", "https://shop.acme.test/"), ("state", "bye")])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::FOUND);
    assert_eq!(out.headers()[LOCATION], "https://shop.acme.test/?state=bye");
    // The offline token survives logout (Keycloak); a session token does not.
    let offline = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&server, SPA, offline).await.status(), 200);
    assert_eq!(browser.authorize_spa(&p, &[]).await.status(), 200, "signed out: the form again");

    // Without a hint, the user confirms first.
    let code = browser.spa_code(&p).await;
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code"), ("scope", "openid")];
    let html = browser.authorize(&web).await.text().await.unwrap();
    let granted = browser.submit(&html, &[("action", "accept")]).await;
    let web_code = query_of(granted.headers()[LOCATION].to_str().unwrap())["code"].clone();
    let form = [("grant_type", "authorization_code"), ("code", web_code.as_str()), ("redirect_uri", WEB_REDIRECT)];
    let web_tokens: Value = server
        .http
        .post(server.token_url("acme"))
        .basic_auth(WEB, Some(WEB_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    drop(code);
    let confirm = browser.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(confirm.contains("Do you want to sign out?"));
    let done = browser
        .http
        .post(&url)
        .form(&[("csrf", field(&confirm, "csrf").as_str()), ("action", "logout")])
        .send()
        .await
        .unwrap();
    assert!(done.text().await.unwrap().contains("You are signed out"));
    let form = [("grant_type", "refresh_token"), ("refresh_token", web_tokens["refresh_token"].as_str().unwrap())];
    let response =
        server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "invalid_grant", "the session's refresh token is revoked");
    assert_eq!(userinfo(&server, web_tokens["access_token"].as_str().unwrap()).await.status(), 401);
}
