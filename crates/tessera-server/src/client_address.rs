//! Which address a request came from. Behind a TLS-terminating proxy every TCP peer is the proxy, so a
//! per-address lockout would lock everyone out at once; the forwarding headers name the client, but anyone
//! can send them. They are believed only from configured proxies, and only up to the rightmost hop that is
//! not one of ours (RFC 7239 §5.2; the same rule as nginx's `real_ip_recursive`).

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// More hops than this are not read: a chain of proxies is short, a forged header need not be.
const MAX_HOPS: usize = 32;

/// The client's address: the TCP peer, or, when the peer is a trusted proxy, the rightmost hop of
/// `X-Forwarded-For` (else `Forwarded: for=`) that is not a trusted proxy.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let mut client = peer;
    for hop in hops.iter().rev().take(MAX_HOPS) {
        // A hop that is not an address ends the chain: what lies left of it cannot be vouched for.
        let Some(ip) = hop else { break };
        client = *ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// The hops, leftmost (the original client) first; `None` for a hop that is not an IP address.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    };
    let xff = values("x-forwarded-for");
    if !xff.is_empty() {
        return xff.iter().flat_map(|v| v.split(',')).map(|hop| hop.trim().parse().ok()).collect();
    }
    // RFC 7239 §4: `Forwarded: for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"`.
    values("forwarded")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(name, _)| name.eq_ignore_ascii_case("for"))
                .and_then(|(_, value)| parse_node(value.trim().trim_matches('"')))
        })
        .collect()
}

/// RFC 7239 §6: `192.0.2.43`, `192.0.2.43:47011`, `[2001:db8::17]`, `[2001:db8::17]:47011`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse().ok().or_else(|| node.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_static(value));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies_rfc7239_5_2() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.0.0.7")]);
        assert_eq!(client_address(ip("10.0.0.2"), &h, &proxies), ip("203.0.113.9"), "rightmost untrusted hop");
        assert_eq!(client_address(ip("192.0.2.1"), &h, &proxies), ip("192.0.2.1"), "an untrusted peer's header");
        assert_eq!(client_address(ip("10.0.0.2"), &h, &[]), ip("10.0.0.2"), "no proxies configured");
        let forged = headers(&[("x-forwarded-for", "evil, 203.0.113.9")]);
        assert_eq!(client_address(ip("10.0.0.2"), &forged, &proxies), ip("203.0.113.9"));
        let only_proxies = headers(&[("x-forwarded-for", "10.1.1.1")]);
        assert_eq!(client_address(ip("10.0.0.2"), &only_proxies, &proxies), ip("10.1.1.1"));
        let junk = headers(&[("x-forwarded-for", "10.1.1.1, junk")]);
        assert_eq!(client_address(ip("10.0.0.2"), &junk, &proxies), ip("10.0.0.2"), "a broken chain stops at us");
    }

    #[test]
    fn forwarded_header_nodes_are_read_rfc7239_4_6() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&[("forwarded", "for=192.0.2.60;proto=https, for=\"[2001:db8::17]:4711\"")]);
        assert_eq!(client_address(ip("10.0.0.2"), &h, &proxies), ip("2001:db8::17"));
        let h = headers(&[("forwarded", "for=192.0.2.43:47011")]);
        assert_eq!(client_address(ip("10.0.0.2"), &h, &proxies), ip("192.0.2.43"));
    }
}
