//! Certificates for mutual TLS tests (RFC 8705), made with rcgen: a client CA, a server certificate for
//! `127.0.0.1` signed by it, client certificates from the CA or self-signed, and an HTTPS client that trusts
//! the server and presents one of them.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType,
};
use tessera_server::{Config, TlsFiles};

/// A CA, and the server certificate it signed; files in a temporary directory.
pub struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
    dir: tempfile::TempDir,
}

/// A client certificate and its key.
pub struct ClientIdentity {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: Vec<u8>,
    key: KeyPair,
}

impl ClientIdentity {
    /// Certificate then key, as `reqwest::Identity::from_pem` and `tessera token --cert/--key` take them.
    pub fn pem(&self) -> String {
        format!("{}{}", self.cert_pem, self.key_pem)
    }

    /// RFC 8705 §3.1: base64url SHA-256 of the DER.
    pub fn thumbprint(&self) -> String {
        URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &self.der))
    }

    /// The P-256 public key as a JWK with the certificate in `x5c` (RFC 7517 §4.7), for RFC 8705 §2.2.
    pub fn jwk_with_x5c(&self) -> serde_json::Value {
        let raw = self.key.public_key_raw();
        serde_json::json!({
            "kty": "EC", "crv": "P-256", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&raw[1..33]), "y": URL_SAFE_NO_PAD.encode(&raw[33..65]),
            "x5c": [STANDARD.encode(&self.der)],
        })
    }

    pub fn reqwest_identity(&self) -> reqwest::Identity {
        reqwest::Identity::from_pem(self.pem().as_bytes()).expect("identity")
    }

    /// Writes the certificate and the key to `dir`, returning their paths.
    pub fn write(&self, dir: &std::path::Path, name: &str) -> (PathBuf, PathBuf) {
        let (cert, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
        std::fs::write(&cert, &self.cert_pem).expect("write cert");
        std::fs::write(&key, &self.key_pem).expect("write key");
        (cert, key)
    }
}

fn params(cn: &str, sans: &[&str]) -> CertificateParams {
    let mut params = CertificateParams::new(sans.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).expect("SANs");
    // Most significant first in the DER (O, then CN): the RFC 4514 string reads `CN=…,O=Example`.
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::OrganizationName, "Example");
    params.distinguished_name.push(DnType::CommonName, cn);
    params
}

impl Pki {
    pub fn new() -> Self {
        let mut ca = params("Test Client CA", &[]);
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key")).expect("CA");
        let dir = tempfile::tempdir().expect("tempdir");
        let server_key = KeyPair::generate().expect("key");
        let server = params("localhost", &["127.0.0.1", "localhost"]).signed_by(&server_key, &ca).expect("server");
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("write");
        std::fs::write(dir.path().join("server.pem"), server.pem()).expect("write");
        std::fs::write(dir.path().join("server.key"), server_key.serialize_pem()).expect("write");
        Self { ca, dir }
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Tessera terminating TLS with this PKI's server certificate; client certificates asked for, chains
    /// checked against the CA when `with_ca`.
    pub fn serve_tls(&self, config: &mut Config, with_ca: bool) {
        config.tls =
            Some(TlsFiles { cert: self.dir.path().join("server.pem"), key: self.dir.path().join("server.key") });
        config.tls_client_certificates = true;
        if with_ca {
            config.tls_client_ca = Some(self.ca_file());
        }
    }

    /// A client certificate from the CA, for TLS client authentication (EKU clientAuth), with these
    /// subject alternative names (DNS names, or IP addresses).
    pub fn client(&self, cn: &str, sans: &[&str]) -> ClientIdentity {
        let mut p = params(cn, sans);
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().expect("key");
        let cert = p.signed_by(&key, &self.ca).expect("client cert");
        ClientIdentity { cert_pem: cert.pem(), key_pem: key.serialize_pem(), der: cert.der().to_vec(), key }
    }

    /// A self-signed client certificate (RFC 8705 §2.2).
    pub fn self_signed(cn: &str) -> ClientIdentity {
        let mut p = params(cn, &[]);
        p.subject_alt_names = vec![SanType::DnsName(format!("{cn}.example").try_into().expect("name"))];
        let key = KeyPair::generate().expect("key");
        let cert = p.self_signed(&key).expect("self-signed");
        ClientIdentity { cert_pem: cert.pem(), key_pem: key.serialize_pem(), der: cert.der().to_vec(), key }
    }

    /// An HTTPS client that trusts this PKI's server certificate and presents `identity` when given.
    pub fn http(&self, identity: Option<&ClientIdentity>) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.ca.pem().as_bytes()).expect("CA");
        let mut builder = reqwest::Client::builder().tls_certs_only([ca]);
        if let Some(identity) = identity {
            builder = builder.identity(identity.reqwest_identity());
        }
        builder.build().expect("client")
    }
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}
