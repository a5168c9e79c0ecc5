//! Initial access tokens (RFC 7591 §3, Keycloak's client initial access): made by an administrator through
//! the CLI or the admin API, shown once, stored as a hash.

use tessera_proto::admin::ClientInitialAccessPresentation;

use crate::model::{InitialAccessToken, new_id};
use crate::secret::{SecretError, random_token, token_hash};

/// At most this many registrations per token.
pub const MAX_COUNT: i64 = 10_000;

/// Why an initial access token was not made.
#[derive(Debug, thiserror::Error)]
pub enum InitialAccessError {
    #[error("count must be between 1 and {MAX_COUNT}")]
    Count,
    #[error("expiration must be 0 (none) or a positive number of seconds")]
    Expiration,
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// A new token for `count` registrations, living `expiration` seconds (0: no expiry, as in Keycloak), and
/// the token itself (to be shown once).
pub fn new_initial_access(
    realm_id: &str,
    count: i64,
    expiration: i64,
    now: i64,
) -> Result<(InitialAccessToken, String), InitialAccessError> {
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(InitialAccessError::Count);
    }
    if expiration < 0 {
        return Err(InitialAccessError::Expiration);
    }
    let token = random_token(32)?;
    let record = InitialAccessToken {
        id: new_id(),
        realm_id: realm_id.to_owned(),
        token_hash: token_hash(&token),
        created_at: now,
        expiration,
        count,
        remaining: count,
    };
    Ok((record, token))
}

/// Keycloak's representation; `token` only when it is being created.
pub fn presentation(t: &InitialAccessToken, token: Option<String>) -> ClientInitialAccessPresentation {
    ClientInitialAccessPresentation {
        id: t.id.clone(),
        token,
        timestamp: t.created_at,
        expiration: t.expiration,
        count: t.count,
        remaining_count: t.remaining,
    }
}
