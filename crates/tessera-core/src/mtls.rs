//! Mutual TLS (RFC 8705): a client authenticated by its TLS certificate, with a PKI (§2.1 `tls_client_auth`:
//! a registered subject DN or subject alternative name, on a certificate that chains to a trusted CA) or
//! self-signed (§2.2 `self_signed_tls_client_auth`: the very certificate registered in the client's JWK
//! Set), and the thumbprint a certificate-bound token carries (§3.1 `cnf.x5t#S256`).
//!
//! The HTTP adapter reads the certificate (from the TLS connection, or from a trusted proxy's header) and
//! hands over what is compared here; it has verified the chain against the configured client CA.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::JwkSet;
use subtle::ConstantTimeEq;

use crate::model::{Client, ClientKeySource};
use crate::ports::ClientJwks;

/// Keycloak's client attribute: the subject DN a `client-x509` client's certificate must have (a regular
/// expression when `x509.allow.regex.pattern.comparison` is true).
pub const SUBJECT_DN_ATTRIBUTE: &str = "x509.subjectdn";
/// Keycloak's client attribute: `x509.subjectdn` is a regular expression (else a DN compared as a DN).
pub const SUBJECT_DN_REGEX_ATTRIBUTE: &str = "x509.allow.regex.pattern.comparison";
/// Keycloak's client attribute: every access token must be bound to a certificate (RFC 8705 §3).
pub const BOUND_TOKENS_ATTRIBUTE: &str = "tls.client.certificate.bound.access.tokens";
/// RFC 8705 §2.1.2's registration metadata for a subject alternative name, kept as client attributes under
/// their RFC names.
pub const SAN_ATTRIBUTES: [(&str, SanKind); 4] = [
    ("tls_client_auth_san_dns", SanKind::Dns),
    ("tls_client_auth_san_uri", SanKind::Uri),
    ("tls_client_auth_san_ip", SanKind::Ip),
    ("tls_client_auth_san_email", SanKind::Email),
];
/// A registered pattern is a short expression; a huge one is not compiled.
const MAX_REGEX_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanKind {
    Dns,
    Uri,
    Ip,
    Email,
}

/// The client certificate of a request, as the adapter read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// RFC 8705 §3.1: the base64url SHA-256 of the certificate's DER.
    pub thumbprint: String,
    /// RFC 4514 string of the subject (most significant RDN last, as RFC 8705 §2.1.2 registers it).
    pub subject_dn: String,
    pub subject_alt_names: Vec<(SanKind, String)>,
    /// Whether it chains to a CA the server trusts for `tls_client_auth` (§2.1).
    pub chain_trusted: bool,
}

/// RFC 8705 §3.1: `x5t#S256`, the base64url-encoded SHA-256 of the DER certificate.
pub fn thumbprint(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der))
}

/// Keycloak's `tls.client.certificate.bound.access.tokens`.
pub fn bound_tokens_required(client: &Client) -> bool {
    client.attributes.get(BOUND_TOKENS_ATTRIBUTE).is_some_and(|v| v == "true")
}

/// Why a certificate did not authenticate a client (logged, never sent: the answer is `invalid_client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CertificateRejection {
    #[error("no client certificate was presented")]
    Missing,
    #[error("the certificate does not chain to a trusted client CA")]
    Untrusted,
    #[error("the client registered no subject DN or alternative name")]
    NothingRegistered,
    #[error("the certificate's subject does not match the registered one")]
    SubjectMismatch,
    #[error("the certificate is not one the client registered")]
    NotRegistered,
}

/// RFC 8705 §2.1.2: exactly the registered subject DN or alternative name (Keycloak's `x509.subjectdn`,
/// a regular expression over the whole DN when `x509.allow.regex.pattern.comparison` is true).
pub fn check_pki(client: &Client, cert: &ClientCertificate) -> Result<(), CertificateRejection> {
    if !cert.chain_trusted {
        return Err(CertificateRejection::Untrusted);
    }
    let attr = |name: &str| client.attributes.get(name).map(String::as_str).filter(|v| !v.is_empty());
    if let Some(dn) = attr(SUBJECT_DN_ATTRIBUTE) {
        let matched = if attr(SUBJECT_DN_REGEX_ATTRIBUTE) == Some("true") {
            dn_matches_pattern(dn, &cert.subject_dn)
        } else {
            same_dn(dn, &cert.subject_dn)
        };
        return if matched { Ok(()) } else { Err(CertificateRejection::SubjectMismatch) };
    }
    let registered: Vec<(SanKind, &str)> =
        SAN_ATTRIBUTES.iter().filter_map(|(name, kind)| attr(name).map(|v| (*kind, v))).collect();
    if registered.is_empty() {
        return Err(CertificateRejection::NothingRegistered);
    }
    let found = registered
        .iter()
        .any(|(kind, value)| cert.subject_alt_names.iter().any(|(k, v)| k == kind && san_equal(*kind, value, v)));
    if found { Ok(()) } else { Err(CertificateRejection::SubjectMismatch) }
}

/// RFC 8705 §2.2: the certificate is one of those in the client's JWK Set (`x5c`'s first element, or the
/// key's `x5t#S256`). Its chain is not looked at: the registration is the trust.
pub fn check_self_signed(set: &JwkSet, cert: &ClientCertificate) -> Result<(), CertificateRejection> {
    let presented = cert.thumbprint.as_bytes();
    let registered = set.keys.iter().filter_map(|jwk| {
        let from_chain = jwk.common.x509_chain.as_ref().and_then(|chain| chain.first()).and_then(|first| {
            let der = STANDARD.decode(first.split_whitespace().collect::<String>()).ok()?;
            Some(thumbprint(&der))
        });
        from_chain.or_else(|| jwk.common.x509_sha256_fingerprint.clone())
    });
    let mut matched = false;
    for t in registered {
        matched |= bool::from(t.as_bytes().ct_eq(presented));
    }
    if matched { Ok(()) } else { Err(CertificateRejection::NotRegistered) }
}

/// RFC 8705 §2.2 for a client's registered keys: inline, or at its `jwks_uri` (fetched once more, rate
/// limited by the fetcher, when the certificate is not there: the client may have rotated it).
pub async fn check_registered_certificate(
    client: &Client,
    jwks: &dyn ClientJwks,
    cert: &ClientCertificate,
) -> Result<(), CertificateRejection> {
    match client.key_source().ok_or(CertificateRejection::NothingRegistered)? {
        ClientKeySource::Inline(json) => {
            let set: JwkSet = serde_json::from_str(json).map_err(|_| CertificateRejection::NothingRegistered)?;
            check_self_signed(&set, cert)
        }
        ClientKeySource::Uri(uri) => {
            let set = jwks.jwks(uri, false).await.map_err(|_| CertificateRejection::NothingRegistered)?;
            if check_self_signed(&set, cert).is_ok() {
                return Ok(());
            }
            let set = jwks.jwks(uri, true).await.map_err(|_| CertificateRejection::NothingRegistered)?;
            check_self_signed(&set, cert)
        }
    }
}

/// Case of a domain name and an email's domain do not matter; an IP address is compared as an address.
fn san_equal(kind: SanKind, registered: &str, presented: &str) -> bool {
    match kind {
        SanKind::Dns | SanKind::Email => registered.eq_ignore_ascii_case(presented),
        SanKind::Ip => match (registered.parse::<std::net::IpAddr>(), presented.parse::<std::net::IpAddr>()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
        SanKind::Uri => registered == presented,
    }
}

/// A DN's RDNs with the attribute types upper-cased and the spaces around separators gone, so that
/// `CN=a, O=b` and `cn=a,O=b` are one DN. Escaped commas (`\,`) stay inside their value.
fn normalized_dn(dn: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        match c {
            ',' | ';' if !escaped => parts.push(std::mem::take(&mut current)),
            '\\' if !escaped => {
                escaped = true;
                current.push(c);
                continue;
            }
            _ => current.push(c),
        }
        escaped = false;
    }
    parts.push(current);
    parts
        .iter()
        .map(|rdn| match rdn.split_once('=') {
            Some((t, v)) => format!("{}={}", t.trim().to_ascii_uppercase(), v.trim()),
            None => rdn.trim().to_owned(),
        })
        .collect()
}

fn same_dn(registered: &str, presented: &str) -> bool {
    normalized_dn(registered) == normalized_dn(presented)
}

/// Keycloak matches the whole DN (Java's `Matcher.matches`), written `CN=a, O=b` by Java; both that form and
/// RFC 4514's `CN=a,O=b` are tried.
fn dn_matches_pattern(pattern: &str, presented: &str) -> bool {
    if pattern.len() > MAX_REGEX_BYTES {
        return false;
    }
    let Ok(re) = regex::RegexBuilder::new(&format!("^(?:{pattern})$")).size_limit(1 << 20).build() else {
        return false;
    };
    let java_form = normalized_dn(presented).join(", ");
    re.is_match(presented) || re.is_match(&java_form)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(dn: &str, trusted: bool) -> ClientCertificate {
        ClientCertificate {
            thumbprint: thumbprint(b"der"),
            subject_dn: dn.to_owned(),
            subject_alt_names: vec![(SanKind::Dns, "svc.example.com".into())],
            chain_trusted: trusted,
        }
    }

    fn client(attrs: &[(&str, &str)]) -> Client {
        let mut c = crate::provisioning::tests::client_with_scopes(&[], &[]);
        c.attributes.extend(attrs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())));
        c
    }

    #[test]
    fn subject_dn_is_compared_as_a_dn_rfc8705_2_1_2() {
        let c = client(&[(SUBJECT_DN_ATTRIBUTE, "cn=svc, O=Example\\, Inc")]);
        assert_eq!(check_pki(&c, &cert("CN=svc,O=Example\\, Inc", true)), Ok(()));
        assert_eq!(check_pki(&c, &cert("CN=other,O=Example\\, Inc", true)), Err(CertificateRejection::SubjectMismatch));
        assert_eq!(check_pki(&c, &cert("CN=svc,O=Example\\, Inc", false)), Err(CertificateRejection::Untrusted));
    }

    #[test]
    fn a_regex_subject_must_match_the_whole_dn_like_keycloak() {
        let c = client(&[(SUBJECT_DN_ATTRIBUTE, "CN=svc-[0-9]+, O=Example"), (SUBJECT_DN_REGEX_ATTRIBUTE, "true")]);
        assert_eq!(check_pki(&c, &cert("CN=svc-42,O=Example", true)), Ok(()));
        assert!(check_pki(&c, &cert("CN=svc-42,O=Example,C=EU", true)).is_err(), "anchored at both ends");
        let bad = client(&[(SUBJECT_DN_ATTRIBUTE, "(unclosed"), (SUBJECT_DN_REGEX_ATTRIBUTE, "true")]);
        assert!(check_pki(&bad, &cert("CN=svc", true)).is_err());
    }

    #[test]
    fn a_registered_alternative_name_authenticates_rfc8705_2_1_2() {
        assert_eq!(check_pki(&client(&[("tls_client_auth_san_dns", "SVC.example.com")]), &cert("CN=x", true)), Ok(()));
        assert!(check_pki(&client(&[("tls_client_auth_san_uri", "svc.example.com")]), &cert("CN=x", true)).is_err());
        assert_eq!(check_pki(&client(&[]), &cert("CN=x", true)), Err(CertificateRejection::NothingRegistered));
    }
}
