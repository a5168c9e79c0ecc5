//! TLS when Tessera terminates it, with optional client certificates (RFC 8705). The handshake asks for a
//! certificate without requiring one and accepts any whose key signed the handshake: a self-signed one
//! authenticates a `self_signed_tls_client_auth` client (§2.2), one from the configured client CA a
//! `tls_client_auth` client (§2.1), and the chain is checked per request ([`crate::client_certificate`]),
//! where the client that needs it is known. A request without a certificate goes on as before.

use std::path::Path;
use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The verifier of `tls_client_auth` chains: the CA certificates in `file` (PEM).
pub fn client_ca(file: &Path) -> Result<Arc<dyn ClientCertVerifier>, String> {
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(file).map_err(|e| format!("{}: {e}", file.display()))?;
    for cert in certs {
        let cert = cert.map_err(|e| format!("{}: {e}", file.display()))?;
        roots.add(cert).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    if roots.is_empty() {
        return Err(format!("{}: no CA certificate", file.display()));
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .allow_unauthenticated()
        .build()
        .map_err(|e| format!("{}: {e}", file.display()))
}

/// The server's certificate and key; client certificates are asked for (and optional) when
/// `client_certificates`, with the client CA's names as hints when one is configured.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_certificates: bool,
    ca: Option<Arc<dyn ClientCertVerifier>>,
) -> Result<RustlsConfig, String> {
    let what = || format!("{} / {}", cert.display(), key.display());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| format!("{}: {e}", what()))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", what()))?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("{}: {e}", what()))?;
    let builder = if client_certificates {
        let algorithms = provider().signature_verification_algorithms;
        builder.with_client_cert_verifier(Arc::new(AnyClientCertificate { algorithms, ca }))
    } else {
        builder.with_no_client_auth()
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| format!("{}: {e}", what()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(RustlsConfig::from_config(Arc::new(config)))
}

/// Asks for a client certificate, takes none or any, and checks that the client holds its key (the
/// handshake signature, by rustls' own verification).
#[derive(Debug)]
struct AnyClientCertificate {
    algorithms: WebPkiSupportedAlgorithms,
    ca: Option<Arc<dyn ClientCertVerifier>>,
}

impl ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.ca.as_ref().map_or(&[], |ca| ca.root_hint_subjects())
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
