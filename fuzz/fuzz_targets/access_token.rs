//! Introspection's JWS parsing: `tessera_core::token::verify_access_token` with a fixed key ring (one
//! RS256, one ES256 and one EdDSA key, from `fixtures/keys.json`) on arbitrary token text. It must never
//! succeed except on a token those keys signed, untouched.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tessera_core::token::verify_access_token;
use tessera_fuzz::{Loaded, NOW};

static FIXTURE: LazyLock<(Loaded, Vec<String>)> = LazyLock::new(|| {
    let loaded = tessera_fuzz::load();
    // The property below is not vacuous: the fixture's valid tokens pass and its refused ones do not.
    let (issuer, ring) = (&loaded.fixture.issuer, &loaded.ring);
    for token in &loaded.fixture.valid_tokens {
        if let Err(e) = verify_access_token(ring, issuer, token, NOW) {
            panic!("the fixture's valid token is refused ({e:?}): remake it with make_fixture");
        }
    }
    for token in &loaded.fixture.refused_tokens {
        assert!(verify_access_token(ring, issuer, token, NOW).is_err(), "the fixture's refused token verifies");
    }
    let inputs = loaded.valid_signing_inputs();
    (loaded, inputs)
});

fuzz_target!(|data: &[u8]| {
    let (loaded, signed) = &*FIXTURE;
    let Some(token) = tessera_fuzz::text(data) else { return };
    let Ok(claims) = verify_access_token(&loaded.ring, &loaded.fixture.issuer, token, NOW) else { return };
    let input = token.rsplit_once('.').map_or("", |(input, _)| input);
    assert!(signed.iter().any(|s| s == input), "accepted a token our keys never signed: {token:?}");
    assert!(claims.iss == loaded.fixture.issuer && claims.exp > NOW && claims.nbf.is_none_or(|nbf| nbf <= NOW));
});
