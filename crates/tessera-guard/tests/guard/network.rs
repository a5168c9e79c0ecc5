//! Every request the guard makes to the issuer is bounded: in time (the body included), in size (counted as
//! the bytes arrive, whatever `Content-Length` says), and never redirected.
//!
//! The requests rest on RFC 9068 §4 (keys from the issuer's `jwks_uri`, RFC 8414 §2 / OIDC Discovery §3) and
//! RFC 7662 §2 (introspection); RFC 7517 §9.1 (a key is trusted no more than the way it was obtained) is why
//! a redirect elsewhere is refused. The time and size bounds themselves are ours (#12): no RFC sets them.

use std::time::{Duration, Instant};

use super::*;
use crate::local_issuer::{Introspection, Jwks, LocalIssuer, padded, serve_without_length};

const TIMEOUT: Duration = Duration::from_millis(500);
/// Generous: the answer must come in about `TIMEOUT`, and certainly not never.
const BOUND: Duration = Duration::from_secs(3);

fn builder(idp: &LocalIssuer) -> tessera_guard::ValidatorBuilder {
    Validator::builder().issuer(&idp.uri).audience("urn:orders").http_timeout(TIMEOUT)
}

#[tokio::test]
async fn a_jwks_endpoint_that_hangs_fails_the_build_within_the_timeout_rfc9068_s4() {
    let idp = LocalIssuer::start().await;
    idp.set_jwks(Jwks::Hang);
    let started = Instant::now();
    let built = tokio::time::timeout(BOUND, builder(&idp).build()).await.expect("build answers within the bound");
    let err = built.unwrap_err();
    assert!(err.to_string().contains("timed out after 500 ms"), "{err}");
    assert!(started.elapsed() >= TIMEOUT, "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_jwks_refetch_that_hangs_ends_within_the_timeout_rfc9068_s4() {
    let idp = LocalIssuer::start().await;
    let validator = builder(&idp).min_refetch_interval(Duration::from_millis(10)).build().await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    idp.set_jwks(Jwks::Hang);
    let unknown_kid = idp.token("k2", Some("urn:orders"));
    let answer = tokio::time::timeout(BOUND, validator.validate(&unknown_kid)).await.expect("answers within the bound");
    assert_eq!(
        answer.unwrap_err(),
        ValidationError::InvalidToken("the token's key id is not one of the issuer's keys".into())
    );
    assert_eq!(idp.jwks_requests(), 2, "the refetch was tried");
}

#[tokio::test]
async fn an_introspection_endpoint_that_hangs_is_unavailable_within_the_timeout_rfc7662_s2() {
    let idp = LocalIssuer::start().await;
    let validator = builder(&idp).introspection(IntrospectionConfig::new("api", "secret")).build().await.unwrap();
    idp.set_introspection(Introspection::Hang);
    let token = idp.token("k1", Some("urn:orders"));
    let answer = tokio::time::timeout(BOUND, validator.validate(&token)).await.expect("answers within the bound");
    let err = answer.unwrap_err();
    assert!(matches!(&err, ValidationError::Unavailable(why) if why.contains("timed out")), "{err:?}");
}

#[tokio::test]
async fn a_jwks_body_over_1_mib_is_refused_rfc9068_s4() {
    let idp = LocalIssuer::start().await;
    idp.set_jwks(Jwks::Padded(1024 * 1024 + 1));
    let err = builder(&idp).build().await.unwrap_err();
    assert!(err.to_string().contains("more than 1048576 bytes"), "{err}");
}

#[tokio::test]
async fn a_jwks_body_over_1_mib_without_content_length_is_refused_as_it_arrives_rfc9068_s4() {
    let idp = LocalIssuer::start().await;
    let huge = serve_without_length(padded(&idp.key_set(), 4 * 1024 * 1024)).await;
    let err = builder(&idp).jwks_url(huge).build().await.unwrap_err();
    assert!(err.to_string().contains("more than 1048576 bytes"), "{err}");
    // Just under the limit, the same server's answer is read to its end and used.
    let fits = serve_without_length(padded(&idp.key_set(), 1024 * 1024)).await;
    let validator = builder(&idp).jwks_url(fits).build().await.unwrap();
    validator.validate(&idp.token("k1", Some("urn:orders"))).await.unwrap();
}

#[tokio::test]
async fn an_introspection_answer_over_64_kib_is_refused_rfc7662_s2_2() {
    let idp = LocalIssuer::start().await;
    idp.set_introspection(Introspection::Padded(64 * 1024 + 1));
    let validator = builder(&idp).introspection(IntrospectionConfig::new("api", "secret")).build().await.unwrap();
    let err = validator.validate(&idp.token("k1", Some("urn:orders"))).await.unwrap_err();
    assert!(matches!(&err, ValidationError::Unavailable(why) if why.contains("more than 65536 bytes")), "{err:?}");
}

#[tokio::test]
async fn a_jwks_url_that_redirects_to_another_host_is_not_followed_rfc7517_s9_1() {
    let idp = LocalIssuer::start().await;
    let elsewhere = LocalIssuer::start().await;
    // Another host name (and port) serving a well-formed key set: following the redirect would "work".
    idp.set_jwks(Jwks::RedirectTo(elsewhere.jwks_url().replace("127.0.0.1", "localhost")));
    let err = builder(&idp).build().await.unwrap_err();
    assert!(err.to_string().contains("redirects are not followed"), "{err}");
    assert_eq!(elsewhere.jwks_requests(), 0, "no request reached the other host");
}
