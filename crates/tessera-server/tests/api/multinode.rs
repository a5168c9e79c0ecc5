//! Many nodes, one realm set: PostgreSQL, Redis fan-out, failure behaviour. Cases needing PostgreSQL or
//! Redis run when `TESSERA_TEST_DATABASE_URL` / `TESSERA_TEST_REDIS_URL` are set (`.ci/run` sets both); under
//! `TESSERA_TEST_SERVICES=required` (`.ci/run` again) they fail instead of skipping (`tessera_testkit::services`).

use std::time::{Duration, Instant};

use serde_json::Value;
use tessera_core::model::SigningAlgorithm;
use tessera_testkit::{CuttableProxy, PrivateRedis, TestServer, fresh_postgres, redis_url};

/// Nodes of one deployment share a public URL (hence issuers) and one master key file.
pub(crate) fn shared(c: &mut tessera_server::Config) {
    c.public_url = Some("http://tessera.test".into());
    c.dependency_timeout = Duration::from_secs(1);
    c.master_key_file = Some(KEY_DIR.with(|d| d.path().join("master.key")));
}

thread_local! {
    static KEY_DIR: tempfile::TempDir = tempfile::tempdir().unwrap();
}

async fn ready(server: &TestServer) -> (u16, Value) {
    let r = server.http.get(server.url("/health/ready")).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_postgres_backed_server_issues_introspects_and_revokes() {
    let Some(url) = fresh_postgres().await else { return eprintln!("no PostgreSQL: skipped") };
    let server = TestServer::builder().database_url(url).spawn().await;
    server.realm("shop", SigningAlgorithm::Rs256, &["a"]).await;
    let secret = server.service_client("shop", "svc", &["a"], &[]).await.secret;
    let token = server.access_token("shop", "svc", &secret).await;
    assert_eq!(server.introspect("shop", "svc", &secret, &token).await["active"], true);
    assert_eq!(server.revoke("shop", "svc", &secret, &token).await.status(), 200);
    assert_eq!(server.introspect("shop", "svc", &secret, &token).await["active"], false);
    assert_eq!(ready(&server).await.0, 200);
    let live = server.http.get(server.url("/health/live")).send().await.unwrap();
    assert_eq!(live.json::<Value>().await.unwrap()["status"], "UP");
}

#[tokio::test]
async fn a_revocation_reaches_the_other_node_through_redis_well_within_a_second() {
    let (Some(db), Some(redis)) = (fresh_postgres().await, redis_url().await) else { return eprintln!("skipped") };
    let node = |db: &str| {
        let redis = redis.clone();
        TestServer::builder()
            .database_url(db)
            .configure(shared)
            // A slow database poll, so only Redis can explain a fast arrival.
            .configure(move |c| {
                c.redis_url = Some(redis);
                c.refresh_interval = Duration::from_secs(30);
            })
            .spawn()
    };
    let a = node(&db).await;
    let b = node(&db).await;
    a.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let secret = a.service_client("shop", "svc", &[], &[]).await.secret;
    let token = a.access_token("shop", "svc", &secret).await;
    assert_eq!(b.introspect("shop", "svc", &secret, &token).await["active"], true);
    assert_eq!(a.revoke("shop", "svc", &secret, &token).await.status(), 200);
    let start = Instant::now();
    let seen = TestServer::eventually(Duration::from_secs(1), || async {
        b.introspect("shop", "svc", &secret, &token).await["active"] == false
    })
    .await;
    assert!(seen.is_some(), "not inactive on B within 1 s (took {:?})", start.elapsed());
}

#[tokio::test]
async fn per_client_usage_from_every_node_adds_up_in_redis() {
    let (Some(db), Some(redis)) = (fresh_postgres().await, redis_url().await) else { return eprintln!("skipped") };
    let node = |db: &str| {
        let redis = redis.clone();
        TestServer::builder().database_url(db).configure(shared).configure(move |c| c.redis_url = Some(redis)).spawn()
    };
    let a = node(&db).await;
    let b = node(&db).await;
    let realm = format!("usage-{}", std::process::id());
    a.realm(&realm, SigningAlgorithm::Es256, &[]).await;
    let secret = a.service_client(&realm, "svc", &[], &[]).await.secret;
    for server in [&a, &a, &b] {
        server.access_token(&realm, "svc", &secret).await;
    }
    // Counts are written when a minute ends or the node stops.
    a.stop().await;
    b.stop().await;
    let client = redis::Client::open(redis.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("tessera:usage:{realm}:*")).query_async(&mut conn).await.unwrap();
    let mut total = 0;
    for key in keys {
        let n: Option<u64> = redis::cmd("HGET").arg(&key).arg("svc").query_async(&mut conn).await.unwrap();
        total += n.unwrap_or(0);
    }
    assert_eq!(total, 3);
}

#[tokio::test]
async fn while_the_revocation_feed_is_down_introspection_fails_closed_unless_told_open() {
    let Some(db) = fresh_postgres().await else { return eprintln!("no PostgreSQL: skipped") };
    let mut redis = PrivateRedis::start().await;
    let node = |db: &str, open: bool| {
        let url = redis.url();
        TestServer::builder()
            .database_url(db)
            .configure(shared)
            .configure(move |c| {
                c.redis_url = Some(url);
                c.introspection_fail_open = open;
            })
            .spawn()
    };
    let closed = node(&db, false).await;
    let open = node(&db, true).await;
    closed.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let secret = closed.service_client("shop", "svc", &[], &[]).await.secret;
    let token = closed.access_token("shop", "svc", &secret).await;
    assert_eq!(ready(&closed).await.0, 200);

    redis.stop();
    let introspect = |server: &TestServer| {
        server
            .http
            .post(server.url("/realms/shop/protocol/openid-connect/token/introspect"))
            .basic_auth("svc", Some(secret.as_str()))
            .form(&[("token", token.as_str())])
            .send()
    };
    let refused =
        TestServer::eventually(Duration::from_secs(5), || async { introspect(&closed).await.unwrap().status() == 503 })
            .await;
    assert!(refused.is_some(), "fail-closed node kept answering while the feed was down");
    let body: Value = introspect(&closed).await.unwrap().json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    let answered: Value = introspect(&open).await.unwrap().json().await.unwrap();
    assert_eq!(answered["active"], true, "fail-open node answers from what it knows");
    let (status, health) = ready(&closed).await;
    assert_eq!(status, 503);
    assert!(health["checks"].as_array().unwrap().iter().any(|c| c["name"] == "redis" && c["status"] == "DOWN"));
    // Tokens are still issued: the token path does not need the feed.
    assert_eq!(closed.client_credentials("shop", "svc", &secret, None).await.status(), 200);

    // Redis returns: the node resubscribes by itself.
    redis.restart().await;
    let recovered = TestServer::eventually(Duration::from_secs(10), || async {
        introspect(&closed).await.unwrap().status() == 200
    })
    .await;
    assert!(recovered.is_some(), "no recovery without restart");
}

#[tokio::test]
async fn a_database_outage_gives_503s_not_500s_cached_clients_keep_their_tokens_and_recovery_is_automatic() {
    let Some(db) = fresh_postgres().await else { return eprintln!("no PostgreSQL: skipped") };
    let proxy = CuttableProxy::start("127.0.0.1:5432".parse().unwrap()).await;
    let through_proxy = db.replacen("127.0.0.1:5432", &proxy.addr.to_string(), 1);
    assert_ne!(through_proxy, db, "the test database URL must name 127.0.0.1:5432");
    let server = TestServer::builder().database_url(through_proxy).configure(shared).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let secret = server.service_client("shop", "svc", &[], &[]).await.secret;
    let token = server.access_token("shop", "svc", &secret).await;
    // The writes above move the revision: the poll empties the caches on its next tick and once more on the
    // one after (a load in flight may land late). Let both pass, then warm the caches again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.access_token("shop", "svc", &secret).await;

    proxy.cut();
    // Cached realm and client: tokens keep coming.
    assert_eq!(server.client_credentials("shop", "svc", &secret, None).await.status(), 200);
    // Anything that needs the database: 503 temporarily_unavailable, within the timeout, never 500.
    let start = Instant::now();
    let unknown = server.client_credentials("shop", "nobody-cached", "x", None).await;
    assert_eq!(unknown.status(), 503);
    assert!(start.elapsed() < Duration::from_secs(5), "waited {:?}", start.elapsed());
    assert_eq!(unknown.json::<Value>().await.unwrap()["error"], "temporarily_unavailable");
    let revoke = server.revoke("shop", "svc", &secret, &token).await;
    assert_eq!(revoke.status(), 503);
    assert_eq!(ready(&server).await.0, 503);

    proxy.restore();
    let back = TestServer::eventually(Duration::from_secs(10), || async {
        server.revoke("shop", "svc", &secret, &token).await.status() == 200
    })
    .await;
    assert!(back.is_some(), "no recovery without restart");
    assert_eq!(server.introspect("shop", "svc", &secret, &token).await["active"], false);
    assert_eq!(ready(&server).await.0, 200);
}
