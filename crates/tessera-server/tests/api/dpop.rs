//! DPoP at the token endpoint (RFC 9449): one test per check of §4.3 (nonces aside), the bound token
//! (`token_type: DPoP`, `cnf.jkt`, §5 and §6.1), introspection (§6.2), a client requiring DPoP, discovery.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::ThumbprintHash;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use tessera_core::model::SigningAlgorithm;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

use crate::client_assertion::ClientKey;

/// A proof signed by `key` with this header and these claims, built by hand so that each check can be broken.
pub(crate) fn signed(key: &ClientKey, header: &Value, claims: &Value) -> String {
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key.encoding, key.alg).unwrap();
    format!("{input}.{signature}")
}

pub(crate) fn header(key: &ClientKey) -> Value {
    let mut jwk = serde_json::to_value(&key.jwk).unwrap();
    jwk.as_object_mut().unwrap().retain(|k, _| ["kty", "crv", "x", "y"].contains(&k.as_str()));
    json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk})
}

fn claims(server: &TestServer) -> Value {
    json!({"jti": uuid::Uuid::new_v4().to_string(), "htm": "POST", "htu": server.token_url("shop"), "iat": server.clock.now()})
}

async fn setup() -> (TestServer, String, ClientKey) {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let secret = server.service_client("shop", "svc", &[], &[]).await.secret;
    (server, secret, ClientKey::es256("dpop"))
}

async fn token(server: &TestServer, secret: &str, proofs: &[&str]) -> reqwest::Response {
    let mut request = server
        .http
        .post(server.token_url("shop"))
        .basic_auth("svc", Some(secret))
        .form(&[("grant_type", "client_credentials")]);
    for p in proofs {
        request = request.header("DPoP", *p);
    }
    request.send().await.unwrap()
}

async fn refused(response: reqwest::Response, why: &str) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("invalid_dpop_proof")), "{why}: {body}");
}

#[tokio::test]
async fn rfc9449_5_a_valid_proof_binds_the_token_to_its_key_and_introspection_says_so() {
    let (server, secret, key) = setup().await;
    let response = token(&server, &secret, &[&signed(&key, &header(&key), &claims(&server))]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP", "{body}");
    let access = body["access_token"].as_str().unwrap();
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(access.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let jkt = key.jwk.thumbprint(ThumbprintHash::SHA256).unwrap();
    assert_eq!(payload["cnf"]["jkt"], jkt.as_str(), "RFC 9449 §6.1");
    let introspected = server.introspect("shop", "svc", &secret, access).await;
    assert_eq!(introspected["cnf"]["jkt"], jkt.as_str(), "RFC 9449 §6.2");
    assert_eq!(introspected["token_type"], "DPoP");
    // Without a proof the same client gets a Bearer token.
    let plain: Value = token(&server, &secret, &[]).await.json().await.unwrap();
    assert_eq!(plain["token_type"], "Bearer");
}

#[tokio::test]
async fn rfc9449_4_3_each_check_of_a_proof_refuses_it() {
    let (server, secret, key) = setup().await;
    let good = || (header(&key), claims(&server));
    // Check 1: one DPoP header only.
    let p = signed(&key, &good().0, &good().1);
    refused(token(&server, &secret, &[&p, &p]).await, "two DPoP headers (check 1)").await;
    // Check 2: a JWS.
    refused(token(&server, &secret, &["not.a.jws"]).await, "not a JWS (check 2)").await;
    // Check 3: every required claim.
    for claim in ["jti", "htm", "htu", "iat"] {
        let (h, mut c) = good();
        c.as_object_mut().unwrap().remove(claim);
        refused(token(&server, &secret, &[&signed(&key, &h, &c)]).await, claim).await;
    }
    // Check 4: typ.
    let (mut h, c) = good();
    h["typ"] = json!("JWT");
    refused(token(&server, &secret, &[&signed(&key, &h, &c)]).await, "typ JWT (check 4)").await;
    // Check 5: an asymmetric algorithm (HS256 keyed with anything is refused before any key is used).
    let (mut h, c) = good();
    h["alg"] = json!("HS256");
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(h.to_string()), URL_SAFE_NO_PAD.encode(c.to_string()));
    let mac = jsonwebtoken::crypto::sign(input.as_bytes(), &EncodingKey::from_secret(b"k"), Algorithm::HS256).unwrap();
    refused(token(&server, &secret, &[&format!("{input}.{mac}")]).await, "HS256 (check 5)").await;
    let (mut h, c) = good();
    h["alg"] = json!("none");
    let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(h.to_string()), URL_SAFE_NO_PAD.encode(c.to_string()));
    refused(token(&server, &secret, &[&none]).await, "alg none (check 5)").await;
    // Check 6: the signature, by the key in the header.
    let other = ClientKey::es256("other");
    refused(token(&server, &secret, &[&signed(&other, &good().0, &good().1)]).await, "signed by another key (6)").await;
    // Check 7: a public key only.
    let (mut h, c) = good();
    h["jwk"]["d"] = json!(URL_SAFE_NO_PAD.encode([7u8; 32]));
    refused(token(&server, &secret, &[&signed(&key, &h, &c)]).await, "private jwk (check 7)").await;
    // Check 8: htm.
    let (h, mut c) = good();
    c["htm"] = json!("GET");
    refused(token(&server, &secret, &[&signed(&key, &h, &c)]).await, "htm GET (check 8)").await;
    // Check 9: htu, ignoring query and fragment.
    let (h, mut c) = good();
    c["htu"] = json!(server.url("/realms/other/protocol/openid-connect/token"));
    refused(token(&server, &secret, &[&signed(&key, &h, &c)]).await, "another htu (check 9)").await;
    let (h, mut c) = good();
    c["htu"] = json!(format!("{}?x=1#f", server.token_url("shop")));
    assert_eq!(token(&server, &secret, &[&signed(&key, &h, &c)]).await.status(), 200, "query and fragment ignored");
    // Check 11: iat within the window.
    for iat in [server.clock.now() - 3600, server.clock.now() + 3600] {
        let (h, mut c) = good();
        c["iat"] = json!(iat);
        refused(token(&server, &secret, &[&signed(&key, &h, &c)]).await, "iat outside the window (check 11)").await;
    }
    // Check 12: a jti once.
    let once = signed(&key, &good().0, &good().1);
    assert_eq!(token(&server, &secret, &[&once]).await.status(), 200);
    refused(token(&server, &secret, &[&once]).await, "the same proof again (check 12)").await;
}

#[tokio::test]
async fn a_client_with_dpop_bound_access_tokens_needs_a_proof_rfc9449_5() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let spec = NewClient { client_id: "svc".into(), service_accounts_enabled: true, ..NewClient::default() };
    let mut made = server.client("shop", spec).await;
    made.client.attributes.insert("dpop.bound.access.tokens".into(), "true".into());
    use tessera_core::ports::ClientStore;
    server.store.update_client(&made.client).await.unwrap();
    let took = TestServer::eventually(std::time::Duration::from_secs(5), || async {
        token(&server, &made.secret, &[]).await.status() == 400
    })
    .await;
    assert!(took.is_some(), "a proof is required");
    refused(token(&server, &made.secret, &[]).await, "no proof").await;
    let key = ClientKey::es256("k");
    let body: Value =
        token(&server, &made.secret, &[&signed(&key, &header(&key), &claims(&server))]).await.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP", "{body}");
}

#[tokio::test]
async fn discovery_names_the_dpop_algorithms_rfc9449_5_1() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let url = server.url("/realms/shop/.well-known/openid-configuration");
    let doc: Value = server.http.get(url).send().await.unwrap().json().await.unwrap();
    let algs = doc["dpop_signing_alg_values_supported"].as_array().unwrap();
    assert!(algs.contains(&json!("ES256")) && algs.contains(&json!("RS256")), "{doc}");
    assert!(!algs.iter().any(|a| a.as_str().unwrap().starts_with("HS")));
}

/// RFC 9449 §7: at userinfo a bound token needs the `DPoP` scheme and a proof by its key for this request
/// (`htm`, `htu`, `ath`); as Bearer it is refused (§7.2). A client-credentials token has no `openid` scope,
/// so a token that passes the binding checks gets 403 `insufficient_scope` and one that fails gets 401.
#[tokio::test]
async fn rfc9449_7_2_userinfo_refuses_a_bound_token_as_bearer_and_checks_the_proof_with_ath() {
    let (server, secret, key) = setup().await;
    let body: Value =
        token(&server, &secret, &[&signed(&key, &header(&key), &claims(&server))]).await.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let userinfo = server.url("/realms/shop/protocol/openid-connect/userinfo");
    let ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access.as_bytes()));
    let proof = |ath: &str, htm: &str| {
        let c = json!({"jti": uuid::Uuid::new_v4().to_string(), "htm": htm, "htu": userinfo, "iat": server.clock.now(), "ath": ath});
        signed(&key, &header(&key), &c)
    };
    let call = |scheme: &str, proof: Option<String>| {
        let mut r = server.http.get(&userinfo).header("Authorization", format!("{scheme} {access}"));
        if let Some(p) = proof {
            r = r.header("DPoP", p);
        }
        r.send()
    };
    assert_eq!(call("Bearer", None).await.unwrap().status(), 401, "a bound token as Bearer (§7.2)");
    assert_eq!(call("Bearer", Some(proof(&ath, "GET"))).await.unwrap().status(), 401, "as Bearer even with a proof");
    assert_eq!(call("DPoP", None).await.unwrap().status(), 401, "no proof");
    assert_eq!(call("DPoP", Some(proof("wrong", "GET"))).await.unwrap().status(), 401, "wrong ath (§4.3)");
    assert_eq!(call("DPoP", Some(proof(&ath, "POST"))).await.unwrap().status(), 401, "wrong htm");
    let other = ClientKey::es256("other");
    let c = json!({"jti": "x", "htm": "GET", "htu": userinfo, "iat": server.clock.now(), "ath": ath});
    assert_eq!(call("DPoP", Some(signed(&other, &header(&other), &c))).await.unwrap().status(), 401, "another key");
    let good = call("DPoP", Some(proof(&ath, "GET"))).await.unwrap();
    assert_eq!(good.status(), 403, "the binding holds; the token lacks openid");
    // An unbound token is not accepted with the DPoP scheme.
    let plain: Value = token(&server, &secret, &[]).await.json().await.unwrap();
    let r = server
        .http
        .get(&userinfo)
        .header("Authorization", format!("DPoP {}", plain["access_token"].as_str().unwrap()))
        .header("DPoP", proof(&ath, "GET"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// RFC 9449 §5: a confidential client's person grants are bound too: the password grant and a refresh,
/// each with its proof; userinfo then answers the DPoP scheme (§7.1) and refuses Bearer (§7.2).
#[tokio::test]
async fn rfc9449_5_a_confidential_clients_password_and_refresh_tokens_are_bound_and_userinfo_answers_dpop() {
    use tessera_core::provisioning::NewClient;
    let fixture =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json");
    let server = TestServer::builder().import_realm(fixture).spawn().await;
    let spec = NewClient { client_id: "importer".into(), direct_access_grants: true, ..NewClient::default() };
    let importer = server.client("acme", spec).await;
    let key = ClientKey::es256("person");
    let token_url = server.token_url("acme");
    let proof = |htm: &str, htu: &str, ath: Option<&str>| {
        let mut c = json!({"jti": uuid::Uuid::new_v4().to_string(), "htm": htm, "htu": htu, "iat": server.clock.now()});
        if let Some(ath) = ath {
            c["ath"] = json!(ath);
        }
        signed(&key, &header(&key), &c)
    };
    let post = |form: Vec<(&'static str, String)>| {
        server
            .http
            .post(&token_url)
            .basic_auth("importer", Some(&importer.secret))
            .header("DPoP", proof("POST", &token_url, None))
            .form(&form)
            .send()
    };
    let first: Value = post(vec![
        ("grant_type", "password".into()),
        ("username", "roadrunner".into()),
        ("password", "Beep-Beep-Meep-2024".into()),
        ("scope", "openid".into()),
    ])
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(first["token_type"], "DPoP", "{first}");
    let refreshed: Value = post(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", first["refresh_token"].as_str().unwrap().to_owned()),
    ])
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(refreshed["token_type"], "DPoP", "{refreshed}");
    let access = refreshed["access_token"].as_str().unwrap();
    let ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access.as_bytes()));
    let userinfo = server.url("/realms/acme/protocol/openid-connect/userinfo");
    let answer = server
        .http
        .get(&userinfo)
        .header("Authorization", format!("DPoP {access}"))
        .header("DPoP", proof("GET", &userinfo, Some(&ath)))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert!(body["sub"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    let as_bearer = server.http.get(&userinfo).bearer_auth(access).send().await.unwrap();
    assert_eq!(as_bearer.status(), 401, "a bound token as Bearer (§7.2)");
}
