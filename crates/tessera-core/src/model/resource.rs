//! RFC 8707 §2 resource indicators as a value: the rules about which a client may name are in
//! [`crate::resource`].

use serde::{Deserialize, Serialize};
use tessera_proto::Audience;

/// The most `resource` values one request may carry.
const MAX_RESOURCES: usize = 16;

/// `resource` values: absolute URIs without a fragment (§2), in the order first given, without
/// duplicates. Empty means none was named: the client's configured audience applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Resources(Vec<String>);

/// §2: "an absolute URI ... MUST NOT include a fragment component".
pub fn is_resource_uri(value: &str) -> bool {
    !value.contains('#') && url::Url::parse(value).is_ok()
}

impl Resources {
    /// `None` when a value is not an absolute URI without fragment, or when there are too many.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut out: Vec<String> = Vec::new();
        for value in values {
            if !is_resource_uri(value) {
                return None;
            }
            if !out.iter().any(|r| r == value) {
                out.push(value.to_owned());
            }
        }
        (out.len() <= MAX_RESOURCES).then_some(Self(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn contains(&self, value: &str) -> bool {
        self.0.iter().any(|r| r == value)
    }

    /// As stored beside a grant: space-separated (a URI holds no space).
    pub fn to_stored(&self) -> String {
        self.0.join(" ")
    }

    /// The inverse of [`Self::to_stored`]; what we stored was checked when it was asked for.
    pub fn from_stored(stored: &str) -> Self {
        Self(stored.split(' ').filter(|r| !r.is_empty()).map(str::to_owned).collect())
    }

    /// The `aud` of a token for these resources, `None` when none was named.
    pub fn audience(&self) -> Option<Audience> {
        match self.0.as_slice() {
            [] => None,
            [one] => Some(Audience::One(one.clone())),
            many => Some(Audience::Many(many.to_vec())),
        }
    }
}
