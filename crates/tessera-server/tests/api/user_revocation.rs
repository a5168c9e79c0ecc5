//! Revoking everything one user holds ("log out everywhere", Keycloak's user logout and user `notBefore`):
//! their SSO sessions, refresh tokens (offline ones too) and every access token issued to them before now, on
//! every node; nobody else's. Driven here as the CLI drives it (`operations::revoke_user`); the admin API
//! calls the same core service.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::LOCATION;
use serde_json::Value;
use tessera_core::audit::{AuditKind, AuditQuery};
use tessera_core::clock::ManualClock;
use tessera_core::model::Realm;
use tessera_core::ports::{AuditStore, Clock, RealmStore};
use tessera_core::provisioning::NewClient;
use tessera_server::operations::revoke_user;
use tessera_testkit::{TestServer, fresh_postgres, redis_url};

use crate::signin::{Browser, SPA, error_of, fixture, pkce, query_of, redeem_spa, refresh, userinfo};

const BILLING: &str = "billing-service";
const BILLING_SECRET: &str = "billing-service-secret-77f0c2b5d1e94a3c";

/// A confidential client allowed the password grant (RFC 6749 §4.3), for tokens without a browser.
async fn importer(server: &TestServer) -> String {
    let spec = NewClient {
        client_id: "importer".into(),
        direct_access_grants: true,
        default_scopes: vec!["profile".into()],
        optional_scopes: vec!["offline_access".into()],
        ..NewClient::default()
    };
    server.client("acme", spec).await.secret
}

async fn password_grant(server: &TestServer, secret: &str, user: &str, password: &str, scope: &str) -> Value {
    let form = [("grant_type", "password"), ("username", user), ("password", password), ("scope", scope)];
    let response =
        server.http.post(server.token_url("acme")).basic_auth("importer", Some(secret)).form(&form).send().await;
    let body: Value = response.unwrap().json().await.unwrap();
    assert!(body["access_token"].is_string(), "{body}");
    body
}

async fn acme_realm(server: &TestServer) -> Realm {
    server.store.find_realm("acme").await.unwrap().unwrap()
}

fn token_of<'a>(tokens: &'a Value, name: &str) -> &'a str {
    tokens[name].as_str().unwrap()
}

/// RFC 7009 §2.1 ("SHOULD also invalidate all access tokens based on the same authorization grant"), for every
/// grant the user holds; RFC 7662 §2.2 (inactive), RFC 6750 §3.1 (userinfo 401), RFC 6749 §5.2 (invalid_grant).
#[tokio::test]
async fn revoking_a_user_voids_their_earlier_tokens_refresh_tokens_and_sessions_and_nothing_of_anyone_else() {
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = TestServer::builder().import_realm(fixture()).clock(clock.clone()).spawn().await;
    let secret = importer(&server).await;
    let wile = password_grant(&server, &secret, "wile", "Super-Genius-1949", "openid offline_access").await;
    let road = password_grant(&server, &secret, "roadrunner", "Beep-Beep-Meep-2024", "openid").await;
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let spa: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let silent = browser.authorize_spa(&p, &[("prompt", "none")]).await;
    assert!(query_of(silent.headers()[LOCATION].to_str().unwrap()).contains_key("code"), "signed in before");
    let (wile_at, road_at) = (token_of(&wile, "access_token"), token_of(&road, "access_token"));
    assert_eq!(server.introspect("acme", "importer", &secret, wile_at).await["active"], true);
    assert_eq!(userinfo(&server, wile_at).await.status(), 200);

    clock.advance(5);
    let realm = acme_realm(&server).await;
    let done =
        revoke_user(&server.store, &cli(&server, None), &server.secrets, &realm, "wile", "laptop stolen", clock.now())
            .await
            .unwrap();
    // The browser's session and the password grant's; the password grant's and the SPA's offline tokens.
    assert_eq!((done.sessions, done.refresh_tokens), (2, 2));

    // The node reads the user's not-before from the database tail.
    let gone = TestServer::eventually(Duration::from_secs(3), || async {
        server.introspect("acme", "importer", &secret, wile_at).await["active"] == false
    })
    .await;
    assert!(gone.is_some(), "the earlier access token is still active");
    assert_eq!(userinfo(&server, wile_at).await.status(), 401);
    assert_eq!(userinfo(&server, token_of(&spa, "access_token")).await.status(), 401);
    let (status, error, _) = error_of(refresh(&server, SPA, token_of(&spa, "refresh_token")).await).await;
    assert_eq!((status.as_u16(), error.as_str()), (400, "invalid_grant"), "the offline token is revoked too");
    let form = [("grant_type", "refresh_token"), ("refresh_token", token_of(&wile, "refresh_token"))];
    let again = server.http.post(server.token_url("acme")).basic_auth("importer", Some(&secret)).form(&form);
    assert_eq!(error_of(again.send().await.unwrap()).await.1, "invalid_grant");
    // OIDC Core §3.1.2.6: the SSO session is over, so no silent sign-in.
    let silent = browser.authorize_spa(&p, &[("prompt", "none")]).await;
    assert_eq!(query_of(silent.headers()[LOCATION].to_str().unwrap())["error"], "login_required");

    // Someone else's tokens are untouched; the user's own new tokens work.
    assert_eq!(server.introspect("acme", "importer", &secret, road_at).await["active"], true);
    assert_eq!(userinfo(&server, road_at).await.status(), 200);
    let fresh = password_grant(&server, &secret, "wile", "Super-Genius-1949", "openid").await;
    assert_eq!(server.introspect("acme", "importer", &secret, token_of(&fresh, "access_token")).await["active"], true);
    assert_eq!(userinfo(&server, token_of(&fresh, "access_token")).await.status(), 200);

    // One audit event: who, why, how many.
    let query =
        AuditQuery { realm: "acme".into(), kind: Some(AuditKind::UserRevoked), limit: 10, ..Default::default() };
    let events = server.store.audit_events(&query).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].subject.as_deref(), Some("cli"));
    assert_eq!(events[0].count, 4);
    let reason = events[0].reason.as_deref().unwrap();
    assert!(reason.contains("user wile") && reason.contains("laptop stolen"), "{reason}");
    assert!(reason.contains("2 sessions and 2 refresh tokens"), "{reason}");
}

/// RFC 6749 §4.4: a client's own tokens are its service-account user's, so revoking that user revokes them
/// (Keycloak's service-account users can be logged out the same way); the reuse window hands none back.
#[tokio::test]
async fn revoking_a_service_account_user_voids_the_clients_earlier_tokens() {
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = TestServer::builder().import_realm(fixture()).clock(clock.clone()).spawn().await;
    let earlier = server.access_token("acme", BILLING, BILLING_SECRET).await;
    assert_eq!(server.introspect("acme", BILLING, BILLING_SECRET, &earlier).await["active"], true);
    clock.advance(5);
    let realm = acme_realm(&server).await;
    let done = revoke_user(
        &server.store,
        &cli(&server, None),
        &server.secrets,
        &realm,
        "service-account-billing-service",
        "key leaked",
        clock.now(),
    )
    .await;
    assert_eq!(done.unwrap().username, "service-account-billing-service");
    let gone = TestServer::eventually(Duration::from_secs(3), || async {
        server.introspect("acme", BILLING, BILLING_SECRET, &earlier).await["active"] == false
    })
    .await;
    assert!(gone.is_some(), "the client's earlier token is still active");
    let fresh = server.access_token("acme", BILLING, BILLING_SECRET).await;
    assert_ne!(fresh, earlier);
    assert_eq!(server.introspect("acme", BILLING, BILLING_SECRET, &fresh).await["active"], true);
}

#[tokio::test]
async fn revoking_an_unknown_user_names_it_and_changes_nothing() {
    let server = TestServer::builder().import_realm(fixture()).spawn().await;
    let realm = acme_realm(&server).await;
    let refused = revoke_user(
        &server.store,
        &cli(&server, None),
        &server.secrets,
        &realm,
        "ghost",
        "why not",
        server.clock.now(),
    )
    .await;
    assert_eq!(refused.unwrap_err().to_string(), "user \"ghost\" does not exist in this realm");
    let query =
        AuditQuery { realm: "acme".into(), kind: Some(AuditKind::UserRevoked), limit: 10, ..Default::default() };
    assert!(server.store.audit_events(&query).await.unwrap().is_empty());
}

/// Many nodes, one database and one Redis: the user's not-before is published, so the other node refuses
/// the earlier token well within a second, though its database poll is 30 s.
#[tokio::test]
async fn a_user_revocation_reaches_the_other_node_through_redis_within_a_second() {
    let (Some(db), Some(redis)) = (fresh_postgres().await, redis_url().await) else { return eprintln!("skipped") };
    // Nodes of one deployment share a public URL (hence issuers) and one master key file.
    let keys = tempfile::tempdir().unwrap();
    let node = || {
        let (redis, key) = (redis.clone(), keys.path().join("master.key"));
        TestServer::builder().database_url(&db).import_realm(fixture()).configure(move |c| {
            c.public_url = Some("http://tessera.test".into());
            c.master_key_file = Some(key);
            c.redis_url = Some(redis);
            // A slow database poll, so only Redis can explain a fast arrival.
            c.refresh_interval = Duration::from_secs(30);
        })
    };
    let a = node().spawn().await;
    let b = node().spawn().await;
    let secret = importer(&a).await;
    let wile = password_grant(&a, &secret, "wile", "Super-Genius-1949", "openid").await;
    let road = password_grant(&a, &secret, "roadrunner", "Beep-Beep-Meep-2024", "openid").await;
    let (wile_at, road_at) = (token_of(&wile, "access_token"), token_of(&road, "access_token"));
    assert_eq!(b.introspect("acme", "importer", &secret, wile_at).await["active"], true);
    // Tokens issued in the second of the revocation stay valid (`iat` has whole seconds, as Keycloak's).
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let realm = acme_realm(&a).await;
    revoke_user(&a.store, &cli(&a, Some(&redis)), &a.secrets, &realm, "wile", "laptop stolen", a.clock.now())
        .await
        .unwrap();
    let start = Instant::now();
    let seen = TestServer::eventually(Duration::from_secs(1), || async {
        b.introspect("acme", "importer", &secret, wile_at).await["active"] == false
    })
    .await;
    assert!(seen.is_some(), "not inactive on B within 1 s (took {:?})", start.elapsed());
    assert_eq!(a.introspect("acme", "importer", &secret, wile_at).await["active"], false);
    assert_eq!(b.introspect("acme", "importer", &secret, road_at).await["active"], true);
}

/// The configuration a command run beside `server` reads: its data, its public URL, and Redis if any.
fn cli(server: &TestServer, redis: Option<&str>) -> tessera_server::Config {
    let mut config = tessera_server::Config::new(server.data_dir.clone());
    config.public_url = Some(server.public_url.clone());
    config.redis_url = redis.map(str::to_owned);
    config
}
