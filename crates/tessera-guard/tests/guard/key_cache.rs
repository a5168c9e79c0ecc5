//! RFC 9068 §4: a token is checked against the issuer's keys. While a fetch of those keys is stuck (an
//! unknown `kid`'s refetch, or the refresh when max-age ran out), a token whose key is already held is
//! checked with it at once: only the tokens that need the new key set wait for it.

use std::time::Duration;

use super::*;
use crate::local_issuer::{Jwks, LocalIssuer};

/// Far below the 5 s fetch timeout the stuck fetch waits for.
const AT_ONCE: Duration = Duration::from_secs(1);

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen in 3 s");
}

#[tokio::test]
async fn a_known_kid_validates_at_once_while_an_unknown_kid_refetch_is_stuck_rfc9068_s4() {
    let idp = LocalIssuer::start().await;
    let validator = Arc::new(
        Validator::builder()
            .issuer(&idp.uri)
            .audience("urn:orders")
            .min_refetch_interval(Duration::from_millis(10))
            .build()
            .await
            .unwrap(),
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    idp.set_jwks(Jwks::Hang);
    let stuck = {
        let (validator, token) = (validator.clone(), idp.token("k2", Some("urn:orders")));
        tokio::spawn(async move { validator.validate(&token).await })
    };
    until("the refetch", || idp.jwks_requests() == 2).await;
    let known = idp.token("k1", Some("urn:orders"));
    let answer = tokio::time::timeout(AT_ONCE, validator.validate(&known)).await.expect("not held up by the fetch");
    answer.unwrap();
    assert!(!stuck.is_finished(), "the unknown kid's refetch is still stuck");
}

#[tokio::test]
async fn a_known_kid_validates_at_once_while_the_max_age_refresh_is_stuck_rfc9068_s4() {
    // max-age=0: the background refresh starts as soon as the refresher may (100 ms).
    let idp = LocalIssuer::start_with_max_age(0).await;
    let validator = Validator::builder()
        .issuer(&idp.uri)
        .audience("urn:orders")
        .min_refetch_interval(Duration::from_millis(10))
        .build()
        .await
        .unwrap();
    idp.set_jwks(Jwks::Hang);
    until("the refresh", || idp.jwks_requests() == 2).await;
    let known = idp.token("k1", Some("urn:orders"));
    for _ in 0..3 {
        let answer =
            tokio::time::timeout(AT_ONCE, validator.validate(&known)).await.expect("not held up by the refresh");
        answer.unwrap();
    }
    assert_eq!(idp.jwks_requests(), 2, "the refresh is still stuck");
}
