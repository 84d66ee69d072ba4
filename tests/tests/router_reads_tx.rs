//! Replica reads (READONLY on every replica connection) and single-slot transactions.

use slotwise::{blocking::Client, cmd, ClientOptions, Pipeline, ReadPolicy};
use slotwise_testcluster::{ClusterOptions, TestCluster};

/// Sum of `cmdstat_get` calls on the given nodes.
fn gets_served(cluster: &TestCluster, addrs: &[String]) -> u64 {
    addrs
        .iter()
        .map(|a| {
            let info = cluster
                .conn(a)
                .unwrap()
                .cmd_str(&["INFO", "commandstats"])
                .unwrap()
                .unwrap_or_default();
            info.lines()
                .find_map(|l| l.strip_prefix("cmdstat_get:calls="))
                .and_then(|rest| rest.split(',').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        })
        .sum()
}

#[test]
fn read_policies_send_reads_to_replicas_with_readonly_and_writes_to_primaries() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let primaries: Vec<String> = cluster
        .primaries()
        .unwrap()
        .into_iter()
        .map(|n| n.addr)
        .collect();
    let replicas: Vec<String> = cluster
        .replicas()
        .unwrap()
        .into_iter()
        .map(|n| n.addr)
        .collect();
    let writer = Client::connect(ClientOptions::new(cluster.seeds())).unwrap();
    for i in 0..100 {
        writer.set(format!("r:{i}"), i).unwrap();
    }
    // Replication is asynchronous: WAIT on each primary until its replica has the writes.
    for p in &primaries {
        cluster
            .conn(p)
            .unwrap()
            .cmd_str(&["WAIT", "1", "2000"])
            .unwrap();
    }

    let (p0, r0) = (
        gets_served(&cluster, &primaries),
        gets_served(&cluster, &replicas),
    );
    let reader =
        Client::connect(ClientOptions::new(cluster.seeds()).read_policy(ReadPolicy::PreferReplica))
            .unwrap();
    for i in 0..100 {
        let v: i64 = reader.get(format!("r:{i}")).unwrap();
        assert_eq!(v, i);
    }
    // Writes still go to primaries (a replica would answer MOVED).
    reader.set("r:written-by-reader", 1).unwrap();
    assert_eq!(reader.stats().moved, 0);
    let (p1, r1) = (
        gets_served(&cluster, &primaries),
        gets_served(&cluster, &replicas),
    );
    assert_eq!(r1 - r0, 100, "every GET served by a replica");
    assert_eq!(p1 - p0, 0);
    // Replica connections are in READONLY mode (flag r in CLIENT LIST).
    let list = cluster
        .conn(&replicas[0])
        .unwrap()
        .cmd_str(&["CLIENT", "LIST"])
        .unwrap()
        .unwrap();
    assert!(list.lines().any(|l| l.contains("flags=r")), "{list}");

    let rr =
        Client::connect(ClientOptions::new(cluster.seeds()).read_policy(ReadPolicy::RoundRobin))
            .unwrap();
    for i in 0..90 {
        let _: i64 = rr.get(format!("r:{i}")).unwrap();
    }
    let (p2, r2) = (
        gets_served(&cluster, &primaries),
        gets_served(&cluster, &replicas),
    );
    assert!(
        p2 > p1 && r2 > r1,
        "round robin uses both: primaries +{}, replicas +{}",
        p2 - p1,
        r2 - r1
    );
}

#[test]
fn transactions_run_on_one_slot_and_cross_slot_ones_are_rejected_before_sending() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let c = Client::connect(ClientOptions::new(cluster.seeds())).unwrap();
    let mut tx = Pipeline::transaction();
    tx.add(cmd("SET").arg("{acct}:a").arg(10))
        .add(cmd("INCRBY").arg("{acct}:a").arg(5))
        .add(cmd("GET").arg("{acct}:a"));
    let r = c.run_pipeline(&tx);
    assert_eq!(r.len(), 3);
    assert_eq!(r[1].as_ref().unwrap(), &slotwise::resp::Value::Int(15));

    let before: i64 = c.dbsize().unwrap();
    let mut bad = Pipeline::transaction();
    bad.add(cmd("SET").arg("foo").arg(1))
        .add(cmd("SET").arg("bar").arg(2));
    let r = c.run_pipeline(&bad);
    let err = r[0].as_ref().unwrap_err();
    assert_eq!(err.code(), "CROSSSLOT");
    let msg = err.to_string();
    assert!(
        msg.contains("\"foo\" -> slot 12182") && msg.contains("\"bar\" -> slot 5061"),
        "{msg}"
    );
    assert!(msg.contains("hash tag"), "{msg}");
    assert_eq!(c.dbsize().unwrap(), before, "nothing was sent");

    // A plain cross-slot multi-key command that cannot be split: CROSSSLOT, client-side.
    let err = c
        .query::<()>(cmd("RENAME").arg("foo").arg("bar"))
        .unwrap_err();
    assert_eq!(err.code(), "CROSSSLOT");

    // Cluster-wide SCAN finds every key on every primary.
    for i in 0..200 {
        c.set(format!("scan:{i}"), i).unwrap();
    }
    let mut scan = c.scan(Some("scan:*"), Some(50));
    let mut seen = std::collections::HashSet::new();
    while let Some(page) = c.scan_next(&mut scan).unwrap() {
        seen.extend(page);
    }
    assert_eq!(seen.len(), 200);
    let keys: Vec<String> = c.keys("scan:*").unwrap();
    assert_eq!(keys.len(), 200);
    let info = c.info().unwrap();
    assert_eq!(info.len(), 6, "INFO from every node");
    assert_eq!(c.ping().unwrap(), "PONG");
}
