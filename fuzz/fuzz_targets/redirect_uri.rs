//! Redirection URI matching (RFC 6749 §3.1.2, RFC 8252 §7.3, RFC 9700 §4.1.3). Input lines: the
//! registered URIs, then the presented one last.
//!
//! Properties: a match never has a fragment or userinfo, and never leaves the origin of the entry that
//! allowed it, except for a loopback IP literal's port (RFC 8252 §7.3).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::redirect_uri::{RedirectUri, redirect_uri_matches};
use url::{Host, Url};

fn loopback_ip(u: &Url) -> bool {
    u.scheme() == "http"
        && match u.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        }
}

/// Could `registered` have allowed `url` without breaking the rules above?
fn may_allow(registered: &str, presented: &str, url: &Url) -> bool {
    if registered == presented {
        return true;
    }
    if let Some(prefix) = registered.strip_suffix('*') {
        return Url::parse(prefix).is_ok_and(|p| p.origin() == url.origin() && url.path().starts_with(p.path()));
    }
    Url::parse(registered)
        .is_ok_and(|r| loopback_ip(&r) && loopback_ip(url) && r.host() == url.host() && r.path() == url.path())
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = tessera_fuzz::text(data) else { return };
    let mut lines: Vec<&str> = text.split('\n').collect();
    let Some(presented) = lines.pop() else { return };
    let registered: Vec<String> = lines.into_iter().map(str::to_owned).collect();

    let matched = redirect_uri_matches(&registered, presented);
    if let Some(parsed) = RedirectUri::parse(presented) {
        assert_eq!(parsed.as_str(), presented);
        assert_eq!(parsed.is_registered_in(&registered), matched, "both entries agree");
    }
    if !matched {
        return;
    }
    let url = Url::parse(presented).unwrap_or_else(|e| panic!("a match parses: {e}"));
    assert!(url.fragment().is_none() && !presented.contains('#'), "a match has no fragment");
    assert!(url.username().is_empty() && url.password().is_none(), "a match has no userinfo");
    assert!(
        registered.iter().any(|r| may_allow(r, presented, &url)),
        "{presented:?} matched outside every registered origin: {registered:?}"
    );
});
