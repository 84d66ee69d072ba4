//! Throwaway certificates for TLS clusters: a CA, one server certificate for `127.0.0.1` /
//! `localhost` shared by every node, a client certificate (for clusters that require one),
//! and the redis-server config that uses them.
//!
//! Keys are ECDSA P-256 (rcgen with the `ring` backend), in PKCS#8 PEM, which both OpenSSL
//! (redis-server) and rustls (slotwise) accept.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use crate::error::{HarnessError, Result};
use crate::node::directive;

/// The PEM files of a TLS test cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA certificate (`ca.crt`): what clients must trust.
    pub ca_cert: PathBuf,
    /// The nodes' certificate (`node.crt`), signed by the CA, with the IP SAN `127.0.0.1` and
    /// the DNS SAN `localhost`.
    pub cert: PathBuf,
    /// The nodes' private key (`node.key`).
    pub key: PathBuf,
    /// A client certificate (`client.crt`) signed by the CA, for clusters that require TLS
    /// clients to present one ([`crate::ClusterOptions::tls_auth_clients`]).
    pub client_cert: PathBuf,
    /// Its private key (`client.key`).
    pub client_key: PathBuf,
}

fn cert_error(what: &str, e: rcgen::Error) -> HarnessError {
    HarnessError::Invalid(format!("generating the {what}: {e}"))
}

/// A certificate signed by `issuer` with a fresh key: subject alternative names `sans`,
/// common name `cn`, the given extended key usages, valid 2000-2100.
fn leaf(
    issuer: &Issuer<'_, KeyPair>,
    what: &str,
    sans: Vec<String>,
    cn: &str,
    usages: Vec<ExtendedKeyUsagePurpose>,
) -> Result<(rcgen::Certificate, KeyPair)> {
    let key = KeyPair::generate().map_err(|e| cert_error(&format!("{what} key"), e))?;
    let fail = |e| cert_error(&format!("{what} certificate"), e);
    let mut params = CertificateParams::new(sans).map_err(fail)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = usages;
    params.use_authority_key_identifier_extension = true;
    params.not_before = date_time_ymd(2000, 1, 1);
    params.not_after = date_time_ymd(2100, 1, 1);
    let cert = params.signed_by(&key, issuer).map_err(fail)?;
    Ok((cert, key))
}

impl TlsFiles {
    /// Generates a fresh CA and a node and a client certificate signed by it, and writes
    /// `ca.crt`, `node.crt`, `node.key`, `client.crt` and `client.key` into `dir`.
    pub fn generate(dir: &Path) -> Result<TlsFiles> {
        let ca_key = KeyPair::generate().map_err(|e| cert_error("CA key", e))?;
        let mut ca = CertificateParams::new(Vec::<String>::new())
            .map_err(|e| cert_error("CA certificate", e))?;
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name
            .push(DnType::CommonName, "slotwise-testcluster CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca.not_before = date_time_ymd(2000, 1, 1);
        ca.not_after = date_time_ymd(2100, 1, 1);
        let ca_cert = ca
            .self_signed(&ca_key)
            .map_err(|e| cert_error("CA certificate", e))?;
        let issuer = Issuer::new(ca, ca_key);

        // Nodes are also TLS clients of each other (cluster bus, replication, MIGRATE).
        let (node_cert, node_key) = leaf(
            &issuer,
            "node",
            vec!["127.0.0.1".to_string(), "localhost".into()],
            "127.0.0.1",
            vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        )?;
        let (client_cert, client_key) = leaf(
            &issuer,
            "client",
            Vec::new(),
            "slotwise test client",
            vec![ExtendedKeyUsagePurpose::ClientAuth],
        )?;

        let files = TlsFiles {
            ca_cert: dir.join("ca.crt"),
            cert: dir.join("node.crt"),
            key: dir.join("node.key"),
            client_cert: dir.join("client.crt"),
            client_key: dir.join("client.key"),
        };
        for (path, body) in [
            (&files.ca_cert, ca_cert.pem()),
            (&files.cert, node_cert.pem()),
            (&files.key, node_key.serialize_pem()),
            (&files.client_cert, client_cert.pem()),
            (&files.client_key, client_key.serialize_pem()),
        ] {
            fs::write(path, body)
                .map_err(|e| HarnessError::io(format!("writing {}", path.display()), e))?;
        }
        Ok(files)
    }

    /// redis-server config lines for these files: TLS clients must present a certificate
    /// signed by the CA only with `auth_clients` (`tls-auth-clients yes|no`); replication and
    /// the cluster bus use TLS too.
    ///
    /// `tls-cluster yes` matters beyond the bus: Redis 7.0 only reports `tls-port` in
    /// `CLUSTER SHARDS`, and only sends TLS clients the TLS port in `CLUSTER SLOTS`,
    /// `CLUSTER NODES` and `-MOVED`/`-ASK`, when the cluster bus itself is TLS. It also makes
    /// `MIGRATE` connect over TLS, so it must be given the target's TLS port.
    pub(crate) fn directives(&self, auth_clients: bool) -> String {
        let path = |p: &Path| p.to_string_lossy().into_owned();
        let mut s = String::new();
        s.push_str(&directive("tls-cert-file", &[&path(&self.cert)]));
        s.push_str(&directive("tls-key-file", &[&path(&self.key)]));
        s.push_str(&directive("tls-ca-cert-file", &[&path(&self.ca_cert)]));
        s.push_str(if auth_clients {
            "tls-auth-clients yes\n"
        } else {
            "tls-auth-clients no\n"
        });
        s.push_str("tls-replication yes\ntls-cluster yes\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_pem_files_and_directives() {
        let dir = tempfile::tempdir().unwrap();
        let files = TlsFiles::generate(dir.path()).unwrap();
        let read = |p: &Path| fs::read_to_string(p).unwrap();
        assert!(read(&files.ca_cert).starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(read(&files.cert).starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(read(&files.key).starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(read(&files.client_cert).starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(read(&files.client_key).starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_ne!(read(&files.ca_cert), read(&files.cert));
        assert_ne!(read(&files.cert), read(&files.client_cert));
        assert!(files.directives(true).contains("tls-auth-clients yes"));
        let conf = files.directives(false);
        for p in [&files.ca_cert, &files.cert, &files.key] {
            assert!(conf.contains(&*p.to_string_lossy()), "{conf}");
        }
        assert!(conf.contains("tls-cluster yes") && conf.contains("tls-auth-clients no"));
        // A second CA is a different one.
        let other = tempfile::tempdir().unwrap();
        let again = TlsFiles::generate(other.path()).unwrap();
        assert_ne!(read(&files.ca_cert), read(&again.ca_cert));
    }
}
