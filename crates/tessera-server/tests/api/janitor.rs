//! The janitor: in the background, one node at a time, dead authorization codes, refresh tokens, SSO
//! sessions and login-failure rows are purged, and each realm's counts go to the audit trail.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tessera_core::audit::{AuditKind, AuditQuery, Outcome};
use tessera_core::clock::{Clock, ManualClock};
use tessera_core::model::AuthorizationCode;
use tessera_core::ports::{AuditStore, AuthorizationCodeStore, LoginFailureStore, RealmStore};
use tessera_core::ports::{RefreshTokenStore, SessionStore};
use tessera_core::proto::ScopeSet;
use tessera_core::provisioning::NewClient;
use tessera_core::secret::token_hash;
use tessera_testkit::TestServer;

const T0: i64 = 1_900_000_000;
const PASSWORD: &str = "Beep-Beep-Meep-2024";

async fn password_grant(server: &TestServer, secret: &str, username: &str, password: &str) -> reqwest::Response {
    let form = [("grant_type", "password"), ("username", username), ("password", password), ("scope", "openid")];
    server.http.post(server.token_url("acme")).basic_auth("importer", Some(secret)).form(&form).send().await.unwrap()
}

/// The refresh token of a successful grant, and the session it was issued in.
async fn signed_in(server: &TestServer, secret: &str) -> (String, String) {
    let response = password_grant(server, secret, "roadrunner", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let stored = server.store.find_refresh_token(&token_hash(&refresh)).await.unwrap().unwrap();
    (refresh, stored.session_id)
}

#[tokio::test]
async fn the_janitor_purges_dead_rows_keeps_live_ones_and_audits_the_counts() {
    let clock = Arc::new(ManualClock::new(T0));
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json");
    let server = TestServer::builder()
        .clock(clock.clone())
        .import_realm(fixture)
        .configure(|c| c.janitor_interval = Duration::from_millis(100))
        .spawn()
        .await;
    let spec = NewClient {
        client_id: "importer".into(),
        direct_access_grants: true,
        default_scopes: vec!["profile".into()],
        ..NewClient::default()
    };
    let secret = server.client("acme", spec).await.secret;
    let realm_id = server.store.find_realm("acme").await.unwrap().unwrap().id;

    // At T0: a failed sign-in (counted by username and by address), a sign-in (a session and a refresh
    // token that lives 30 min, the realm's idle timeout), and a code in that session never redeemed.
    assert_eq!(password_grant(&server, &secret, "nobody", "wrong").await.status(), 401);
    let (old_refresh, old_session) = signed_in(&server, &secret).await;
    let code = AuthorizationCode {
        code_hash: token_hash("never-redeemed"),
        realm_id: realm_id.clone(),
        client_id: "importer".into(),
        user_id: "u".into(),
        session_id: old_session.clone(),
        redirect_uri: "https://app.test/cb".into(),
        scope: ScopeSet::parse("openid").unwrap(),
        nonce: None,
        code_challenge: None,
        resources: Default::default(),
        auth_time: T0,
        created_at: T0,
        expires_at: T0 + 60,
        dpop_jkt: None,
    };
    server.store.insert_code(&code).await.unwrap();
    // The janitor has run at T0 (at start, then every 100 ms while it holds its claim) and found nothing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let purged = AuditQuery { realm: "acme".into(), kind: Some(AuditKind::Purged), ..AuditQuery::default() };
    assert!(server.store.audit_events(&purged).await.unwrap().is_empty(), "nothing was dead at T0");

    // Two days later all of it is dead; a new sign-in is not.
    clock.advance(2 * 86_400);
    let (new_refresh, new_session) = signed_in(&server, &secret).await;
    let ran = TestServer::eventually(Duration::from_secs(10), || async {
        !server.store.audit_events(&purged).await.unwrap().is_empty()
    })
    .await;
    assert!(ran.is_some(), "no purged event");
    let events = server.store.audit_events(&purged).await.unwrap();
    assert_eq!(events.len(), 1, "one run, one event: {events:?}");
    let event = &events[0];
    assert_eq!((event.at, event.outcome, event.count), (clock.now(), Outcome::Success, 5));
    assert_eq!(event.reason.as_deref(), Some("authorization_codes=1 sso_sessions=1 refresh_tokens=1 login_failures=2"));

    assert_eq!(server.store.find_refresh_token(&token_hash(&old_refresh)).await.unwrap(), None);
    assert_eq!(server.store.find_session(&realm_id, &old_session).await.unwrap(), None);
    for key in ["user:nobody", "ip:127.0.0.1"] {
        assert_eq!(server.store.login_failures(&realm_id, key).await.unwrap(), None, "{key}");
    }
    assert!(server.store.find_session(&realm_id, &new_session).await.unwrap().is_some());
    // The live session and its refresh token were left alone: the token still refreshes.
    let form = [("grant_type", "refresh_token"), ("refresh_token", new_refresh.as_str())];
    let refreshed =
        server.http.post(server.token_url("acme")).basic_auth("importer", Some(&secret)).form(&form).send().await;
    assert_eq!(refreshed.unwrap().status(), 200);
}
