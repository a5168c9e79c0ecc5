//! User passwords: Argon2id PHC strings. Slow on purpose (~26 ms here): passwords are low-entropy secrets
//! chosen by people. Never used for client secrets (see [`crate::secret`]).

use argon2::password_hash::PasswordHasher;
use argon2::{Argon2, PasswordVerifier};

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct PasswordError;

pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|_| PasswordError)
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    argon2::PasswordHash::new(phc)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_hash_verifies_only_its_password() {
        let h = hash_password("Super-Genius-1949").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Super-Genius-1949", &h));
        assert!(!verify_password("super-genius-1949", &h));
        assert!(!verify_password("x", "not a phc string"));
    }
}
