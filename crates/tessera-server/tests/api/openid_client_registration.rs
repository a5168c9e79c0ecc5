//! RFC 7591 driven by a third-party library: openid-client (Node), unchanged, registers a client through
//! the discovered `registration_endpoint` with an initial access token and uses the credentials it got
//! (e2e/openid-client-registration.mjs). `.ci/run` sets `TESSERA_TEST_BROWSER=required`: CI cannot skip it.

use std::path::PathBuf;

use serde_json::Value;
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::{ClientRegistrationStore, RealmStore};
use tessera_core::registration::initial_access::new_initial_access;
use tessera_core::registration::policy::{GRANT_TYPES_ATTRIBUTE, SCOPES_ATTRIBUTE};
use tessera_testkit::TestServer;

#[tokio::test]
async fn openid_client_registers_a_client_with_an_initial_access_token_and_uses_its_credentials() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    if let Err(why) = crate::keycloak_libs::node_packages_ready(&e2e, "openid-client").await {
        assert!(
            std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"),
            "openid-client test required: {why}"
        );
        eprintln!("openid-client registration test skipped: {why}");
        return;
    }
    let server = TestServer::spawn().await;
    let policy = [(GRANT_TYPES_ATTRIBUTE, "client_credentials"), (SCOPES_ATTRIBUTE, "api")];
    server.realm_with_attributes("fleet", SigningAlgorithm::Es256, &["api"], &policy).await;
    let realm = server.store.find_realm("fleet").await.unwrap().unwrap();
    let (record, token) = new_initial_access(&realm.id, 1, 600, server.clock.now()).unwrap();
    server.store.insert_initial_access(&record).await.unwrap();

    let out = tokio::process::Command::new("node")
        .arg(e2e.join("openid-client-registration.mjs"))
        .args([server.issuer("fleet"), token])
        .output()
        .await
        .unwrap();
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!("node said: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert!(value.get("error").is_none(), "{value}");
    let client_id = value["client_id"].as_str().unwrap();
    assert_eq!(value["has_secret"], true, "{value}");
    assert_eq!(value["token_client_id"], client_id, "the token was issued to the registered client: {value}");
    assert_eq!(value["scope"], "api", "{value}");
    let expected = server.url(&format!("/realms/fleet/clients-registrations/openid-connect/{client_id}"));
    assert_eq!(value["registration_client_uri"], expected);
    let left = server.store.list_initial_access(&realm.id).await.unwrap();
    assert_eq!(left[0].remaining, 0, "the registration took the token's one use");
}
