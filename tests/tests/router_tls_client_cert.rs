//! TLS client certificates, against a real cluster whose TLS ports require one
//! (`tls-auth-clients yes`): the blocking and async clients present the certificate and
//! work on every shard; without it the connection is refused with an error that says what
//! to set; a certificate without its key, or files that cannot be used, fail before any
//! connection with an error naming the file.

use std::path::PathBuf;

use slotwise::{blocking::Client, ClientOptions, Error, TlsOptions};
use slotwise_testcluster::{ClusterOptions, TestCluster, TlsFiles};

fn cluster() -> TestCluster {
    TestCluster::start(ClusterOptions {
        tls: true,
        tls_auth_clients: true,
        ..ClusterOptions::default()
    })
    .unwrap()
}

fn files(cluster: &TestCluster) -> TlsFiles {
    cluster.tls_files().unwrap().clone()
}

fn tls(files: &TlsFiles, cert: Option<PathBuf>, key: Option<PathBuf>) -> TlsOptions {
    TlsOptions {
        ca_file: Some(files.ca_cert.clone()),
        client_cert_file: cert,
        client_key_file: key,
        ..TlsOptions::default()
    }
}

fn opts(cluster: &TestCluster, tls: TlsOptions) -> ClientOptions {
    ClientOptions::new(cluster.tls_seeds()).tls(tls)
}

fn config_error(r: Result<Client, Error>) -> String {
    match r {
        Err(Error::Config(m)) => m,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn client_certificates_are_presented_and_their_absence_is_explained() {
    let cluster = cluster();
    let f = files(&cluster);
    let with_cert = tls(&f, Some(f.client_cert.clone()), Some(f.client_key.clone()));

    // Blocking: keys on every shard, through the TLS ports only.
    let c = Client::connect(opts(&cluster, with_cert.clone())).unwrap();
    for i in 0..100 {
        c.set(format!("cert:{i}"), i).unwrap();
    }
    for i in 0..100 {
        let v: i64 = c.get(format!("cert:{i}")).unwrap();
        assert_eq!(v, i);
    }
    assert_eq!(c.topology().primaries().count(), 3);
    c.close();

    // Async, same certificate.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = slotwise::aio::Client::connect(opts(&cluster, with_cert.clone()))
            .await
            .unwrap();
        let v: i64 = c.get("cert:7").await.unwrap();
        assert_eq!(v, 7);
    });

    // Without a client certificate the nodes refuse the connection: the error says so.
    let err = Client::connect(opts(&cluster, tls(&f, None, None))).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("requires a TLS client certificate"),
        "the error should name the missing client certificate: {msg}"
    );

    // A certificate from another CA is refused, and the error says why.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = TlsFiles::generate(elsewhere.path()).unwrap();
    let foreign = tls(&f, Some(other.client_cert), Some(other.client_key));
    let msg = Client::connect(opts(&cluster, foreign))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("refused the client certificate"),
        "the error should say the certificate was refused: {msg}"
    );
}

#[test]
fn unusable_client_certificate_settings_fail_before_connecting_and_name_the_file() {
    let cluster = cluster();
    let f = files(&cluster);

    // Half a pair.
    let m = config_error(Client::connect(opts(
        &cluster,
        tls(&f, Some(f.client_cert.clone()), None),
    )));
    assert!(m.contains("private key") && m.contains("both"), "{m}");

    // A file that does not exist.
    let missing = f.client_cert.with_file_name("no-such-client.crt");
    let m = config_error(Client::connect(opts(
        &cluster,
        tls(&f, Some(missing.clone()), Some(f.client_key.clone())),
    )));
    assert!(m.contains(&*missing.to_string_lossy()), "{m}");

    // A certificate file given as the key: no private key in it.
    let m = config_error(Client::connect(opts(
        &cluster,
        tls(&f, Some(f.client_cert.clone()), Some(f.client_cert.clone())),
    )));
    assert!(m.contains("no private key"), "{m}");

    // The nodes' key with the client's certificate: they do not fit.
    let m = config_error(Client::connect(opts(
        &cluster,
        tls(&f, Some(f.client_cert.clone()), Some(f.key.clone())),
    )));
    assert!(m.contains("does not fit"), "{m}");
}
