use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An ordered set of scope tokens (RFC 6749 §3.3): space-delimited, case-sensitive, no duplicates.
///
/// ```
/// use tessera_proto::ScopeSet;
/// let s = ScopeSet::parse("orders:read  profile orders:read").unwrap();
/// assert_eq!(s.to_string(), "orders:read profile");
/// assert!(s.contains("profile"));
/// assert!(ScopeSet::parse("bad\"scope").is_err());
/// let many: Vec<String> = (0..10_000).map(|i| format!("s{i}")).collect();
/// assert!(ScopeSet::parse(&many.join(" ")).is_err(), "bounded: at most ScopeSet::MAX_TOKENS");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(Vec<String>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeSetError {
    /// A token with a character RFC 6749 §3.3 does not allow (its first 64 characters).
    InvalidToken(String),
    /// More than [`ScopeSet::MAX_TOKENS`] tokens, or one longer than [`ScopeSet::MAX_TOKEN_LEN`].
    TooLarge,
}

impl fmt::Display for ScopeSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidToken(t) => write!(f, "invalid scope token {t:?}"),
            Self::TooLarge => f.write_str("too many or too long scope tokens"),
        }
    }
}

impl std::error::Error for ScopeSetError {}

impl ScopeSet {
    /// RFC 6749 §3.3 sets no bound; an attacker-sized list must not cost quadratic time or memory.
    pub const MAX_TOKENS: usize = 256;
    pub const MAX_TOKEN_LEN: usize = 256;

    /// Parses a `scope` parameter in linear time. Runs of spaces are tolerated; any character outside
    /// `%x21 / %x23-5B / %x5D-7E` (RFC 6749 §3.3) is refused, as are more than [`Self::MAX_TOKENS`] tokens.
    pub fn parse(value: &str) -> Result<Self, ScopeSetError> {
        let mut seen = std::collections::HashSet::new();
        let mut tokens = Vec::new();
        for token in value.split(' ').filter(|t| !t.is_empty()) {
            if token.len() > Self::MAX_TOKEN_LEN {
                return Err(ScopeSetError::TooLarge);
            }
            if !Self::is_valid_token(token) {
                return Err(ScopeSetError::InvalidToken(token.chars().take(64).collect()));
            }
            if seen.insert(token) {
                if tokens.len() == Self::MAX_TOKENS {
                    return Err(ScopeSetError::TooLarge);
                }
                tokens.push(token.to_owned());
            }
        }
        Ok(ScopeSet(tokens))
    }

    /// RFC 6749 §3.3 `scope-token`.
    pub fn is_valid_token(token: &str) -> bool {
        !token.is_empty()
            && token.bytes().all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
    }

    pub fn insert(&mut self, token: &str) {
        if !self.contains(token) {
            self.0.push(token.to_owned());
        }
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl<S: AsRef<str>> FromIterator<S> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut set = ScopeSet::default();
        for s in iter {
            set.insert(s.as_ref());
        }
        set
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

impl Serialize for ScopeSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ScopeSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        ScopeSet::parse(&raw).map_err(serde::de::Error::custom)
    }
}
