//! The address map (NAT/Docker) applied to every learned address, and a storm of MOVED
//! replies causing a handful of refreshes, not one per reply.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use slotwise::slot::key_slot;
use slotwise::topology::AddressMap;
use slotwise::{blocking::Client, ClientOptions};
use slotwise_testcluster::{ClusterOptions, TestCluster};

#[test]
fn announced_addresses_go_through_the_address_map_including_redirect_targets() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    // Nodes announce 127.0.0.1:<port>; the "reachable" name here is localhost:<port>.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let map = AddressMap::callback(move |announced: &str| {
        counted.fetch_add(1, SeqCst);
        announced
            .strip_prefix("127.0.0.1:")
            .map(|port| format!("localhost:{port}"))
    });
    let c = Client::connect(ClientOptions::new(cluster.seeds()).address_map(map)).unwrap();
    let topo = c.topology();
    assert!(
        topo.all_nodes().all(|a| a.starts_with("localhost:")),
        "{topo:?}"
    );
    assert!(calls.load(SeqCst) >= 6);
    for i in 0..100 {
        c.set(format!("nat:{i}"), i).unwrap();
    }
    // A MOVED target is mapped too.
    let slot = key_slot(b"nat:1").get();
    let source = cluster.primary_for_slot(slot).unwrap();
    let target = cluster
        .primaries()
        .unwrap()
        .into_iter()
        .map(|n| n.addr)
        .find(|a| *a != source)
        .unwrap();
    cluster.move_slot(slot, &target).unwrap();
    assert_eq!(c.get::<i64>("nat:1").unwrap(), 1);
    let owner = c
        .topology()
        .primary_of(key_slot(b"nat:1"))
        .unwrap()
        .to_string();
    assert_eq!(owner, target.replace("127.0.0.1:", "localhost:"));

    // A table works the same way for the seeds' view.
    let table: Vec<(String, String)> = cluster
        .addrs()
        .into_iter()
        .map(|a| (a.clone(), a.replace("127.0.0.1:", "localhost:")))
        .collect();
    let t =
        Client::connect(ClientOptions::new(cluster.seeds()).address_map(AddressMap::table(table)))
            .unwrap();
    assert!(t
        .topology()
        .all_nodes()
        .all(|a| a.starts_with("localhost:")));
    assert_eq!(t.get::<i64>("nat:2").unwrap(), 2);
}

#[test]
fn a_storm_of_moved_replies_causes_a_few_refreshes_not_one_per_reply() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = rt
        .block_on(slotwise::aio::Client::connect(ClientOptions::new(
            cluster.seeds(),
        )))
        .unwrap();
    // 400 keys in 400 different slots of one primary, then all those slots move away.
    let source = cluster.primaries().unwrap().remove(0);
    let target = cluster.primaries().unwrap().remove(1).addr;
    let (lo, _) = source.slots[0];
    let keys: Vec<String> = (0..)
        .map(|i| format!("storm:{i}"))
        .filter(|k| {
            let s = key_slot(k.as_bytes()).get();
            (lo..lo + 400).contains(&s)
        })
        .take(400)
        .collect();
    rt.block_on(async {
        for k in &keys {
            c.set(k, "v").await.unwrap();
        }
    });
    cluster.reshard(&source.addr, &target, 400).unwrap();
    let before = c.stats();
    rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for k in keys.clone() {
            let c = c.clone();
            tasks.spawn(async move { c.get::<String>(k).await });
        }
        while let Some(r) = tasks.join_next().await {
            assert_eq!(r.unwrap().unwrap(), "v");
        }
    });
    let after = c.stats();
    let moved = after.moved - before.moved;
    let refreshes = after.refreshes - before.refreshes;
    assert!(moved >= 100, "the storm happened: {moved} MOVED");
    assert!(
        refreshes <= 5,
        "{refreshes} refreshes for {moved} MOVED replies"
    );
}
