//! Authorization codes in the wrong hands: injected (RFC 9700 §4.5), stripped of PKCE (§4.8), or redeemed
//! by someone naming a confidential client (RFC 6749 §10.2).

use reqwest::StatusCode;

use super::{code_in, redeem_web, spa_request, web_code};
use crate::signin::{Browser, SPA, SPA_REDIRECT, WEB, WEB_REDIRECT, WEB_SECRET, acme, error_of, pkce, query_of};

/// §4.5.3.1: the code is bound to its client, its redirect URI and its PKCE challenge, so an attacker who
/// read the authorization response (attacker A3) can neither redeem nor inject it.
#[tokio::test]
async fn a_stolen_code_is_refused_to_another_client_without_its_verifier_or_at_another_redirect_uri_rfc9700_4_5_3_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let stolen = browser.spa_code(&p).await;
    let invalid_grant = (StatusCode::BAD_REQUEST, "invalid_grant".to_owned());

    // Another client, even with the victim's verifier and redirect URI (§4.5.2).
    let form = [
        ("grant_type", "authorization_code"),
        ("code", stolen.as_str()),
        ("redirect_uri", SPA_REDIRECT),
        ("code_verifier", p.verifier.as_str()),
    ];
    let response =
        server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    let (status, error, _) = error_of(response).await;
    assert_eq!((status, error), invalid_grant, "another client");

    // The right client without the verifier, with the attacker's own, or at another registered redirect URI
    // (RFC 7636 §4.6; RFC 6749 §4.1.3). Each on a fresh code of the same session.
    let attacker = pkce();
    let attempts: [(&str, &[(&str, &str)]); 3] = [
        ("no verifier", &[("redirect_uri", SPA_REDIRECT)]),
        ("the attacker's verifier", &[("redirect_uri", SPA_REDIRECT), ("code_verifier", &attacker.verifier)]),
        ("another redirect URI", &[("redirect_uri", "http://127.0.0.1:5173/cb"), ("code_verifier", &p.verifier)]),
    ];
    for (what, extra) in attempts {
        let code = code_in(&browser.authorize(&spa_request(&p, &[])).await);
        let mut form = vec![("grant_type", "authorization_code"), ("code", code.as_str()), ("client_id", SPA)];
        form.extend_from_slice(extra);
        let response = server.http.post(server.token_url("acme")).form(&form).send().await.unwrap();
        let (status, error, _) = error_of(response).await;
        assert_eq!((status, error), invalid_grant, "{what}");
    }

    // The other client's attempt did not spend the code: its owner still redeems it.
    assert_eq!(crate::signin::redeem_spa(&server, &stolen, &p.verifier).await.status(), 200);
}

/// §4.8.2: "if there was no code_challenge in the authorization request, a request to the token endpoint
/// containing a code_verifier is rejected"; and a code issued with a challenge needs its verifier.
#[tokio::test]
async fn pkce_cannot_be_downgraded_a_verifier_for_a_code_without_challenge_is_refused_and_vice_versa_rfc9700_4_8_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    browser.spa_code(&p).await;

    // The back office may go without PKCE; the attacker stripped the challenge (§4.8.1 step 2), the client
    // sends its verifier (step 5).
    let code = web_code(&browser, &[]).await;
    let (status, error, _) = error_of(redeem_web(&server, &code, &[("code_verifier", &p.verifier)]).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"), "verifier without challenge");

    let code = web_code(&browser, &[("code_challenge", &p.challenge), ("code_challenge_method", "S256")]).await;
    let (status, error, _) = error_of(redeem_web(&server, &code, &[]).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"), "challenge without verifier");

    // A client that must use PKCE cannot drop the challenge at all (§4.8.2: mandating PKCE implies the check).
    let stripped: Vec<_> = spa_request(&p, &[]).into_iter().filter(|(n, _)| !n.starts_with("code_challenge")).collect();
    let refused = browser.authorize(&stripped).await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let q = query_of(&super::location(&refused));
    assert_eq!((q["error"].as_str(), q.get("code")), ("invalid_request", None));

    // The honest shapes still work.
    let code = web_code(&browser, &[]).await;
    assert_eq!(redeem_web(&server, &code, &[]).await.status(), 200);
    let code = web_code(&browser, &[("code_challenge", &p.challenge), ("code_challenge_method", "S256")]).await;
    assert_eq!(redeem_web(&server, &code, &[("code_verifier", &p.verifier)]).await.status(), 200);
}

/// RFC 6749 §10.2: "The authorization server MUST authenticate the client whenever possible": a confidential
/// client's code is not redeemed by naming the client, and §4.4: client credentials are for confidential
/// clients only.
#[tokio::test]
async fn a_confidential_clients_code_needs_its_secret_and_a_public_client_gets_no_client_credentials_rfc6749_10_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    browser.spa_code(&pkce()).await;
    let code = web_code(&browser, &[]).await;
    let token_url = server.token_url("acme");
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", WEB_REDIRECT)];

    let mut named = form.to_vec();
    named.push(("client_id", WEB));
    let (status, error, _) = error_of(server.http.post(&token_url).form(&named).send().await.unwrap()).await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"), "named as if public");
    named.push(("client_secret", "backoffice-secret-guess"));
    let (status, error, _) = error_of(server.http.post(&token_url).form(&named).send().await.unwrap()).await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"), "a guessed secret");
    let response = server.http.post(&token_url).basic_auth(WEB, Some("guess")).form(&form).send().await.unwrap();
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    assert_eq!(error_of(response).await.1, "invalid_client", "a guessed secret by Basic");
    // None of that spent the code: the client itself, authenticated, redeems it.
    assert_eq!(redeem_web(&server, &code, &[]).await.status(), 200);

    // The public storefront asks for a token of its own: refused, with or without a made-up secret.
    let form = [("grant_type", "client_credentials"), ("client_id", SPA)];
    let (status, error, _) = error_of(server.http.post(&token_url).form(&form).send().await.unwrap()).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "unauthorized_client"));
    let (status, error, _) = error_of(server.client_credentials("acme", SPA, "made-up", None).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));
}
