//! TLS client configuration (rustls with the ring provider). Verification is on by default:
//! the built-in web PKI roots, or the CA certificates of [`TlsOptions::ca_file`].

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::Error;
use crate::options::TlsOptions;

/// Builds the rustls client configuration for `opts`.
///
/// # Errors
///
/// [`Error::Config`] when the CA file cannot be read or holds no certificate, or the client
/// certificate or key is missing its other half, cannot be read, or does not fit.
pub fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>, Error> {
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?;
    let builder = if opts.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
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
        builder.with_root_certificates(roots)
    };
    let config = match (&opts.client_cert_file, &opts.client_key_file) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), Some(key)) => {
            let (chain, key_der) = client_identity(cert, key)?;
            builder.with_client_auth_cert(chain, key_der).map_err(|e| {
                Error::Config(format!(
                    "TLS: the client key {} does not fit the certificate {}: {e}",
                    key.display(),
                    cert.display()
                ))
            })?
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Error::Config(
                "TLS: a client certificate needs its private key and the other way round: \
                 give both the client certificate file and the client key file"
                    .into(),
            ))
        }
    };
    Ok(Arc::new(config))
}

/// The client certificate chain and private key, read from their PEM files.
fn client_identity(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), Error> {
    let read_error = |path: &Path, e: &dyn std::fmt::Display| {
        Error::Config(format!("TLS: cannot read {}: {e}", path.display()))
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| read_error(cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read_error(cert, &e))?;
    if chain.is_empty() {
        return Err(Error::Config(format!(
            "TLS: {} holds no certificate; give the PEM file of the client certificate",
            cert.display()
        )));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => Error::Config(format!(
            "TLS: {} holds no private key; give the PEM file of the client certificate's key",
            key.display()
        )),
        e => read_error(key, &e),
    })?;
    Ok((chain, key_der))
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

/// What to do about a TLS failure inside `e`, when it is one the options can fix: a node
/// that wants a client certificate, or refused the one given.
pub(crate) fn hint(e: &std::io::Error) -> Option<&'static str> {
    use rustls::AlertDescription as A;
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::AlertReceived(A::CertificateRequired) => Some(
            "the node requires a TLS client certificate: set the client certificate and key \
             files in the TLS options",
        ),
        rustls::Error::AlertReceived(
            A::BadCertificate
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::CertificateUnknown
            | A::UnknownCA
            | A::AccessDenied,
        ) => Some(
            "the node refused the client certificate: check that it is signed by a CA the \
             nodes trust (their tls-ca-cert-file) and has not expired",
        ),
        _ => None,
    }
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
