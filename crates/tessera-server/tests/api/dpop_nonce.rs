//! RFC 9449 server nonces (§8 at the token endpoint, §9 at userinfo) when the realm turns them on
//! (`tessera.dpop.nonce`), and the `DPoP` challenges of a protected resource (§7.1, §7.2).

use std::sync::Arc;

use serde_json::{Value, json};
use tessera_core::clock::{Clock, ManualClock, SystemClock};
use tessera_core::dpop::access_token_hash;
use tessera_core::model::SigningAlgorithm;
use tessera_testkit::TestServer;

use crate::client_assertion::ClientKey;
use crate::dpop::{header, signed};
use crate::keycloak_libs::node_packages_ready;

async fn setup_with_clock(nonces: bool) -> (TestServer, String, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let server = TestServer::builder().clock(clock.clone()).spawn().await;
    let attributes: &[(&str, &str)] = if nonces { &[("tessera.dpop.nonce", "true")] } else { &[] };
    server.realm_with_attributes("shop", SigningAlgorithm::Es256, &[], attributes).await;
    let secret = server.service_client("shop", "svc", &[], &[]).await.secret;
    (server, secret, clock)
}

async fn setup(nonces: bool) -> (TestServer, String) {
    let (server, secret, _) = setup_with_clock(nonces).await;
    (server, secret)
}

fn proof(server: &TestServer, key: &ClientKey, htm: &str, htu: &str, nonce: Option<&str>, ath: Option<&str>) -> String {
    let mut c = json!({"jti": uuid::Uuid::new_v4().to_string(), "htm": htm, "htu": htu, "iat": server.clock.now()});
    if let Some(n) = nonce {
        c["nonce"] = json!(n);
    }
    if let Some(a) = ath {
        c["ath"] = json!(a);
    }
    signed(key, &header(key), &c)
}

async fn token(server: &TestServer, secret: &str, proof: &str) -> reqwest::Response {
    let request = server.http.post(server.token_url("shop")).basic_auth("svc", Some(secret));
    request.header("DPoP", proof).form(&[("grant_type", "client_credentials")]).send().await.unwrap()
}

/// The `DPoP-Nonce` of a `use_dpop_nonce` answer with `status`.
async fn nonce_asked(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    let nonce = response.headers().get("dpop-nonce").expect("DPoP-Nonce").to_str().unwrap().to_owned();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "use_dpop_nonce", "{body}");
    nonce
}

#[tokio::test]
async fn rfc9449_8_the_token_endpoint_asks_for_a_nonce_and_accepts_the_proof_that_carries_it() {
    let (server, secret, clock) = setup_with_clock(true).await;
    let key = ClientKey::es256("k");
    let url = server.token_url("shop");
    // §8: without a nonce, 400 use_dpop_nonce with the nonce to use.
    let nonce = nonce_asked(token(&server, &secret, &proof(&server, &key, "POST", &url, None, None)).await, 400).await;
    assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "NQCHARs only: {nonce}");
    // §8: the proof that carries it is accepted.
    let ok = token(&server, &secret, &proof(&server, &key, "POST", &url, Some(&nonce), None)).await;
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP", "{body}");
    // §4.3 check 10: a nonce the server did not make is not one.
    let forged = proof(&server, &key, "POST", &url, Some("AAAAAAAAAAAAAAAAAAAAAA"), None);
    nonce_asked(token(&server, &secret, &forged).await, 400).await;
    // §8: nonces expire: ten minutes later the old one is refused and a new one given.
    clock.advance(601);
    let stale = proof(&server, &key, "POST", &url, Some(&nonce), None);
    assert_ne!(nonce_asked(token(&server, &secret, &stale).await, 400).await, nonce);
}

#[tokio::test]
async fn rfc9449_8_without_the_realm_setting_no_nonce_is_asked() {
    let (server, secret) = setup(false).await;
    let key = ClientKey::es256("k");
    let response = token(&server, &secret, &proof(&server, &key, "POST", &server.token_url("shop"), None, None)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("dpop-nonce").is_none());
}

#[tokio::test]
async fn rfc9449_9_userinfo_asks_for_a_nonce_with_a_dpop_challenge() {
    let (server, secret) = setup(true).await;
    let key = ClientKey::es256("k");
    let url = server.token_url("shop");
    let nonce = nonce_asked(token(&server, &secret, &proof(&server, &key, "POST", &url, None, None)).await, 400).await;
    let body: Value =
        token(&server, &secret, &proof(&server, &key, "POST", &url, Some(&nonce), None)).await.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let ath = access_token_hash(&access);
    let userinfo = server.url("/realms/shop/protocol/openid-connect/userinfo");
    let call =
        |p: String| server.http.get(&userinfo).header("Authorization", format!("DPoP {access}")).header("DPoP", p);
    // §9: 401 with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and the nonce.
    let asked = call(proof(&server, &key, "GET", &userinfo, None, Some(&ath))).send().await.unwrap();
    let challenge = asked.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.starts_with("DPoP ") && challenge.contains("error=\"use_dpop_nonce\""), "{challenge}");
    let nonce = nonce_asked(asked, 401).await;
    // With it the binding holds; the client-credentials token lacks `openid`: 403, in the DPoP scheme.
    let answered = call(proof(&server, &key, "GET", &userinfo, Some(&nonce), Some(&ath))).send().await.unwrap();
    assert_eq!(answered.status(), 403);
    let challenge = answered.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("DPoP ") && challenge.contains("error=\"insufficient_scope\""), "{challenge}");
}

/// §7.1: a refusal of a DPoP presentation is a `DPoP` challenge naming the error and the accepted `algs`;
/// §7.2: a bound token offered as Bearer is refused.
#[tokio::test]
async fn rfc9449_7_1_userinfo_refusals_carry_a_dpop_challenge_with_algs() {
    let (server, secret) = setup(false).await;
    let key = ClientKey::es256("k");
    let url = server.token_url("shop");
    let body: Value =
        token(&server, &secret, &proof(&server, &key, "POST", &url, None, None)).await.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let userinfo = server.url("/realms/shop/protocol/openid-connect/userinfo");
    let cases = [
        ("Bearer", None, "invalid_token", "§7.2: a bound token as Bearer"),
        ("DPoP", Some(proof(&server, &key, "GET", &userinfo, None, Some("wrong"))), "invalid_dpop_proof", "§7.1: ath"),
        ("DPoP", None, "invalid_dpop_proof", "§7.1: no proof"),
    ];
    for (scheme, p, error, why) in cases {
        let mut request = server.http.get(&userinfo).header("Authorization", format!("{scheme} {access}"));
        if let Some(p) = p {
            request = request.header("DPoP", p);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 401, "{why}");
        let challenge = answer.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.starts_with("DPoP "), "{why}: {challenge}");
        assert!(challenge.contains(&format!("error=\"{error}\"")), "{why}: {challenge}");
        assert!(challenge.contains("algs=\"") && challenge.contains("ES256"), "{why}: {challenge}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"], error, "{why}");
    }
}

/// A proof made by panva's `jose` for Node (e2e/dpop-proof.mjs), with the server's nonce, is accepted (§8).
#[tokio::test]
async fn rfc9449_8_a_proof_signed_by_node_jose_with_the_nonce_is_accepted() {
    let e2e = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    if let Err(why) = node_packages_ready(&e2e, "jose").await {
        assert!(std::env::var("TESSERA_TEST_BROWSER").as_deref() != Ok("required"), "jose test required: {why}");
        return eprintln!("jose test skipped: {why}");
    }
    let (server, secret) = setup(true).await;
    let url = server.token_url("shop");
    let node = |alg: &'static str, nonce: Option<String>| {
        let mut command = tokio::process::Command::new("node");
        command.arg(e2e.join("dpop-proof.mjs")).args([alg, "POST", url.as_str()]);
        if let Some(n) = nonce {
            command.arg(n);
        }
        async move {
            let out = command.output().await.unwrap();
            let made: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|_| panic!("node said: {}", String::from_utf8_lossy(&out.stderr)));
            made["proof"].as_str().unwrap().to_owned()
        }
    };
    let nonce = nonce_asked(token(&server, &secret, &node("ES256", None).await).await, 400).await;
    for alg in ["ES256", "EdDSA", "PS256"] {
        let response = token(&server, &secret, &node(alg, Some(nonce.clone())).await).await;
        assert_eq!(response.status(), 200, "{alg}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "DPoP", "{alg}: {body}");
    }
}
