//! The client certificate of a request (RFC 8705), from the TLS connection when Tessera terminates TLS, or
//! from a configured header set by a TLS-terminating proxy (nginx's `$ssl_client_escaped_cert`: URL-encoded
//! PEM), believed only when the TCP peer is one of the trusted proxies. Whether it chains to the configured
//! client CA (`tls_client_auth`, §2.1) is checked here; what it authenticates is core's business.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::HeaderName;
use axum::http::request::Parts;
use axum_server::tls::TlsInfo;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ipnet::IpNet;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::ClientCertVerifier;
use tessera_core::mtls::{ClientCertificate, SanKind, thumbprint};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate, X509Name};

/// A certificate is a few KiB; a header larger than this is not read.
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// More chain than this is not looked at.
const MAX_CHAIN: usize = 8;

/// Where client certificates come from, and the CA that `tls_client_auth` certificates must chain to.
#[derive(Default)]
pub struct ClientCertificates {
    /// The configured client CA (`tls_client_ca`); without it no certificate is PKI-trusted.
    pub ca: Option<Arc<dyn ClientCertVerifier>>,
    /// The header a trusted proxy puts the certificate in (`client_cert_header`).
    pub header: Option<HeaderName>,
    /// Whether certificates can reach the server at all (TLS asking for them, or a proxy header): the
    /// certificate methods and bound tokens are advertised only then (RFC 8705 §5).
    pub available: bool,
}

impl ClientCertificates {
    /// The request's certificate: the TLS connection's, else the trusted proxy's header; `None` when there is
    /// none or it cannot be read (a request without a certificate goes on, refused only where one is needed).
    pub fn read(&self, parts: &Parts, trusted_proxies: &[IpNet]) -> Option<ClientCertificate> {
        if let Some(info) = parts.extensions.get::<Arc<TlsInfo>>()
            && let Some((leaf, chain)) = info.peer_certificates.split_first()
        {
            return self.describe(leaf, chain);
        }
        let name = self.header.as_ref()?;
        let peer: IpAddr = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
        if !trusted_proxies.iter().any(|net| net.contains(&peer)) {
            return None;
        }
        let mut values = parts.headers.get_all(name).iter();
        let (value, None) = (values.next()?, values.next()) else { return None };
        let der = der_from_header(value.as_bytes())?;
        self.describe(&der, &[])
    }

    fn describe(&self, leaf: &[u8], chain: &[Vec<u8>]) -> Option<ClientCertificate> {
        let (rest, cert) = X509Certificate::from_der(leaf).ok()?;
        if !rest.is_empty() {
            return None;
        }
        let chain_trusted = self.ca.as_ref().is_some_and(|ca| {
            let intermediates: Vec<CertificateDer<'_>> =
                chain.iter().take(MAX_CHAIN).map(|c| CertificateDer::from(c.as_slice())).collect();
            ca.verify_client_cert(&CertificateDer::from(leaf), &intermediates, UnixTime::now()).is_ok()
        });
        Some(ClientCertificate {
            thumbprint: thumbprint(leaf),
            subject_dn: rfc4514(cert.subject()),
            subject_alt_names: alternative_names(&cert),
            chain_trusted,
        })
    }
}

/// nginx's `$ssl_client_escaped_cert` (URL-encoded PEM), a PEM whose line breaks a proxy turned into
/// spaces, or bare base64 DER.
fn der_from_header(value: &[u8]) -> Option<Vec<u8>> {
    if value.len() > MAX_HEADER_BYTES {
        return None;
    }
    let text = percent_encoding::percent_decode(value).decode_utf8().ok()?;
    let body = match text.split_once("-----BEGIN CERTIFICATE-----") {
        Some((_, rest)) => rest.split_once("-----END CERTIFICATE-----")?.0,
        None => &text,
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(compact).ok()
}

/// RFC 4514 §2: the RDNs last to first, `type=value` joined by `,` (multi-valued by `+`), special characters
/// escaped; a value that is not a string is `#` and its DER in hex.
fn rfc4514(name: &X509Name<'_>) -> String {
    let registry = x509_parser::objects::oid_registry();
    let rdns: Vec<String> = name
        .iter()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|rdn| {
            let attrs: Vec<String> = rdn
                .iter()
                .map(|attr| {
                    let oid = attr.attr_type();
                    let kind = x509_parser::objects::oid2abbrev(oid, registry)
                        .map_or_else(|_| oid.to_id_string(), str::to_owned);
                    let value = match attr.as_str() {
                        Ok(s) => escape(s),
                        Err(_) => format!("#{}", hex(attr.attr_value().data)),
                    };
                    format!("{kind}={value}")
                })
                .collect();
            attrs.join("+")
        })
        .collect();
    rdns.join(",")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 4514 §2.4.
fn escape(value: &str) -> String {
    let last = value.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        if c == '\0' {
            out.push_str("\\00");
        } else {
            out.push(c);
        }
    }
    out
}

fn alternative_names(cert: &X509Certificate<'_>) -> Vec<(SanKind, String)> {
    let Ok(Some(san)) = cert.subject_alternative_name() else { return Vec::new() };
    san.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(s) => Some((SanKind::Dns, (*s).to_owned())),
            GeneralName::URI(s) => Some((SanKind::Uri, (*s).to_owned())),
            GeneralName::RFC822Name(s) => Some((SanKind::Email, (*s).to_owned())),
            GeneralName::IPAddress(bytes) => {
                let ip = match bytes.len() {
                    4 => IpAddr::from(<[u8; 4]>::try_from(*bytes).ok()?),
                    16 => IpAddr::from(<[u8; 16]>::try_from(*bytes).ok()?),
                    _ => return None,
                };
                Some((SanKind::Ip, ip.to_string()))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dn_values_are_escaped_rfc4514_2_4() {
        assert_eq!(escape("Example, Inc"), "Example\\, Inc");
        assert_eq!(escape(" a+b "), "\\ a\\+b\\ ");
        assert_eq!(escape("#x"), "\\#x");
    }

    #[test]
    fn a_forwarded_certificate_is_read_in_its_usual_forms() {
        let der = [0x30u8, 0x03, 0x02, 0x01, 0x01];
        let b64 = STANDARD.encode(der);
        let pem = format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n");
        let escaped: String = percent_encoding::utf8_percent_encode(&pem, percent_encoding::NON_ALPHANUMERIC).collect();
        assert_eq!(der_from_header(escaped.as_bytes()), Some(der.to_vec()), "nginx $ssl_client_escaped_cert");
        assert_eq!(der_from_header(pem.replace('\n', " ").as_bytes()), Some(der.to_vec()));
        assert_eq!(der_from_header(b64.as_bytes()), Some(der.to_vec()));
        assert_eq!(der_from_header(b"-----BEGIN CERTIFICATE----- no end"), None);
        assert_eq!(der_from_header(&vec![b'A'; MAX_HEADER_BYTES + 1]), None);
    }
}
