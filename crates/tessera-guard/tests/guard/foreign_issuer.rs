//! A non-Tessera issuer served by wiremock: ES256 keys made here, typ `JWT`.

use super::*;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(crate) fn key(kid: &str) -> (jsonwebtoken::EncodingKey, Value) {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let pkcs8 = pair.to_pkcs8v1().unwrap();
    let point = pair.public_key().as_ref();
    let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])});
    (jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref()), jwk)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_unknown_kids_cause_one_jwks_fetch() {
    let idp = MockServer::start().await;
    let issuer = idp.uri();
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": issuer, "jwks_uri": format!("{issuer}/jwks"), "token_endpoint": format!("{issuer}/token"),
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"]
        })))
        .mount(&idp)
        .await;
    let (_, old_jwk) = key("old");
    let (new_key, new_jwk) = key("new");
    // First the old key only; from the second fetch on, both.
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"keys": [old_jwk]})))
        .up_to_n_times(1)
        .mount(&idp)
        .await;
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"keys": [old_jwk, new_jwk]})))
        .mount(&idp)
        .await;
    let validator = Arc::new(
        Validator::builder()
            .issuer(&issuer)
            .audience("urn:orders")
            .required_typ(Some("JWT"))
            .min_refetch_interval(Duration::from_millis(100))
            .build()
            .await
            .unwrap(),
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("new".into());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({"iss": issuer, "aud": "urn:orders", "sub": "x", "exp": now + 300, "scope": "orders:read"});
    let token = Arc::new(jsonwebtoken::encode(&header, &claims, &new_key).unwrap());
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (v, t) = (validator.clone(), token.clone());
            tokio::spawn(async move { v.validate(&t).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("validates once the new key is fetched");
    }
    let fetches = idp.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/jwks").count();
    assert_eq!(fetches, 2, "the initial fetch and exactly one refetch");
    assert_eq!(validator.jwks_fetches(), 2);
}
