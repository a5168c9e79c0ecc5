//! Names that arrive from outside, parsed where the request enters, with their length limits: a request
//! naming a 300 KB client or a 60 KB realm is refused before anything is looked up, cached or logged.

use std::fmt;
use std::ops::Deref;

/// A realm name: the `/realms/{name}` path segment, kept to characters that need no escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RealmName(String);

/// An OAuth `client_id` (RFC 6749 §2.2): printable ASCII without spaces. Appendix A.1 allows any VSCHAR;
/// we are stricter, as Keycloak's own ids are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl RealmName {
    pub const MAX_LEN: usize = 64;

    pub fn parse(name: &str) -> Option<Self> {
        let valid = !name.is_empty()
            && name.len() <= Self::MAX_LEN
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        valid.then(|| Self(name.to_owned()))
    }
}

impl ClientId {
    pub const MAX_LEN: usize = 255;

    pub fn parse(id: &str) -> Option<Self> {
        let valid = !id.is_empty() && id.len() <= Self::MAX_LEN && id.bytes().all(|b| (0x21..=0x7E).contains(&b));
        valid.then(|| Self(id.to_owned()))
    }
}

macro_rules! name_type {
    ($($name:ident),*) => {$(
        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    )*};
}

name_type!(RealmName, ClientId);

/// A new internal identifier (a random UUID, as Keycloak's ids are).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_and_plain() {
        assert!(RealmName::parse("acme-corp_1.eu").is_some());
        assert!(RealmName::parse("").is_none());
        assert!(RealmName::parse("a/b").is_none());
        assert!(RealmName::parse(&"r".repeat(65)).is_none());
        assert!(ClientId::parse("my:client").is_some());
        assert!(ClientId::parse("has space").is_none());
        assert!(ClientId::parse(&"c".repeat(256)).is_none(), "RFC 6749 §2.2 leaves the size to us: 255");
        assert_eq!(ClientId::parse("web").unwrap(), "web");
    }
}
