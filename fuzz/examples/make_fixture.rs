//! Writes `fixtures/keys.json` (a fresh master key, one signing key per algorithm, tokens and sealed
//! requests made with them) and the seeds that depend on it under `corpus/{access_token,guard_validate,
//! pending_authorization}/`. Run once, commit the result; rerunning replaces every key, so the old seeds
//! and any reproducers that carry a signed token stop verifying.
//!
//!   cd fuzz && cargo +nightly run --example make_fixture

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_core::keys::{KeyRing, generate_signing_key};
use tessera_core::model::{KeyState, SigningAlgorithm};
use tessera_core::redirect_uri::RedirectUri;
use tessera_core::secret::ServerSecrets;
use tessera_core::sign_in::authorization::{AuthorizationRequest, Prompt, ResponseMode};
use tessera_core::sign_in::pending::PendingAuthorization;
use tessera_fuzz::{Fixture, FixtureKey, NOW};
use tessera_proto::{AccessTokenClaims, Audience, ScopeSet};

const ISSUER: &str = "https://auth.fuzz.test/realms/fuzz";
const REALM_ID: &str = "4f1c2e9a-fuzz-realm";
/// 2096: far enough that the guard, which reads the real clock, accepts the valid seeds for decades.
const FAR: i64 = 4_000_000_000;
/// 2001: expired for introspection (at [`NOW`]) and for the guard (the real clock) alike.
const PAST: i64 = 1_000_000_000;

fn claims(iss: &str, exp: i64, nbf: Option<i64>, jti: &str) -> AccessTokenClaims {
    AccessTokenClaims {
        iss: iss.to_owned(),
        sub: "service-account-billing".to_owned(),
        aud: Audience::One(ISSUER.to_owned()),
        exp,
        iat: NOW - 60,
        nbf,
        jti: jti.to_owned(),
        client_id: "billing".to_owned(),
        azp: Some("billing".to_owned()),
        scope: "orders:read profile".to_owned(),
        typ: Some("Bearer".to_owned()),
        keycloak_client_id: Some("billing".to_owned()),
        preferred_username: None,
        sid: None,
        // What the role mappers add (Keycloak's `realm_access`), so the seeds carry a flattened claim.
        other: serde_json::json!({ "realm_access": { "roles": ["billing-reader"] } })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    }
}

fn pending(now: i64) -> PendingAuthorization {
    let request = AuthorizationRequest {
        client_id: "storefront".to_owned(),
        redirect_uri: RedirectUri::parse("https://shop.acme.test/callback").unwrap(),
        scope: ScopeSet::parse("openid profile orders:read").unwrap(),
        state: Some("af0ifjsldkj".to_owned()),
        nonce: Some("n-0S6_WzA2Mj".to_owned()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned()),
        prompt: Prompt { none: false, login: true, consent: false },
        max_age: Some(300),
        login_hint: Some("alice".to_owned()),
        // Not the default, so the seed carries the field.
        response_mode: ResponseMode::FormPost,
        resources: Default::default(),
        // RFC 9449 §10: set, so the seed carries the field.
        dpop_jkt: Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".to_owned()),
    };
    PendingAuthorization::new(request, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned(), now)
}

fn write_seeds(dir: &Path, seeds: &[(&str, Vec<u8>)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in seeds {
        std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let secrets = ServerSecrets::generate().unwrap();
    let master = secrets.master_key();
    let plan = [
        (SigningAlgorithm::Rs256, KeyState::Active),
        (SigningAlgorithm::Es256, KeyState::Next),
        (SigningAlgorithm::EdDsa, KeyState::Retired),
    ];
    let stored: Vec<_> = plan
        .iter()
        .map(|(alg, state)| generate_signing_key(REALM_ID, *alg, *state, &master, NOW - 86_400).unwrap())
        .collect();
    // A ring whose active key is `i`, to sign with each key in turn.
    let signer = |i: usize| {
        let mut keys = stored.clone();
        for (j, k) in keys.iter_mut().enumerate() {
            k.state = if i == j { KeyState::Active } else { KeyState::Next };
        }
        KeyRing::load(&keys, &master).unwrap()
    };
    let rings: Vec<_> = (0..stored.len()).map(signer).collect();

    let valid: Vec<String> = rings
        .iter()
        .enumerate()
        .map(|(i, r)| r.active().sign_access_token(&claims(ISSUER, FAR, None, &format!("valid-{i}"))).unwrap())
        .collect();
    let refused = vec![
        ("expired", rings[0].active().sign_access_token(&claims(ISSUER, PAST, None, "expired")).unwrap()),
        ("not-yet-valid", rings[1].active().sign_access_token(&claims(ISSUER, FAR, Some(FAR - 1), "nbf")).unwrap()),
        (
            "other-issuer",
            rings[2].active().sign_access_token(&claims("https://evil.test/realms/fuzz", FAR, None, "iss")).unwrap(),
        ),
        ("typ-jwt", rings[0].active().sign_jwt(&claims(ISSUER, FAR, None, "typ")).unwrap()),
    ];

    // Hand-made attacks on the header: no signature at all, and HS256 keyed with the RSA key's public JWK.
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(ISSUER, FAR, None, "forged")).unwrap());
    let header = |alg: &str| {
        let h = serde_json::json!({ "alg": alg, "typ": "at+jwt", "kid": stored[0].kid });
        URL_SAFE_NO_PAD.encode(h.to_string())
    };
    let alg_none = format!("{}.{payload}.", header("none"));
    let alg_hs256 = format!("{}.{payload}.{}", header("HS256"), URL_SAFE_NO_PAD.encode([0u8; 32]));

    let fixture = Fixture {
        comment:
            "FOR FUZZING ONLY. Written by `cargo +nightly run --example make_fixture`; the master key is public here, \
                  so are the private keys sealed under it."
                .to_owned(),
        key_file: secrets.to_file_contents(),
        issuer: ISSUER.to_owned(),
        realm_id: REALM_ID.to_owned(),
        keys: stored
            .iter()
            .map(|k| FixtureKey {
                kid: k.kid.clone(),
                alg: k.alg,
                state: k.state,
                sealed_private_key: k.sealed_private_key.clone(),
                public_jwk: k.public_jwk.clone(),
                created_at: k.created_at,
            })
            .collect(),
        valid_tokens: valid.clone(),
        refused_tokens: refused.iter().map(|(_, t)| t.clone()).collect(),
        pending: vec![pending(NOW).seal(&master, REALM_ID).unwrap()],
    };
    std::fs::create_dir_all(root.join("fixtures")).unwrap();
    std::fs::write(root.join("fixtures/keys.json"), serde_json::to_string_pretty(&fixture).unwrap() + "\n").unwrap();

    let mut tokens: Vec<(&str, Vec<u8>)> = Vec::new();
    for (alg, token) in ["rs256", "es256", "eddsa"].iter().zip(&valid) {
        tokens.push((alg, token.clone().into_bytes()));
    }
    for (name, token) in &refused {
        tokens.push((name, token.clone().into_bytes()));
    }
    tokens.push(("alg-none", alg_none.into_bytes()));
    tokens.push(("alg-hs256", alg_hs256.into_bytes()));
    write_seeds(&root.join("corpus/access_token"), &tokens);
    write_seeds(&root.join("corpus/guard_validate"), &tokens);

    // pending_authorization: sealed text as the login form posts it, or `#` and JSON to seal first.
    let json = serde_json::to_vec(&pending(NOW)).unwrap();
    write_seeds(
        &root.join("corpus/pending_authorization"),
        &[
            ("sealed", fixture.pending[0].clone().into_bytes()),
            ("sealed-expired", pending(NOW - 3_600).seal(&master, REALM_ID).unwrap().into_bytes()),
            ("sealed-other-realm", pending(NOW).seal(&master, "another-realm").unwrap().into_bytes()),
            ("json", [b"#".as_slice(), &json].concat()),
        ],
    );
    println!("wrote fixtures/keys.json and the token and pending seeds");
}
