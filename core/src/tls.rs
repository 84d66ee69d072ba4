//! TLS client configuration (rustls with the ring provider). Verification is on by default:
//! the built-in web PKI roots, or the CA certificates of [`TlsOptions::ca_file`].

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::Error;
use crate::options::TlsOptions;

/// Builds the rustls client configuration for `opts`.
///
/// # Errors
///
/// [`Error::Config`] when the CA file cannot be read or holds no certificate.
pub fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>, Error> {
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?;
    let config = if opts.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        match &opts.ca_file {
            Some(path) => {
                let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
                    Error::Config(format!(
                        "TLS: cannot read the CA file {}: {e}",
                        path.display()
                    ))
                })?;
                for c in certs {
                    let c = c.map_err(|e| {
                        Error::Config(format!("TLS: bad PEM in {}: {e}", path.display()))
                    })?;
                    roots.add(c).map_err(|e| {
                        Error::Config(format!(
                            "TLS: bad CA certificate in {}: {e}",
                            path.display()
                        ))
                    })?;
                }
                if roots.is_empty() {
                    return Err(Error::Config(format!(
                        "TLS: {} holds no certificate; give a PEM file with the CA that signed the nodes' certificates",
                        path.display()
                    )));
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// The name the node's certificate must carry: the host part of `host:port`.
///
/// # Errors
///
/// [`Error::Config`] for a host that is neither a DNS name nor an IP address.
pub fn server_name(addr: &str) -> Result<ServerName<'static>, Error> {
    let host = crate::router::host_of(addr);
    ServerName::try_from(host.to_string())
        .map_err(|_| Error::Config(format!("TLS: {host:?} is not a valid server name")))
}

/// The error for a failed TLS handshake with `addr`: a timeout usually means the port does
/// not speak TLS at all.
pub(crate) fn handshake_error(addr: &str, e: std::io::Error) -> Error {
    let msg = match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            "TLS handshake timed out: the node sent no TLS answer; check that this port serves TLS (tls-port) and not plain RESP".to_string()
        }
        _ => format!("TLS handshake failed: {e}"),
    };
    Error::io(addr, std::io::Error::new(e.kind(), msg))
}

/// Accepts any certificate (testing only), but still checks handshake signatures.
#[derive(Debug)]
struct NoVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
