//! What DPoP binds besides access tokens (RFC 9449): a public client's refresh token (§5; a confidential
//! client's is not bound, its authentication binds it), and the authorization code through `dpop_jkt` (§10)
//! or a proof at the pushed authorization request endpoint (§10.1).

use jsonwebtoken::jwk::ThumbprintHash;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use tessera_core::ports::RealmStore;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

use crate::client_assertion::ClientKey;
use crate::dpop::{header, signed};
use crate::signin::{Browser, Pkce, SPA, SPA_REDIRECT, acme, error_of, pkce, query_of};
use crate::support::claims_of;

fn proof(server: &TestServer, key: &ClientKey, htu: &str) -> String {
    let claims = json!({"jti": uuid::Uuid::new_v4().to_string(), "htm": "POST", "htu": htu, "iat": server.clock.now()});
    signed(key, &header(key), &claims)
}

fn jkt(key: &ClientKey) -> String {
    key.jwk.thumbprint(ThumbprintHash::SHA256).unwrap()
}

/// A token request of the storefront (a public client), with a proof by `key` when given.
async fn spa_token(server: &TestServer, form: &[(&str, &str)], key: Option<&ClientKey>) -> reqwest::Response {
    let url = server.token_url("acme");
    let mut request = server.http.post(&url).form(&[form, &[("client_id", SPA)][..]].concat());
    if let Some(key) = key {
        request = request.header("DPoP", proof(server, key, &url));
    }
    request.send().await.unwrap()
}

/// wile signs in to the storefront in a fresh browser; the code of the redirect.
async fn spa_code(server: &TestServer, p: &Pkce, extra: &[(&str, &str)]) -> String {
    let browser = Browser::new(server);
    let done = browser.login(browser.authorize_spa(p, extra).await, "wile", "Super-Genius-1949").await;
    assert_eq!(done.status(), StatusCode::FOUND);
    query_of(done.headers()[LOCATION].to_str().unwrap())["code"].clone()
}

async fn redeem(server: &TestServer, code: &str, p: &Pkce, key: Option<&ClientKey>) -> reqwest::Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", SPA_REDIRECT),
        ("code_verifier", &p.verifier),
    ];
    spa_token(server, &form, key).await
}

async fn invalid_grant(response: reqwest::Response, why: &str) {
    let (status, error, _) = error_of(response).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"), "{why}");
}

#[tokio::test]
async fn rfc9449_5_a_public_clients_refresh_token_needs_a_proof_by_the_key_that_obtained_it() {
    let server = acme().await;
    let (key, other) = (ClientKey::es256("spa"), ClientKey::es256("thief"));
    let p = pkce();
    let code = spa_code(&server, &p, &[]).await;
    let tokens: Value = redeem(&server, &code, &p, Some(&key)).await.json().await.unwrap();
    assert_eq!(tokens["token_type"], "DPoP", "a public client's access token is bound too: {tokens}");
    assert_eq!(claims_of(tokens["access_token"].as_str().unwrap())["cnf"]["jkt"], jkt(&key).as_str());
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)];

    invalid_grant(spa_token(&server, &refresh, None).await, "no proof").await;
    invalid_grant(spa_token(&server, &refresh, Some(&other)).await, "a proof by another key").await;
    // The refusals did not use the token up (nor set off the reuse detection): its holder refreshes.
    let refreshed = spa_token(&server, &refresh, Some(&key)).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_eq!(refreshed["token_type"], "DPoP");
    assert_eq!(claims_of(refreshed["access_token"].as_str().unwrap())["cnf"]["jkt"], jkt(&key).as_str());
    // The rotated refresh token is bound to the same key.
    let next = [("grant_type", "refresh_token"), ("refresh_token", refreshed["refresh_token"].as_str().unwrap())];
    invalid_grant(spa_token(&server, &next, Some(&other)).await, "the successor, another key").await;
    assert_eq!(spa_token(&server, &next, Some(&key)).await.status(), StatusCode::OK);
}

/// §6.2 (and RFC 7662 §2.2): introspection shows a bound refresh token's `cnf.jkt` as it shows an access
/// token's, so that whoever inspects it knows which key it needs.
#[tokio::test]
async fn rfc9449_6_2_introspection_of_a_bound_refresh_token_shows_its_key_thumbprint() {
    let server = acme().await;
    // The storefront is public: only a realm-wide introspector may see its tokens (RFC 7662 §4).
    let mut realm = server.store.find_realm("acme").await.unwrap().unwrap();
    realm.attributes.insert("tessera.introspection.scope".into(), "realm".into());
    assert!(server.store.update_realm(&realm).await.unwrap());
    let auditor = server.service_client("acme", "auditor", &[], &[]).await.secret;
    let key = ClientKey::es256("spa");
    let p = pkce();
    let code = spa_code(&server, &p, &[]).await;
    let bound: Value = redeem(&server, &code, &p, Some(&key)).await.json().await.unwrap();
    let p = pkce();
    let code = spa_code(&server, &p, &[]).await;
    let plain: Value = redeem(&server, &code, &p, None).await.json().await.unwrap();

    let bound_refresh = bound["refresh_token"].as_str().unwrap();
    // The realm's new setting reaches the server with its next refresh (every 100 ms in tests).
    let seen_active = TestServer::eventually(std::time::Duration::from_secs(5), || async {
        server.introspect("acme", "auditor", &auditor, bound_refresh).await["active"] == true
    });
    assert!(seen_active.await.is_some(), "the realm-wide introspector sees the storefront's refresh token");
    let seen = server.introspect("acme", "auditor", &auditor, bound_refresh).await;
    assert_eq!((&seen["active"], &seen["token_type"]), (&json!(true), &json!("Refresh")), "{seen}");
    assert_eq!(seen["cnf"], json!({"jkt": jkt(&key)}), "{seen}");
    let seen = server.introspect("acme", "auditor", &auditor, plain["refresh_token"].as_str().unwrap()).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert!(seen.get("cnf").is_none(), "an unbound refresh token has no cnf: {seen}");
}

#[tokio::test]
async fn rfc9449_5_a_public_clients_refresh_token_obtained_without_a_proof_is_not_bound() {
    let server = acme().await;
    let p = pkce();
    let code = spa_code(&server, &p, &[]).await;
    let tokens: Value = redeem(&server, &code, &p, None).await.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())];
    let refreshed: Value = spa_token(&server, &refresh, None).await.json().await.unwrap();
    assert_eq!(refreshed["token_type"], "Bearer", "{refreshed}");
}

/// §5: "Refresh tokens issued to confidential clients ... are not bound to the DPoP proof public key because
/// they are already sender-constrained": another key, or none, refreshes; the access token follows the proof.
#[tokio::test]
async fn rfc9449_5_a_confidential_clients_refresh_token_is_not_bound_to_the_dpop_key() {
    let server = acme().await;
    let spec = NewClient { client_id: "importer".into(), direct_access_grants: true, ..NewClient::default() };
    let importer = server.client("acme", spec).await;
    let url = server.token_url("acme");
    let post = |form: Vec<(&'static str, String)>, key: Option<&ClientKey>| {
        let mut r = server.http.post(&url).basic_auth("importer", Some(&importer.secret)).form(&form);
        if let Some(key) = key {
            r = r.header("DPoP", proof(&server, key, &url));
        }
        r.send()
    };
    let password = vec![
        ("grant_type", "password".to_owned()),
        ("username", "roadrunner".to_owned()),
        ("password", "Beep-Beep-Meep-2024".to_owned()),
    ];
    let first: Value = post(password, Some(&ClientKey::es256("a"))).await.unwrap().json().await.unwrap();
    assert_eq!(first["token_type"], "DPoP", "{first}");
    let refresh = |t: &Value| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", t["refresh_token"].as_str().unwrap().to_owned()),
        ]
    };
    let other = ClientKey::es256("b");
    let second: Value = post(refresh(&first), Some(&other)).await.unwrap().json().await.unwrap();
    assert_eq!(claims_of(second["access_token"].as_str().unwrap())["cnf"]["jkt"], jkt(&other).as_str(), "{second}");
    let third: Value = post(refresh(&second), None).await.unwrap().json().await.unwrap();
    assert_eq!(third["token_type"], "Bearer", "{third}");
}

#[tokio::test]
async fn rfc9449_10_a_code_bound_by_dpop_jkt_is_redeemed_only_with_a_proof_by_that_key() {
    let server = acme().await;
    let (key, other) = (ClientKey::es256("spa"), ClientKey::es256("thief"));
    let bound = jkt(&key);
    for (why, with) in [("no proof", None), ("a proof by another key", Some(&other))] {
        let p = pkce();
        let code = spa_code(&server, &p, &[("dpop_jkt", &bound)]).await;
        invalid_grant(redeem(&server, &code, &p, with).await, why).await;
    }
    let p = pkce();
    let code = spa_code(&server, &p, &[("dpop_jkt", &bound)]).await;
    let tokens: Value = redeem(&server, &code, &p, Some(&key)).await.json().await.unwrap();
    assert_eq!(tokens["token_type"], "DPoP", "{tokens}");
    assert_eq!(claims_of(tokens["access_token"].as_str().unwrap())["cnf"]["jkt"], bound.as_str());

    // §10: the value is a JWK SHA-256 thumbprint; anything else is an invalid request, sent back to the client.
    let browser = Browser::new(&server);
    let refused = browser.authorize_spa(&pkce(), &[("dpop_jkt", "not-a-thumbprint")]).await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let query = query_of(refused.headers()[LOCATION].to_str().unwrap());
    assert_eq!(query["error"], "invalid_request", "{query:?}");
}

const PAR_PATH: &str = "/realms/acme/protocol/openid-connect/ext/par/request";

fn par_proof(server: &TestServer, key: &ClientKey) -> Option<String> {
    Some(proof(server, key, &server.url(PAR_PATH)))
}

async fn push(server: &TestServer, p: &Pkce, dpop_jkt: Option<&str>, proof: Option<String>) -> reqwest::Response {
    let mut form = vec![
        ("client_id", SPA.to_owned()),
        ("redirect_uri", SPA_REDIRECT.to_owned()),
        ("response_type", "code".to_owned()),
        ("scope", "openid".to_owned()),
        ("code_challenge", p.challenge.clone()),
        ("code_challenge_method", "S256".to_owned()),
    ];
    if let Some(jkt) = dpop_jkt {
        form.push(("dpop_jkt", jkt.to_owned()));
    }
    let mut request = server.http.post(server.url(PAR_PATH)).form(&form);
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    request.send().await.unwrap()
}

/// The code of a pushed request, once wile signed in.
async fn pushed_code(server: &TestServer, pushed: reqwest::Response) -> String {
    assert_eq!(pushed.status(), StatusCode::CREATED);
    let body: Value = pushed.json().await.unwrap();
    let browser = Browser::new(server);
    let uri = body["request_uri"].as_str().unwrap();
    let page = browser.authorize(&[("client_id", SPA), ("request_uri", uri)]).await;
    let done = browser.login(page, "wile", "Super-Genius-1949").await;
    query_of(done.headers()[LOCATION].to_str().unwrap())["code"].clone()
}

#[tokio::test]
async fn rfc9449_10_1_a_proof_at_the_par_endpoint_binds_the_code_to_its_key_and_must_match_dpop_jkt() {
    let server = acme().await;
    let (key, other) = (ClientKey::es256("spa"), ClientKey::es256("thief"));
    // The proof alone binds the code "as if" its thumbprint were dpop_jkt.
    let p = pkce();
    let code = pushed_code(&server, push(&server, &p, None, par_proof(&server, &key)).await).await;
    invalid_grant(redeem(&server, &code, &p, Some(&other)).await, "another key than the PAR proof's").await;
    let p = pkce();
    let code = pushed_code(&server, push(&server, &p, None, par_proof(&server, &key)).await).await;
    let tokens: Value = redeem(&server, &code, &p, Some(&key)).await.json().await.unwrap();
    assert_eq!(tokens["token_type"], "DPoP", "{tokens}");
    // dpop_jkt pushed without a proof binds as well.
    let p = pkce();
    let code = pushed_code(&server, push(&server, &p, Some(&jkt(&key)), None).await).await;
    invalid_grant(redeem(&server, &code, &p, None).await, "a code pushed with dpop_jkt, no proof").await;
    // Both, disagreeing: refused at the PAR endpoint.
    let (status, error, _) = error_of(push(&server, &pkce(), Some(&jkt(&other)), par_proof(&server, &key)).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_request"));
    // A bad proof at the PAR endpoint is refused as at the token endpoint (§4.3).
    let (status, error, _) = error_of(push(&server, &pkce(), None, Some("not.a.proof".into())).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_dpop_proof"));
}
