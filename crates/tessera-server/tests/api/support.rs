use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use tessera_testkit::TestServer;

/// Verifies `token` with the independent `jsonwebtoken` crate against the JWKS the server publishes.
pub async fn verify_with_served_jwks(server: &TestServer, realm: &str, token: &str, alg: Algorithm) -> Value {
    verify_with_jwks_of(server, realm, token, alg, &server.issuer(realm)).await
}

/// As above, for a token whose issuer was another server's (e.g. before a restart on another port).
pub async fn verify_with_jwks_of(server: &TestServer, realm: &str, token: &str, alg: Algorithm, issuer: &str) -> Value {
    let header = decode_header(token).unwrap();
    assert_eq!(header.alg, alg);
    // RFC 9068 §2.1; jsonwebtoken does not check typ.
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let jwks: JwkSet = server.http.get(server.certs_url(realm)).send().await.unwrap().json().await.unwrap();
    let kid = header.kid.expect("kid");
    let jwk = jwks.find(&kid).expect("signing key is published");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[issuer]);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    decode::<Value>(token, &key, &validation).expect("token verifies against served JWKS").claims
}

pub async fn access_token(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200, "token request failed");
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// Signs arbitrary claims with the realm's active key, as only the server could: for tokens the server
/// would never issue itself (not yet valid, other typ).
pub async fn sign_as_realm(server: &TestServer, realm: &str, claims: &Value) -> String {
    use tessera_core::keys::KeyRing;
    use tessera_core::ports::{KeyStore, RealmStore};
    let realm = server.store.find_realm(realm).await.unwrap().unwrap();
    let keys = server.store.signing_keys(&realm.id).await.unwrap();
    let ring = KeyRing::load(&keys, &server.secrets.master_key()).unwrap();
    ring.active().sign_access_token(claims).unwrap()
}

/// The claims of a token, unverified.
pub fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
