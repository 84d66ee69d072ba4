//! Commands the server holds back (BLPOP...): they get their wait on top of the request
//! timeout, and on the async client they do not hold up other callers' requests to the
//! same node.

use std::time::{Duration, Instant};

use bytes::Bytes;
use slotwise::{slot::key_slot, ClientOptions};
use slotwise_testcluster::{ClusterOptions, TestCluster};

const TIMEOUT: Duration = Duration::from_millis(400);

/// The numeric field `field` of `INFO section` on the primary that owns `key`.
fn owner_info(cluster: &TestCluster, key: &str, section: &str, field: &str) -> u64 {
    let owner = cluster
        .primary_for_slot(key_slot(key.as_bytes()).get())
        .unwrap();
    let info = cluster
        .conn(&owner)
        .unwrap()
        .cmd_str(&["INFO", section])
        .unwrap()
        .unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("INFO {section} of {owner} has no {field}"))
}

/// `blocked_clients` of the node that owns `key`.
fn blocked_on_owner(cluster: &TestCluster, key: &str) -> u64 {
    owner_info(cluster, key, "clients", "blocked_clients")
}

#[test]
fn async_blpop_waits_past_the_request_timeout_without_blocking_other_requests() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let opts = ClientOptions::new(cluster.seeds()).request_timeout(TIMEOUT);
        let c = slotwise::aio::Client::connect(opts).await.unwrap();
        // Same slot as the queue: with one shared connection these would queue behind it.
        let queue = "{q}:jobs";
        let other = "{q}:other";
        let started = Instant::now();
        let popper = {
            let c = c.clone();
            tokio::spawn(async move { c.exec(slotwise::cmd("BLPOP").arg(queue).arg("0")).await })
        };
        // Wait until the server really holds it.
        while blocked_on_owner(&cluster, queue) == 0 {
            assert!(
                !popper.is_finished(),
                "BLPOP returned early: {:?}",
                popper.await
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for i in 0..50 {
            c.set(other, i).await.expect("a SET beside a blocked BLPOP");
            let v: i64 = c.get(other).await.unwrap();
            assert_eq!(v, i);
        }
        // Let the BLPOP outlive the request timeout, then feed it.
        while started.elapsed() < TIMEOUT * 3 {
            tokio::time::sleep(TIMEOUT / 4).await;
        }
        assert!(
            !popper.is_finished(),
            "BLPOP gave up after the request timeout"
        );
        let pushed: i64 = c
            .query(slotwise::cmd("RPUSH").arg(queue).arg("job-1"))
            .await
            .unwrap();
        assert_eq!(pushed, 1);
        let got = popper.await.unwrap().unwrap();
        let items: Vec<Bytes> = slotwise::FromValue::from_value(got).unwrap();
        assert_eq!(
            items,
            [
                Bytes::from_static(b"{q}:jobs"),
                Bytes::from_static(b"job-1")
            ]
        );
    });
}

#[test]
fn blocking_client_blpop_with_a_timeout_longer_than_the_request_timeout_returns_nil() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let c = slotwise::blocking::Client::connect(
        ClientOptions::new(cluster.seeds()).request_timeout(TIMEOUT),
    )
    .unwrap();
    // BLPOP for 1 s with a 400 ms request timeout: the server's nil, not a client timeout.
    let got: Option<Vec<Bytes>> = c
        .query(slotwise::cmd("BLPOP").arg("{q}:empty").arg("1"))
        .expect("BLPOP may wait its own timeout");
    assert_eq!(got, None);
}

/// `total_connections_received` of the node that owns `key`.
fn connections_received_by_owner(cluster: &TestCluster, key: &str) -> u64 {
    owner_info(cluster, key, "stats", "total_connections_received")
}

#[test]
fn async_blocking_commands_reuse_pooled_connections_instead_of_a_handshake_per_call() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let opts = ClientOptions::new(cluster.seeds()).request_timeout(TIMEOUT);
        let c = slotwise::aio::Client::connect(opts).await.unwrap();
        let queue = "{pool}:jobs";
        c.set("{pool}:warm", 1).await.unwrap();
        let before = connections_received_by_owner(&cluster, queue);
        // A consumer loop: 30 BLPOPs that each wait 10 ms on the server and get nil.
        for _ in 0..30 {
            let got: Option<Vec<Bytes>> = c
                .query(slotwise::cmd("BLPOP").arg(queue).arg("0.01"))
                .await
                .unwrap();
            assert_eq!(got, None);
        }
        let opened = connections_received_by_owner(&cluster, queue) - before;
        // Was 30 (one TCP connect + handshake per call); the admin connection of the
        // INFO probe itself counts one.
        assert!(opened <= 3, "{opened} connections for 30 BLPOPs");

        // A blocking command that times out client-side leaves no stale reply behind for
        // the next one: its connection is discarded, not pooled. The owner is stopped so
        // that BLPOP's own 100 ms end cannot come before the client's deadline; once the
        // owner runs again it answers nil on that connection.
        let owner = cluster
            .primary_for_slot(key_slot(queue.as_bytes()).get())
            .unwrap();
        cluster.pause_node(&owner).unwrap();
        let err = c
            .exec(slotwise::cmd("BLPOP").arg(queue).arg("0.1"))
            .await
            .map(|_| ())
            .expect_err("a stopped node cannot answer");
        cluster.resume_node(&owner).unwrap();
        assert_eq!(err.code(), "TIMEOUT", "{err}");
        // The abandoned BLPOP now runs on the owner: let it end (else it would take what
        // is pushed next) before pushing.
        while blocked_on_owner(&cluster, queue) > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _: i64 = c
            .query(slotwise::cmd("RPUSH").arg(queue).arg("fresh"))
            .await
            .unwrap();
        let got: Option<Vec<Bytes>> = c
            .query(slotwise::cmd("BLPOP").arg(queue).arg("1"))
            .await
            .unwrap();
        assert_eq!(
            got,
            Some(vec![
                Bytes::from_static(b"{pool}:jobs"),
                Bytes::from_static(b"fresh")
            ])
        );
    });
}
