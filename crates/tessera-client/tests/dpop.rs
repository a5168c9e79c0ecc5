#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! tessera-client's DPoP (RFC 9449) against the real server: tokens bound to the source's key, proofs on
//! resource requests, and the `use_dpop_nonce` retry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tessera_client::{ClientSecret, DpopKey, TokenSource};
use tessera_core::model::SigningAlgorithm;
use tessera_testkit::TestServer;

fn jws_part(jws: &str, i: usize) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jws.split('.').nth(i).unwrap()).unwrap()).unwrap()
}

async fn source(server: &TestServer, secret: String, key: DpopKey) -> TokenSource {
    TokenSource::builder()
        .issuer(server.issuer("shop"))
        .client_id("svc")
        .client_secret(ClientSecret::Value(secret))
        .dpop(key)
        .build()
        .await
        .unwrap()
}

/// §5 and §6.1: the token is `DPoP` and bound to the key (`cnf.jkt`); §7.1: `authorize` sends it with the
/// `DPoP` scheme and a proof for the request with `ath`, which the server's userinfo accepts (the token has no
/// `openid` scope: 403 once the binding holds, 401 when it does not).
#[tokio::test]
async fn rfc9449_5_7_1_a_source_with_a_dpop_key_gets_bound_tokens_and_proves_them_at_resources() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let secret = server.service_client("shop", "svc", &[], &[]).await.secret;
    let key = DpopKey::generate().unwrap();
    let jkt = key.thumbprint().to_owned();
    let source = source(&server, secret, key).await;
    let response = source.request_token().await.unwrap();
    assert_eq!(response.token_type, "DPoP");
    assert_eq!(jws_part(&response.access_token, 1)["cnf"]["jkt"], jkt.as_str());

    let userinfo = server.url("/realms/shop/protocol/openid-connect/userinfo");
    let request = source.authorize(server.http.get(&userinfo)).await.unwrap().build().unwrap();
    let token = source.token().await.unwrap();
    assert_eq!(request.headers()["authorization"], format!("DPoP {token}").as_str());
    let proof = request.headers()["dpop"].to_str().unwrap().to_owned();
    let claims = jws_part(&proof, 1);
    assert_eq!((claims["htm"].as_str(), claims["htu"].as_str()), (Some("GET"), Some(userinfo.as_str())));
    let ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()));
    assert_eq!(claims["ath"], ath.as_str());

    let answer = source.authorize(server.http.get(&userinfo)).await.unwrap().send().await.unwrap();
    assert_eq!(answer.status(), 403, "the binding holds; the token lacks openid");
    let as_bearer = server.http.get(&userinfo).bearer_auth(&token).send().await.unwrap();
    assert_eq!(as_bearer.status(), 401, "§7.2: the bound token is refused as Bearer");
}

/// §8: a realm that requires nonces refuses the first proof with `use_dpop_nonce` and a `DPoP-Nonce`; the
/// source asks once more with it, and keeps it for the next token request.
#[tokio::test]
async fn rfc9449_8_the_source_retries_once_with_the_servers_nonce_and_keeps_it() {
    let server = TestServer::spawn().await;
    server.realm_with_attributes("shop", SigningAlgorithm::Es256, &[], &[("tessera.dpop.nonce", "true")]).await;
    let secret = server.service_client("shop", "svc", &[], &[]).await.secret;
    let source = source(&server, secret.clone(), DpopKey::generate().unwrap()).await;
    let first = source.request_token().await.unwrap();
    assert_eq!(first.token_type, "DPoP");
    let second = source.request_token().await.unwrap();
    assert_eq!(second.token_type, "DPoP");
    // Without the source's retry the first answer is the refusal.
    let key = DpopKey::generate().unwrap();
    let url = server.token_url("shop");
    let proof = key.proof("POST", &url, None, None, server.clock.now()).unwrap();
    let refused = server
        .http
        .post(&url)
        .basic_auth("svc", Some(secret))
        .header("DPoP", proof)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let nonce = refused.headers().contains_key("dpop-nonce");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "use_dpop_nonce", "{body}");
    assert!(nonce, "a DPoP-Nonce to retry with");
}

/// A key loaded from a file (PEM or a private JWK) is the key the token is bound to.
#[tokio::test]
async fn rfc9449_6_1_a_key_loaded_from_a_pem_file_binds_the_token() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let secret = server.service_client("shop", "svc", &[], &[]).await.secret;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dpop.pem");
    std::fs::write(&file, rcgen::KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let key = DpopKey::from_file(&file).unwrap();
    let jkt = key.thumbprint().to_owned();
    let token = source(&server, secret, key).await.token().await.unwrap();
    assert_eq!(jws_part(&token, 1)["cnf"]["jkt"], jkt.as_str());
}

/// §8 precisely, on a stand-in token endpoint: the refusal is answered once with its nonce (no proof without
/// it is sent again), and the next token request carries the kept nonce from its first try.
#[tokio::test]
async fn rfc9449_8_one_retry_per_use_dpop_nonce_and_the_nonce_is_kept_for_the_next_request() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let mock = MockServer::start().await;
    let refusal = serde_json::json!({"error": "use_dpop_nonce", "error_description": "a nonce is required"});
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(400).insert_header("DPoP-Nonce", "n-1").set_body_json(refusal))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&mock)
        .await;
    let ok = serde_json::json!({
        "access_token": "t", "token_type": "DPoP", "expires_in": 300, "refresh_expires_in": 0,
        "not-before-policy": 0, "scope": ""
    });
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok))
        .mount(&mock)
        .await;
    let source = TokenSource::builder()
        .token_url(format!("{}/token", mock.uri()))
        .client_id("svc")
        .client_secret(ClientSecret::Value("s".into()))
        .dpop(DpopKey::generate().unwrap())
        .build()
        .await
        .unwrap();
    assert_eq!(source.request_token().await.unwrap().token_type, "DPoP");
    source.request_token().await.unwrap();
    let nonces: Vec<Value> = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| jws_part(r.headers.get("dpop").unwrap().to_str().unwrap(), 1)["nonce"].clone())
        .collect();
    assert_eq!(nonces, [Value::Null, "n-1".into(), "n-1".into()], "one retry, then the kept nonce at once");
}
