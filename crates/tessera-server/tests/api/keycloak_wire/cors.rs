//! CORS (WHATWG Fetch §3.2) for the client's `webOrigins`, by Keycloak's rules: `+` is the origins of the
//! client's redirect URIs, `*` any origin; no entry, no CORS headers at all. The storefront registers
//! `https://shop.acme.test` and `+` (its redirect URIs add `http://127.0.0.1:5173`).

use reqwest::StatusCode;
use reqwest::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN, VARY,
};
use reqwest::{Method, Response};
use serde_json::Value;
use tessera_testkit::TestServer;

use super::{acme_with_client, acme_with_storefront, spa_tokens};
use crate::signin::{SPA, WEB, WEB_SECRET, acme};

const SHOP: &str = "https://shop.acme.test";
const DEV: &str = "http://127.0.0.1:5173";
const EVIL: &str = "https://evil.test";

fn allowed_origin(response: &Response) -> Option<String> {
    response.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap().to_owned())
}

fn varies_by_origin(response: &Response) -> bool {
    response.headers().get_all(VARY).iter().any(|v| v.to_str().unwrap().contains("Origin"))
}

async fn refresh_from(server: &TestServer, origin: &str, token: &str) -> Response {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", SPA)];
    server.http.post(server.token_url("acme")).header(ORIGIN, origin).form(&form).send().await.unwrap()
}

// Fetch §3.2.3 (CORS protocol: the response names the origin that may read it) with Keycloak's webOrigins:
// a listed origin and an origin of a redirect URI (`+`) read the token endpoint's answers, errors included
// once the client is known; any other origin gets no CORS header at all.
#[tokio::test]
async fn the_token_endpoint_answers_only_the_clients_web_origins_fetch_3_2_3() {
    let server = acme().await;
    let tokens = spa_tokens(&server, "openid").await;
    let mut token = tokens["refresh_token"].as_str().unwrap().to_owned();
    for origin in [SHOP, DEV] {
        let response = refresh_from(&server, origin, &token).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(allowed_origin(&response).as_deref(), Some(origin));
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert!(varies_by_origin(&response));
        token = response.json::<Value>().await.unwrap()["refresh_token"].as_str().unwrap().to_owned();
    }
    let error = refresh_from(&server, SHOP, "not-a-refresh-token").await;
    assert_eq!((error.status(), allowed_origin(&error).as_deref()), (StatusCode::BAD_REQUEST, Some(SHOP)));
    let foreign = refresh_from(&server, EVIL, &token).await;
    assert_eq!(foreign.status(), StatusCode::OK, "CORS never changes what the server does");
    assert!(allowed_origin(&foreign).is_none() && foreign.headers().get(ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none());
    let lookalike = refresh_from(&server, "https://shop.acme.test.evil.test", "x").await;
    assert!(allowed_origin(&lookalike).is_none());
}

// Fetch §3.2.2 (preflight): OPTIONS answered 200 instead of 405. The preflight names no client, so like
// Keycloak every origin's preflight is answered; only the actual response decides who reads
// (docs/keycloak-compat.md, "CORS preflight").
#[tokio::test]
async fn preflights_are_answered_on_every_cors_endpoint_fetch_3_2_2() {
    let server = acme().await;
    for (path, methods) in [
        ("/protocol/openid-connect/token", "POST, OPTIONS"),
        ("/protocol/openid-connect/token/introspect", "POST, OPTIONS"),
        ("/protocol/openid-connect/revoke", "POST, OPTIONS"),
        ("/protocol/openid-connect/logout", "POST, OPTIONS"),
        ("/protocol/openid-connect/userinfo", "GET, POST, OPTIONS"),
        ("/protocol/openid-connect/certs", "GET, OPTIONS"),
    ] {
        let url = server.url(&format!("/realms/acme{path}"));
        let preflight = server
            .http
            .request(Method::OPTIONS, &url)
            .header(ORIGIN, SHOP)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), StatusCode::OK, "{path}");
        assert_eq!(allowed_origin(&preflight).as_deref(), Some(SHOP), "{path}");
        assert_eq!(preflight.headers()[ACCESS_CONTROL_ALLOW_METHODS], methods, "{path}");
        let headers = preflight.headers()[ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap();
        assert!(headers.contains("Authorization") && headers.contains("Content-Type"), "{path}");
        let plain = server.http.request(Method::OPTIONS, &url).send().await.unwrap();
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(allowed_origin(&plain).is_none(), "no Origin, no CORS: {path}");
    }
}

// Fetch §3.2.3 for userinfo (the token's client decides, as Keycloak's token `allowed-origins`) and certs
// (public keys: any origin, as Keycloak).
#[tokio::test]
async fn userinfo_answers_the_tokens_client_origins_and_certs_any_origin_fetch_3_2_3() {
    let server = acme().await;
    let tokens = spa_tokens(&server, "openid profile").await;
    let access = tokens["access_token"].as_str().unwrap();
    let url = server.url("/realms/acme/protocol/openid-connect/userinfo");
    let get = |origin: &'static str| server.http.get(&url).bearer_auth(access).header(ORIGIN, origin).send();
    let ok = get(DEV).await.unwrap();
    assert_eq!((ok.status(), allowed_origin(&ok).as_deref()), (StatusCode::OK, Some(DEV)));
    let foreign = get(EVIL).await.unwrap();
    assert!(allowed_origin(&foreign).is_none());
    let bad = server.http.get(&url).bearer_auth("junk").header(ORIGIN, SHOP).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(allowed_origin(&bad).is_none(), "no client is known for a bad token");
    let certs = server.http.get(server.certs_url("acme")).header(ORIGIN, EVIL).send().await.unwrap();
    assert_eq!(allowed_origin(&certs).as_deref(), Some(EVIL));
    assert!(varies_by_origin(&certs), "a cached JWKS must not be handed to another origin's request");
}

// Fetch §3.2.3 for revocation and introspection: the authenticated caller's origins. The backoffice
// registers none, so it gets no CORS; with `+` its redirect URI's origin reads the answers.
#[tokio::test]
async fn revocation_and_introspection_answer_the_callers_web_origins_fetch_3_2_3() {
    let server = acme().await;
    let admin = "https://admin.acme.test";
    let introspect = |server: &TestServer| {
        let url = server.url("/realms/acme/protocol/openid-connect/token/introspect");
        server.http.post(url).basic_auth(WEB, Some(WEB_SECRET)).header(ORIGIN, admin).form(&[("token", "x")]).send()
    };
    let none = introspect(&server).await.unwrap();
    assert_eq!(none.status(), StatusCode::OK);
    assert!(allowed_origin(&none).is_none(), "no webOrigins, no CORS");
    let (_dir, server) = acme_with_client(WEB, |c| c["webOrigins"] = serde_json::json!(["+"])).await;
    let plus = introspect(&server).await.unwrap();
    assert_eq!(allowed_origin(&plus).as_deref(), Some(admin));
    let revoke_url = server.url("/realms/acme/protocol/openid-connect/revoke");
    let form = [("token", "x"), ("client_id", SPA)];
    let revoked = server.http.post(revoke_url).header(ORIGIN, SHOP).form(&form).send().await.unwrap();
    assert_eq!((revoked.status(), allowed_origin(&revoked).as_deref()), (StatusCode::OK, Some(SHOP)));
}

// Keycloak honours `*` in webOrigins wherever it reads a client's origins: any origin reads that client's
// answers (docs/keycloak-compat.md, "webOrigins `*`").
#[tokio::test]
async fn a_star_in_web_origins_lets_any_origin_read_that_clients_answers_fetch_3_2_3() {
    let (_dir, server) = acme_with_storefront(|c| c["webOrigins"] = serde_json::json!(["*"])).await;
    let tokens = spa_tokens(&server, "openid").await;
    let response = refresh_from(&server, EVIL, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(allowed_origin(&response).as_deref(), Some(EVIL));
}
