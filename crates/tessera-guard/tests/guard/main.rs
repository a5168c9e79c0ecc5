//! tessera-guard against the real Tessera server on port 0, and against a non-Tessera issuer (wiremock).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tessera_core::keys::KeyRing;
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::{KeyStore, RealmStore};
use tessera_core::provisioning::NewClient;
use tessera_guard::axum::RequireToken;
use tessera_guard::{BuildError, IntrospectionConfig, ScopeRequirement, ValidationError, Validator, VerifiedToken};
use tessera_testkit::{CuttableProxy, TestServer};

#[derive(Clone)]
struct Api {
    validator: Arc<Validator>,
}

impl FromRef<Api> for Arc<Validator> {
    fn from_ref(api: &Api) -> Self {
        api.validator.clone()
    }
}

async fn whoami(token: VerifiedToken) -> String {
    token.client_id().unwrap_or_default().to_owned()
}

/// A small API: reading orders needs `orders:read`, writing needs `orders:write`, `/whoami` any valid token.
async fn serve_api(validator: Arc<Validator>) -> String {
    let read = RequireToken::new(validator.clone()).scopes(ScopeRequirement::all_of(["orders:read"]));
    let write = RequireToken::new(validator.clone()).scopes(ScopeRequirement::all_of(["orders:write"]));
    let app = Router::new()
        .route("/orders", get(|| async { "[]" }).layer(read).merge(post(|| async { "created" }).layer(write)))
        .route("/whoami", get(whoami))
        .with_state(Api { validator });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

struct Fixture {
    server: TestServer,
    secret: String,
    narrow: String,
}

async fn fixture() -> Fixture {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Rs256, &["orders:read", "orders:write"]).await;
    let spec = |id: &str, audiences: Vec<String>| NewClient {
        client_id: id.into(),
        service_accounts_enabled: true,
        default_scopes: vec!["orders:read".into()],
        optional_scopes: vec!["orders:write".into()],
        audiences,
        ..NewClient::default()
    };
    let secret = server.client("shop", spec("svc", vec!["orders-api".into()])).await.secret;
    let narrow = server.client("shop", spec("elsewhere", vec![])).await.secret;
    Fixture { server, secret, narrow }
}

async fn validator_for(server: &TestServer) -> Validator {
    Validator::builder().issuer(server.issuer("shop")).audience("orders-api").build().await.unwrap()
}

/// Signs `claims` with the realm's active key (as the server would, but with any claims).
async fn sign(server: &TestServer, claims: &Value) -> String {
    let realm = server.store.find_realm("shop").await.unwrap().unwrap();
    let keys = server.store.signing_keys(&realm.id).await.unwrap();
    KeyRing::load(&keys, &server.secrets.master_key()).unwrap().active().sign_access_token(claims).unwrap()
}

fn claims_of(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

#[tokio::test]
async fn a_good_token_passes_and_the_handler_sees_its_claims() {
    let f = fixture().await;
    let api = serve_api(Arc::new(validator_for(&f.server).await)).await;
    let token = f.server.access_token("shop", "svc", &f.secret).await;
    let http = reqwest::Client::new();
    let r = http.get(format!("{api}/orders")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let who = http.get(format!("{api}/whoami")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(who.text().await.unwrap(), "svc");
}

#[tokio::test]
async fn every_rejection_is_the_exact_rfc6750_answer() {
    let f = fixture().await;
    let api = serve_api(Arc::new(validator_for(&f.server).await)).await;
    let good = f.server.access_token("shop", "svc", &f.secret).await;
    let claims = claims_of(&good);
    let now = claims["iat"].as_i64().unwrap();
    let [header, payload, signature]: [&str; 3] = good.split('.').collect::<Vec<_>>().try_into().unwrap();

    let mut expired = claims.clone();
    expired["iat"] = json!(now - 3600);
    expired["exp"] = json!(now - 600);
    let mut foreign = claims.clone();
    foreign["iss"] = json!("https://evil.example/realms/shop");
    let jwks: Value = f.server.http.get(f.server.certs_url("shop")).send().await.unwrap().json().await.unwrap();
    let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs.typ = Some("at+jwt".into());
    hs.kid = jwks["keys"][0]["kid"].as_str().map(str::to_owned);
    let hs256 = jsonwebtoken::encode(
        &hs,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(jwks["keys"][0].to_string().as_bytes()),
    )
    .unwrap();
    let flipped = {
        let mut sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
        sig[10] ^= 1;
        format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(sig))
    };
    let none = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt"}"#));
    let other_audience = f.server.access_token("shop", "elsewhere", &f.narrow).await;

    let invalid = |d: &str| format!("Bearer error=\"invalid_token\", error_description=\"{d}\"");
    let cases: Vec<(&str, Option<String>, &str, u16, String)> = vec![
        ("no token", None, "GET", 401, "Bearer".into()),
        ("expired", Some(sign(&f.server, &expired).await), "GET", 401, invalid("the token has expired")),
        ("wrong audience", Some(other_audience), "GET", 401, invalid("the token is for another audience")),
        ("wrong issuer", Some(sign(&f.server, &foreign).await), "GET", 401, invalid("the token is from another issuer")),
        ("alg none", Some(none), "GET", 401, invalid("the token is not a JWT")),
        ("HS256 keyed with our public key", Some(hs256), "GET", 401, invalid("the token's algorithm is not accepted")),
        ("bad signature", Some(flipped), "GET", 401, invalid("the token's signature does not verify")),
        (
            "missing scope",
            Some(good.clone()),
            "POST",
            403,
            "Bearer error=\"insufficient_scope\", error_description=\"the token lacks a required scope\", scope=\"orders:write\""
                .into(),
        ),
    ];
    let http = reqwest::Client::new();
    for (name, token, method, status, challenge) in cases {
        let mut request =
            if method == "GET" { http.get(format!("{api}/orders")) } else { http.post(format!("{api}/orders")) };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), status, "{name}");
        assert_eq!(r.headers()["www-authenticate"], challenge.as_str(), "{name}");
    }
    // With the optional scope granted, writing is allowed.
    let writer = f.server.client_credentials("shop", "svc", &f.secret, Some("orders:write")).await;
    let writer = writer.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(http.post(format!("{api}/orders")).bearer_auth(writer).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_key_rotation_is_followed_without_a_restart_or_a_failed_request() {
    let f = fixture().await;
    let validator = validator_for(&f.server).await;
    let before = f.server.access_token("shop", "svc", &f.secret).await;
    validator.validate(&before).await.unwrap();
    let realm = f.server.store.find_realm("shop").await.unwrap().unwrap();
    let policy = tessera_core::key_rotation::RotationPolicy { period: None, publication_lead: 0 };
    tessera_server::operations::rotate_realm_keys(&f.server.store, &f.server.secrets, &realm, &policy, true, 0)
        .await
        .unwrap();
    let kid = |t: &str| jsonwebtoken::decode_header(t).unwrap().kid.unwrap();
    let mut rotated = false;
    for _ in 0..100 {
        let token = f.server.access_token("shop", "svc", &f.secret).await;
        validator.validate(&token).await.expect("every token validates, before and after the rotation");
        if kid(&token) != kid(&before) {
            rotated = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(rotated, "the server never signed with the new key");
    validator.validate(&before).await.unwrap();
    // The new key was published before it signed: the validator never needed to refetch.
    assert_eq!(validator.jwks_fetches(), 1);
}

#[tokio::test]
async fn an_unreachable_issuer_with_cached_keys_keeps_validating_until_the_stale_limit() {
    let f = fixture().await;
    let addr: std::net::SocketAddr = f.server.base_url.trim_start_matches("http://").parse().unwrap();
    let proxy = CuttableProxy::start(addr).await;
    let validator = Validator::builder()
        .issuer(f.server.issuer("shop"))
        .jwks_url(format!("http://{}/realms/shop/protocol/openid-connect/certs", proxy.addr))
        .audience("orders-api")
        .max_stale(Duration::from_secs(2))
        .min_refetch_interval(Duration::from_millis(10))
        .build()
        .await
        .unwrap();
    let token = f.server.access_token("shop", "svc", &f.secret).await;
    proxy.cut();
    validator.validate(&token).await.expect("cached keys keep working while the issuer is unreachable");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let err = validator.validate(&token).await.unwrap_err();
    assert!(matches!(&err, ValidationError::Unavailable(why) if why.contains("unreachable")), "{err:?}");
}

#[tokio::test]
async fn introspection_mode_sees_a_revocation_at_once() {
    let f = fixture().await;
    let token = f.server.access_token("shop", "svc", &f.secret).await;
    let plain = validator_for(&f.server).await;
    let strict = Validator::builder()
        .issuer(f.server.issuer("shop"))
        .audience("orders-api")
        .introspection(IntrospectionConfig {
            negative_ttl: Duration::from_secs(60),
            ..IntrospectionConfig::new("svc", &f.secret)
        })
        .build()
        .await
        .unwrap();
    strict.validate(&token).await.unwrap();
    assert_eq!(f.server.revoke("shop", "svc", &f.secret, &token).await.status(), 200);
    // The positive answer is cached for at most 5 s; a fresh token after the revocation is checked anew.
    let revoked_fresh = f.server.access_token("shop", "svc", &f.secret).await;
    assert_eq!(f.server.revoke("shop", "svc", &f.secret, &revoked_fresh).await.status(), 200);
    let err = strict.validate(&revoked_fresh).await.unwrap_err();
    assert_eq!(err, ValidationError::InvalidToken("the token is not active".into()));
    plain.validate(&revoked_fresh).await.expect("signature-only validation cannot know");
}

mod audience;
mod dpop;
mod feed;
mod foreign_issuer;
mod key_cache;
mod local_issuer;
mod mtls;
mod network;
