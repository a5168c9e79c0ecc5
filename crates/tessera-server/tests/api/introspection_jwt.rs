//! RFC 9701: a resource server that sends `Accept: application/token-introspection+jwt` gets the RFC 7662
//! answer inside a JWT signed with the realm's key, verified here with the independent `jsonwebtoken`
//! crate against the served JWKS.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use reqwest::header;
use serde_json::Value;
use tessera_core::model::SigningAlgorithm;
use tessera_testkit::TestServer;

const MEDIA_TYPE: &str = "application/token-introspection+jwt";

async fn introspect_as_jwt(server: &TestServer, id: &str, secret: &str, token: &str) -> reqwest::Response {
    server
        .http
        .post(server.url("/realms/shop/protocol/openid-connect/token/introspect"))
        .basic_auth(id, Some(secret))
        .header(header::ACCEPT, MEDIA_TYPE)
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
}

/// The claims of a signed answer, after checking its header and signature against the served keys.
async fn verified(server: &TestServer, response: reqwest::Response, caller: &str) -> Value {
    assert_eq!(response.status(), 200);
    // §5: "the response ... with the content type application/token-introspection+jwt".
    assert_eq!(response.headers()[header::CONTENT_TYPE], MEDIA_TYPE);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let jwt = response.text().await.unwrap();
    let head = decode_header(&jwt).unwrap();
    assert_eq!(head.typ.as_deref(), Some("token-introspection+jwt"), "§5: typ");
    assert_eq!(head.alg, Algorithm::RS256);
    let jwks: JwkSet = server.http.get(server.certs_url("shop")).send().await.unwrap().json().await.unwrap();
    let key = DecodingKey::from_jwk(jwks.find(&head.kid.unwrap()).unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[server.issuer("shop")]);
    validation.set_audience(&[caller]);
    validation.set_required_spec_claims(&["iss", "aud", "iat"]);
    let claims = decode::<Value>(&jwt, &key, &validation).expect("signed by the realm's key").claims;
    // §5: no `sub` or `exp` at the top: the answer is not itself a token.
    assert!(claims.get("sub").is_none() && claims.get("exp").is_none(), "{claims}");
    claims
}

#[tokio::test]
async fn rfc9701_5_the_answer_is_a_jwt_signed_by_the_realm_for_the_caller_holding_the_rfc7662_response() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Rs256, &["orders:read"]).await;
    let svc = server.service_client("shop", "svc", &["orders:read"], &[]).await;
    let token = server.access_token("shop", "svc", &svc.secret).await;
    let claims = verified(&server, introspect_as_jwt(&server, "svc", &svc.secret, &token).await, "svc").await;
    assert!(claims["iat"].is_i64());
    let answer = &claims["token_introspection"];
    assert_eq!(answer["active"], true);
    assert_eq!(answer["client_id"], "svc");
    assert_eq!(answer["scope"], "orders:read");
    assert_eq!(answer["iss"], server.issuer("shop"));
    // The same answer as the JSON one.
    let plain = server.introspect("shop", "svc", &svc.secret, &token).await;
    assert_eq!(answer, &plain);

    // A revoked token: still a signed answer, now inactive (RFC 7662 §2.2).
    assert_eq!(server.revoke("shop", "svc", &svc.secret, &token).await.status(), 200);
    let claims = verified(&server, introspect_as_jwt(&server, "svc", &svc.secret, &token).await, "svc").await;
    assert_eq!(claims["token_introspection"], serde_json::json!({ "active": false }));
}

#[tokio::test]
async fn rfc9701_4_json_stays_the_answer_unless_the_jwt_media_type_is_accepted() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Rs256, &[]).await;
    let svc = server.service_client("shop", "svc", &[], &[]).await;
    let token = server.access_token("shop", "svc", &svc.secret).await;
    for accept in ["application/json", "*/*", "application/token-introspection+jwt;q=0"] {
        let response = server
            .http
            .post(server.url("/realms/shop/protocol/openid-connect/token/introspect"))
            .basic_auth("svc", Some(&svc.secret))
            .header(header::ACCEPT, accept)
            .form(&[("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json", "{accept}");
    }
    // Among other media types, with a weight, it is chosen.
    let response = server
        .http
        .post(server.url("/realms/shop/protocol/openid-connect/token/introspect"))
        .basic_auth("svc", Some(&svc.secret))
        .header(header::ACCEPT, "application/json;q=0.5, application/token-introspection+jwt;q=1")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_TYPE], MEDIA_TYPE);
    // A caller that fails to authenticate gets the usual JSON error (§4 changes nothing there).
    let refused = introspect_as_jwt(&server, "svc", "wrong", &token).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()[header::CONTENT_TYPE], "application/json");
}
