//! Validations per second with a warm key cache, RS256 and ES256, against tokens from a real Tessera server;
//! and ES256 in feed mode with 10^6 revoked entries loaded against the same validation with no feed.
//!   cargo bench -p tessera-guard --bench validate

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::ClientStore;
use tessera_core::revocation_feed::REVOCATION_FEED_ATTRIBUTE;
use tessera_guard::{FeedConfig, FeedEvent, Validator};
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

/// Issue #17: feed mode must validate at 0.95x or better of no feed, with 10^6 revoked entries held.
fn feed_mode(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (server, plain, fed, token) = rt.block_on(async {
        let server = TestServer::spawn().await;
        server.realm("es", SigningAlgorithm::Es256, &[]).await;
        let secret = server.service_client("es", "svc", &[], &[]).await.secret;
        let mut api = server.service_client("es", "api", &[], &[]).await;
        api.client.attributes.insert(REVOCATION_FEED_ATTRIBUTE.into(), "true".into());
        server.store.update_client(&api.client).await.unwrap();
        let token = server.access_token("es", "svc", &secret).await;
        let issuer = server.issuer("es");
        let plain = Validator::builder().issuer(&issuer).audience(&issuer).build().await.unwrap();
        let fed = Validator::builder()
            .issuer(&issuer)
            .audience(&issuer)
            .revocation_feed(FeedConfig::new("api", &api.secret))
            .build()
            .await
            .unwrap();
        let cache = fed.revocation_cache().unwrap();
        for i in 0..1_000_000u64 {
            cache.apply(&FeedEvent::TokenRevoked { jti: format!("{i:0>22}"), exp: i64::MAX });
        }
        plain.validate(&token).await.unwrap();
        fed.validate(&token).await.unwrap();
        (server, plain, fed, token)
    });
    let mut group = c.benchmark_group("feed");
    group.throughput(Throughput::Elements(1));
    group.bench_function("es256-no-feed", |b| b.to_async(&rt).iter(|| async { plain.validate(&token).await.unwrap() }));
    group.bench_function("es256-feed-1e6-revoked", |b| {
        b.to_async(&rt).iter(|| async { fed.validate(&token).await.unwrap() })
    });
    group.finish();
    drop(server);
}

criterion_group!(benches, validate, feed_mode);
criterion_main!(benches);
