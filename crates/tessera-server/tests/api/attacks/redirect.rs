//! Attacks on the way back to the client: lookalike redirect URIs (RFC 9700 §4.1), codes and tokens left in
//! URLs (§4.3), mix-up (§4.4), token injection (§4.6), open redirection at the authorization and logout
//! endpoints (§4.11.2) and in-browser messaging (§4.17).

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::Value;

use super::{code_in, location, spa_request};
use crate::signin::{
    Browser, SPA, SPA_REDIRECT, WEB, WEB_REDIRECT, acme, error_of, field, pkce, query_of, redeem_spa, userinfo,
};

/// An error page, not a redirect: 400, HTML, no `Location`, and the target named nowhere on it.
async fn assert_error_page(response: reqwest::Response, target: &str, case: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
    assert!(response.headers().get(LOCATION).is_none(), "{case} must not redirect");
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{case}");
    assert!(!response.text().await.unwrap().contains(target), "{case}: no link to {target}");
}

/// §4.1.3: redirect URIs are compared exactly (Keycloak's trailing `*` matches whole path segments of the
/// same origin), so no lookalike receives a code.
#[tokio::test]
async fn lookalike_redirect_uris_get_an_error_page_and_never_a_code_rfc9700_4_1_3() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    browser.spa_code(&p).await;
    for uri in [
        "https://shop.acme.test.evil.test/callback",
        "https://shop.acme.test:8443/callback",
        "http://shop.acme.test/callback",
        "https://shop.acme.test/CALLBACK",
        "https://shop.acme.test/callback/../../evil",
        "https://shop.acme.test/callback%2F..%2F..%2Fevil",
        "http://127.0.0.1:5173@evil.test/cb",
        "http://127.0.0.1:51730/cb",
        "http://127.0.0.1:5173\\@evil.test/",
        "http://localhost:5173/cb",
    ] {
        let response = browser.authorize(&spa_request(&p, &[("redirect_uri", uri)])).await;
        assert_error_page(response, "evil", uri).await;
    }
}

/// §4.3: a code left in the browser history is spent (§4.3.1), and no access token is read from a URL
/// query (§4.3.2; RFC 6750 §2.3 is not offered).
#[tokio::test]
async fn a_code_works_once_and_no_access_token_is_taken_from_a_url_query_rfc9700_4_3() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let (status, error, _) = error_of(redeem_spa(&server, &code, &p.verifier).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    let access = tokens["access_token"].as_str().unwrap();
    let url = server.url("/realms/acme/protocol/openid-connect/userinfo");
    let in_query = server.http.get(&url).query(&[("access_token", access)]).send().await.unwrap();
    assert_eq!(in_query.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(in_query.headers()["www-authenticate"], "Bearer realm=\"tessera\"");
}

/// §4.4.2.1 and RFC 9207 §2: success and every error alike carry `iss`, once, so a client talking to
/// several servers can tell which one answered.
#[tokio::test]
async fn every_authorization_response_success_or_error_carries_the_issuer_rfc9700_4_4_2_1_rfc9207_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let mut answers = vec![
        ("login_required", browser.authorize(&spa_request(&p, &[("prompt", "none")])).await),
        ("invalid_scope", browser.authorize(&spa_request(&p, &[("scope", "openid payroll:admin")])).await),
        ("unsupported_response_type", browser.authorize(&spa_request(&p, &[("response_type", "token")])).await),
        ("invalid_request", browser.authorize(&spa_request(&p, &[("code_challenge_method", "plain")])).await),
    ];
    let page = browser.authorize(&spa_request(&p, &[])).await.text().await.unwrap();
    answers.push(("access_denied", browser.submit(&page, &[("action", "cancel")]).await));
    let page = browser.authorize(&spa_request(&p, &[])).await;
    answers.push(("code", browser.login(page, "wile", "Super-Genius-1949").await));
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code"), ("state", "w")];
    let mut silent = web.to_vec();
    silent.push(("prompt", "none"));
    answers.push(("consent_required", browser.authorize(&silent).await));
    let consent = browser.authorize(&web).await.text().await.unwrap();
    answers.push(("access_denied", browser.submit(&consent, &[("action", "deny")]).await));

    for (expected, response) in answers {
        assert_eq!(response.status(), StatusCode::FOUND, "{expected}");
        let url = url::Url::parse(&location(&response)).unwrap();
        let iss: Vec<String> = url.query_pairs().filter(|(k, _)| k == "iss").map(|(_, v)| v.into_owned()).collect();
        assert_eq!(iss, [server.issuer("acme")], "{expected}: {url}");
        let q = query_of(url.as_str());
        assert!(q.get("error").map(String::as_str) == Some(expected) || q.contains_key(expected), "{url}");
    }
    let discovery: Value = server
        .http
        .get(server.url("/realms/acme/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["authorization_response_iss_parameter_supported"], true);
}

/// §4.6: access tokens are only ever issued at the token endpoint (no implicit or hybrid response), so there
/// is no token in an authorization response to swap.
#[tokio::test]
async fn no_access_token_leaves_the_authorization_endpoint_so_none_can_be_injected_rfc9700_4_6() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    browser.spa_code(&p).await;
    for response_type in ["token", "id_token token", "code token", "code id_token token", "id_token"] {
        let response = browser.authorize(&spa_request(&p, &[("response_type", response_type)])).await;
        let to = location(&response);
        assert_eq!(query_of(&to)["error"], "unsupported_response_type", "{response_type}");
        assert!(!to.contains('#') && !to.contains("token="), "{response_type}: {to}");
    }
}

/// §4.11.2, RFC 6749 §4.1.2.1: with the client or its redirect URI in doubt, the user sees an error page,
/// whatever else is wrong with the request and whether or not they are signed in.
#[tokio::test]
async fn the_authorization_endpoint_never_redirects_to_an_unregistered_uri_even_to_report_an_error_rfc9700_4_11_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let evil = "https://evil.test/phish";
    let without = |name: &str| spa_request(&p, &[]).into_iter().filter(|(n, _)| *n != name).collect::<Vec<_>>();
    let cases = [
        ("unregistered", spa_request(&p, &[("redirect_uri", evil)])),
        ("and a bad scope", spa_request(&p, &[("redirect_uri", evil), ("scope", "payroll:admin")])),
        ("and implicit", spa_request(&p, &[("redirect_uri", evil), ("response_type", "token")])),
        ("and silent", spa_request(&p, &[("redirect_uri", evil), ("prompt", "none")])),
        ("another client's", spa_request(&p, &[("redirect_uri", WEB_REDIRECT)])),
        ("unknown client", spa_request(&p, &[("client_id", "nobody"), ("redirect_uri", evil)])),
        ("disabled client", spa_request(&p, &[("client_id", "legacy-importer"), ("redirect_uri", evil)])),
        ("no client", without("client_id")),
        ("no redirect_uri", without("redirect_uri")),
    ];
    for signed_in in [false, true] {
        if signed_in {
            browser.spa_code(&p).await;
        }
        for (case, params) in &cases {
            let response = browser.authorize(params).await;
            assert_error_page(response, "evil.test", &format!("{case}, signed in: {signed_in}")).await;
        }
    }
}

/// §4.11.2 at logout, RP-Initiated Logout §3: "The OP MUST NOT perform post-logout redirection if the
/// post_logout_redirect_uri value supplied does not exactly match one of the previously registered" ones
/// of the client the request names; and a refused request signs no one out.
#[tokio::test]
async fn logout_never_redirects_to_an_unregistered_post_logout_redirect_uri_rfc9700_4_11_2_rp_initiated_logout_3() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let hint = tokens["id_token"].as_str().unwrap();
    let url = server.url("/realms/acme/protocol/openid-connect/logout");
    let cases: [(&str, Vec<(&str, &str)>); 6] = [
        ("unregistered", vec![("id_token_hint", hint), ("post_logout_redirect_uri", "https://evil.test/")]),
        ("by client_id", vec![("client_id", SPA), ("post_logout_redirect_uri", "https://evil.test/")]),
        ("no client named", vec![("post_logout_redirect_uri", "https://shop.acme.test/")]),
        ("another client's", vec![("client_id", WEB), ("post_logout_redirect_uri", "https://shop.acme.test/")]),
        ("lookalike", vec![("id_token_hint", hint), ("post_logout_redirect_uri", "https://shop.acme.test.evil.test/")]),
        ("userinfo", vec![("id_token_hint", hint), ("post_logout_redirect_uri", "https://shop.acme.test@evil.test/")]),
    ];
    for (case, query) in cases {
        let response = browser.http.get(&url).query(&query).send().await.unwrap();
        assert_error_page(response, "evil.test", case).await;
    }
    // The confirmation page's form, posted with an unregistered URI.
    let confirm = browser.http.get(&url).send().await.unwrap().text().await.unwrap();
    let csrf = field(&confirm, "csrf");
    let form = [
        ("csrf", csrf.as_str()),
        ("action", "logout"),
        ("client_id", SPA),
        ("post_logout_redirect_uri", "https://evil.test/"),
    ];
    assert_error_page(browser.http.post(&url).form(&form).send().await.unwrap(), "evil.test", "posted").await;
    // Still signed in, and the access token still stands.
    assert_eq!(browser.authorize(&spa_request(&p, &[])).await.status(), StatusCode::FOUND);
    assert_eq!(userinfo(&server, tokens["access_token"].as_str().unwrap()).await.status(), 200);
}

/// §4.17: authorization responses go back to the redirect URI only (by redirect, or a form posted to it);
/// no `web_message` (postMessage) response mode whose origin could be gotten wrong.
#[tokio::test]
async fn authorization_responses_go_to_the_redirect_uri_never_by_post_message_rfc9700_4_17() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    browser.spa_code(&p).await;
    let response = browser.authorize(&spa_request(&p, &[("response_mode", "web_message")])).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let q = query_of(&location(&response));
    assert_eq!((q["error"].as_str(), q.get("code")), ("invalid_request", None));
    assert!(location(&response).starts_with(SPA_REDIRECT));
    let discovery: Value = server
        .http
        .get(server.url("/realms/acme/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["response_modes_supported"], serde_json::json!(["query", "fragment", "form_post"]));
    // The honest request is answered by redirect with a code.
    code_in(&browser.authorize(&spa_request(&p, &[])).await);
}
