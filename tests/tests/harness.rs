//! The harness itself: cluster layout, routing through the right node, teardown, isolation of
//! parallel clusters, the standalone server.

use std::collections::BTreeSet;
use std::thread;

use slotwise::resp::Value;
use slotwise::slot::key_slot;
use slotwise_testcluster::{
    process_alive, ClusterOptions, HarnessError, ProcessState, Role, StandaloneOptions,
    StandaloneRedis, TestCluster,
};

fn err_text(v: &Value) -> String {
    String::from_utf8_lossy(v.as_error().expect("an error reply")).into_owned()
}

#[test]
fn default_cluster_layout_routing_and_teardown() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let nodes = cluster.nodes().unwrap();
    assert_eq!(nodes.len(), 6);
    assert!(nodes.iter().all(|n| n.state == ProcessState::Running));
    let primaries: Vec<_> = nodes.iter().filter(|n| n.role == Role::Primary).collect();
    assert_eq!(primaries.len(), 3);

    // The primaries' ranges tile 0..=16383 exactly.
    let mut ranges: Vec<(u16, u16)> = primaries.iter().flat_map(|p| p.slots.clone()).collect();
    ranges.sort_unstable();
    let mut next = 0u32;
    for (a, b) in &ranges {
        assert_eq!(u32::from(*a), next, "ranges {ranges:?}");
        next = u32::from(*b) + 1;
    }
    assert_eq!(next, 16384);

    // Each primary has exactly one replica, and replicas serve no slots.
    for p in &primaries {
        let replicas: Vec<_> = nodes
            .iter()
            .filter(|n| n.primary_id.as_deref() == Some(p.id.as_str()))
            .collect();
        assert_eq!(replicas.len(), 1, "replicas of {}", p.addr);
        assert_eq!(replicas[0].role, Role::Replica);
        assert!(replicas[0].slots.is_empty());
    }
    assert_eq!(cluster.seeds().len(), 6);
    let ports: BTreeSet<u16> = nodes.iter().map(|n| n.port).collect();
    assert_eq!(ports.len(), 6);
    assert_eq!(
        cluster.node_for_port(nodes[4].port).unwrap().id,
        nodes[4].id
    );

    // Commands through the owning primary work; any other primary redirects there.
    for key in ["alpha", "beta", "{user1000}.following", "gamma-42"] {
        let slot = key_slot(key.as_bytes()).get();
        let owner = cluster.primary_for_slot(slot).unwrap();
        let mut c = cluster.conn(&owner).unwrap();
        assert_eq!(
            c.cmd_str(&["SET", key, "value"]).unwrap().as_deref(),
            Some("OK")
        );
        assert_eq!(c.cmd_str(&["GET", key]).unwrap().as_deref(), Some("value"));
        let other = primaries.iter().find(|p| p.addr != owner).unwrap();
        let reply = cluster
            .conn(&other.addr)
            .unwrap()
            .cmd(&["GET", key])
            .unwrap();
        assert_eq!(err_text(&reply), format!("MOVED {slot} {owner}"));

        // The replica has it too once WAIT confirms the write reached it.
        assert_eq!(c.cmd(&["WAIT", "1", "5000"]).unwrap(), Value::Int(1));
        let owner_id = &cluster.node(&owner).unwrap().id;
        let replica = nodes
            .iter()
            .find(|n| n.primary_id.as_ref() == Some(owner_id))
            .unwrap();
        let mut r = cluster.conn(&replica.addr).unwrap();
        r.cmd_ok(&["READONLY"]).unwrap();
        assert_eq!(r.cmd_str(&["GET", key]).unwrap().as_deref(), Some("value"));
    }

    let pids = cluster.pids();
    assert_eq!(pids.len(), 6);
    assert!(pids.iter().all(|&p| process_alive(p)));
    let dir = cluster.dir().to_path_buf();
    assert!(dir.join("node-0").join("redis.log").exists());
    assert!(cluster.log_path(&nodes[0].addr).unwrap().exists());

    drop(cluster);
    for pid in pids {
        assert!(!process_alive(pid), "pid {pid} survived the drop");
    }
    assert!(!dir.exists(), "{} survived the drop", dir.display());
}

#[test]
fn parallel_clusters_get_distinct_ports() {
    let start = || {
        thread::spawn(|| {
            TestCluster::start(ClusterOptions {
                primaries: 3,
                replicas_per_primary: 0,
                ..ClusterOptions::default()
            })
            .unwrap()
        })
    };
    let (a, b) = (start(), start());
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    let ports = |c: &TestCluster| -> BTreeSet<u16> {
        c.nodes()
            .unwrap()
            .iter()
            .flat_map(|n| [n.port, n.port + 10000])
            .collect()
    };
    let (pa, pb) = (ports(&a), ports(&b));
    assert_eq!(pa.len(), 6);
    assert_eq!(pb.len(), 6);
    assert!(pa.is_disjoint(&pb), "{pa:?} vs {pb:?}");
    // Each cluster knows only its own nodes.
    for c in [&a, &b] {
        assert_eq!(c.nodes().unwrap().len(), 3);
        assert_ne!(a.dir(), b.dir());
    }
}

#[test]
fn standalone_server_is_not_a_cluster_node() {
    let redis = StandaloneRedis::start().unwrap();
    let mut c = redis.conn().unwrap();
    assert_eq!(c.cmd_str(&["PING"]).unwrap().as_deref(), Some("PONG"));
    let reply = c.cmd(&["CLUSTER", "INFO"]).unwrap();
    assert!(
        err_text(&reply).contains("cluster support disabled"),
        "{reply:?}"
    );
    let (pid, dir) = (redis.pid().unwrap(), redis.dir().to_path_buf());
    drop(redis);
    assert!(!process_alive(pid));
    assert!(!dir.exists());

    let secured = StandaloneRedis::start_with(StandaloneOptions {
        password: Some("pa ss\"word".into()),
        ..StandaloneOptions::default()
    })
    .unwrap();
    assert_eq!(
        secured
            .conn()
            .unwrap()
            .cmd_str(&["PING"])
            .unwrap()
            .as_deref(),
        Some("PONG")
    );
    let anonymous = slotwise_testcluster::AdminConn::connect(
        &secured.addr(),
        None,
        std::time::Duration::from_secs(5),
    )
    .unwrap()
    .cmd(&["PING"])
    .unwrap();
    assert!(err_text(&anonymous).starts_with("NOAUTH"));
}

#[test]
fn bad_options_are_rejected() {
    let err = TestCluster::start(ClusterOptions {
        primaries: 0,
        ..ClusterOptions::default()
    })
    .unwrap_err();
    assert!(matches!(err, HarnessError::Invalid(_)), "{err}");

    let err = TestCluster::start(ClusterOptions {
        primaries: 1,
        replicas_per_primary: 0,
        redis_server: "/nonexistent/redis-server".into(),
        ..ClusterOptions::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/redis-server"),
        "{err}"
    );

    // A config redis-server rejects: the error carries its output.
    let err = TestCluster::start(ClusterOptions {
        primaries: 1,
        replicas_per_primary: 0,
        extra_config: vec![("no-such-directive".into(), "1".into())],
        ..ClusterOptions::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("no-such-directive"), "{err}");
}
