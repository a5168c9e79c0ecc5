//! Signing-key rotation that never breaks a verifier, and client-secret rotation with a grace window.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde_json::Value;
use tessera_core::clock::{Clock, ManualClock};
use tessera_core::key_rotation::RotationPolicy;
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::{KeyStore, RealmStore};
use tessera_server::operations::{RotationOutcome, rotate_client_secret, rotate_realm_keys};
use tessera_testkit::TestServer;

use crate::support::{claims_of, verify_with_served_jwks};

const T0: i64 = 1_900_000_000;
const LEAD: RotationPolicy = RotationPolicy { period: None, publication_lead: 300 };

async fn kids(server: &TestServer, realm: &str) -> Vec<String> {
    let jwks: Value = server.http.get(server.certs_url(realm)).send().await.unwrap().json().await.unwrap();
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

#[tokio::test]
async fn rotation_promotes_a_key_published_in_advance_and_old_tokens_keep_verifying() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::builder().clock(clock.clone()).spawn().await;
    server.realm("shop", SigningAlgorithm::Rs256, &[]).await;
    let svc = server.service_client("shop", "svc", &[], &[]).await.secret;
    let published_before = kids(&server, "shop").await;
    assert_eq!(published_before.len(), 2);

    let realm = server.store.find_realm("shop").await.unwrap().unwrap();
    // The next key has been published for less than the JWKS max-age: refused.
    clock.advance(299);
    let before = server.access_token("shop", "svc", &svc).await;
    let next = published_before.iter().find(|k| **k != kid_of(&before)).unwrap().clone();
    let refused = rotate_realm_keys(&server.store, &server.secrets, &realm, &LEAD, false, clock.now()).await;
    assert!(refused.unwrap_err().to_string().contains("published for 299 s"));
    clock.advance(1);
    let outcome = rotate_realm_keys(&server.store, &server.secrets, &realm, &LEAD, false, clock.now()).await.unwrap();
    assert!(matches!(&outcome, RotationOutcome::Rotated { promoted, .. } if *promoted == next));

    // Within the poll interval the server signs with the key verifiers have had for 300 s.
    let signed_by_next = TestServer::eventually(Duration::from_secs(5), || async {
        kid_of(&server.access_token("shop", "svc", &svc).await) == next
    })
    .await;
    assert!(signed_by_next.is_some());
    let published_after = kids(&server, "shop").await;
    assert_eq!(published_after.len(), 3, "retired, active and a new next key");
    assert!(published_before.iter().all(|k| published_after.contains(k)));
    // The token signed before the rotation still verifies against the new JWKS and introspects active.
    verify_with_served_jwks(&server, "shop", &before, Algorithm::RS256).await;
    assert_eq!(server.introspect("shop", "svc", &svc, &before).await["active"], true);
}

#[tokio::test]
async fn a_retired_key_is_unpublished_only_after_its_last_token_expired() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::builder().clock(clock.clone()).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let svc = server.service_client("shop", "svc", &[], &[]).await.secret;
    let old = server.access_token("shop", "svc", &svc).await;
    let old_kid = kid_of(&old);
    let realm = server.store.find_realm("shop").await.unwrap().unwrap();
    clock.advance(300);
    rotate_realm_keys(&server.store, &server.secrets, &realm, &LEAD, false, clock.now()).await.unwrap();
    // A token the old key signed at the last moment lives 300 s more; the key stays until then.
    clock.advance(299);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(kids(&server, "shop").await.contains(&old_kid), "removed while a token it signed could be valid");
    clock.advance(1);
    let gone =
        TestServer::eventually(Duration::from_secs(5), || async { !kids(&server, "shop").await.contains(&old_kid) })
            .await;
    assert!(gone.is_some(), "the retired key was never unpublished");
    assert_eq!(claims_of(&old)["exp"].as_i64().unwrap(), T0 + 300);
}

#[tokio::test]
async fn the_schedule_rotates_on_its_own() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::builder()
        .clock(clock.clone())
        .configure(|c| c.key_rotation_period = Some(Duration::from_secs(3600)))
        .spawn()
        .await;
    server.realm("shop", SigningAlgorithm::EdDsa, &[]).await;
    let svc = server.service_client("shop", "svc", &[], &[]).await.secret;
    let first = kid_of(&server.access_token("shop", "svc", &svc).await);
    clock.advance(3599);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(kid_of(&server.access_token("shop", "svc", &svc).await), first, "rotated early");
    clock.advance(1);
    let rotated = TestServer::eventually(Duration::from_secs(5), || async {
        kid_of(&server.access_token("shop", "svc", &svc).await) != first
    })
    .await;
    assert!(rotated.is_some(), "no scheduled rotation");
}

#[tokio::test]
async fn two_nodes_rotating_at_once_make_one_rotation_not_two() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder().data_dir(dir.path()).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let realm = server.store.find_realm("shop").await.unwrap().unwrap();
    let other =
        tessera_store::SqlStore::connect(&tessera_store::SqlStore::sqlite_url_for_dir(dir.path())).await.unwrap();
    let now = server.clock.now() + 300;
    let (a, b) = tokio::join!(
        rotate_realm_keys(&server.store, &server.secrets, &realm, &LEAD, false, now),
        rotate_realm_keys(&other, &server.secrets, &realm, &LEAD, false, now),
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    let won = outcomes.iter().filter(|o| matches!(o, RotationOutcome::Rotated { .. })).count();
    assert_eq!(won, 1, "{outcomes:?}");
    let keys = server.store.signing_keys(&realm.id).await.unwrap();
    assert_eq!(keys.len(), 3, "one retired, one active, one next: no duplicate keys");
}

#[tokio::test]
async fn an_old_secret_works_within_its_grace_and_fails_after() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::builder().clock(clock.clone()).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let old = server.service_client("shop", "svc", &[], &[]).await.secret;
    let realm = server.store.find_realm("shop").await.unwrap().unwrap();
    let new = rotate_client_secret(&server.store, &server.secrets, &realm, "svc", 3600, clock.now()).await.unwrap();
    let new = secrecy::ExposeSecret::expose_secret(&new).to_owned();
    let both = TestServer::eventually(Duration::from_secs(5), || async {
        server.client_credentials("shop", "svc", &new, None).await.status() == 200
    })
    .await;
    assert!(both.is_some());
    clock.advance(3599);
    assert_eq!(server.client_credentials("shop", "svc", &old, None).await.status(), 200, "old secret within grace");
    clock.advance(1);
    assert_eq!(server.client_credentials("shop", "svc", &old, None).await.status(), 401, "old secret after grace");
    assert_eq!(server.client_credentials("shop", "svc", &new, None).await.status(), 200);
}
