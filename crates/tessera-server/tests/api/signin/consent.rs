//! Consent (OIDC Core §3.1.2.4): single sign-on into a second client, remembered grants, denial.

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;

use super::{Browser, WEB, WEB_REDIRECT, WEB_SECRET, acme, pkce, query_of};

#[tokio::test]
async fn a_second_client_signs_in_through_the_sso_cookie_and_consent_is_remembered_oidc_core_3_1_2_4() {
    let server = acme().await;
    let browser = Browser::new(&server);
    browser.spa_code(&pkce()).await;
    let web = [
        ("client_id", WEB),
        ("redirect_uri", WEB_REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "w1"),
    ];
    let consent = browser.authorize(&web).await;
    assert_eq!(consent.status(), 200, "no password asked: the SSO session signs the user in");
    let html = consent.text().await.unwrap();
    assert!(
        html.contains("Allow Back office") && html.contains("Read your orders") && !html.contains("password"),
        "{html}"
    );
    let granted = browser.submit(&html, &[("action", "accept")]).await;
    assert_eq!(granted.status(), StatusCode::FOUND);
    let q = query_of(granted.headers()[LOCATION].to_str().unwrap());
    assert_eq!(q["state"], "w1");
    // Confidential client, no PKCE: the code redeems with its secret.
    let form = [("grant_type", "authorization_code"), ("code", q["code"].as_str()), ("redirect_uri", WEB_REDIRECT)];
    let tokens =
        server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    let body: Value = tokens.json().await.unwrap();
    assert!(body["refresh_token"].is_string(), "confidential clients get refresh tokens");
    // Remembered: straight to the code next time.
    let again = browser.authorize(&web).await;
    assert_eq!(again.status(), StatusCode::FOUND);
    assert!(query_of(again.headers()[LOCATION].to_str().unwrap()).contains_key("code"));
    // prompt=consent asks again.
    let mut asked = web.to_vec();
    asked.push(("prompt", "consent"));
    assert_eq!(browser.authorize(&asked).await.status(), 200);
}

#[tokio::test]
async fn denying_consent_or_cancelling_login_returns_access_denied_rfc6749_4_1_2_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let page = browser.authorize_spa(&pkce(), &[]).await.text().await.unwrap();
    let cancelled = browser.submit(&page, &[("action", "cancel")]).await;
    assert_eq!(cancelled.status(), StatusCode::FOUND);
    let q = query_of(cancelled.headers()[LOCATION].to_str().unwrap());
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("access_denied", "st-123"));

    browser.spa_code(&pkce()).await;
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code")];
    let html = browser.authorize(&web).await.text().await.unwrap();
    let denied = browser.submit(&html, &[("action", "deny")]).await;
    assert_eq!(query_of(denied.headers()[LOCATION].to_str().unwrap())["error"], "access_denied");
}
