//! Tokens in the wrong hands: replayed in another realm or at another audience (RFC 9700 §4.10.2), a
//! rotated refresh token replayed (§4.14.2), and a client passing for a user (§4.15).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

use super::twin_realms;
use crate::signin::{Browser, SPA, WEB, WEB_SECRET, acme, error_of, pkce, redeem_spa, refresh, userinfo};
use crate::support::{access_token, claims_of};

const BILLING: &str = "billing-service";
const BILLING_SECRET: &str = "billing-service-secret-77f0c2b5d1e94a3c";

/// RFC 9068 §4 and §4.10.2: a token names its issuer (the realm) and its audience; the twin realm globex,
/// with the same clients, secrets and user ids, accepts none of acme's codes or tokens, and the attempts
/// spend nothing at acme.
#[tokio::test]
async fn credentials_of_one_realm_are_worthless_in_its_twin_realm_rfc9700_4_10_2_rfc9068_4() {
    let server = twin_realms().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", crate::signin::SPA_REDIRECT),
        ("client_id", SPA),
        ("code_verifier", p.verifier.as_str()),
    ];
    let crossed = server.http.post(server.token_url("globex")).form(&form).send().await.unwrap();
    assert_eq!(error_of(crossed).await.1, "invalid_grant", "acme's code at globex");
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let (access, refresh_token) = (tokens["access_token"].as_str().unwrap(), tokens["refresh_token"].as_str().unwrap());

    let service = server.access_token("acme", BILLING, BILLING_SECRET).await;
    for (what, token) in
        [("a person's access token", access), ("a service token", &service), ("a refresh token", refresh_token)]
    {
        assert_eq!(server.introspect("acme", WEB, WEB_SECRET, token).await["active"], true, "{what} at acme");
        assert_eq!(
            server.introspect("globex", WEB, WEB_SECRET, token).await,
            json!({"active": false}),
            "{what} at globex"
        );
    }
    let at_globex = server
        .http
        .get(server.url("/realms/globex/protocol/openid-connect/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(at_globex.status(), StatusCode::UNAUTHORIZED);
    assert!(at_globex.headers()["www-authenticate"].to_str().unwrap().contains("error=\"invalid_token\""));
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", SPA)];
    let crossed = server.http.post(server.token_url("globex")).form(&form).send().await.unwrap();
    assert_eq!(error_of(crossed).await.1, "invalid_grant", "acme's refresh token at globex");

    assert_eq!(userinfo(&server, access).await.status(), 200, "still good at acme");
    assert_eq!(refresh(&server, SPA, refresh_token).await.status(), 200, "still good at acme");
}

/// Whether `token` passes a resource server that expects `audience` (signature and issuer checked too).
async fn accepted_by(server: &TestServer, token: &str, audience: &str) -> Result<(), ErrorKind> {
    let jwks: JwkSet = server.http.get(server.certs_url("acme")).send().await.unwrap().json().await.unwrap();
    let header = decode_header(token).unwrap();
    let key = DecodingKey::from_jwk(jwks.find(header.kid.as_deref().unwrap()).unwrap()).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[server.issuer("acme")]);
    validation.set_audience(&[audience]);
    decode::<Value>(token, &key, &validation).map(|_| ()).map_err(|e| e.into_kind())
}

/// §4.10.2: an access token is audience-restricted to what the client is registered for; a `resource`
/// parameter (RFC 8707) can only name a registered resource, so it cannot widen the audience: anything else
/// is `invalid_target`. A client with no audience gets the realm's issuer.
#[tokio::test]
async fn an_access_token_is_only_good_for_its_registered_audience_and_resource_cannot_widen_it_rfc9700_4_10_2() {
    let server = acme().await;
    let orders = "https://orders.acme.test";
    let spec = NewClient {
        client_id: "order-sync".into(),
        service_accounts_enabled: true,
        audiences: vec![orders.into()],
        ..NewClient::default()
    };
    let client = server.client("acme", spec).await;
    let ask = |resource: &'static str| {
        let form = [("grant_type", "client_credentials"), ("resource", resource)];
        server.http.post(server.token_url("acme")).basic_auth("order-sync", Some(&client.secret)).form(&form).send()
    };
    // RFC 8707 §2: a resource not registered for the client is refused, never added to `aud`.
    let widened = ask("https://payroll.acme.test").await.unwrap();
    assert_eq!(widened.status(), 400);
    assert_eq!(widened.json::<Value>().await.unwrap()["error"], "invalid_target");
    let response = ask(orders).await.unwrap();
    let token = access_token(response).await;
    assert_eq!(claims_of(&token)["aud"], orders);
    assert_eq!(accepted_by(&server, &token, orders).await, Ok(()));
    assert_eq!(accepted_by(&server, &token, "https://payroll.acme.test").await, Err(ErrorKind::InvalidAudience));

    let service = server.access_token("acme", BILLING, BILLING_SECRET).await;
    assert_eq!(claims_of(&service)["aud"], server.issuer("acme"));
    assert_eq!(accepted_by(&server, &service, orders).await, Err(ErrorKind::InvalidAudience));
}

/// §4.14.2: a rotated refresh token presented again means it leaked; the active token of its family is
/// revoked with it, and so is the access token issued alongside.
#[tokio::test]
async fn a_replayed_rotated_refresh_token_revokes_the_whole_family_rfc9700_4_14_2() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let first: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let leaked = first["refresh_token"].as_str().unwrap();
    let second: Value = refresh(&server, SPA, leaked).await.json().await.unwrap();
    let active = second["refresh_token"].as_str().unwrap();

    let (status, error, _) = error_of(refresh(&server, SPA, leaked).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"), "the replay");
    assert_eq!(error_of(refresh(&server, SPA, active).await).await.1, "invalid_grant", "the active one");
    assert_eq!(server.introspect("acme", WEB, WEB_SECRET, active).await, json!({"active": false}));
    assert_eq!(userinfo(&server, second["access_token"].as_str().unwrap()).await.status(), 401);
}

/// §4.15.1: a client never chooses the `sub` of its tokens. One registered under a user's id (`u1`, wile's)
/// or username gets tokens whose subject is its own service account, named `service-account-…`; even with
/// `openid`, userinfo tells it about that account and nothing of the user.
#[tokio::test]
async fn a_client_named_after_a_user_gets_tokens_for_its_service_account_not_the_user_rfc9700_4_15_1() {
    let server = acme().await;
    for name in ["u1", "wile"] {
        let client = server.service_client("acme", name, &[], &[]).await;
        let account = client.client.service_account_user_id.clone().unwrap();
        assert_ne!(account, "u1");
        let response = server
            .http
            .post(server.token_url("acme"))
            .basic_auth(name, Some(&client.secret))
            .form(&[("grant_type", "client_credentials"), ("scope", "openid")])
            .send()
            .await
            .unwrap();
        let token = access_token(response).await;
        let claims = claims_of(&token);
        assert_eq!(claims["sub"], account.as_str(), "{name}");
        assert_eq!(claims["preferred_username"], format!("service-account-{name}"));
        assert_eq!(claims["client_id"], name);
        let info: Value = userinfo(&server, &token).await.json().await.unwrap();
        assert_eq!(info, json!({ "sub": account }), "{name}");
    }
}
