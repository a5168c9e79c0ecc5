//! Unknown client ids cost what known ones do, so response time does not tell an attacker which ids exist.
//! The server caches both answers and runs the same keyed hash on both paths; this compares the two over
//! interleaved requests (medians, so one slow moment on a shared machine does not decide).

use std::time::{Duration, Instant};

use tessera_core::model::SigningAlgorithm;
use tessera_testkit::TestServer;

async fn timed(server: &TestServer, id: &str, secret: &str) -> Duration {
    let start = Instant::now();
    let response = server
        .http
        .post(server.token_url("shop"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(response.status(), 401);
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

#[tokio::test]
async fn unknown_client_ids_take_as_long_as_known_ones_with_a_wrong_secret_rfc6749_10_10() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    server.service_client("shop", "known", &[], &[]).await;
    let wrong = "a-wrong-secret-of-the-usual-length-0123456789";
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..400 {
        // Fresh unknown ids each time: a server that asked the database for every unknown id would show it.
        let id = format!("unknown-{}", i % 4);
        if i % 2 == 0 {
            known.push(timed(&server, "known", wrong).await);
            unknown.push(timed(&server, &id, wrong).await);
        } else {
            unknown.push(timed(&server, &id, wrong).await);
            known.push(timed(&server, "known", wrong).await);
        }
    }
    let (k, u) = (median(known[40..].to_vec()), median(unknown[40..].to_vec()));
    let ratio = u.as_secs_f64() / k.as_secs_f64();
    assert!((0.8..1.25).contains(&ratio), "median known {k:?}, unknown {u:?}, ratio {ratio:.2}");
}
