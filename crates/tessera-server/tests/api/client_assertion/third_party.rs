//! A `private_key_jwt` assertion made by a third-party library, panva's `jose` for Node
//! (e2e/private-key-jwt.mjs), accepted as it comes: RSASSA-PSS, ECDSA and EdDSA keys it generated.

use serde_json::Value;
use tessera_core::model::SigningAlgorithm;
use tessera_testkit::TestServer;

use super::*;
use crate::keycloak_libs::node_packages_ready;

#[tokio::test]
async fn rfc7523_2_2_assertions_signed_by_node_jose_are_accepted() {
    let e2e = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    if let Err(why) = node_packages_ready(&e2e, "jose").await {
        assert!(std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"), "jose test required: {why}");
        return eprintln!("jose test skipped: {why}");
    }
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Rs256, &[]).await;
    for (i, alg) in ["PS256", "ES256", "EdDSA", "RS256"].into_iter().enumerate() {
        let client_id = format!("svc{i}");
        // The token endpoint's URL as discovery names it, the audience most libraries use.
        let audience = format!("{}/protocol/openid-connect/token", server.issuer("shop"));
        let out = tokio::process::Command::new("node")
            .arg(e2e.join("private-key-jwt.mjs"))
            .args([client_id.as_str(), audience.as_str(), alg])
            .output()
            .await
            .unwrap();
        let made: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("node said: {}", String::from_utf8_lossy(&out.stderr)));
        let set = serde_json::json!({ "keys": [made["jwk"]] }).to_string();
        let attributes = [("use.jwks.string", "true"), ("jwks.string", set.as_str())];
        jwt_client(&server, "shop", &client_id, ClientAuthenticator::ClientJwt, &attributes).await;
        let assertion = made["assertion"].as_str().unwrap();
        let token = assert_token(token_with(&server, "shop", assertion).await, alg).await;
        assert_eq!(token.split('.').count(), 3, "{alg}");
    }
}
