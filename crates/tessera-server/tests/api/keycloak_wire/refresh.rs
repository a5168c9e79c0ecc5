//! Refresh tokens for public clients as Keycloak gives them (RFC 6749 §6), always rotated with reuse
//! detection (RFC 9700 §4.14.2: a public client's refresh token is not sender-constrained).

use reqwest::StatusCode;
use serde_json::Value;

use super::{acme_with_storefront, spa_tokens};
use crate::signin::{SPA, acme, error_of, refresh};
use crate::support::claims_of;

// RFC 6749 §6 and RFC 9700 §4.14.2: the storefront is public and asks no `offline_access`; Keycloak gives it
// a refresh token (keycloak-js's `updateToken()` needs one), so we do, rotated, and a replay kills the family.
#[tokio::test]
async fn a_public_client_gets_a_rotating_refresh_token_without_offline_access_rfc6749_6_rfc9700_4_14_2() {
    let server = acme().await;
    let first = spa_tokens(&server, "openid profile").await;
    let old = first["refresh_token"].as_str().expect("a refresh token for a public client");
    assert!(first["refresh_expires_in"].as_u64().unwrap() > 0);
    let second: Value = refresh(&server, SPA, old).await.json().await.unwrap();
    let new = second["refresh_token"].as_str().expect("rotated");
    assert_ne!(new, old);
    let (status, error, _) = error_of(refresh(&server, SPA, old).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"), "the replay");
    assert_eq!(error_of(refresh(&server, SPA, new).await).await.1, "invalid_grant", "the family is revoked");
}

// Keycloak's libraries decode a refresh token's payload (keycloak-js sets `refreshTokenParsed`,
// keycloak-connect builds a `Token`): ours is JWT-shaped with Keycloak's claims, but signed HS256 under a key
// no one else holds, so it cannot pass for an access or ID token (RFC 8725 §2.8, §3.11).
#[tokio::test]
async fn a_refresh_token_is_jwt_shaped_with_keycloaks_claims_and_verifiable_by_no_one_else_rfc8725_3_11() {
    let server = acme().await;
    let tokens = spa_tokens(&server, "openid profile offline_access").await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(refresh_token).unwrap();
    assert_eq!((header.alg, header.typ.as_deref()), (jsonwebtoken::Algorithm::HS256, Some("JWT")));
    assert!(header.kid.is_none(), "no published key verifies it");
    let claims = claims_of(refresh_token);
    assert_eq!(claims["typ"], "Offline");
    assert_eq!(claims["azp"], SPA);
    assert_eq!(claims["sid"], tokens["session_state"]);
    assert_eq!(claims["iss"], server.issuer("acme"));
    assert_eq!(claims["jti"].as_str().unwrap().len(), 43, "256 random bits");
    let online = spa_tokens(&server, "openid profile").await;
    assert_eq!(claims_of(online["refresh_token"].as_str().unwrap())["typ"], "Refresh");
    // Not an access token anywhere: the userinfo endpoint refuses it.
    let userinfo = crate::signin::userinfo(&server, refresh_token).await;
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
}

// Keycloak's client attribute `use.refresh.tokens=false` turns refresh tokens off (RFC 6749 §4.1.4: a refresh
// token is optional).
#[tokio::test]
async fn use_refresh_tokens_false_gives_no_refresh_token_rfc6749_4_1_4() {
    let (_dir, server) = acme_with_storefront(|c| c["attributes"]["use.refresh.tokens"] = "false".into()).await;
    let tokens = spa_tokens(&server, "openid profile offline_access").await;
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    assert_eq!(tokens["refresh_expires_in"], 0);
    assert!(tokens["access_token"].is_string());
}
