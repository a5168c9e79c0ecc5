//! RFC 7636: Proof Key for Code Exchange, `S256` only (`plain` is refused, RFC 9700 §2.1.1).

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

/// §4.1 / §4.2: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
fn is_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PkceError {
    /// §4.3: a method other than S256 (`plain`, or an unknown one).
    UnsupportedMethod,
    /// A challenge that is not BASE64URL of 32 bytes.
    MalformedChallenge,
    /// A method without a challenge.
    MissingChallenge,
}

/// An S256 code challenge (§4.2), checked when parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// `method` absent means `plain` (§4.3), which we refuse like any method but S256.
    pub fn parse(challenge: Option<&str>, method: Option<&str>) -> Result<Option<Self>, PkceError> {
        match (challenge, method) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(PkceError::MissingChallenge),
            (Some(_), None) | (Some(_), Some("plain")) => Err(PkceError::UnsupportedMethod),
            (Some(c), Some("S256")) if c.len() == 43 && is_pkce_string(c) => Ok(Some(Self(c.to_owned()))),
            (Some(_), Some("S256")) => Err(PkceError::MalformedChallenge),
            (Some(_), Some(_)) => Err(PkceError::UnsupportedMethod),
        }
    }

    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time.
    pub fn is_satisfied_by(&self, verifier: &str) -> bool {
        if !is_pkce_string(verifier) {
            return false;
        }
        let computed = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
        computed.as_bytes().ct_eq(self.0.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn appendix_b_example_verifies_rfc7636_4_6() {
        let c = CodeChallenge::parse(Some(CHALLENGE), Some("S256")).unwrap().unwrap();
        assert!(c.is_satisfied_by(VERIFIER));
        assert!(!c.is_satisfied_by("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"));
        assert!(!c.is_satisfied_by("short"));
    }

    #[test]
    fn plain_and_missing_method_are_refused_rfc7636_4_3() {
        assert_eq!(CodeChallenge::parse(Some(VERIFIER), Some("plain")), Err(PkceError::UnsupportedMethod));
        assert_eq!(CodeChallenge::parse(Some(CHALLENGE), None), Err(PkceError::UnsupportedMethod));
        assert_eq!(CodeChallenge::parse(None, Some("S256")), Err(PkceError::MissingChallenge));
        assert_eq!(CodeChallenge::parse(Some("abc"), Some("S256")), Err(PkceError::MalformedChallenge));
        assert_eq!(CodeChallenge::parse(None, None), Ok(None));
    }
}
