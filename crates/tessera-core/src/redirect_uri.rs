//! Redirection URI matching (RFC 6749 §3.1.2, RFC 9700 §4.1.3): exact string comparison, with two
//! narrow exceptions: a Keycloak-style trailing `*` matches a path prefix on the same origin, and a
//! loopback redirect URI may vary its port (RFC 8252 §7.3).

use serde::{Deserialize, Serialize};
use url::Url;

/// A redirection URI as a request presents it (RFC 6749 §3.1.2): absolute and bounded in length. Whether a
/// client may use it is [`RedirectUri::is_registered_in`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RedirectUri(String);

impl RedirectUri {
    /// Browsers and servers commonly cap URLs near 2 KB; ours must also fit a `Location` header.
    pub const MAX_LEN: usize = 2048;

    pub fn parse(uri: &str) -> Option<Self> {
        (uri.len() <= Self::MAX_LEN && Url::parse(uri).is_ok()).then(|| Self(uri.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_registered_in(&self, registered: &[String]) -> bool {
        redirect_uri_matches(registered, &self.0)
    }
}

impl std::fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_loopback(url: &Url) -> bool {
    url.scheme() == "http"
        && matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            | matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
            | matches!(url.host_str(), Some("localhost"))
}

/// True when `presented` may be used with a client that registered `registered`.
pub fn redirect_uri_matches(registered: &[String], presented: &str) -> bool {
    let Ok(url) = Url::parse(presented) else {
        return false;
    };
    // §3.1.2: "MUST NOT include a fragment component"; a userinfo part only serves to confuse
    // (RFC 9700 §4.1.1); dot segments could climb out of a registered prefix.
    if url.fragment().is_some()
        || presented.contains('#')
        || !url.username().is_empty()
        || url.password().is_some()
        || presented.contains("..")
        || presented.to_ascii_lowercase().contains("%2e")
    {
        return false;
    }
    registered.iter().any(|r| {
        if r == presented {
            return true;
        }
        if let Some(prefix) = r.strip_suffix('*') {
            return matches_prefix(prefix, &url);
        }
        matches_loopback(r, &url)
    })
}

fn matches_prefix(prefix: &str, url: &Url) -> bool {
    let Ok(base) = Url::parse(prefix) else {
        return false;
    };
    // A bare `*` or a prefix without a path of its own would match anything on the host: refuse those.
    !base.cannot_be_a_base()
        && base.origin() == url.origin()
        && url.query().is_none()
        && base.query().is_none()
        && url.path().starts_with(base.path())
}

fn matches_loopback(registered: &str, url: &Url) -> bool {
    let Ok(r) = Url::parse(registered) else {
        return false;
    };
    is_loopback(&r)
        && is_loopback(url)
        && r.host() == url.host()
        && r.path() == url.path()
        && r.query() == url.query()
        && r.fragment().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(uris: &[&str]) -> Vec<String> {
        uris.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exact_match_only_rfc6749_3_1_2_3() {
        let r = reg(&["https://shop.acme.test/callback"]);
        assert!(redirect_uri_matches(&r, "https://shop.acme.test/callback"));
        for bad in [
            "https://evil.test/callback",
            "https://shop.acme.test/callback/more",
            "https://shop.acme.test/callback?x=1",
            "https://user@shop.acme.test/callback",
            "https://shop.acme.test/callback#frag",
            "https://shop.acme.test.evil.test/callback",
            "http://shop.acme.test/callback",
            "https://shop.acme.test:8443/callback",
        ] {
            assert!(!redirect_uri_matches(&r, bad), "{bad} must not match");
        }
    }

    #[test]
    fn trailing_wildcard_is_a_path_prefix_on_the_same_origin() {
        let r = reg(&["https://app.test/cb/*", "*"]);
        assert!(redirect_uri_matches(&r, "https://app.test/cb/one"));
        assert!(!redirect_uri_matches(&r, "https://app.test/other"));
        assert!(!redirect_uri_matches(&r, "https://app.test/cb/../admin"));
        assert!(!redirect_uri_matches(&r, "https://app.test/cb/%2e%2e/admin"));
        assert!(!redirect_uri_matches(&r, "https://app.test.evil/cb/one"));
        assert!(!redirect_uri_matches(&r, "https://evil.test/"));
    }

    #[test]
    fn loopback_may_vary_the_port_rfc8252_7_3() {
        let r = reg(&["http://127.0.0.1/cb", "http://[::1]:80/cb"]);
        assert!(redirect_uri_matches(&r, "http://127.0.0.1:51234/cb"));
        assert!(redirect_uri_matches(&r, "http://[::1]:8080/cb"));
        assert!(!redirect_uri_matches(&r, "http://127.0.0.1:51234/other"));
        assert!(!redirect_uri_matches(&r, "http://127.0.0.2.evil.test:1/cb"));
        assert!(!redirect_uri_matches(&reg(&["https://app.test/cb"]), "https://app.test:444/cb"));
    }
}
