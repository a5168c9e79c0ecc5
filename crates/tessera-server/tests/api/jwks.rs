use reqwest::header;
use serde_json::Value;
use tessera_core::model::SigningAlgorithm;
use tessera_testkit::TestServer;

#[tokio::test]
async fn jwks_publishes_only_public_key_members_rfc7517_5_rfc7518_6() {
    let server = TestServer::spawn().await;
    for (realm, alg) in
        [("rsa", SigningAlgorithm::Rs256), ("ec", SigningAlgorithm::Es256), ("ed", SigningAlgorithm::EdDsa)]
    {
        server.realm(realm, alg, &[]).await;
        let response = server.http.get(server.certs_url(realm)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let cache = response.headers()[header::CACHE_CONTROL].to_str().unwrap().to_owned();
        assert!(cache.contains("max-age=300"), "{cache}");
        let jwks: Value = response.json().await.unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2, "the active key and the published next key");
        assert_ne!(keys[0]["kid"], keys[1]["kid"]);
        let key = keys[0].as_object().unwrap();

        let mut members: Vec<&str> = key.keys().map(String::as_str).collect();
        members.sort_unstable();
        let want: &[&str] = match alg {
            SigningAlgorithm::Rs256 => &["alg", "e", "kid", "kty", "n", "use"],
            SigningAlgorithm::Es256 => &["alg", "crv", "kid", "kty", "use", "x", "y"],
            SigningAlgorithm::EdDsa => &["alg", "crv", "kid", "kty", "use", "x"],
        };
        assert_eq!(members, want, "{realm}");
        assert_eq!(key["alg"], alg.as_str());
        assert_eq!(key["use"], "sig");
    }
}

#[tokio::test]
async fn rsa_keys_are_2048_bits() {
    let server = TestServer::spawn().await;
    server.realm("rsa", SigningAlgorithm::Rs256, &[]).await;
    let jwks: Value = server.http.get(server.certs_url("rsa")).send().await.unwrap().json().await.unwrap();
    use base64::Engine;
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwks["keys"][0]["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len() * 8, 2048);
}

#[tokio::test]
async fn private_keys_are_sealed_in_the_database() {
    use base64::Engine;
    use tessera_core::ports::{KeyStore, RealmStore};
    let server = TestServer::spawn().await;
    server.realm("rsa", SigningAlgorithm::Rs256, &[]).await;
    let realm = server.store.find_realm("rsa").await.unwrap().unwrap();
    let keys = server.store.signing_keys(&realm.id).await.unwrap();
    // A clear PKCS#8 RSA key carries the rsaEncryption OID (1.2.840.113549.1.1.1) in DER.
    let oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let sealed = base64::engine::general_purpose::STANDARD.decode(&keys[0].sealed_private_key).unwrap();
    assert!(!sealed.windows(oid.len()).any(|w| w == oid), "stored key is clear PKCS#8");
    let opened = server.secrets.master_key().open(&keys[0].sealed_private_key, &keys[0].kid).unwrap();
    assert!(opened.windows(oid.len()).any(|w| w == oid), "the sealed value is the PKCS#8 key");
    let raw = [
        std::fs::read(server.data_dir.join("tessera.db")).unwrap(),
        std::fs::read(server.data_dir.join("tessera.db-wal")).unwrap_or_default(),
    ]
    .concat();
    assert!(!raw.windows(oid.len()).any(|w| w == oid), "clear key material in the database files");
}
