//! `GET /realms/{realm}`: Keycloak's realm-info document (its `PublishedRealmRepresentation`). No RFC
//! defines it; python-keycloak's `public_key()` + `decode_token()` verify tokens with its `public_key`.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use reqwest::StatusCode;
use serde_json::Value;
use tessera_core::model::SigningAlgorithm;
use tessera_testkit::TestServer;

use super::json_of;
use crate::signin::acme;

fn pem(body: &str) -> String {
    format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n")
}

fn verifies(token: &str, key: &DecodingKey, alg: Algorithm) -> bool {
    let mut validation = Validation::new(alg);
    validation.validate_aud = false;
    decode::<Value>(token, key, &validation).is_ok()
}

// Keycloak's document names the realm, its RS256 public key as a PEM body (RFC 7468 §13: the base64 of a
// SubjectPublicKeyInfo), its token and account services and its not-before instant.
#[tokio::test]
async fn the_realm_info_document_carries_the_public_key_that_verifies_the_realms_tokens_rfc7468_13() {
    let server = acme().await;
    let (status, doc) = json_of(server.http.get(server.url("/realms/acme")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let issuer = server.issuer("acme");
    assert_eq!(doc["realm"], "acme");
    assert_eq!(doc["token-service"], format!("{issuer}/protocol/openid-connect"));
    assert_eq!(doc["account-service"], format!("{issuer}/account"));
    assert_eq!(doc["tokens-not-before"], 0);
    let key = DecodingKey::from_rsa_pem(pem(doc["public_key"].as_str().unwrap()).as_bytes()).unwrap();
    let token = server.access_token("acme", "billing-service", "billing-service-secret-77f0c2b5d1e94a3c").await;
    assert!(verifies(&token, &key, Algorithm::RS256), "the realm's own token verifies with public_key");
    let unknown = server.http.get(server.url("/realms/nowhere")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

// A realm that signs with ES256 has no RS256 key: its document names the key that does sign (an EC
// SubjectPublicKeyInfo, RFC 5480 §2), so `decode_token(public_key)` keeps working (docs/keycloak-compat.md,
// "realm-info `public_key`").
#[tokio::test]
async fn an_es256_realm_publishes_its_ec_signing_key_as_public_key_rfc5480_2() {
    let server = TestServer::spawn().await;
    server.realm("ec", SigningAlgorithm::Es256, &["read"]).await;
    let client = server.service_client("ec", "svc", &["read"], &[]).await;
    let (_, doc) = json_of(server.http.get(server.url("/realms/ec")).send().await.unwrap()).await;
    let key = DecodingKey::from_ec_pem(pem(doc["public_key"].as_str().unwrap()).as_bytes()).unwrap();
    let token = server.access_token("ec", "svc", &client.secret).await;
    assert!(verifies(&token, &key, Algorithm::ES256));
}
