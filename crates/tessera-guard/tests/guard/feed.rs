//! Feed mode against the real server: the revocation feed (docs/revocation-feed.md) over real HTTP, a guard
//! that refuses revoked tokens with no request per call, catches up after a cut, and fails closed or falls
//! back to introspection (RFC 7662) when the feed stays down.

use std::time::Duration;

use serde_json::Value;
use tessera_core::model::{RevokedToken, SigningAlgorithm};
use tessera_core::ports::{ClientStore, RealmStore, RevocationStore};
use tessera_core::provisioning::NewClient;
use tessera_core::revocation_feed::REVOCATION_FEED_ATTRIBUTE;
use tessera_guard::{FeedConfig, OnFeedOutage, ValidationError, Validator};
use tessera_testkit::{CuttableProxy, TestServer, fresh_postgres, redis_url};

const FEED: &str = "/realms/shop/protocol/openid-connect/revocations";
const WAIT: Duration = Duration::from_secs(10);

struct Shop {
    server: TestServer,
    /// A client that gets tokens.
    svc: String,
    /// The API's client, allowed the feed.
    api: String,
}

async fn shop(server: TestServer) -> Shop {
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let svc = server.service_client("shop", "svc", &[], &[]).await.secret;
    let api = feed_client(&server, "orders-api", true).await;
    Shop { server, svc, api }
}

/// A confidential client, with or without the feed permission; its secret.
async fn feed_client(server: &TestServer, id: &str, allowed: bool) -> String {
    let spec = NewClient { client_id: id.into(), service_accounts_enabled: true, ..NewClient::default() };
    let mut made = server.client("shop", spec).await;
    if allowed {
        made.client.attributes.insert(REVOCATION_FEED_ATTRIBUTE.into(), "true".into());
        assert!(server.store.update_client(&made.client).await.unwrap());
    }
    made.secret
}

async fn guard(shop: &Shop, feed_url: &str, outage: Option<(Duration, OnFeedOutage)>) -> Validator {
    let mut config = FeedConfig::new("orders-api", &shop.api);
    config.endpoint = Some(feed_url.to_owned());
    config.reconnect_min = Duration::from_millis(50);
    config.reconnect_max = Duration::from_millis(200);
    if let Some((max_outage, on_outage)) = outage {
        config.max_outage = max_outage;
        config.on_outage = on_outage;
    }
    let issuer = shop.server.issuer("shop");
    let validator =
        Validator::builder().issuer(&issuer).audience(&issuer).revocation_feed(config).build().await.unwrap();
    assert_eq!(validator.feed_is_current(), Some(true), "the first snapshot arrived during build");
    validator
}

async fn refused(validator: &Validator, token: &str) -> bool {
    matches!(validator.validate(token).await, Err(ValidationError::InvalidToken(_)))
}

async fn eventually_refused(validator: &Validator, token: &str) -> bool {
    TestServer::eventually(WAIT, || refused(validator, token)).await.is_some()
}

/// RFC 7009 §2 (the token is invalid at once) reaching a resource server: the guard refuses the revoked
/// token by itself and keeps accepting others.
#[tokio::test]
async fn a_revoked_token_is_refused_by_the_guard_and_others_still_pass() {
    let shop = shop(TestServer::spawn().await).await;
    let validator = guard(&shop, &shop.server.url(FEED), None).await;
    let (revoked, kept) = (
        shop.server.access_token("shop", "svc", &shop.svc).await,
        shop.server.access_token("shop", "svc", &shop.svc).await,
    );
    validator.validate(&revoked).await.unwrap();
    assert_eq!(shop.server.revoke("shop", "svc", &shop.svc, &revoked).await.status(), 200);
    assert!(eventually_refused(&validator, &revoked).await, "the guard never heard of the revocation");
    assert_eq!(
        validator.validate(&revoked).await.unwrap_err(),
        ValidationError::InvalidToken("the token is revoked".into())
    );
    validator.validate(&kept).await.unwrap();
    assert!(validator.feed_cursor().unwrap() > 0);
}

/// A client's revoke-all (its not-before) voids its tokens issued before it, at the guard too.
#[tokio::test]
async fn a_clients_not_before_voids_its_earlier_tokens_at_the_guard() {
    let shop = shop(TestServer::spawn().await).await;
    let validator = guard(&shop, &shop.server.url(FEED), None).await;
    let token = shop.server.access_token("shop", "svc", &shop.svc).await;
    validator.validate(&token).await.unwrap();
    let realm = shop.server.store.find_realm("shop").await.unwrap().unwrap();
    let iat = tessera_core::ports::Clock::now(shop.server.clock.as_ref()) + 1;
    tessera_server::operations::revoke_all(&shop.server.store, &realm, Some("svc"), "test", iat).await.unwrap();
    assert!(eventually_refused(&validator, &token).await, "the client's not-before never reached the guard");
    assert_eq!(
        validator.validate(&token).await.unwrap_err(),
        ValidationError::InvalidToken("the token was issued before its client's not-before".into())
    );
}

/// WHATWG HTML §9.2.4 (`Last-Event-ID`): a guard cut off from the feed resumes from its cursor and gets
/// every revocation made meanwhile.
#[tokio::test]
async fn a_guard_cut_off_catches_up_from_its_cursor_with_nothing_missed() {
    let shop = shop(TestServer::spawn().await).await;
    let addr: std::net::SocketAddr = shop.server.base_url.trim_start_matches("http://").parse().unwrap();
    let proxy = CuttableProxy::start(addr).await;
    let validator = guard(&shop, &format!("http://{}{FEED}", proxy.addr), None).await;
    let first = shop.server.access_token("shop", "svc", &shop.svc).await;
    shop.server.revoke("shop", "svc", &shop.svc, &first).await;
    assert!(eventually_refused(&validator, &first).await);
    let cursor = validator.feed_cursor().unwrap();

    proxy.cut();
    let mut meanwhile = Vec::new();
    for _ in 0..20 {
        let token = shop.server.access_token("shop", "svc", &shop.svc).await;
        assert_eq!(shop.server.revoke("shop", "svc", &shop.svc, &token).await.status(), 200);
        meanwhile.push(token);
    }
    // Nothing can reach it while cut: each of those tokens still passes (the outage is within its bound).
    assert!(validator.validate(&meanwhile[0]).await.is_ok());
    proxy.restore();
    for token in &meanwhile {
        assert!(eventually_refused(&validator, token).await, "a revocation made during the cut was missed");
    }
    assert!(validator.feed_cursor().unwrap() > cursor);
}

/// A feed down for longer than the bound: with `FailClosed` every token is refused as unavailable (503 in
/// the axum adapter), until the feed is back.
#[tokio::test]
async fn a_feed_outage_past_its_bound_fails_closed_then_recovers() {
    let shop = shop(TestServer::spawn().await).await;
    let addr: std::net::SocketAddr = shop.server.base_url.trim_start_matches("http://").parse().unwrap();
    let proxy = CuttableProxy::start(addr).await;
    let outage = Some((Duration::from_millis(300), OnFeedOutage::FailClosed));
    let validator = guard(&shop, &format!("http://{}{FEED}", proxy.addr), outage).await;
    let token = shop.server.access_token("shop", "svc", &shop.svc).await;
    validator.validate(&token).await.unwrap();
    proxy.cut();
    let closed = TestServer::eventually(WAIT, || async {
        matches!(validator.validate(&token).await, Err(ValidationError::Unavailable(_)))
    });
    assert!(closed.await.is_some(), "the guard kept accepting tokens with the feed down past its bound");
    proxy.restore();
    let back = TestServer::eventually(WAIT, || async { validator.validate(&token).await.is_ok() });
    assert!(back.await.is_some(), "the guard never recovered once the feed was back");
}

/// With `Introspect`, a feed down past its bound hands each token to the introspection endpoint (RFC 7662
/// §2): a token revoked while the feed was away is refused, a good one passes.
#[tokio::test]
async fn a_feed_outage_past_its_bound_falls_back_to_introspection() {
    let shop = shop(TestServer::spawn().await).await;
    // RFC 7662 §4: the API's client may introspect every token of the realm (by default only its own and
    // those naming it in `aud`).
    let mut realm = shop.server.store.find_realm("shop").await.unwrap().unwrap();
    realm.attributes.insert(tessera_core::introspection::INTROSPECTION_SCOPE_ATTRIBUTE.into(), "realm".into());
    assert!(shop.server.store.update_realm(&realm).await.unwrap());
    let addr: std::net::SocketAddr = shop.server.base_url.trim_start_matches("http://").parse().unwrap();
    let proxy = CuttableProxy::start(addr).await;
    let outage = Some((Duration::from_millis(300), OnFeedOutage::Introspect));
    let validator = guard(&shop, &format!("http://{}{FEED}", proxy.addr), outage).await;
    let (revoked, good) = (
        shop.server.access_token("shop", "svc", &shop.svc).await,
        shop.server.access_token("shop", "svc", &shop.svc).await,
    );
    proxy.cut();
    assert_eq!(shop.server.revoke("shop", "svc", &shop.svc, &revoked).await.status(), 200);
    assert!(TestServer::eventually(WAIT, || async { validator.feed_is_current() == Some(false) }).await.is_some());
    assert_eq!(
        validator.validate(&revoked).await.unwrap_err(),
        ValidationError::InvalidToken("the token is not active".into())
    );
    validator.validate(&good).await.unwrap();
}

/// The feed asks for the introspection endpoint's client authentication (RFC 7662 §2.1, RFC 6749 §2.3.1)
/// plus the feed permission; every refusal is RFC 6749 §5.2 JSON.
#[tokio::test]
async fn unauthorized_callers_get_rfc_errors_and_never_a_stream() {
    let shop = shop(TestServer::spawn().await).await;
    let other = feed_client(&shop.server, "other-api", false).await;
    let http = &shop.server.http;
    let url = shop.server.url(FEED);
    let cases = [
        ("no credentials", http.get(&url), 401, "invalid_client", None),
        (
            "wrong secret",
            http.get(&url).basic_auth("orders-api", Some("nope")),
            401,
            "invalid_client",
            Some("Basic realm=\"tessera\""),
        ),
        ("no permission", http.get(&url).basic_auth("other-api", Some(&other)), 403, "unauthorized_client", None),
        (
            "bad cursor",
            http.get(&url).basic_auth("orders-api", Some(&shop.api)).header("last-event-id", "-3"),
            400,
            "invalid_request",
            None,
        ),
        (
            "no permission, client_secret_post",
            http.post(&url).form(&[("client_id", "other-api"), ("client_secret", other.as_str())]),
            403,
            "unauthorized_client",
            None,
        ),
    ];
    for (name, request, status, code, challenge) in cases {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), status, "{name}");
        assert_eq!(r.headers()["content-type"], "application/json", "{name}");
        assert_eq!(r.headers().get("www-authenticate").map(|v| v.to_str().unwrap()), challenge, "{name}");
        assert_eq!(r.json::<Value>().await.unwrap()["error"], code, "{name}");
    }
    // The permitted client, with its secret in the form (client_secret_post), gets the stream.
    let ok = http.post(&url).form(&[("client_id", "orders-api"), ("client_secret", shop.api.as_str())]).send();
    let ok = ok.await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["content-type"], "text/event-stream");
}

/// Reads the stream until `ready`; the events before it, as (type, data).
async fn snapshot(shop: &Shop) -> Vec<(String, Value)> {
    let mut r =
        shop.server.http.get(shop.server.url(FEED)).basic_auth("orders-api", Some(&shop.api)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut text = String::new();
    while !text.contains("event: ready") {
        let chunk = tokio::time::timeout(WAIT, r.chunk()).await.unwrap().unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text.split("\n\n")
        .filter_map(|block| {
            let field = |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).map(str::to_owned);
            Some((field("event: ")?, serde_json::from_str(&field("data: ")?).ok()?))
        })
        .take_while(|(event, _)| event != "ready")
        .collect()
}

/// The first connection's snapshot holds the live entries only: revocations of tokens that have expired are
/// left out, so it is bounded by what can still be used.
#[tokio::test]
async fn the_snapshot_holds_only_revocations_of_unexpired_tokens() {
    let shop = shop(TestServer::spawn().await).await;
    let realm = shop.server.store.find_realm("shop").await.unwrap().unwrap();
    let now = tessera_core::ports::Clock::now(shop.server.clock.as_ref());
    for (jti, exp) in [("expired", now - 10), ("live", now + 600)] {
        let t = RevokedToken {
            jti: jti.into(),
            realm_id: realm.id.clone(),
            client_id: "svc".into(),
            exp,
            revoked_at: now - 20,
        };
        shop.server.store.insert_revocation(&t).await.unwrap();
    }
    let events = snapshot(&shop).await;
    assert_eq!(events, [("token-revoked".to_owned(), serde_json::json!({ "jti": "live", "exp": now + 600 }))]);
}

/// The feed advertised in discovery is the endpoint served.
#[tokio::test]
async fn discovery_advertises_the_revocation_feed() {
    let shop = shop(TestServer::spawn().await).await;
    let url = shop.server.url("/realms/shop/.well-known/openid-configuration");
    let doc: Value = shop.server.http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["revocation_feed_endpoint"], format!("{}{FEED}", shop.server.public_url));
}

/// Many nodes (PostgreSQL + Redis): a revocation made on one node reaches a guard subscribed to another,
/// carried by the Redis fan-out (the database poll is slowed to 30 s, so nothing else can explain it).
#[tokio::test]
async fn a_guard_sees_a_revocation_made_on_another_node() {
    let (Some(db), Some(redis)) = (fresh_postgres().await, redis_url().await) else { return eprintln!("skipped") };
    let keys = tempfile::tempdir().unwrap();
    let node = || {
        let (redis, key) = (redis.clone(), keys.path().join("master.key"));
        TestServer::builder()
            .database_url(&db)
            .configure(move |c| {
                c.public_url = Some("http://tessera.test".into());
                c.master_key_file = Some(key);
                c.redis_url = Some(redis);
                c.refresh_interval = Duration::from_secs(30);
            })
            .spawn()
    };
    let a = shop(node().await).await;
    let b = node().await;
    let mut config = FeedConfig::new("orders-api", &a.api);
    config.endpoint = Some(b.url(FEED));
    let issuer = a.server.issuer("shop");
    let validator = Validator::builder()
        .issuer(&issuer)
        .jwks_url(b.certs_url("shop"))
        .audience(&issuer)
        .revocation_feed(config)
        .build()
        .await
        .unwrap();
    let token = a.server.access_token("shop", "svc", &a.svc).await;
    validator.validate(&token).await.unwrap();
    assert_eq!(a.server.revoke("shop", "svc", &a.svc, &token).await.status(), 200);
    assert!(eventually_refused(&validator, &token).await, "the revocation on node A never reached the guard on B");
}
