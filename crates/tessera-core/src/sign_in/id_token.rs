//! ID tokens (OpenID Connect Core §2, §3.1.3.6) and the claims released per scope (§5.4).

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_proto::{IdTokenClaims, ScopeSet, UserClaims};

use crate::keys::{KeyError, KeyRing, SigningKey};
use crate::mappers::{MappedClaims, merge_profile};
use crate::model::SigningAlgorithm;
use crate::model::User;
use crate::token::TokenRejection;

/// §5.4: `profile` releases the name claims, `email` the email claims.
pub fn user_claims(user: &User, scopes: &ScopeSet) -> UserClaims {
    let mut claims = UserClaims::default();
    if scopes.contains("profile") {
        claims.preferred_username = Some(user.username.clone());
        claims.given_name = user.first_name.clone();
        claims.family_name = user.last_name.clone();
        let name =
            [user.first_name.as_deref(), user.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        claims.name = Some(name).filter(|n| !n.is_empty());
    }
    if scopes.contains("email") {
        claims.email = user.email.clone();
        claims.email_verified = user.email.as_ref().map(|_| user.email_verified);
    }
    claims
}

/// §3.1.3.6: the left half of the hash of the access token, base64url; the hash is the one of the JWS
/// algorithm (SHA-256 for RS256 and ES256, SHA-512 for Ed25519).
pub fn at_hash(alg: SigningAlgorithm, access_token: &str) -> String {
    let algorithm = match alg {
        SigningAlgorithm::EdDsa => &digest::SHA512,
        _ => &digest::SHA256,
    };
    let hash = digest::digest(algorithm, access_token.as_bytes());
    let bytes = hash.as_ref();
    URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2])
}

pub struct IdTokenGrant<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub user: &'a User,
    pub scopes: &'a ScopeSet,
    pub nonce: Option<&'a str>,
    pub auth_time: i64,
    pub session_id: &'a str,
    pub access_token: &'a str,
    pub issued_at: i64,
    pub lifetime: u64,
    /// What the protocol mappers add for ID tokens (and a pairwise `sub`, OIDC Core §8.1).
    pub mapped: MappedClaims,
}

impl IdTokenGrant<'_> {
    pub fn claims(&self, alg: SigningAlgorithm) -> IdTokenClaims {
        let mut profile = user_claims(self.user, self.scopes);
        let other = merge_profile(&mut profile, self.mapped.claims.clone());
        IdTokenClaims {
            iss: self.issuer.to_owned(),
            sub: self.mapped.subject.clone().unwrap_or_else(|| self.user.id.clone()),
            aud: self.client_id.to_owned(),
            exp: self.issued_at + self.lifetime as i64,
            iat: self.issued_at,
            auth_time: self.auth_time,
            nonce: self.nonce.map(str::to_owned),
            azp: self.client_id.to_owned(),
            at_hash: Some(at_hash(alg, self.access_token)),
            sid: Some(self.session_id.to_owned()),
            typ: "ID".to_owned(),
            profile,
            other,
        }
    }

    pub fn sign(&self, key: &SigningKey) -> Result<String, KeyError> {
        key.sign_jwt(&self.claims(key.alg()))
    }
}

/// Verifies an `id_token_hint` (RP-Initiated Logout §2): our signature and issuer; expiry is not checked,
/// since a hint may well be old.
pub fn verify_id_token_hint(keys: &KeyRing, issuer: &str, token: &str) -> Result<IdTokenClaims, TokenRejection> {
    let claims: IdTokenClaims = crate::token::decode_signed(keys, token, "JWT")?;
    if claims.iss != issuer {
        return Err(TokenRejection::WrongIssuer);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_the_oidc_core_appendix_a_example() {
        // OIDC Core Appendix A.3/A.4: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" has at_hash
        // "77QmUPtjPfzWtF2AnpK9RQ" under RS256.
        assert_eq!(
            at_hash(SigningAlgorithm::Rs256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn profile_and_email_claims_follow_the_scopes_oidc_core_5_4() {
        let user = User {
            id: "u1".into(),
            realm_id: "r".into(),
            username: "wile".into(),
            enabled: true,
            email: Some("wile@acme.test".into()),
            email_verified: true,
            first_name: Some("Wile E.".into()),
            last_name: Some("Coyote".into()),
            password_hash: None,
            service_account_client_id: None,
            required_actions: Vec::new(),
            created_at: 0,
            attributes: Default::default(),
            roles: Default::default(),
        };
        let none = user_claims(&user, &ScopeSet::parse("openid").unwrap());
        assert_eq!(none, UserClaims::default());
        let both = user_claims(&user, &ScopeSet::parse("openid profile email").unwrap());
        assert_eq!(both.name.as_deref(), Some("Wile E. Coyote"));
        assert_eq!(both.email_verified, Some(true));
        assert_eq!(both.preferred_username.as_deref(), Some("wile"));
    }
}
