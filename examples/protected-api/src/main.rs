//! `cargo run -p protected-api` next to `cargo run --release -- serve --dev`.
//! ISSUER (default http://127.0.0.1:8080/realms/demo), AUDIENCE (default: the issuer), LISTEN (127.0.0.1:3000).

use std::sync::Arc;

use tessera_guard::Validator;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let issuer = std::env::var("ISSUER").unwrap_or_else(|_| "http://127.0.0.1:8080/realms/demo".to_owned());
    let audience = std::env::var("AUDIENCE").unwrap_or_else(|_| issuer.clone());
    let listen = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let validator = match Validator::builder().issuer(&issuer).audience(&audience).build().await {
        Ok(v) => Arc::new(v),
        Err(e) => {
            eprintln!("protected-api: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("protected-api: cannot listen on {listen}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("protected-api on http://{listen} trusting {issuer}");
    match axum::serve(listener, protected_api::app(validator)).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("protected-api: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
