//! Slot migration on a real cluster, stopped half-way: ASK is followed without touching the
//! map; after SETSLOT NODE, MOVED is followed once and then the client routes directly.

use slotwise::slot::key_slot;
use slotwise::{blocking::Client, cmd, ClientOptions, Pipeline};
use slotwise_testcluster::{ClusterOptions, TestCluster};

/// Keys that share `slot` (hash tag) and are spread over it.
fn keys_in_tag(tag: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{{{tag}}}:{i}")).collect()
}

#[test]
fn half_way_migration_follows_ask_then_moved_then_routes_directly() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let c = Client::connect(ClientOptions::new(cluster.seeds())).unwrap();
    let keys = keys_in_tag("mig", 20);
    let slot = key_slot(keys[0].as_bytes());
    for k in &keys {
        c.set(k, format!("v-{k}")).unwrap();
    }
    let source = cluster.primary_for_slot(slot.get()).unwrap();
    let target = cluster
        .primaries()
        .unwrap()
        .into_iter()
        .map(|n| n.addr)
        .find(|a| *a != source)
        .unwrap();

    let mut m = cluster.begin_migration(slot.get(), &target).unwrap();
    let moved_now = m.migrate_keys(5).unwrap();
    assert_eq!(moved_now, 5);
    // Which keys are already on the target? Ask the source: those answer ASK there.
    let before = c.stats();
    for k in &keys {
        let v: String = c.get(k).unwrap();
        assert_eq!(v, format!("v-{k}"));
    }
    let after = c.stats();
    assert_eq!(after.ask - before.ask, 5, "one ASK per migrated key");
    assert_eq!(after.moved, before.moved);
    assert_eq!(
        &**c.topology().primary_of(slot).unwrap(),
        source,
        "ASK must not change the map"
    );

    // Pipelines and multi-key commands across all shards, mid-migration.
    let mut p = Pipeline::new();
    for i in 0..60 {
        p.add(cmd("GET").arg(format!("other:{i}")));
    }
    for k in &keys {
        p.add(cmd("GET").arg(k));
    }
    let replies = c.run_pipeline(&p);
    assert!(replies.iter().all(|r| r.is_ok()), "{replies:?}");
    let mset: Vec<(String, String)> = (0..30)
        .map(|i| (format!("spread:{i}"), format!("{i}")))
        .collect();
    c.mset(&mset).unwrap();
    let vals: Vec<String> = c
        .mget(&mset.iter().map(|p| &p.0).collect::<Vec<_>>())
        .unwrap();
    assert_eq!(vals, mset.iter().map(|p| p.1.clone()).collect::<Vec<_>>());
    // A new key written to the migrating slot lands on the target (ASK for absent keys).
    c.set(&keys_in_tag("mig", 21)[20], "new").unwrap();

    m.migrate_all_keys().unwrap();
    m.finish().unwrap();
    let before = c.stats();
    let v: String = c.get(&keys[0]).unwrap();
    assert_eq!(v, format!("v-{}", keys[0]));
    assert_eq!(
        c.stats().moved - before.moved,
        1,
        "one MOVED, then the slot is patched"
    );
    assert_eq!(&**c.topology().primary_of(slot).unwrap(), target);
    let before = c.stats();
    for k in &keys {
        let _: String = c.get(k).unwrap();
    }
    let after = c.stats();
    assert_eq!(
        (after.moved, after.ask),
        (before.moved, before.ask),
        "routes directly now"
    );
}

#[test]
fn async_client_follows_ask_and_moved_too() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let keys = keys_in_tag("amig", 10);
    let slot = key_slot(keys[0].as_bytes());
    let source = cluster.primary_for_slot(slot.get()).unwrap();
    let target = cluster
        .primaries()
        .unwrap()
        .into_iter()
        .map(|n| n.addr)
        .find(|a| *a != source)
        .unwrap();
    let c = rt
        .block_on(slotwise::aio::Client::connect(ClientOptions::new(
            cluster.seeds(),
        )))
        .unwrap();
    rt.block_on(async {
        for k in &keys {
            c.set(k, "v").await.unwrap();
        }
    });
    let mut m = cluster.begin_migration(slot.get(), &target).unwrap();
    m.migrate_keys(4).unwrap();
    rt.block_on(async {
        // Concurrent requests while half-way: all succeed.
        let mut tasks = tokio::task::JoinSet::new();
        for k in keys.clone() {
            let c = c.clone();
            tasks.spawn(async move { c.get::<String>(k).await });
        }
        while let Some(r) = tasks.join_next().await {
            assert_eq!(r.unwrap().unwrap(), "v");
        }
    });
    assert_eq!(c.stats().ask, 4);
    m.migrate_all_keys().unwrap();
    m.finish().unwrap();
    rt.block_on(async {
        for k in &keys {
            assert_eq!(c.get::<String>(k).await.unwrap(), "v");
        }
    });
    assert!(c.stats().moved >= 1);
    assert_eq!(&**c.topology().primary_of(slot).unwrap(), target);
}
