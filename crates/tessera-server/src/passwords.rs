//! The password verifier the core's sign-in uses: Argon2id off the async workers (~26 ms of CPU each).

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tessera_core::password::verify_password;
use tessera_core::ports::PasswordVerifier;

#[derive(Debug, Clone, Copy, Default)]
pub struct BlockingArgon2;

#[async_trait]
impl PasswordVerifier for BlockingArgon2 {
    async fn verify(&self, password: SecretString, phc: String) -> bool {
        tokio::task::spawn_blocking(move || verify_password(password.expose_secret(), &phc)).await.unwrap_or(false)
    }
}
