//! One test per rule of RFC 7523 §3 (and OIDC Core §9), each an assertion otherwise valid.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tessera_core::model::{ClientAuthenticator, SigningAlgorithm};
use tessera_testkit::TestServer;

use super::*;

async fn setup() -> (TestServer, ClientKey) {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let key = ClientKey::es256("k1");
    inline_jwks_client(&server, "shop", "svc", &[&key]).await;
    (server, key)
}

#[tokio::test]
async fn rfc7523_2_2_private_key_jwt_authenticates_at_token_introspection_and_revocation() {
    let (server, key) = setup().await;
    let token =
        assert_token(token_with(&server, "shop", &key.sign(&claims(&server, "shop", "svc"))).await, "token").await;
    let endpoint = |path: &str| server.url(&format!("/realms/shop/protocol/openid-connect/{path}"));
    let form = |assertion: String| {
        vec![
            ("token", token.clone()),
            ("client_assertion_type", JWT_BEARER.to_owned()),
            ("client_assertion", assertion),
        ]
    };
    let introspected: Value = server
        .http
        .post(endpoint("token/introspect"))
        .form(&form(key.sign(&claims(&server, "shop", "svc"))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["active"], true, "{introspected}");
    let revoked = server
        .http
        .post(endpoint("revoke"))
        .form(&form(key.sign(&claims(&server, "shop", "svc"))))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    // The token endpoint's URL is an audience as good as the issuer (RFC 7523 §3 item 3).
    let mut to_endpoint = claims(&server, "shop", "svc");
    to_endpoint["aud"] = json!([server.token_url("shop").replace(&server.base_url, &server.public_url)]);
    assert_token(token_with(&server, "shop", &key.sign(&to_endpoint)).await, "aud = token endpoint").await;
}

#[tokio::test]
async fn rfc7523_3_item_1_iss_other_than_sub_is_invalid_client() {
    let (server, key) = setup().await;
    let mut c = claims(&server, "shop", "svc");
    c["iss"] = json!("someone-else");
    assert_invalid_client(token_with(&server, "shop", &key.sign(&c)).await, "iss != sub").await;
}

#[tokio::test]
async fn rfc7523_3_item_3_wrong_audience_is_invalid_client() {
    let (server, key) = setup().await;
    let mut c = claims(&server, "shop", "svc");
    c["aud"] = json!(server.issuer("other"));
    assert_invalid_client(token_with(&server, "shop", &key.sign(&c)).await, "another realm's issuer").await;
    c["aud"] = Value::Null;
    c["jti"] = json!("no-aud");
    assert_invalid_client(token_with(&server, "shop", &key.sign(&c)).await, "no aud").await;
}

#[tokio::test]
async fn rfc7523_3_item_4_expired_assertion_is_invalid_client() {
    let (server, key) = setup().await;
    let mut c = claims(&server, "shop", "svc");
    c["exp"] = json!(server.clock.now() - 1);
    assert_invalid_client(token_with(&server, "shop", &key.sign(&c)).await, "expired").await;
    c.as_object_mut().unwrap().remove("exp");
    assert_invalid_client(token_with(&server, "shop", &key.sign(&c)).await, "no exp").await;
}

#[tokio::test]
async fn rfc7523_3_item_4_exp_more_than_five_minutes_ahead_is_invalid_client() {
    let (server, key) = setup().await;
    let mut c = claims(&server, "shop", "svc");
    // Margins of a minute each way: the server reads its clock later than this test, by seconds under load.
    c["exp"] = json!(server.clock.now() + 360);
    assert_invalid_client(token_with(&server, "shop", &key.sign(&c)).await, "exp too far").await;
    c["exp"] = json!(server.clock.now() + 240);
    assert_token(token_with(&server, "shop", &key.sign(&c)).await, "within 5 minutes").await;
}

#[tokio::test]
async fn rfc7523_3_item_7_a_replayed_jti_is_invalid_client() {
    let (server, key) = setup().await;
    let assertion = key.sign(&claims(&server, "shop", "svc"));
    assert_token(token_with(&server, "shop", &assertion).await, "first use").await;
    assert_invalid_client(token_with(&server, "shop", &assertion).await, "the same assertion again").await;
    let mut c = claims(&server, "shop", "svc");
    c.as_object_mut().unwrap().remove("jti");
    assert_invalid_client(token_with(&server, "shop", &key.sign(&c)).await, "no jti (OIDC Core §9)").await;
}

#[tokio::test]
async fn rfc7523_3_a_signature_by_an_unregistered_key_or_with_a_wrong_alg_is_invalid_client() {
    let (server, key) = setup().await;
    let c = claims(&server, "shop", "svc");
    // Another key under the registered kid.
    let impostor = ClientKey::es256("k1");
    assert_invalid_client(token_with(&server, "shop", &impostor.sign(&c)).await, "bad signature").await;
    // HMAC keyed with the registered public key (alg confusion): never for a private_key_jwt client.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let public = serde_json::to_vec(&key.jwk).unwrap();
    let hmac = jsonwebtoken::encode(&header, &c, &EncodingKey::from_secret(&public)).unwrap();
    assert_invalid_client(token_with(&server, "shop", &hmac).await, "HS256 for a private_key_jwt client").await;
    // `alg: none`, unsigned.
    use base64::Engine;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "kid": "k1"})), b64(&c));
    assert_invalid_client(token_with(&server, "shop", &none).await, "alg none").await;
    // A client pinned to ES384 (`token.endpoint.auth.signing.alg`) refuses ES256.
    let pinned = ClientKey::es256("p1");
    let set = jwks_of(&[&pinned]).to_string();
    let attributes =
        [("use.jwks.string", "true"), ("jwks.string", set.as_str()), ("token.endpoint.auth.signing.alg", "ES384")];
    jwt_client(&server, "shop", "pinned", ClientAuthenticator::ClientJwt, &attributes).await;
    let c = claims(&server, "shop", "pinned");
    assert_invalid_client(token_with(&server, "shop", &pinned.sign(&c)).await, "ES256 for an ES384 client").await;
}

#[tokio::test]
async fn rfc7523_2_2_client_secret_jwt_is_keyed_with_the_secret_and_secret_methods_follow_the_authenticator() {
    let (server, key) = setup().await;
    let secret = jwt_client(&server, "shop", "hmac", ClientAuthenticator::ClientSecretJwt, &[]).await;
    let c = claims(&server, "shop", "hmac");
    let signed = |c: &Value, s: &str| {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), c, &EncodingKey::from_secret(s.as_bytes())).unwrap()
    };
    assert_token(token_with(&server, "shop", &signed(&c, &secret)).await, "client_secret_jwt").await;
    let mut c = claims(&server, "shop", "hmac");
    assert_invalid_client(token_with(&server, "shop", &signed(&c, "not-the-secret")).await, "wrong secret").await;
    // The secret alone does not authenticate a client registered for assertions.
    let basic = server.client_credentials("shop", "hmac", &secret, None).await;
    assert_invalid_client(basic, "client_secret_post for a client-secret-jwt client").await;
    // A client-secret client has no sealed secret: client_secret_jwt cannot work for it.
    let plain = server.service_client("shop", "plain", &[], &[]).await;
    c["iss"] = json!("plain");
    c["sub"] = json!("plain");
    assert_invalid_client(token_with(&server, "shop", &signed(&c, &plain.secret)).await, "client-secret client").await;
    // Nor private_key_jwt for a client-secret client, nor an asymmetric assertion for an HMAC client.
    assert_invalid_client(token_with(&server, "shop", &key.sign(&c)).await, "private_key_jwt for plain").await;
}

#[tokio::test]
async fn rfc7521_4_2_an_assertion_beside_other_credentials_or_of_another_type_is_invalid_request() {
    let (server, key) = setup().await;
    let assertion = key.sign(&claims(&server, "shop", "svc"));
    let post = |form: Vec<(&'static str, String)>| server.http.post(server.token_url("shop")).form(&form).send();
    let base = || vec![("grant_type", "client_credentials".to_owned()), ("client_assertion", assertion.clone())];
    let mut with_secret = base();
    with_secret.push(("client_assertion_type", JWT_BEARER.into()));
    with_secret.push(("client_secret", "x".into()));
    let r = post(with_secret).await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
    let mut other_type = base();
    other_type.push(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer".into()));
    let r = post(other_type).await.unwrap();
    assert_eq!(r.status(), 400);
    let mut other_id = base();
    other_id.push(("client_assertion_type", JWT_BEARER.into()));
    other_id.push(("client_id", "someone-else".into()));
    assert_invalid_client(post(other_id).await.unwrap(), "client_id names another client").await;
}

#[tokio::test]
async fn discovery_lists_the_assertion_methods_and_their_algorithms_rfc8414_2() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let url = server.url("/realms/shop/.well-known/openid-configuration");
    let doc: Value = server.http.get(url).send().await.unwrap().json().await.unwrap();
    for field in ["token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported"] {
        let methods = doc[field].as_array().unwrap();
        for m in ["private_key_jwt", "client_secret_jwt", "client_secret_basic"] {
            assert!(methods.contains(&json!(m)), "{field} lacks {m}: {doc}");
        }
    }
    let algs = doc["token_endpoint_auth_signing_alg_values_supported"].as_array().unwrap();
    for a in ["RS256", "PS256", "ES256", "EdDSA", "HS256"] {
        assert!(algs.contains(&json!(a)), "{a}: {doc}");
    }
    assert!(!algs.contains(&json!("none")));
}
