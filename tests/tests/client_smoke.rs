use slotwise::{cmd, ClientOptions, Pipeline};
use slotwise_testcluster::{ClusterOptions, TestCluster};

#[test]
fn blocking_and_async_clients_route_across_all_shards() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let opts = ClientOptions::new(cluster.seeds());
    let c = slotwise::blocking::Client::connect(opts.clone()).unwrap();
    for i in 0..300 {
        c.set(format!("key:{i}"), format!("v{i}")).unwrap();
    }
    for i in 0..300 {
        let v: Option<String> = c.get(format!("key:{i}")).unwrap();
        assert_eq!(v, Some(format!("v{i}")));
    }
    assert_eq!(c.dbsize().unwrap(), 300);
    let keys: Vec<String> = (0..50).map(|i| format!("key:{i}")).collect();
    let vals: Vec<Option<String>> = c.mget(&keys).unwrap();
    assert_eq!(vals[7].as_deref(), Some("v7"));
    let mut p = Pipeline::new();
    for i in 0..100 {
        p.add(cmd("GET").arg(format!("key:{i}")));
    }
    let r = c.run_pipeline(&p);
    assert!(r.iter().all(|r| r.is_ok()));
    assert_eq!(c.stats().moved, 0);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let a = slotwise::aio::Client::connect(opts).await.unwrap();
        for i in 0..300 {
            let v: String = a.get(format!("key:{i}")).await.unwrap();
            assert_eq!(v, format!("v{i}"));
        }
        assert_eq!(a.del(&keys).await.unwrap(), 50);
        assert_eq!(a.dbsize().await.unwrap(), 250);
    });
}
