//! The guard checks DPoP-bound tokens from the real server (RFC 9449 §7): proof for this request and token,
//! its own `jti` cache, the external URL as `htu`, nonces (§9), and bound tokens as Bearer refused (§7.2).

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use tessera_guard::DpopPolicy;

use super::*;

/// What clients use to reach the API; the test reaches it at 127.0.0.1:port, as behind a proxy.
const EXTERNAL: &str = "https://api.example.test";

pub(crate) struct ProofKey(EcdsaKeyPair);

impl ProofKey {
    pub(crate) fn new() -> Self {
        Self(EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap())
    }

    /// An ES256 proof (RFC 9449 §4.2) with these claims, a fresh `jti` and `iat` now unless given.
    pub(crate) fn proof(&self, mut claims: Value) -> String {
        let point = self.0.public_key().as_ref();
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])});
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk});
        let mut jti = [0u8; 16];
        SystemRandom::new().fill(&mut jti).unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let c = claims.as_object_mut().unwrap();
        c.entry("jti").or_insert(json!(URL_SAFE_NO_PAD.encode(jti)));
        c.entry("iat").or_insert(json!(now));
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = self.0.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }
}

pub(crate) fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()))
}

/// A DPoP-bound token from the server's token endpoint (RFC 9449 §5).
pub(crate) async fn bound_token(server: &TestServer, client: &str, secret: &str, key: &ProofKey) -> String {
    let url = server.token_url("shop");
    let proof = key.proof(json!({"htm": "POST", "htu": url}));
    let response = server
        .http
        .post(&url)
        .basic_auth(client, Some(secret))
        .header("DPoP", proof)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP", "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn serve_dpop_api(validator: Arc<Validator>, policy: DpopPolicy) -> String {
    let read = RequireToken::new(validator.clone()).dpop(Arc::new(policy));
    let app = Router::new().route("/orders", get(whoami).layer(read)).with_state(Api { validator });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// `(status, error, WWW-Authenticate)` of an answer.
async fn answer(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["error"].as_str().unwrap_or_default().to_owned(), challenge.unwrap_or_default())
}

#[tokio::test]
async fn rfc9449_7_1_a_bound_token_passes_with_its_proof_for_the_external_url_once() {
    let f = fixture().await;
    let api = serve_dpop_api(Arc::new(validator_for(&f.server).await), DpopPolicy::new(EXTERNAL)).await;
    let key = ProofKey::new();
    let token = bound_token(&f.server, "svc", &f.secret, &key).await;
    let http = reqwest::Client::new();
    let proof = key.proof(json!({"htm": "GET", "htu": format!("{EXTERNAL}/orders"), "ath": ath(&token)}));
    let call = |proof: String| {
        http.get(format!("{api}/orders?page=2")).header("Authorization", format!("DPoP {token}")).header("DPoP", proof)
    };
    let ok = call(proof.clone()).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "svc");
    // §4.3 check 12, §11.1: the guard's own cache refuses the same proof again.
    let (status, error, challenge) = answer(call(proof).send().await.unwrap()).await;
    assert_eq!((status, error.as_str()), (401, "invalid_dpop_proof"));
    assert!(challenge.starts_with("DPoP ") && challenge.contains("algs=\"ES256"), "{challenge}");
}

#[tokio::test]
async fn rfc9449_4_3_each_check_of_a_proof_at_the_guard_refuses_it() {
    let f = fixture().await;
    let api = serve_dpop_api(Arc::new(validator_for(&f.server).await), DpopPolicy::new(EXTERNAL)).await;
    let key = ProofKey::new();
    let token = bound_token(&f.server, "svc", &f.secret, &key).await;
    let htu = format!("{EXTERNAL}/orders");
    let old = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 600;
    let cases = [
        (key.proof(json!({"htm": "GET", "htu": htu, "ath": "wrong"})), "ath of another token (check 13)"),
        (key.proof(json!({"htm": "POST", "htu": htu, "ath": ath(&token)})), "htm (check 8)"),
        (
            key.proof(json!({"htm": "GET", "htu": format!("{api}/orders"), "ath": ath(&token)})),
            "internal URL (check 9)",
        ),
        (key.proof(json!({"htm": "GET", "htu": htu, "ath": ath(&token), "iat": old})), "iat (check 11)"),
        (ProofKey::new().proof(json!({"htm": "GET", "htu": htu, "ath": ath(&token)})), "another key (§7.1)"),
        ("e30.e30.AAAA".to_owned(), "not a proof (checks 2-7)"),
    ];
    let http = reqwest::Client::new();
    for (proof, why) in cases {
        let r =
            http.get(format!("{api}/orders")).header("Authorization", format!("DPoP {token}")).header("DPoP", proof);
        let (status, error, challenge) = answer(r.send().await.unwrap()).await;
        assert_eq!((status, error.as_str()), (401, "invalid_dpop_proof"), "{why}");
        assert!(challenge.starts_with("DPoP error=\"invalid_dpop_proof\""), "{why}: {challenge}");
    }
    let r = http.get(format!("{api}/orders")).header("Authorization", format!("DPoP {token}"));
    assert_eq!(answer(r.send().await.unwrap()).await.1, "invalid_dpop_proof", "no proof (check 1)");
}

#[tokio::test]
async fn rfc9449_7_2_a_bound_token_offered_as_bearer_is_refused_and_a_plain_one_passes() {
    let f = fixture().await;
    let validator = Arc::new(validator_for(&f.server).await);
    let with_dpop = serve_dpop_api(validator.clone(), DpopPolicy::new(EXTERNAL)).await;
    let without = serve_api(validator).await;
    let key = ProofKey::new();
    let bound = bound_token(&f.server, "svc", &f.secret, &key).await;
    let http = reqwest::Client::new();
    for api in [&with_dpop, &without] {
        let proof = key.proof(json!({"htm": "GET", "htu": format!("{EXTERNAL}/orders"), "ath": ath(&bound)}));
        let r = http.get(format!("{api}/orders")).bearer_auth(&bound).header("DPoP", proof);
        let (status, error, _) = answer(r.send().await.unwrap()).await;
        assert_eq!((status, error.as_str()), (401, "invalid_token"), "{api}");
    }
    let plain = f.server.access_token("shop", "svc", &f.secret).await;
    let ok = http.get(format!("{with_dpop}/orders")).bearer_auth(&plain).send().await.unwrap();
    assert_eq!(ok.status(), 200, "a plain token is a Bearer token (RFC 6750)");
}

#[tokio::test]
async fn rfc9449_9_the_guard_asks_for_its_nonce_and_another_instance_with_the_secret_accepts_it() {
    let f = fixture().await;
    let validator = Arc::new(validator_for(&f.server).await);
    let one = serve_dpop_api(validator.clone(), DpopPolicy::new(EXTERNAL).require_nonce(b"shared secret")).await;
    let two = serve_dpop_api(validator, DpopPolicy::new(EXTERNAL).require_nonce(b"shared secret")).await;
    let key = ProofKey::new();
    let token = bound_token(&f.server, "svc", &f.secret, &key).await;
    let http = reqwest::Client::new();
    let htu = format!("{EXTERNAL}/orders");
    let asked = http
        .get(format!("{one}/orders"))
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", key.proof(json!({"htm": "GET", "htu": htu, "ath": ath(&token)})))
        .send()
        .await
        .unwrap();
    let nonce = asked.headers().get("dpop-nonce").expect("DPoP-Nonce").to_str().unwrap().to_owned();
    let (status, error, challenge) = answer(asked).await;
    assert_eq!((status, error.as_str()), (401, "use_dpop_nonce"));
    assert!(challenge.starts_with("DPoP error=\"use_dpop_nonce\""), "{challenge}");
    let with_nonce = key.proof(json!({"htm": "GET", "htu": htu, "ath": ath(&token), "nonce": nonce}));
    let r =
        http.get(format!("{two}/orders")).header("Authorization", format!("DPoP {token}")).header("DPoP", with_nonce);
    assert_eq!(r.send().await.unwrap().status(), 200);
    let forged =
        key.proof(json!({"htm": "GET", "htu": htu, "ath": ath(&token), "nonce": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}));
    let r = http.get(format!("{one}/orders")).header("Authorization", format!("DPoP {token}")).header("DPoP", forged);
    assert_eq!(answer(r.send().await.unwrap()).await.1, "use_dpop_nonce");
}
