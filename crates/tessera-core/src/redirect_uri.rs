//! Redirection URI matching (RFC 6749 §3.1.2, RFC 9700 §4.1.3): exact string comparison, with two
//! narrow exceptions:
//! - a Keycloak-style trailing `*` matches a path prefix on the same origin, at a path-segment boundary
//!   (`https://app/cb/*` and `https://app/*`, never `https://app*`), and never a path with percent-encoding
//!   or backslashes in it (RFC 9700 §4.1.3: they serve only to climb out of the prefix);
//! - a loopback IP literal registered WITHOUT a port (`http://127.0.0.1/cb`, `http://[::1]/cb`) may be
//!   used with any port (RFC 8252 §7.3, native apps). A registered port is matched exactly, and `localhost`
//!   never varies (RFC 8252 §8.3).

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

/// RFC 8252 §7.3: only IP literals; `localhost` may resolve elsewhere (§8.3).
fn is_loopback_ip(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        }
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
            return matches_prefix(prefix, presented, &url);
        }
        matches_loopback(r, &url)
    })
}

fn matches_prefix(prefix: &str, presented: &str, url: &Url) -> bool {
    let Ok(base) = Url::parse(prefix) else {
        return false;
    };
    // The prefix must name a path of its own (`https://app/`, `https://app/cb`): `https://app*` reads as a
    // host prefix, and a bare `*` as anything.
    let Some(after_scheme) = prefix.split_once("://").map(|(_, rest)| rest) else {
        return false;
    };
    if !after_scheme.contains('/') || base.cannot_be_a_base() {
        return false;
    }
    let path = url.path();
    let stem = base.path();
    let at_boundary = stem.ends_with('/') || path.get(stem.len()..).is_some_and(|r| r.is_empty() || r.starts_with('/'));
    let suspicious = path.contains('%') || presented.contains('\\');
    base.origin() == url.origin()
        && url.query().is_none()
        && base.query().is_none()
        && path.starts_with(stem)
        && at_boundary
        && !suspicious
}

/// The authority of `uri` as written, port included: the parsed form drops a default port.
fn written_authority(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or("", |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

fn matches_loopback(registered: &str, url: &Url) -> bool {
    let Ok(r) = Url::parse(registered) else {
        return false;
    };
    let authority = written_authority(registered);
    let port_written =
        authority.rsplit_once(':').is_some_and(|(host, _)| !host.ends_with('[') && !authority.ends_with(']'));
    is_loopback_ip(&r)
        && is_loopback_ip(url)
        && !port_written
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
        let r = reg(&["http://127.0.0.1/cb", "http://[::1]/cb"]);
        assert!(redirect_uri_matches(&r, "http://127.0.0.1:51234/cb"));
        assert!(redirect_uri_matches(&r, "http://[::1]:8080/cb"));
        assert!(!redirect_uri_matches(&r, "http://127.0.0.1:51234/other"));
        assert!(!redirect_uri_matches(&r, "http://127.0.0.2.evil.test:1/cb"));
        assert!(!redirect_uri_matches(&reg(&["https://app.test/cb"]), "https://app.test:444/cb"));
    }

    #[test]
    fn a_registered_port_is_exact_and_localhost_never_varies_rfc8252_7_3_8_3() {
        let spa = reg(&["http://127.0.0.1:3000/callback", "http://[::1]:3000/callback", "http://localhost/cb"]);
        assert!(redirect_uri_matches(&spa, "http://127.0.0.1:3000/callback"));
        assert!(!redirect_uri_matches(&spa, "http://127.0.0.1:4444/callback"));
        assert!(!redirect_uri_matches(&spa, "http://[::1]:4444/callback"));
        assert!(redirect_uri_matches(&spa, "http://localhost/cb"));
        assert!(!redirect_uri_matches(&spa, "http://localhost:4444/cb"));
    }

    #[test]
    fn wildcards_stop_at_path_segments_and_refuse_encoded_climbs_rfc9700_4_1_3() {
        let r = reg(&["https://app.test*", "https://cb.test/cb*", "https://enc.test/cb/*", "https://whole.test/*"]);
        assert!(!redirect_uri_matches(&r, "https://app.test/anything"), "a host prefix is not a path prefix");
        assert!(redirect_uri_matches(&r, "https://cb.test/cb/one"));
        assert!(redirect_uri_matches(&r, "https://cb.test/cb"));
        assert!(!redirect_uri_matches(&r, "https://cb.test/cb-evil"));
        assert!(!redirect_uri_matches(&r, "https://cb.test/"), "a path shorter than the prefix (it panicked: fuzz)");
        assert!(!redirect_uri_matches(&r, "https://enc.test/cb/%252e%252e/admin"));
        assert!(!redirect_uri_matches(&r, "https://enc.test/cb/%2F..%2Fadmin"));
        assert!(redirect_uri_matches(&r, "https://whole.test/any/path"), "Keycloak's whole-origin form");
    }
}
