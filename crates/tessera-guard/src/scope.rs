use tessera_proto::ScopeSet;

use crate::ValidationError;

/// What a route needs from a token's `scope` claim.
///
/// ```
/// use tessera_guard::ScopeRequirement;
/// use tessera_proto::ScopeSet;
/// let granted = ScopeSet::parse("orders:read profile").unwrap();
/// assert!(ScopeRequirement::all_of(["orders:read"]).check(&granted).is_ok());
/// assert!(ScopeRequirement::any_of(["orders:write", "admin"]).check(&granted).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRequirement {
    AllOf(Vec<String>),
    AnyOf(Vec<String>),
}

impl ScopeRequirement {
    pub fn all_of<I: IntoIterator<Item = S>, S: Into<String>>(scopes: I) -> Self {
        Self::AllOf(scopes.into_iter().map(Into::into).collect())
    }

    pub fn any_of<I: IntoIterator<Item = S>, S: Into<String>>(scopes: I) -> Self {
        Self::AnyOf(scopes.into_iter().map(Into::into).collect())
    }

    pub fn check(&self, granted: &ScopeSet) -> Result<(), ValidationError> {
        let ok = match self {
            Self::AllOf(needed) => needed.iter().all(|s| granted.contains(s)),
            Self::AnyOf(options) => options.iter().any(|s| granted.contains(s)),
        };
        if ok { Ok(()) } else { Err(ValidationError::InsufficientScope(self.scope_attribute())) }
    }

    /// The RFC 6750 §3 `scope` attribute: the scopes that would satisfy the route.
    pub fn scope_attribute(&self) -> String {
        match self {
            Self::AllOf(s) | Self::AnyOf(s) => s.join(" "),
        }
    }
}
