//! The audit trail: every security act leaves an event; issued tokens are counted, not logged one by one;
//! nothing is lost on a clean shutdown; no event carries a secret or a token.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use tessera_core::audit::{AuditKind, AuditQuery, Outcome};
use tessera_core::clock::{Clock, ManualClock};
use tessera_core::key_rotation::RotationPolicy;
use tessera_core::ports::{AuditStore, RealmStore};
use tessera_server::operations;
use tessera_testkit::TestServer;

const SECRET: &str = "billing-service-secret-77f0c2b5d1e94a3c";

#[tokio::test]
async fn every_security_act_leaves_one_event_without_secrets_and_none_is_lost_on_shutdown() {
    let clock = Arc::new(ManualClock::new(1_900_000_020));
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json");
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder().data_dir(dir.path()).clock(clock.clone()).import_realm(fixture).spawn().await;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        tokens.push(server.access_token("acme", "billing-service", SECRET).await);
    }
    assert_eq!(server.client_credentials("acme", "billing-service", "wrong-secret", None).await.status(), 401);
    assert_eq!(server.revoke("acme", "billing-service", SECRET, &tokens[0]).await.status(), 200);
    let realm = server.store.find_realm("acme").await.unwrap().unwrap();
    let now = clock.now();
    operations::revoke_all(&server.store, &realm, Some("billing-service"), "drill", now).await.unwrap();
    let new_secret =
        operations::rotate_client_secret(&server.store, &server.secrets, &realm, "billing-service", 60, now)
            .await
            .unwrap();
    let policy = RotationPolicy { period: None, publication_lead: 300 };
    operations::rotate_realm_keys(&server.store, &server.secrets, &realm, &policy, true, now).await.unwrap();
    let store =
        tessera_store::SqlStore::connect(&tessera_store::SqlStore::sqlite_url_for_dir(dir.path())).await.unwrap();
    // A clean shutdown flushes what is still batched (the token count of the current minute included).
    server.stop().await;

    let events = store.audit_events(&AuditQuery { realm: "acme".into(), ..AuditQuery::default() }).await.unwrap();
    let kinds: BTreeSet<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "realm_imported",
        "token_issued",
        "client_auth_failed",
        "token_revoked",
        "revoke_all",
        "secret_rotated",
        "key_rotated",
    ] {
        assert!(kinds.contains(kind), "no {kind} event in {kinds:?}");
    }
    let issued: Vec<_> = events.iter().filter(|e| e.kind == AuditKind::TokenIssued).collect();
    assert_eq!(issued.len(), 1, "issued tokens are counted per client and minute, not one row each");
    assert_eq!(issued[0].count, 3);
    assert_eq!(issued[0].client_id.as_deref(), Some("billing-service"));
    let failed = events.iter().find(|e| e.kind == AuditKind::ClientAuthFailed).unwrap();
    assert_eq!(failed.outcome, Outcome::Failure);
    assert_eq!(failed.source_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(failed.client_id.as_deref(), Some("billing-service"));

    let all = serde_json::to_string(&events).unwrap();
    let new_secret = secrecy::ExposeSecret::expose_secret(&new_secret).to_owned();
    for secret in [SECRET, "wrong-secret", new_secret.as_str()].iter().copied().chain(tokens.iter().map(String::as_str))
    {
        assert!(!all.contains(secret), "an audit event carries a secret or token");
    }
}
