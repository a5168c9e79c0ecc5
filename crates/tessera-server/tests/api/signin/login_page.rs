//! The login page: CSRF, `prompt` and `max_age` (OIDC Core §3.1.2.1), wrong passwords and lockout.

use reqwest::header::LOCATION;

use super::{Browser, acme, field, form_action, pkce, query_of};

#[tokio::test]
async fn a_form_without_the_csrf_token_or_with_another_browsers_is_refused() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let html = browser.authorize_spa(&pkce(), &[]).await.text().await.unwrap();
    let action = server.url(&form_action(&html));
    let pending = field(&html, "pending");
    let missing =
        [("pending", pending.as_str()), ("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")];
    let response = browser.http.post(&action).form(&missing).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get(LOCATION).is_none());
    // The right token from a browser without the cookie (a cross-site post) fails too.
    let csrf = field(&html, "csrf");
    let stranger = Browser::new(&server);
    let forged = [
        ("pending", pending.as_str()),
        ("csrf", csrf.as_str()),
        ("username", "wile"),
        ("password", "Super-Genius-1949"),
        ("action", "login"),
    ];
    assert_eq!(stranger.http.post(&action).form(&forged).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn prompt_none_prompt_login_and_max_age_are_honoured_oidc_core_3_1_2_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let response = browser.authorize_spa(&p, &[("prompt", "none")]).await;
    assert_eq!(query_of(response.headers()[LOCATION].to_str().unwrap())["error"], "login_required");
    browser.spa_code(&p).await;
    let silent = browser.authorize_spa(&p, &[("prompt", "none")]).await;
    assert!(query_of(silent.headers()[LOCATION].to_str().unwrap()).contains_key("code"));
    assert_eq!(browser.authorize_spa(&p, &[("prompt", "login")]).await.status(), 200, "the form again");
    let hinted =
        browser.authorize_spa(&p, &[("prompt", "login"), ("login_hint", "roadrunner")]).await.text().await.unwrap();
    assert!(hinted.contains("value=\"roadrunner\""));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(browser.authorize_spa(&p, &[("max_age", "0")]).await.status(), 200, "too old a sign-in");
}

#[tokio::test]
async fn the_login_page_says_when_the_password_is_wrong_and_when_the_account_is_locked() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let mut page = browser.authorize_spa(&pkce(), &[]).await.text().await.unwrap();
    for _ in 0..4 {
        let again = browser.submit(&page, &[("username", "wile"), ("password", "nope"), ("action", "login")]).await;
        assert_eq!(again.status(), 200);
        page = again.text().await.unwrap();
        assert!(page.contains("role=\"alert\"") && page.contains("Invalid username or password."), "{page}");
        assert!(page.contains("value=\"wile\""), "the username is kept");
    }
    let locked = browser
        .submit(&page, &[("username", "wile"), ("password", "nope"), ("action", "login")])
        .await
        .text()
        .await
        .unwrap();
    assert!(locked.contains("Too many failed attempts"), "{locked}");
    let still =
        browser.submit(&locked, &[("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")]).await;
    assert_eq!(still.status(), 200, "no redirect while locked");
    let unknown = browser
        .submit(&locked, &[("username", "nobody"), ("password", "x"), ("action", "login")])
        .await
        .text()
        .await
        .unwrap();
    assert!(unknown.contains("Invalid username or password."), "unknown users look like wrong passwords");
}
