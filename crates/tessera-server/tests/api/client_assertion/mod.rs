//! Client authentication with JWT assertions: RFC 7523 §2.2 and §3, OIDC Core §9 (`private_key_jwt`,
//! `client_secret_jwt`), at the token, introspection and revocation endpoints.

mod jwks_uri;
mod rules;
mod third_party;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{Value, json};
use tessera_core::model::{AUTHENTICATOR_ATTRIBUTE, ClientAuthenticator};
use tessera_core::ports::{ClientStore, RealmStore};
use tessera_core::provisioning::{NewClient, new_client};
use tessera_core::secret::stored_client_secret;
use tessera_testkit::TestServer;

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A client's signing key and the public JWK it registers.
pub struct ClientKey {
    pub encoding: EncodingKey,
    pub jwk: Jwk,
    pub alg: Algorithm,
}

impl ClientKey {
    pub fn es256(kid: &str) -> Self {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let der = pair.to_pkcs8v1().unwrap();
        let encoding = EncodingKey::from_ec_der(der.as_ref());
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256).unwrap();
        jwk.common.key_id = Some(kid.to_owned());
        Self { encoding, jwk, alg: Algorithm::ES256 }
    }

    pub fn kid(&self) -> &str {
        self.jwk.common.key_id.as_deref().unwrap()
    }

    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid().to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }
}

pub fn jwks_of(keys: &[&ClientKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| serde_json::to_value(&k.jwk).unwrap()).collect::<Vec<_>>() })
}

/// RFC 7523 §3's claims for `client_id` at `server`'s realm, valid for a minute, with a fresh `jti`.
pub fn claims(server: &TestServer, realm: &str, client_id: &str) -> Value {
    let now = server.clock.now();
    json!({
        "iss": client_id, "sub": client_id, "aud": server.issuer(realm),
        "iat": now, "exp": now + 60, "jti": uuid::Uuid::new_v4().to_string(),
    })
}

/// A confidential service client using `authenticator`, with `attributes`; its secret (sealed for HMAC
/// when it is a `client-secret-jwt` client, as the admin API and import keep it).
pub async fn jwt_client(
    server: &TestServer,
    realm: &str,
    id: &str,
    authenticator: ClientAuthenticator,
    attributes: &[(&str, &str)],
) -> String {
    let stored_realm = server.store.find_realm(realm).await.unwrap().unwrap();
    let spec = NewClient { client_id: id.into(), service_accounts_enabled: true, ..NewClient::default() };
    let hasher = server.secrets.secret_hasher();
    let (mut client, secret) = new_client(&stored_realm.id, &spec, &[], &hasher, server.clock.now()).unwrap();
    let secret: SecretString = secret.unwrap();
    client.attributes.insert(AUTHENTICATOR_ATTRIBUTE.into(), authenticator.as_str().into());
    client.attributes.extend(attributes.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    client.secrets = vec![
        stored_client_secret(&secret, &client, &hasher, &server.secrets.master_key(), server.clock.now()).unwrap(),
    ];
    server.store.create_client(&client).await.unwrap();
    secrecy::ExposeSecret::expose_secret(&secret).to_owned()
}

/// A `client-jwt` client whose keys are registered inline (`jwks.string`).
pub async fn inline_jwks_client(server: &TestServer, realm: &str, id: &str, keys: &[&ClientKey]) {
    let set = jwks_of(keys).to_string();
    let attributes = [("use.jwks.string", "true"), ("jwks.string", set.as_str())];
    jwt_client(server, realm, id, ClientAuthenticator::ClientJwt, &attributes).await;
}

/// A client-credentials request authenticated by `assertion` alone.
pub async fn token_with(server: &TestServer, realm: &str, assertion: &str) -> reqwest::Response {
    let form =
        [("grant_type", "client_credentials"), ("client_assertion_type", JWT_BEARER), ("client_assertion", assertion)];
    server.http.post(server.token_url(realm)).form(&form).send().await.unwrap()
}

/// Asserts the RFC 6749 §5.2 answer to a refused client authentication.
pub async fn assert_invalid_client(response: reqwest::Response, why: &str) {
    assert_eq!(response.status(), 401, "{why}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client", "{why}: {body}");
}

pub async fn assert_token(response: reqwest::Response, why: &str) -> String {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{why}: {body}");
    body["access_token"].as_str().unwrap().to_owned()
}
