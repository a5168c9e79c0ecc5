//! The floor for `bench/run.sh`: `POST /token/{RS256|ES256|EdDSA}` parses the form, checks the grant type,
//! and signs a JWT with a key parsed once at start. No client lookup, no secret check, no scopes, no
//! storage: whatever Tessera spends beyond this is the price of being a real authorization server.
//! `POST /argon2` is the floor of a sign-in: one Argon2id verification of a fixed password with Tessera's own
//! parameters (`tessera_core::password`), at most one per core at a time as Tessera's pool runs them.
//!   tessera-floor [ADDR]     (default 127.0.0.1:3100)

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tessera_core::keys::{KeyRing, generate_signing_key};
use tessera_core::model::KeyState;
use tessera_core::model::SigningAlgorithm;
use tessera_core::secret::{ServerSecrets, random_token};

type Keys = Arc<HashMap<&'static str, KeyRing>>;

const FLOOR_PASSWORD: &str = "floor-password-0123";

/// What `/argon2` verifies against: made on the first call, not at start (the first-token time is the floor's
/// start-up, and hashing takes as long as a verification).
static FLOOR_PHC: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| tessera_core::password::hash_password(FLOOR_PASSWORD).unwrap_or_default());

/// One permit per core, as Tessera's verifier pool runs them.
struct Argon2Floor {
    running: tokio::sync::Semaphore,
}

async fn argon2(State(floor): State<Arc<Argon2Floor>>) -> Response {
    let Ok(_turn) = floor.running.acquire().await else { return StatusCode::SERVICE_UNAVAILABLE.into_response() };
    let verified = tokio::task::spawn_blocking(|| tessera_core::password::verify_password(FLOOR_PASSWORD, &FLOOR_PHC));
    match verified.await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn token(State(keys): State<Keys>, Path(alg): Path<String>, body: Bytes) -> Response {
    let Some(ring) = keys.get(alg.as_str()) else { return StatusCode::NOT_FOUND.into_response() };
    let form: HashMap<_, _> = form_urlencoded::parse(&body).collect();
    if form.get("grant_type").map(|g| g.as_ref()) != Some("client_credentials") {
        return (StatusCode::BAD_REQUEST, r#"{"error":"unsupported_grant_type"}"#).into_response();
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let claims = serde_json::json!({
        "iss": "http://floor", "sub": "bench", "aud": "urn:bench:api", "exp": now + 300, "iat": now,
        "jti": random_token(16).unwrap_or_default(), "client_id": "bench", "scope": "api:read",
    });
    match ring.active().sign_access_token(&claims) {
        Ok(jwt) => {
            let body = serde_json::json!({"access_token": jwt, "expires_in": 300, "token_type": "Bearer"});
            ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3100".to_owned());
    let Ok(secrets) = ServerSecrets::generate() else { return std::process::ExitCode::FAILURE };
    let mut keys = HashMap::new();
    for alg in [SigningAlgorithm::Rs256, SigningAlgorithm::Es256, SigningAlgorithm::EdDsa] {
        let stored = generate_signing_key("floor", alg, KeyState::Active, &secrets.master_key(), 0);
        let ring = stored.and_then(|k| KeyRing::load(&[k], &secrets.master_key()));
        let Ok(ring) = ring else { return std::process::ExitCode::FAILURE };
        keys.insert(alg.as_str(), ring);
    }
    tessera_core::keys::warm_up();
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let argon2_floor = Arc::new(Argon2Floor { running: tokio::sync::Semaphore::new(cores) });
    let app = Router::new()
        .route("/token/{alg}", post(token))
        .with_state(Arc::new(keys))
        .merge(Router::new().route("/argon2", post(argon2)).with_state(argon2_floor));
    let Ok(listener) = tokio::net::TcpListener::bind(&addr).await else {
        eprintln!("tessera-floor: cannot listen on {addr}");
        return std::process::ExitCode::FAILURE;
    };
    println!("floor listening on {addr}");
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE,
    }
}
