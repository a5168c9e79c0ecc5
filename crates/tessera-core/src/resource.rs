//! RFC 8707: resource indicators. A client names the APIs (`resource`, repeatable, §2) a token is meant
//! for; the access token's `aud` is then exactly those, so a token taken from one API is refused by every
//! other. A client may only name resources registered for it:
//! - the URIs of its attribute [`RESOURCES_ATTRIBUTE`] (`##`-separated, Keycloak's way for multi-valued
//!   client attributes), set with `tessera client create --resource` or the admin API's `attributes`;
//! - the audiences its tokens already carry by configuration (Keycloak audience mappers with an
//!   `included.custom.audience` URI on the client, `tessera client create --audience`), when they are
//!   absolute URIs.
//!
//! Anything else is `invalid_target` (§2). A grant made with resources (an authorization request, a code,
//! a refresh token) remembers them; later token requests on it may narrow them, never widen them (§2.2).

use std::borrow::Cow;

use crate::OAuthError;
use crate::model::resource::is_resource_uri;
use crate::model::{Client, Resources};

/// The client attribute listing the resource URIs a client may ask tokens for (`##`-separated).
pub const RESOURCES_ATTRIBUTE: &str = "tessera.resources";

fn invalid_target(d: &'static str) -> OAuthError {
    OAuthError::InvalidTarget(Cow::Borrowed(d))
}

/// The resource URIs registered for a client (see the module's documentation).
pub fn registered_resources(client: &Client) -> impl Iterator<Item = &str> {
    let listed = client.attributes.get(RESOURCES_ATTRIBUTE).map(String::as_str).unwrap_or("");
    listed
        .split("##")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .chain(client.audiences.iter().map(String::as_str).filter(|a| is_resource_uri(a)))
}

/// The first value of the client's [`RESOURCES_ATTRIBUTE`] that is not an absolute URI without a fragment:
/// the admin API refuses to store it, since no request could ever name it.
pub fn malformed_registered_resource(client: &Client) -> Option<&str> {
    let listed = client.attributes.get(RESOURCES_ATTRIBUTE).map(String::as_str).unwrap_or("");
    listed.split("##").map(str::trim).filter(|r| !r.is_empty()).find(|r| !is_resource_uri(r))
}

/// §2: every value must be registered for `client`, else `invalid_target`.
pub fn check_registered(resources: &Resources, client: &Client) -> Result<(), OAuthError> {
    if resources.iter().all(|r| registered_resources(client).any(|known| known == r)) {
        Ok(())
    } else {
        Err(invalid_target("a requested resource is not registered for this client"))
    }
}

/// The resources of a token request made on a grant (a code, a refresh token): what it asks for when it
/// asks (a subset of the grant's when the grant named any, §2.2), else the grant's own.
pub fn narrow(requested: &Resources, granted: &Resources, client: &Client) -> Result<Resources, OAuthError> {
    if requested.is_empty() {
        return Ok(granted.clone());
    }
    if granted.is_empty() {
        check_registered(requested, client)?;
    } else if !requested.iter().all(|r| granted.contains(r)) {
        return Err(invalid_target("a requested resource was not granted"));
    }
    Ok(requested.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provisioning::tests::client_with_scopes;

    fn client() -> Client {
        let mut c = client_with_scopes(&[], &[]);
        c.attributes.insert(RESOURCES_ATTRIBUTE.into(), "https://a.example/##https://b.example/api".into());
        c.audiences = vec!["orders-api".into(), "https://c.example".into()];
        c
    }

    fn parse(values: &[&str]) -> Resources {
        Resources::parse(values.iter().copied()).unwrap()
    }

    #[test]
    fn resources_are_absolute_uris_without_fragment_rfc8707_2() {
        for bad in ["orders-api", "/relative", "https://a.example/#frag", "https://a.example/#"] {
            assert!(Resources::parse([bad]).is_none(), "{bad}");
        }
        let ok = parse(&["https://a.example/", "urn:example:api", "https://a.example/"]);
        assert_eq!(ok.iter().collect::<Vec<_>>(), ["https://a.example/", "urn:example:api"]);
    }

    #[test]
    fn only_registered_resources_are_allowed_rfc8707_2() {
        let c = client();
        check_registered(&parse(&["https://a.example/", "https://b.example/api", "https://c.example"]), &c).unwrap();
        let other = parse(&["https://d.example"]);
        assert!(matches!(check_registered(&other, &c), Err(OAuthError::InvalidTarget(_))));
    }

    #[test]
    fn a_grant_with_resources_may_be_narrowed_never_widened_rfc8707_2_2() {
        let c = client();
        let granted = parse(&["https://a.example/", "https://b.example/api"]);
        let smaller = parse(&["https://b.example/api"]);
        assert_eq!(narrow(&smaller, &granted, &c).unwrap(), smaller);
        assert_eq!(narrow(&Resources::default(), &granted, &c).unwrap(), granted);
        // Registered for the client, but not part of this grant.
        let wider = parse(&["https://c.example"]);
        assert!(matches!(narrow(&wider, &granted, &c), Err(OAuthError::InvalidTarget(_))));
        assert_eq!(narrow(&wider, &Resources::default(), &c).unwrap(), wider);
    }

    #[test]
    fn stored_form_round_trips() {
        let r = parse(&["https://a.example/", "urn:x:y"]);
        assert_eq!(Resources::from_stored(&r.to_stored()), r);
        assert!(Resources::from_stored("").is_empty());
    }
}
