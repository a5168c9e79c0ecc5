//! `private_key_jwt` with keys at the client's `jwks_uri` (Keycloak's `jwks.url`), and the replay cache
//! shared by two nodes through Redis.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::get;
use serde_json::Value;
use tessera_core::model::{ClientAuthenticator, SigningAlgorithm};
use tessera_testkit::{TestServer, fresh_postgres, redis_url};

use super::*;

/// A client's own HTTP server publishing its JWK Set, counting the fetches.
struct Publisher {
    url: String,
    set: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

impl Publisher {
    async fn start(set: Value) -> Self {
        let set = Arc::new(Mutex::new(set));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (s, f) = (set.clone(), fetches.clone());
        let app = axum::Router::new().route(
            "/jwks",
            get(move || {
                f.fetch_add(1, Ordering::SeqCst);
                let body = s.lock().unwrap().clone();
                async move { axum::Json(body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, set, fetches }
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn rfc7523_3_an_unknown_kid_refetches_the_rotated_jwks_uri_once_within_the_rate_limit() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let (old, new) = (ClientKey::es256("old"), ClientKey::es256("new"));
    let publisher = Publisher::start(jwks_of(&[&old])).await;
    let attributes = [("use.jwks.url", "true"), ("jwks.url", publisher.url.as_str())];
    jwt_client(&server, "shop", "svc", ClientAuthenticator::ClientJwt, &attributes).await;

    assert_token(token_with(&server, "shop", &old.sign(&claims(&server, "shop", "svc"))).await, "old key").await;
    assert_token(token_with(&server, "shop", &old.sign(&claims(&server, "shop", "svc"))).await, "cached").await;
    assert_eq!(publisher.fetches(), 1, "the set is cached");

    // The client rotates: its next assertion names a kid the cached set lacks, so the set is fetched again.
    *publisher.set.lock().unwrap() = jwks_of(&[&new]);
    tokio::time::sleep(Duration::from_millis(10_100)).await;
    assert_token(token_with(&server, "shop", &new.sign(&claims(&server, "shop", "svc"))).await, "rotated").await;
    assert_eq!(publisher.fetches(), 2);

    // Unknown kids right after a fetch do not reach the client's server again (at most one per 10 s).
    let stranger = ClientKey::es256("stranger");
    for _ in 0..3 {
        let response = token_with(&server, "shop", &stranger.sign(&claims(&server, "shop", "svc"))).await;
        assert_invalid_client(response, "unknown kid").await;
    }
    assert_eq!(publisher.fetches(), 2, "refetches are rate limited");
}

#[tokio::test]
async fn an_unreachable_or_oversized_jwks_uri_is_invalid_client_not_a_server_error() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let key = ClientKey::es256("k");
    let huge = serde_json::json!({"keys": [], "padding": "x".repeat(100 * 1024)});
    let publisher = Publisher::start(huge).await;
    let attributes = [("jwks.url", publisher.url.as_str())];
    jwt_client(&server, "shop", "big", ClientAuthenticator::ClientJwt, &attributes).await;
    assert_invalid_client(token_with(&server, "shop", &key.sign(&claims(&server, "shop", "big"))).await, "100 KiB")
        .await;
    let attributes = [("jwks.url", "http://127.0.0.1:9/jwks")];
    jwt_client(&server, "shop", "gone", ClientAuthenticator::ClientJwt, &attributes).await;
    assert_invalid_client(token_with(&server, "shop", &key.sign(&claims(&server, "shop", "gone"))).await, "down").await;
}

#[tokio::test]
async fn rfc7523_3_item_7_an_assertion_replayed_on_another_node_sharing_redis_is_invalid_client() {
    let (Some(db), Some(redis)) = (fresh_postgres().await, redis_url().await) else { return eprintln!("skipped") };
    let keys = tempfile::tempdir().unwrap();
    let node = |db: &str| {
        let (redis, key_file) = (redis.clone(), keys.path().join("master.key"));
        TestServer::builder()
            .database_url(db)
            .configure(move |c| {
                c.public_url = Some("http://tessera.test".into());
                c.master_key_file = Some(key_file);
                c.redis_url = Some(redis);
            })
            .spawn()
    };
    let a = node(&db).await;
    let b = node(&db).await;
    a.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let key = ClientKey::es256("k1");
    inline_jwks_client(&a, "shop", "svc", &[&key]).await;
    // B knows the client (it polls the database's change counter).
    let warm = key.sign(&claims(&b, "shop", "svc"));
    let known = TestServer::eventually(Duration::from_secs(5), || async {
        token_with(&b, "shop", &key.sign(&claims(&b, "shop", "svc"))).await.status() == 200
    })
    .await;
    assert!(known.is_some(), "node B never knew the client");
    let assertion = key.sign(&claims(&a, "shop", "svc"));
    assert_token(token_with(&a, "shop", &assertion).await, "first use on A").await;
    assert_invalid_client(token_with(&b, "shop", &assertion).await, "replayed on B").await;
    // And the other way round.
    assert_token(token_with(&b, "shop", &warm).await, "first use on B").await;
    assert_invalid_client(token_with(&a, "shop", &warm).await, "replayed on A").await;
}
