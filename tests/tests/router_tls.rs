//! TLS against a real cluster whose nodes serve TLS on a second port (`tls-cluster yes`):
//! discovery and routing over TLS ports with the blocking and async clients, MOVED to TLS
//! ports, certificate verification on by default, a missing CA file, and clients that speak
//! the wrong protocol for the port.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use slotwise::slot::key_slot;
use slotwise::{blocking::Client, ClientOptions, Error, TlsOptions};
use slotwise_testcluster::{ClusterOptions, TestCluster};

/// Keys spread over every shard.
const KEYS: usize = 200;

fn tls_cluster() -> TestCluster {
    TestCluster::start(ClusterOptions {
        tls: true,
        ..ClusterOptions::default()
    })
    .unwrap()
}

fn verified(ca: PathBuf) -> TlsOptions {
    TlsOptions {
        ca_file: Some(ca),
        ..TlsOptions::default()
    }
}

fn tls_opts(cluster: &TestCluster) -> ClientOptions {
    ClientOptions::new(cluster.tls_seeds()).tls(verified(cluster.ca_file().unwrap()))
}

/// Every address of the client's topology is a TLS port of the cluster; all nodes are known.
fn assert_tls_topology(cluster: &TestCluster, addrs: Vec<String>) {
    let tls: BTreeSet<String> = cluster.tls_seeds().into_iter().collect();
    let plain: BTreeSet<String> = cluster.seeds().into_iter().collect();
    let seen: BTreeSet<String> = addrs.into_iter().collect();
    assert!(
        seen.is_subset(&tls),
        "not TLS ports: {:?}",
        seen.difference(&tls).collect::<Vec<_>>()
    );
    assert!(
        seen.is_disjoint(&plain),
        "plain ports in the topology: {seen:?}"
    );
    assert_eq!(
        seen, tls,
        "every node (primaries and replicas) is known by its TLS address"
    );
}

/// `key`'s slot, the TLS address of the primary serving it, and another primary's TLS address.
fn slot_and_target(cluster: &TestCluster, key: &str) -> (u16, String, String) {
    let slot = key_slot(key.as_bytes()).get();
    let source = cluster
        .tls_addr(&cluster.primary_for_slot(slot).unwrap())
        .unwrap();
    let target = cluster
        .primaries()
        .unwrap()
        .into_iter()
        .filter_map(|n| n.tls_addr())
        .find(|a| *a != source)
        .unwrap();
    (slot, source, target)
}

/// The error text of a failed connect, with a bound on how long it took.
fn connect_error(opts: ClientOptions, within: Duration) -> Error {
    let t0 = Instant::now();
    let err = Client::connect(opts).expect_err("connect should fail");
    assert!(t0.elapsed() < within, "took {:?}: {err}", t0.elapsed());
    err
}

#[test]
fn blocking_and_async_clients_over_tls_ports_verification_and_misconfiguration() {
    let cluster = tls_cluster();
    let ca = cluster.ca_file().unwrap();
    assert!(ca.is_file());
    assert_eq!(cluster.tls_seeds().len(), cluster.seeds().len());

    // ---- blocking: 200 keys over every shard, topology of TLS addresses.
    let c = Client::connect(tls_opts(&cluster)).unwrap();
    let mut shards = BTreeSet::new();
    for i in 0..KEYS {
        let key = format!("tls:{i}");
        shards.insert(cluster.primary_for_key(key.as_bytes()).unwrap());
        c.set(&key, format!("v{i}")).unwrap();
    }
    assert_eq!(shards.len(), 3, "the keys cover every shard");
    for i in 0..KEYS {
        let v: String = c.get(format!("tls:{i}")).unwrap();
        assert_eq!(v, format!("v{i}"));
    }
    let topo = c.topology();
    assert_eq!(topo.assigned_slots(), 16384);
    assert_tls_topology(&cluster, topo.all_nodes().map(|a| a.to_string()).collect());
    for i in 0..KEYS {
        let key = format!("tls:{i}");
        let slot = key_slot(key.as_bytes());
        let want = cluster
            .tls_addr(&cluster.primary_for_key(key.as_bytes()).unwrap())
            .unwrap();
        assert_eq!(
            topo.primary_of(slot).map(|a| a.to_string()),
            Some(want),
            "{key}"
        );
    }

    // MOVED after a slot moves: followed to the target's TLS port.
    let (slot, source, target) = slot_and_target(&cluster, "tls:7");
    cluster.move_slot(slot, &target).unwrap();
    let mut src = cluster.conn(&source).unwrap();
    let moved = src.cmd(&["GET", "tls:7"]).unwrap();
    let moved =
        String::from_utf8_lossy(moved.as_error().expect("MOVED from the source")).into_owned();
    // The harness connects over plain TCP, so the source names the target's plain port.
    assert_eq!(
        moved,
        format!("MOVED {slot} {}", cluster.plain_addr(&target).unwrap())
    );
    let before = c.stats().moved;
    let (v, route) = c.exec_traced(slotwise::cmd("GET").arg("tls:7"));
    assert_eq!(v.unwrap().as_bytes().map(|b| &b[..]), Some(&b"v7"[..]));
    assert!(c.stats().moved > before, "the GET was redirected");
    assert!(route.redirects >= 1, "{route:?}");
    assert_eq!(
        route
            .nodes
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>(),
        vec![target.clone()]
    );
    assert_eq!(
        c.topology()
            .primary_of(key_slot(b"tls:7"))
            .map(|a| a.to_string()),
        Some(target.clone())
    );

    // ---- async: same basics on a tokio runtime, and a MOVED to a TLS port.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = slotwise::aio::Client::connect(tls_opts(&cluster))
            .await
            .unwrap();
        for i in 0..KEYS {
            c.set(format!("atls:{i}"), i as i64).await.unwrap();
        }
        for i in 0..KEYS {
            let v: i64 = c.get(format!("atls:{i}")).await.unwrap();
            assert_eq!(v, i as i64);
        }
        // The blocking client's keys are visible too.
        let v: String = c.get("tls:7").await.unwrap();
        assert_eq!(v, "v7");
        assert_tls_topology(
            &cluster,
            c.topology().all_nodes().map(|a| a.to_string()).collect(),
        );

        let (slot, _, target) = slot_and_target(&cluster, "atls:11");
        tokio::task::block_in_place(|| cluster.move_slot(slot, &target).unwrap());
        let before = c.stats().moved;
        let v: i64 = c.get("atls:11").await.unwrap();
        assert_eq!(v, 11);
        assert!(c.stats().moved > before, "the GET was redirected");
        assert_eq!(
            c.topology()
                .primary_of(key_slot(b"atls:11"))
                .map(|a| a.to_string()),
            Some(target)
        );
    });

    // ---- a bulk reshard by redis-cli (over TLS, as MIGRATE runs over TLS in this cluster):
    // every key is still read, and the topology still holds TLS addresses only.
    let primaries = cluster.primaries().unwrap();
    cluster
        .reshard(&primaries[0].addr, &primaries[1].addr, 100)
        .unwrap();
    for i in 0..KEYS {
        let v: String = c.get(format!("tls:{i}")).unwrap();
        assert_eq!(v, format!("v{i}"));
        let v: i64 = c.get(format!("atls:{i}")).unwrap();
        assert_eq!(v, i as i64);
    }
    c.refresh_topology().unwrap();
    assert_tls_topology(
        &cluster,
        c.topology().all_nodes().map(|a| a.to_string()).collect(),
    );
    drop(c);

    // ---- verification is on by default: the built-in roots do not trust the test CA.
    let default_roots = ClientOptions::new(cluster.tls_seeds())
        .connect_timeout(Duration::from_secs(1))
        .tls(TlsOptions::default());
    let err = connect_error(default_roots.clone(), Duration::from_secs(10));
    let msg = err.to_string();
    let lower = msg.to_lowercase();
    assert!(
        lower.contains("tls") && lower.contains("certificate"),
        "{msg}"
    );
    let err = rt
        .block_on(slotwise::aio::Client::connect(default_roots))
        .expect_err("async connect should fail without the CA");
    let lower = err.to_string().to_lowercase();
    assert!(
        lower.contains("tls") && lower.contains("certificate"),
        "{err}"
    );

    // A CA that did not sign the nodes' certificate is refused just the same.
    let other = tempfile::tempdir().unwrap();
    let other_ca = slotwise_testcluster::TlsFiles::generate(other.path())
        .unwrap()
        .ca_cert;
    let err = connect_error(
        ClientOptions::new(cluster.tls_seeds())
            .connect_timeout(Duration::from_secs(1))
            .tls(verified(other_ca)),
        Duration::from_secs(10),
    );
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    // Skipping verification (testing only) works without any CA.
    let insecure = ClientOptions::new(cluster.tls_seeds()).tls(TlsOptions {
        insecure_skip_verify: true,
        ..TlsOptions::default()
    });
    let c = Client::connect(insecure.clone()).unwrap();
    let v: String = c.get("tls:3").unwrap();
    assert_eq!(v, "v3");
    rt.block_on(async {
        let c = slotwise::aio::Client::connect(insecure).await.unwrap();
        let v: String = c.get("tls:4").await.unwrap();
        assert_eq!(v, "v4");
    });

    // The certificate's DNS name works as well as its IP address.
    let port = cluster.tls_seeds()[0]
        .rsplit_once(':')
        .unwrap()
        .1
        .to_string();
    let c = Client::connect(
        ClientOptions::new([format!("localhost:{port}")]).tls(verified(ca.clone())),
    );
    assert!(c.is_ok(), "{:?}", c.err());

    // ---- a CA file that does not exist: a configuration error naming the path.
    let missing = cluster.dir().join("no-such-ca.pem");
    let opts = ClientOptions::new(cluster.tls_seeds()).tls(verified(missing.clone()));
    let err = Client::connect(opts.clone()).expect_err("missing CA file");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
    let err = rt
        .block_on(slotwise::aio::Client::connect(opts))
        .expect_err("missing CA file");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );

    // ---- a plain client on the TLS ports fails clearly and quickly.
    let plain_on_tls = ClientOptions::new(cluster.tls_seeds())
        .connect_timeout(Duration::from_millis(500))
        .request_timeout(Duration::from_secs(2));
    let err = connect_error(plain_on_tls.clone(), Duration::from_secs(10));
    assert!(matches!(err, Error::NoSeedReachable { .. }), "{err:?}");
    let t0 = Instant::now();
    let err = rt
        .block_on(slotwise::aio::Client::connect(plain_on_tls))
        .expect_err("a plain client on TLS ports");
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "took {:?}: {err}",
        t0.elapsed()
    );
    assert!(matches!(err, Error::NoSeedReachable { .. }), "{err:?}");

    // ---- and a TLS client on the plain ports.
    let tls_on_plain = ClientOptions::new(cluster.seeds())
        .connect_timeout(Duration::from_millis(500))
        .request_timeout(Duration::from_secs(2))
        .tls(verified(ca));
    let err = connect_error(tls_on_plain.clone(), Duration::from_secs(10));
    assert!(matches!(err, Error::NoSeedReachable { .. }), "{err:?}");
    assert!(err.to_string().to_lowercase().contains("tls"), "{err}");
    let t0 = Instant::now();
    let err = rt
        .block_on(slotwise::aio::Client::connect(tls_on_plain))
        .expect_err("a TLS client on plain ports");
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "took {:?}: {err}",
        t0.elapsed()
    );
    assert!(matches!(err, Error::NoSeedReachable { .. }), "{err:?}");
}

#[test]
fn cli_up_tls_json_prints_tls_seeds_and_ca_file() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slotwise-testcluster"))
        .args([
            "up",
            "--tls",
            "--json",
            "--foreground",
            "--primaries",
            "1",
            "--replicas",
            "0",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(line.trim()).expect(&line);
    let tls_seeds: Vec<String> = v["tls_seeds"]
        .as_array()
        .expect(&line)
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let seeds = v["seeds"].as_array().expect(&line);
    assert_eq!(tls_seeds.len(), 1);
    assert_ne!(seeds[0].as_str().unwrap(), tls_seeds[0]);
    let tls_port = v["nodes"][0]["tls_port"].as_u64().expect(&line);
    assert_eq!(tls_seeds[0], format!("127.0.0.1:{tls_port}"));
    let ca = PathBuf::from(v["ca_file"].as_str().expect(&line));
    assert!(ca.is_file());

    let c =
        Client::connect(ClientOptions::new(tls_seeds.clone()).tls(verified(ca.clone()))).unwrap();
    c.set("cli:tls", "yes").unwrap();
    let got: String = c.get("cli:tls").unwrap();
    assert_eq!(got, "yes");
    assert_eq!(
        c.topology()
            .all_nodes()
            .map(|a| a.to_string())
            .collect::<Vec<_>>(),
        tls_seeds
    );

    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(!ca.exists(), "the directory is deleted on exit");
}
