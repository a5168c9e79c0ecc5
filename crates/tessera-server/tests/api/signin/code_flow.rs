//! The authorization code flow (RFC 6749 §4.1, OIDC Core §3.1): PKCE, codes redeemed once, redirect URIs
//! matched exactly, response types other than `code` refused.

use std::sync::Arc;

use aws_lc_rs::digest;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, REFERRER_POLICY, SET_COOKIE, X_FRAME_OPTIONS};
use serde_json::Value;

use super::{
    Browser, SPA, SPA_REDIRECT, WEB, WEB_REDIRECT, WEB_SECRET, acme, error_of, pkce, query_of, redeem_spa, refresh,
    userinfo,
};
use crate::support::{b64, claims_of};

#[tokio::test]
async fn code_flow_with_pkce_signs_in_and_issues_id_access_and_refresh_tokens_rfc6749_4_1_oidc_core_3_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let pkce = pkce();
    let page = browser.authorize_spa(&pkce, &[]).await;
    assert_eq!(page.status(), 200);
    let h = page.headers();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(h[CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h[X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[REFERRER_POLICY], "no-referrer");
    let csrf_cookie =
        h.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap()).find(|c| c.starts_with("TESSERA_CSRF=")).unwrap();
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"), "{csrf_cookie}");
    let html = page.text().await.unwrap();
    assert!(html.contains("ACME Corp") && html.contains("Storefront SPA") && html.contains(">Cancel<"), "{html}");

    let done =
        browser.submit(&html, &[("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")]).await;
    assert_eq!(done.status(), StatusCode::FOUND);
    let session_cookie = done
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("TESSERA_SESSION="))
        .unwrap();
    assert!(session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"));
    assert!(!session_cookie.contains("Secure"), "plain-http dev server: no Secure flag");
    let location = done.headers()[LOCATION].to_str().unwrap().to_owned();
    let q = query_of(&location);
    assert_eq!(q["state"], "st-123");
    assert_eq!(q["iss"], server.issuer("acme"), "RFC 9207 iss");

    let response = redeem_spa(&server, &q["code"], &pkce.verifier).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    let id = body["id_token"].as_str().unwrap();
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43, "public client with offline_access gets one");
    assert!(body["refresh_expires_in"].as_u64().unwrap() > 0);
    let at = claims_of(access);
    assert_eq!(at["sub"], "u1");
    assert_eq!(at["preferred_username"], "wile");
    assert!(at["scope"].as_str().unwrap().contains("openid"));
    let claims = claims_of(id);
    assert_eq!(claims["aud"], SPA);
    assert_eq!(claims["azp"], SPA);
    assert_eq!(claims["iss"], server.issuer("acme"));
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["sub"], "u1");
    assert_eq!(claims["email"], "wile@acme.test");
    assert_eq!(claims["name"], "Wile E. Coyote");
    assert_eq!(claims["sid"], at["sid"]);
    assert!(claims["auth_time"].as_i64().unwrap() <= claims["iat"].as_i64().unwrap());
    // OIDC Core §3.1.3.6: at_hash is the left half of SHA-256 of the access token.
    let hash = digest::digest(&digest::SHA256, access.as_bytes());
    assert_eq!(claims["at_hash"], b64(&hash.as_ref()[..16]));
    // The ID token verifies against the served JWKS with an independent library.
    let header = jsonwebtoken::decode_header(id).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let jwks: jsonwebtoken::jwk::JwkSet =
        server.http.get(server.certs_url("acme")).send().await.unwrap().json().await.unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwks.find(header.kid.as_deref().unwrap()).unwrap()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&[SPA]);
    v.set_issuer(&[server.issuer("acme")]);
    jsonwebtoken::decode::<Value>(id, &key, &v).unwrap();
    // userinfo (OIDC Core §5.3) with the access token.
    let info: Value = userinfo(&server, access).await.json().await.unwrap();
    assert_eq!(info["sub"], "u1");
    assert_eq!(info["email_verified"], true);
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_the_tokens_of_its_first_use_rfc6749_4_1_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let pkce = pkce();
    let code = browser.spa_code(&pkce).await;
    let first: Value = redeem_spa(&server, &code, &pkce.verifier).await.json().await.unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&server, access).await.status(), 200);
    let (status, error, _) = error_of(redeem_spa(&server, &code, &pkce.verifier).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    assert_eq!(userinfo(&server, access).await.status(), 401, "the first access token is revoked");
    let (_, error, _) = error_of(refresh(&server, SPA, first["refresh_token"].as_str().unwrap()).await).await;
    assert_eq!(error, "invalid_grant", "the first refresh token is revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_redemptions_of_one_code_yield_exactly_one_success_rfc6749_4_1_2() {
    let server = Arc::new(acme().await);
    let browser = Browser::new(&server);
    let pkce = pkce();
    let code = browser.spa_code(&pkce).await;
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let (server, code, verifier) = (server.clone(), code.clone(), pkce.verifier.clone());
            tokio::spawn(async move { redeem_spa(&server, &code, &verifier).await.status() })
        })
        .collect();
    let mut ok = 0;
    for a in attempts {
        let status = a.await.unwrap();
        assert!(status == 200 || status == 400, "{status}");
        ok += usize::from(status == 200);
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn pkce_is_required_plain_is_refused_and_verifiers_must_match_rfc7636_4_4_1_rfc9700_2_1_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let base = [("client_id", SPA), ("redirect_uri", SPA_REDIRECT), ("response_type", "code"), ("state", "s")];
    let p = pkce();
    for extra in [
        vec![],
        vec![("code_challenge", p.challenge.as_str()), ("code_challenge_method", "plain")],
        vec![("code_challenge", p.challenge.as_str())],
    ] {
        let mut params = base.to_vec();
        params.extend(extra);
        let refused = browser.authorize(&params).await;
        assert_eq!(refused.status(), StatusCode::FOUND);
        let q = query_of(refused.headers()[LOCATION].to_str().unwrap());
        assert_eq!((q["error"].as_str(), q["state"].as_str()), ("invalid_request", "s"), "{params:?}");
    }
    // A wrong verifier is invalid_grant (§4.6).
    let code = browser.spa_code(&p).await;
    let (_, error, _) = error_of(redeem_spa(&server, &code, &pkce().verifier).await).await;
    assert_eq!(error, "invalid_grant");
    // Downgrade: a code issued without a challenge cannot be redeemed with a verifier (RFC 9700 §2.1.1).
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code")];
    let html = browser.authorize(&web).await.text().await.unwrap();
    let granted = browser.submit(&html, &[("action", "accept")]).await;
    let code = query_of(granted.headers()[LOCATION].to_str().unwrap())["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", WEB_REDIRECT),
        ("code_verifier", p.verifier.as_str()),
    ];
    let response =
        server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "invalid_grant");
}

#[tokio::test]
async fn redirect_uri_tricks_get_an_error_page_and_never_a_redirect_rfc6749_3_1_2_rfc9700_4_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    for uri in [
        "https://evil.test/callback",
        "https://shop.acme.test/callback/extra",
        "https://shop.acme.test/callback?next=https://evil.test",
        "https://attacker@shop.acme.test/callback",
        "https://shop.acme.test/callback#frag",
        "http://127.0.0.1:5173/../admin",
        "http://127.0.0.1:9999/other",
    ] {
        let params = [
            ("client_id", SPA),
            ("redirect_uri", uri),
            ("response_type", "code"),
            ("code_challenge", p.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        let response = browser.authorize(&params).await;
        assert_eq!(response.status(), 400, "{uri}");
        assert!(response.headers().get(LOCATION).is_none(), "{uri} must not redirect");
        assert!(response.text().await.unwrap().contains("not registered"), "{uri}");
    }
    // Keycloak's trailing wildcard: a path prefix on the same origin (the loopback port is part of the origin).
    let ok = [
        ("client_id", SPA),
        ("redirect_uri", "http://127.0.0.1:5173/app/cb"),
        ("response_type", "code"),
        ("code_challenge", p.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    assert_eq!(browser.authorize(&ok).await.status(), 200);
    let unknown = [("client_id", "nobody"), ("redirect_uri", SPA_REDIRECT), ("response_type", "code")];
    let response = browser.authorize(&unknown).await;
    assert_eq!(response.status(), 400);
    assert!(response.headers().get(LOCATION).is_none());
}

#[tokio::test]
async fn implicit_and_hybrid_are_unsupported_response_type_by_redirect_rfc6749_4_1_2_1() {
    let server = acme().await;
    let browser = Browser::new(&server);
    for rt in ["token", "id_token token", "code id_token"] {
        let response = browser
            .authorize(&[("client_id", SPA), ("redirect_uri", SPA_REDIRECT), ("response_type", rt), ("state", "x")])
            .await;
        assert_eq!(response.status(), StatusCode::FOUND);
        let q = query_of(response.headers()[LOCATION].to_str().unwrap());
        assert_eq!((q["error"].as_str(), q["state"].as_str()), ("unsupported_response_type", "x"), "{rt}");
    }
}
