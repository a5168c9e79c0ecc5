//! Response modes at the authorization endpoint: `query` and `fragment` (OAuth 2.0 Multiple Response Type
//! Encoding Practices §2.1), `form_post` (OAuth 2.0 Form Post Response Mode §2), each with RFC 9207's `iss`,
//! and errors sent back in the mode that was asked for (RFC 6749 §4.1.2.1).

use std::collections::HashMap;

use aws_lc_rs::digest;
use base64::Engine;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION};

use super::spa_params;
use crate::signin::{Browser, SPA_REDIRECT, acme, field, form_action, pkce, redeem_spa};

fn fragment_of(location: &str) -> HashMap<String, String> {
    let url = url::Url::parse(location).unwrap();
    assert!(url.query().is_none(), "nothing in the query: {location}");
    url::form_urlencoded::parse(url.fragment().unwrap_or("").as_bytes()).into_owned().collect()
}

// Multiple Response Types §2.1 (fragment) and RFC 9207 §2: keycloak-js's default mode; the code, state and
// issuer come back in the fragment and the code redeems.
#[tokio::test]
async fn response_mode_fragment_returns_code_state_and_iss_in_the_fragment_oauth_mrt_2_1_rfc9207_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let page = browser.authorize(&spa_params(&p, "openid", &[("response_mode", "fragment")])).await;
    let done = browser.login(page, "wile", "Super-Genius-1949").await;
    assert_eq!(done.status(), StatusCode::FOUND);
    let location = done.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{SPA_REDIRECT}#")), "{location}");
    let f = fragment_of(&location);
    assert_eq!((f["state"].as_str(), f["iss"].clone()), ("st-kc", server.issuer("acme")));
    assert_eq!(redeem_spa(&server, &f["code"], &p.verifier).await.status(), StatusCode::OK);
}

// Form Post Response Mode §2: the answer is a page whose form posts code, state and iss to the redirect URI;
// its one script (the auto-submit) runs by its hash under the page's CSP, and a noscript button remains.
#[tokio::test]
async fn response_mode_form_post_renders_an_auto_submitting_form_allowed_by_its_csp_hash_form_post_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let page = browser.authorize(&spa_params(&p, "openid", &[("response_mode", "form_post")])).await;
    let done = browser.login(page, "wile", "Super-Genius-1949").await;
    assert_eq!(done.status(), StatusCode::OK);
    let csp = done.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    let html = done.text().await.unwrap();
    assert_eq!(form_action(&html), SPA_REDIRECT);
    assert!(html.contains("method=\"post\"") && html.contains("<noscript>"), "{html}");
    assert_eq!(field(&html, "state"), "st-kc");
    assert_eq!(field(&html, "iss"), server.issuer("acme"));
    let script = html.split("<script>").nth(1).unwrap().split("</script>").next().unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(digest::digest(&digest::SHA256, script.as_bytes()));
    assert!(csp.contains(&format!("script-src 'sha256-{hash}'")), "{csp}");
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(redeem_spa(&server, &field(&html, "code"), &p.verifier).await.status(), StatusCode::OK);
}

// RFC 6749 §4.1.2.1 with Multiple Response Types §2.1: an error goes back the way a code would have
// (keycloak-js reads `prompt=none`'s `login_required` from the fragment); a mode we do not offer is
// itself an error, in the query.
#[tokio::test]
async fn errors_go_back_in_the_response_mode_that_was_asked_for_rfc6749_4_1_2_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let silent = spa_params(&p, "openid", &[("response_mode", "fragment"), ("prompt", "none")]);
    let response = browser.authorize(&silent).await;
    let f = fragment_of(response.headers()[LOCATION].to_str().unwrap());
    assert_eq!((f["error"].as_str(), f["state"].as_str()), ("login_required", "st-kc"));
    assert_eq!(f["iss"], server.issuer("acme"));

    let posted = browser.authorize(&spa_params(&p, "openid admin:everything", &[("response_mode", "form_post")])).await;
    assert_eq!(posted.status(), StatusCode::OK);
    let html = posted.text().await.unwrap();
    assert_eq!((field(&html, "error").as_str(), form_action(&html).as_str()), ("invalid_scope", SPA_REDIRECT));

    let jwt_mode = browser.authorize(&spa_params(&p, "openid", &[("response_mode", "query.jwt")])).await;
    let location = jwt_mode.headers()[LOCATION].to_str().unwrap().to_owned();
    let q = crate::signin::query_of(&location);
    assert_eq!((q["error"].as_str(), q.get("code")), ("invalid_request", None), "{location}");
}
