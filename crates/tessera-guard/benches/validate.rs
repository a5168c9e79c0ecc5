//! Validations per second with a warm key cache, RS256 and ES256, against tokens from a real Tessera server.
//!   cargo bench -p tessera-guard --bench validate

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tessera_core::model::SigningAlgorithm;
use tessera_guard::Validator;
use tessera_testkit::TestServer;

fn validate(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (server, cases) = rt.block_on(async {
        let server = TestServer::spawn().await;
        let mut cases = Vec::new();
        for (realm, alg) in [("rs", SigningAlgorithm::Rs256), ("es", SigningAlgorithm::Es256)] {
            server.realm(realm, alg, &[]).await;
            let secret = server.service_client(realm, "svc", &[], &[]).await.secret;
            let token = server.access_token(realm, "svc", &secret).await;
            // Tessera's default `aud` is the issuer URL.
            let issuer = server.issuer(realm);
            let validator = Validator::builder().issuer(&issuer).audience(&issuer).build().await.unwrap();
            validator.validate(&token).await.unwrap();
            cases.push((alg, validator, token));
        }
        (server, cases)
    });
    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Elements(1));
    for (alg, validator, token) in &cases {
        group.bench_function(alg.as_str(), |b| {
            b.to_async(&rt).iter(|| async { validator.validate(token).await.unwrap() })
        });
    }
    group.finish();
    drop(server);
}

criterion_group!(benches, validate);
criterion_main!(benches);
