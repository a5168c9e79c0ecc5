//! tessera-guard's `Validator::validate` on arbitrary token text. The validator is built the only public
//! way, from a JWKS URL: a loopback listener in this process serves the fixture's key set (one RS256, one
//! ES256, one EdDSA key) once, with a day's max-age and a day's `min_refetch_interval`, so no input
//! causes a network call. The audience check is on (the fixture's tokens are for the issuer). Properties:
//! never valid except for a token the fixture's keys signed, untouched; an unknown `kid` never refetches
//! the JWKS inside `min_refetch`.
#![no_main]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::LazyLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tessera_guard::Validator;

struct Guard {
    rt: tokio::runtime::Runtime,
    validator: Validator,
    signed: Vec<String>,
}

/// Answers every request with the JWK set; the fuzz process ends, the thread with it.
fn serve_jwks(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let url = format!("http://{}/certs", listener.local_addr().unwrap_or_else(|e| panic!("addr: {e}")));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: max-age=86400\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
        }
    });
    url
}

static GUARD: LazyLock<Guard> = LazyLock::new(|| {
    let loaded = tessera_fuzz::load();
    let jwks = serde_json::to_string(loaded.ring.jwks()).unwrap_or_else(|e| panic!("jwks: {e}"));
    let url = serve_jwks(jwks);
    let rt =
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("runtime: {e}"));
    // The guard builds its client from this builder (redirects off, timeout and body limits its own).
    let http = reqwest::Client::builder().no_proxy();
    let day = Duration::from_secs(86_400);
    let validator = rt
        .block_on(
            Validator::builder()
                .issuer(loaded.fixture.issuer.clone())
                // The fixture's tokens name the issuer as their audience (RFC 9068 §4: the check is on).
                .audience(loaded.fixture.issuer.clone())
                .jwks_url(url)
                .http_client(http)
                .min_refetch_interval(day)
                .max_stale(day)
                .build(),
        )
        .unwrap_or_else(|e| panic!("the validator builds against the fixture's JWKS: {e}"));
    // The property below is not vacuous: the fixture's valid tokens pass and its refused ones do not.
    for token in &loaded.fixture.valid_tokens {
        if let Err(e) = rt.block_on(validator.validate(token)) {
            panic!("the fixture's valid token is refused ({e}): remake it with make_fixture");
        }
    }
    for token in &loaded.fixture.refused_tokens {
        assert!(rt.block_on(validator.validate(token)).is_err(), "the fixture's refused token validates");
    }
    Guard { rt, validator, signed: loaded.valid_signing_inputs() }
});

fuzz_target!(|data: &[u8]| {
    let guard = &*GUARD;
    let Some(token) = tessera_fuzz::text(data) else { return };
    let result = guard.rt.block_on(guard.validator.validate(token));
    assert_eq!(guard.validator.jwks_fetches(), 1, "no refetch inside min_refetch");
    let Ok(verified) = result else { return };
    let input = token.rsplit_once('.').map_or("", |(input, _)| input);
    assert!(guard.signed.iter().any(|s| s == input), "accepted a token our keys never signed: {token:?}");
    let claimed = verified.claims.get("scope").and_then(|s| s.as_str()).unwrap_or_default();
    assert!(verified.scopes.iter().all(|s| claimed.split(' ').any(|t| t == s)), "scopes come from the claim");
});
