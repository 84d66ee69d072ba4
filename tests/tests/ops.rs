//! Operations on a real cluster: step-by-step migration (ASK then MOVED), manual failover,
//! kill -9 and promotion, restart, pause/resume, and resharding with credentials under load.

use std::collections::HashMap;
use std::time::Duration;

use slotwise::resp::Value;
use slotwise::slot::key_slot;
use slotwise_testcluster::{AdminConn, ClusterOptions, ProcessState, Role, TestCluster};

fn err_text(v: &Value) -> String {
    String::from_utf8_lossy(v.as_error().expect("an error reply")).into_owned()
}

#[test]
fn migration_failover_kill_restart_and_pause() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();

    // --- Step-by-step migration: ASK while open, MOVED once finished.
    let key = "migrating-key";
    let slot = key_slot(key.as_bytes()).get();
    let source = cluster.primary_for_slot(slot).unwrap();
    let target = cluster
        .primaries()
        .unwrap()
        .into_iter()
        .find(|p| p.addr != source)
        .unwrap()
        .addr;
    let mut src = cluster.conn(&source).unwrap();
    let mut dst = cluster.conn(&target).unwrap();
    src.cmd_ok(&["SET", key, "v1"]).unwrap();

    let mut migration = cluster.begin_migration(slot, &target).unwrap();
    assert_eq!(
        (migration.source(), migration.target()),
        (&*source, &*target)
    );
    assert_eq!(migration.migrate_keys(10).unwrap(), 1);
    assert_eq!(migration.migrate_keys(10).unwrap(), 0);
    let reply = src.cmd(&["GET", key]).unwrap();
    assert_eq!(err_text(&reply), format!("ASK {slot} {target}"));
    // The target serves it only to clients that say ASKING.
    let reply = dst.cmd(&["GET", key]).unwrap();
    assert_eq!(err_text(&reply), format!("MOVED {slot} {source}"));
    dst.cmd_ok(&["ASKING"]).unwrap();
    assert_eq!(dst.cmd_str(&["GET", key]).unwrap().as_deref(), Some("v1"));

    migration.finish().unwrap();
    let reply = src.cmd(&["GET", key]).unwrap();
    assert_eq!(err_text(&reply), format!("MOVED {slot} {target}"));
    assert_eq!(dst.cmd_str(&["GET", key]).unwrap().as_deref(), Some("v1"));
    assert_eq!(cluster.primary_for_slot(slot).unwrap(), target);

    // move_slot takes it back in one call.
    cluster.move_slot(slot, &source).unwrap();
    assert_eq!(cluster.primary_for_slot(slot).unwrap(), source);
    assert_eq!(
        cluster
            .conn(&source)
            .unwrap()
            .cmd_str(&["GET", key])
            .unwrap()
            .as_deref(),
        Some("v1")
    );

    // --- Manual failover swaps the roles of a primary and its replica.
    let nodes = cluster.nodes().unwrap();
    let old_primary = nodes
        .iter()
        .find(|n| n.role == Role::Primary)
        .unwrap()
        .clone();
    let replica = nodes
        .iter()
        .find(|n| n.primary_id.as_deref() == Some(old_primary.id.as_str()))
        .unwrap()
        .clone();
    cluster.failover(&replica.addr).unwrap();
    let promoted = cluster.node(&replica.addr).unwrap();
    assert_eq!(promoted.role, Role::Primary);
    assert_eq!(promoted.slots, old_primary.slots);
    let demoted = cluster.node(&old_primary.addr).unwrap();
    assert_eq!(demoted.role, Role::Replica);
    assert_eq!(demoted.primary_id.as_deref(), Some(replica.id.as_str()));
    assert!(
        cluster.failover(&replica.addr).is_err(),
        "a primary cannot fail over"
    );

    // --- kill -9 of a primary: its replica is promoted and still has the data.
    let victim = cluster
        .primaries()
        .unwrap()
        .into_iter()
        .find(|p| p.addr != replica.addr)
        .unwrap();
    let victim_key = (0..)
        .map(|i| format!("victim-{i}"))
        .find(|k| victim.owns_slot(key_slot(k.as_bytes()).get()))
        .unwrap();
    let mut v = cluster.conn(&victim.addr).unwrap();
    v.cmd_ok(&["SET", &victim_key, "survives"]).unwrap();
    assert_eq!(v.cmd(&["WAIT", "1", "5000"]).unwrap(), Value::Int(1));
    let victim_pid = victim.pid.unwrap();
    cluster.kill_node(&victim.addr).unwrap();
    assert!(!slotwise_testcluster::process_alive(victim_pid));
    assert_eq!(
        cluster.process_state(&victim.addr).unwrap(),
        ProcessState::Down
    );
    let new_primary = cluster.wait_for_promotion(&victim.addr).unwrap();
    let new_node = cluster.node(&new_primary).unwrap();
    assert_eq!(new_node.primary_id, None);
    assert_eq!(new_node.slots, victim.slots);
    assert!(!cluster.seeds().contains(&victim.addr));
    assert_eq!(
        cluster
            .conn(&new_primary)
            .unwrap()
            .cmd_str(&["GET", &victim_key])
            .unwrap()
            .as_deref(),
        Some("survives")
    );

    // Restarted, the old primary rejoins as a replica of its successor.
    cluster.restart_node(&victim.addr).unwrap();
    cluster.wait_until_stable().unwrap();
    let back = cluster.node(&victim.addr).unwrap();
    assert_eq!(back.role, Role::Replica);
    assert_eq!(back.primary_id.as_deref(), Some(new_node.id.as_str()));
    assert_eq!(back.state, ProcessState::Running);

    // --- A paused node answers nothing; resumed, it answers again.
    let paused = cluster.replicas().unwrap()[0].addr.clone();
    let mut probe = cluster.conn(&paused).unwrap();
    cluster.pause_node(&paused).unwrap();
    assert_eq!(
        cluster.process_state(&paused).unwrap(),
        ProcessState::Paused
    );
    probe.set_timeout(Duration::from_millis(300)).unwrap();
    let err = probe.cmd(&["PING"]).unwrap_err();
    assert!(err.is_timeout(), "{err}");
    cluster.resume_node(&paused).unwrap();
    assert_eq!(
        cluster
            .conn(&paused)
            .unwrap()
            .cmd_str(&["PING"])
            .unwrap()
            .as_deref(),
        Some("PONG")
    );
    cluster.wait_until_stable().unwrap();
}

/// Runs one command on the key's node, following MOVED / ASK like a (very) small client.
fn run_routed(
    cluster: &TestCluster,
    conns: &mut HashMap<String, AdminConn>,
    args: &[&str],
) -> Value {
    let mut addr = cluster.seeds()[0].clone();
    let mut asking = false;
    for _ in 0..16 {
        let c = conns
            .entry(addr.clone())
            .or_insert_with(|| cluster.conn(&addr).unwrap());
        if asking {
            c.cmd_ok(&["ASKING"]).unwrap();
        }
        let reply = c.cmd(args).unwrap();
        let Some(e) = reply.as_error() else {
            return reply;
        };
        let text = String::from_utf8_lossy(e).into_owned();
        let words: Vec<&str> = text.split(' ').collect();
        match words[0] {
            "MOVED" => (addr, asking) = (words[2].to_string(), false),
            "ASK" => (addr, asking) = (words[2].to_string(), true),
            "TRYAGAIN" => asking = false,
            _ => panic!("{args:?} failed: {text}"),
        }
    }
    panic!("{args:?}: too many redirects");
}

#[test]
fn acl_cluster_moves_and_reshards_under_load() {
    let cluster = TestCluster::start(ClusterOptions {
        primaries: 2,
        replicas_per_primary: 1,
        acl_user: Some(("harness".into(), "s3cret \"pw\"".into())),
        ..ClusterOptions::default()
    })
    .unwrap();
    // The default user is disabled: anonymous connections cannot do anything.
    let seed = cluster.seeds()[0].clone();
    let anonymous = AdminConn::connect(&seed, None, Duration::from_secs(5))
        .unwrap()
        .cmd(&["PING"])
        .unwrap();
    assert!(err_text(&anonymous).starts_with("NOAUTH"), "{anonymous:?}");

    let mut conns = HashMap::new();
    let keys: Vec<String> = (0..300).map(|i| format!("{{tag{}}}:{i}", i % 40)).collect();
    for k in &keys {
        run_routed(&cluster, &mut conns, &["SET", k, k]);
    }

    // Step by step with MIGRATE ... AUTH2.
    let primaries = cluster.primaries().unwrap();
    let slot = key_slot(keys[0].as_bytes()).get();
    let from = cluster.primary_for_slot(slot).unwrap();
    let to = primaries
        .iter()
        .find(|p| p.addr != from)
        .unwrap()
        .addr
        .clone();
    cluster.move_slot(slot, &to).unwrap();
    assert_eq!(cluster.primary_for_slot(slot).unwrap(), to);

    // redis-cli reshard in the background while writes keep going.
    let (a, b) = (primaries[0].addr.clone(), primaries[1].addr.clone());
    let before = cluster.node(&a).unwrap().slot_count();
    let handle = cluster.reshard_in_background(&a, &b, 1000);
    let mut round = 0;
    while !handle.is_finished() || round == 0 {
        for k in &keys {
            let v = format!("{k}-{round}");
            assert_eq!(
                run_routed(&cluster, &mut conns, &["SET", k, &v]),
                Value::Simple("OK".into())
            );
        }
        round += 1;
    }
    handle.join().unwrap();
    let after = cluster.node(&a).unwrap().slot_count();
    assert_eq!(after, before - 1000);
    for k in &keys {
        let expected = format!("{k}-{}", round - 1);
        assert_eq!(
            run_routed(&cluster, &mut conns, &["GET", k]),
            Value::Bulk(expected.into())
        );
    }
}
