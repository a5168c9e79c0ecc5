//! The token endpoint's and introspection's hot paths, without HTTP or storage.
//!   cargo bench -p tessera-core --bench hot_paths

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;
use tessera_core::client_auth::ClientRequest;
use tessera_core::client_auth::{PresentedCredentials, authenticate};
use tessera_core::grant::client_credentials::ClientCredentialsGrant;
use tessera_core::introspection::TokenIntrospection;
use tessera_core::keys::KeyRing;
use tessera_core::model::RealmContext;
use tessera_core::model::SigningAlgorithm;
use tessera_core::model::{Client, ClientScope};
use tessera_core::ports::ClientDirectory;
use tessera_core::ports::Denylist;
use tessera_core::ports::StoreError;
use tessera_core::provisioning::{NewClient, NewRealm, new_client, new_realm};
use tessera_core::request::{FormParams, TokenRequest};
use tessera_core::scope::grant_scopes;
use tessera_core::secret::ServerSecrets;
use tessera_proto::ScopeSet;

struct OneClient(Arc<Client>);

#[async_trait::async_trait]
impl ClientDirectory for OneClient {
    async fn client(&self, _: &str, _: &str) -> Result<Option<Arc<Client>>, StoreError> {
        Ok(Some(self.0.clone()))
    }
}

/// 10^6 revoked ids, as the server keeps them.
struct BigDenylist(HashMap<u128, i64>);

impl Denylist for BigDenylist {
    fn is_revoked(&self, jti: &str) -> bool {
        let mut h = [0u8; 16];
        h.iter_mut().zip(jti.bytes()).for_each(|(d, s)| *d = s);
        self.0.contains_key(&u128::from_be_bytes(h))
    }
}

fn realm(alg: SigningAlgorithm, secrets: &ServerSecrets) -> RealmContext {
    let spec = NewRealm { name: "bench".into(), display_name: None, signing_alg: alg, access_token_lifespan: None };
    let bundle = new_realm(&spec, &secrets.master_key(), 0).unwrap();
    let keys = KeyRing::load(&bundle.keys, &secrets.master_key()).unwrap();
    let scopes = vec![ClientScope::new("api:read"), ClientScope::new("api:write")];
    RealmContext {
        issuer: "https://auth.example/realms/bench".into(),
        realm: bundle.realm,
        scopes,
        keys,
        access: Default::default(),
        limits: Default::default(),
    }
}

fn hot_paths(c: &mut Criterion) {
    let secrets = ServerSecrets::generate().unwrap();
    let hasher = secrets.secret_hasher();
    let scopes = [ClientScope::new("api:read"), ClientScope::new("api:write")];
    let spec = NewClient {
        client_id: "billing".into(),
        service_accounts_enabled: true,
        default_scopes: vec!["api:read".into()],
        optional_scopes: vec!["api:write".into()],
        ..NewClient::default()
    };
    let (client, secret) = new_client("r", &spec, &scopes, &hasher, 0).unwrap();
    let client = Arc::new(client);
    let secret = secret.unwrap();
    let body = b"grant_type=client_credentials&scope=api%3Aread+api%3Awrite&client_id=billing&client_secret=x";

    c.bench_function("form_parse_and_token_request", |b| {
        b.iter(|| {
            let pairs = form_urlencoded::parse(black_box(body)).into_owned().collect();
            let form = FormParams::new(pairs).unwrap();
            black_box(TokenRequest::parse(&form).unwrap())
        })
    });
    let presented = PresentedCredentials {
        client_id: tessera_core::model::ClientId::parse("billing").unwrap(),
        secret: Some(SecretString::from(secrecy::ExposeSecret::expose_secret(&secret).to_owned())),
        assertion: None,
        method: tessera_core::client_auth::ClientAuthMethod::ClientSecretPost,
    };
    c.bench_function("client_authentication_hmac", |b| {
        b.iter(|| black_box(authenticate(&presented, Some(client.clone()), &hasher, 1).unwrap()))
    });
    let requested = ScopeSet::parse("api:read api:write").unwrap();
    c.bench_function("scope_resolution", |b| {
        b.iter(|| black_box(grant_scopes(&client, Some(&requested), &scopes).unwrap()))
    });

    for alg in [SigningAlgorithm::Rs256, SigningAlgorithm::Es256, SigningAlgorithm::EdDsa] {
        let ctx = realm(alg, &secrets);
        c.bench_function(&format!("client_credentials_grant_{alg}"), |b| {
            b.iter(|| {
                let grant = ClientCredentialsGrant {
                    realm: &ctx,
                    client: &client,
                    scope: Some(&requested),
                    resources: &Default::default(),
                    now: 1_900_000_000,
                    dpop_jkt: None,
                    cert_thumbprint: None,
                };
                black_box(grant.issue().unwrap())
            })
        });
    }

    let ctx = realm(SigningAlgorithm::Rs256, &secrets);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let token = ClientCredentialsGrant {
        realm: &ctx,
        client: &client,
        scope: None,
        resources: &Default::default(),
        now,
        dpop_jkt: None,
        cert_thumbprint: None,
    }
    .issue()
    .unwrap()
    .0
    .access_token;
    let denylist = BigDenylist((0..1_000_000u128).map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15), i64::MAX)).collect());
    let directory = OneClient(client.clone());
    let master = secrets.master_key();
    let dpop_keys = tessera_core::dpop_keys::ProofKeys::default();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    c.bench_function("introspection_rs256_with_1e6_denylist", |b| {
        b.iter(|| {
            let i = TokenIntrospection {
                request: ClientRequest {
                    realm: &ctx,
                    clients: &directory,
                    hasher: &hasher,
                    audit: &tessera_core::ports::NoAudit,
                    jwks: &NoAssertions,
                    replay: &NoAssertions,
                    dpop_keys: &dpop_keys,
                    master: &master,
                    source_ip: None,
                    now,
                    limiter: &tessera_core::rate_limit::NoRateLimits,
                    now_ms: now * 1000,
                    cors: Default::default(),
                    certificate: None,
                },
                denylist: &denylist,
                fail_open: false,
                refresh_tokens: None,
            };
            let answer = rt.block_on(i.inspect(black_box(&token))).unwrap();
            assert!(answer.active);
        })
    });
}

/// What a DPoP proof or a `private_key_jwt` assertion costs at least: one signature verification with a
/// key parsed once (`dpop_keys::ProofKeys`, the server's own cache), per algorithm of the proof. Set
/// against `client_credentials_grant_*`, it bounds what issue #14's ratios can reach.
fn proof_verification(c: &mut Criterion) {
    use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let payload =
        B64.encode(br#"{"jti":"e1j3V_bKic8-LAEB","htm":"POST","htu":"https://as.example/token","iat":1900000000}"#);
    let es256 = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let point = es256.public_key().as_ref();
    let es256_header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256",
        "jwk": {"kty": "EC", "crv": "P-256", "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65])}});
    let ed = Ed25519KeyPair::generate().unwrap();
    let ed_header = serde_json::json!({"typ": "dpop+jwt", "alg": "EdDSA",
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": B64.encode(ed.public_key().as_ref())}});
    let proofs = [("ES256", es256_header), ("EdDSA", ed_header)].map(|(alg, header)| {
        let input = format!("{}.{payload}", B64.encode(header.to_string()));
        let signature = match alg {
            "ES256" => B64.encode(es256.sign(&rng, input.as_bytes()).unwrap()),
            _ => B64.encode(ed.sign(input.as_bytes())),
        };
        (alg, input, signature)
    });
    let keys = tessera_core::dpop_keys::ProofKeys::default();
    for (alg, input, signature) in &proofs {
        let header = input.split('.').next().unwrap();
        assert!(keys.key(header).unwrap().verifies(input.as_bytes(), signature), "{alg}");
        c.bench_function(&format!("proof_signature_verification_{alg}"), |b| {
            b.iter(|| black_box(keys.key(header).unwrap().verifies(input.as_bytes(), signature)))
        });
    }
}

criterion_group!(benches, hot_paths, proof_verification);
criterion_main!(benches);

/// Introspection here authenticates with a secret: no assertion reaches these.
struct NoAssertions;

#[async_trait::async_trait]
impl tessera_core::ports::ClientJwks for NoAssertions {
    async fn jwks(
        &self,
        _: &str,
        _: bool,
    ) -> Result<std::sync::Arc<jsonwebtoken::jwk::JwkSet>, tessera_core::ports::JwksFetchError> {
        Err(tessera_core::ports::JwksFetchError("none".into()))
    }
}

#[async_trait::async_trait]
impl tessera_core::ports::ReplayCache for NoAssertions {
    async fn first_use(&self, _: &str, _: i64) -> bool {
        true
    }
}
