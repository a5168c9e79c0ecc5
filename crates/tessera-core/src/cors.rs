//! Which web origins may read a client's answers (CORS, WHATWG Fetch §3.2), by Keycloak's rules for the
//! client's `webOrigins`: an entry is an origin compared as the browser sends it; `+` stands for the origins
//! of the client's `http(s)` redirect URIs; `*` lets any origin read (Keycloak honours it wherever it reads a
//! client's web origins: token, userinfo, revocation, logout). No entry, no CORS: a browser on another
//! origin then cannot read the answer.
//!
//! The decision needs the client, which the token, introspection, revocation and logout endpoints know
//! only once it has authenticated (and userinfo once the token is read): [`CorsClient`] remembers it for
//! the HTTP layer, which adds the headers after the core service ran, as Keycloak does.

use std::sync::{Arc, OnceLock};

use crate::model::Client;

/// Keycloak's `webOrigins` entry for "the origins of my redirect URIs".
pub const INCLUDE_REDIRECTS: &str = "+";
/// Keycloak's `webOrigins` entry for "any origin".
pub const ANY_ORIGIN: &str = "*";

/// `scheme://host[:port]` of an absolute `http(s)` URI (its port left out when it is the default), as a
/// browser serializes an origin (RFC 6454 §6.1).
fn origin_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
}

/// Whether a browser page at `origin` may read `client`'s answers.
pub fn origin_allowed(client: &Client, origin: &str) -> bool {
    // The opaque origin ("null": sandboxed frames, file: pages) is never registered.
    if origin == "null" || origin.is_empty() {
        return false;
    }
    client.web_origins.iter().any(|entry| match entry.as_str() {
        ANY_ORIGIN => true,
        INCLUDE_REDIRECTS => client.redirect_uris.iter().filter_map(|u| origin_of(u)).any(|o| o == origin),
        registered => registered == origin,
    })
}

/// The client a request turned out to come from, remembered by the core service that learnt it.
#[derive(Debug, Default)]
pub struct CorsClient(OnceLock<Arc<Client>>);

impl CorsClient {
    pub fn remember(&self, client: &Arc<Client>) {
        let _ = self.0.set(Arc::clone(client));
    }

    /// `origin` when the client is known and allows it: the value for `Access-Control-Allow-Origin`.
    pub fn allowed<'o>(&self, origin: Option<&'o str>) -> Option<&'o str> {
        let client = self.0.get()?;
        origin.filter(|o| origin_allowed(client, o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provisioning::tests::client_with_scopes;

    fn spa(web_origins: &[&str]) -> Client {
        let mut c = client_with_scopes(&[], &[]);
        c.redirect_uris = vec!["https://shop.test/cb".into(), "http://127.0.0.1:5173/*".into(), "app:/cb".into()];
        c.web_origins = web_origins.iter().map(|s| (*s).to_owned()).collect();
        c
    }

    #[test]
    fn plus_stands_for_the_origins_of_the_http_redirect_uris() {
        let c = spa(&["+"]);
        assert!(origin_allowed(&c, "https://shop.test"));
        assert!(origin_allowed(&c, "http://127.0.0.1:5173"));
        assert!(!origin_allowed(&c, "http://127.0.0.1:5174"));
        assert!(!origin_allowed(&c, "https://shop.test.evil"));
        assert!(!origin_allowed(&c, "null"));
    }

    #[test]
    fn listed_origins_match_exactly_and_star_allows_any() {
        let c = spa(&["https://admin.test"]);
        assert!(origin_allowed(&c, "https://admin.test"));
        assert!(!origin_allowed(&c, "https://shop.test"), "no + : redirect origins are not implied");
        assert!(!origin_allowed(&c, "https://admin.test:8443"));
        assert!(origin_allowed(&spa(&["*"]), "https://anywhere.test"));
        assert!(!origin_allowed(&spa(&[]), "https://shop.test"));
    }

    #[test]
    fn nothing_is_allowed_before_the_client_is_known() {
        let cors = CorsClient::default();
        assert_eq!(cors.allowed(Some("https://shop.test")), None);
        cors.remember(&Arc::new(spa(&["+"])));
        assert_eq!(cors.allowed(Some("https://shop.test")), Some("https://shop.test"));
        assert_eq!(cors.allowed(None), None);
    }
}
