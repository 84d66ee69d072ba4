//! WATCH-based check-and-set on one slot, blocking and async.

use slotwise::{blocking::Client, cmd, ClientOptions, Pipeline};
use slotwise_testcluster::{ClusterOptions, TestCluster};

#[test]
fn watch_detects_a_concurrent_change_and_a_retry_succeeds() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let c = Client::connect(ClientOptions::new(cluster.seeds())).unwrap();
    c.set("{acct}:balance", 100).unwrap();

    let mut w = c.watch(&["{acct}:balance"]).unwrap();
    let balance: i64 = w.query(cmd("GET").arg("{acct}:balance")).unwrap();
    // Someone else changes the watched key before EXEC.
    c.set("{acct}:balance", 500).unwrap();
    let mut tx = Pipeline::transaction();
    tx.add(cmd("SET").arg("{acct}:balance").arg(balance + 10));
    assert_eq!(w.exec(&tx).unwrap(), None, "EXEC must abort");
    assert_eq!(c.get::<i64>("{acct}:balance").unwrap(), 500);

    let mut w = c.watch(&["{acct}:balance"]).unwrap();
    let balance: i64 = w.query(cmd("GET").arg("{acct}:balance")).unwrap();
    let mut tx = Pipeline::transaction();
    tx.add(cmd("SET").arg("{acct}:balance").arg(balance + 10))
        .add(cmd("INCR").arg("{acct}:ops"));
    let r = w.exec(&tx).unwrap().expect("not aborted");
    assert_eq!(r.len(), 2);
    assert_eq!(c.get::<i64>("{acct}:balance").unwrap(), 510);

    // Keys of other slots are refused inside the session, before anything is sent.
    let mut w = c.watch(&["{acct}:balance"]).unwrap();
    assert_eq!(
        w.query::<i64>(cmd("GET").arg("elsewhere"))
            .unwrap_err()
            .code(),
        "CROSSSLOT"
    );
    assert_eq!(c.watch(&["foo", "bar"]).unwrap_err().code(), "CROSSSLOT");

    // A second WATCH adds keys of the same slot: a change to either aborts EXEC.
    let mut w = c.watch(&["{acct}:balance"]).unwrap();
    w.watch(&["{acct}:limit"]).unwrap();
    assert_eq!(w.watch(&["elsewhere"]).unwrap_err().code(), "CROSSSLOT");
    c.set("{acct}:limit", 7).unwrap();
    let mut tx = Pipeline::transaction();
    tx.add(cmd("INCR").arg("{acct}:ops"));
    assert_eq!(w.exec(&tx).unwrap(), None, "the key watched second changed");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let a = slotwise::aio::Client::connect(ClientOptions::new(cluster.seeds()))
            .await
            .unwrap();
        let mut w = a.watch(&["{acct}:balance"]).await.unwrap();
        let b: i64 = w.query(cmd("GET").arg("{acct}:balance")).await.unwrap();
        a.set("{acct}:balance", 1).await.unwrap();
        let mut tx = Pipeline::transaction();
        tx.add(cmd("SET").arg("{acct}:balance").arg(b + 1));
        assert_eq!(w.exec(&tx).await.unwrap(), None);
        let mut w = a.watch(&["{acct}:balance"]).await.unwrap();
        let b: i64 = w.query(cmd("GET").arg("{acct}:balance")).await.unwrap();
        let mut tx = Pipeline::transaction();
        tx.add(cmd("SET").arg("{acct}:balance").arg(b + 1));
        assert!(w.exec(&tx).await.unwrap().is_some());
        let mut w = a.watch(&["{acct}:balance"]).await.unwrap();
        w.watch(&["{acct}:limit"]).await.unwrap();
        a.set("{acct}:limit", 8).await.unwrap();
        let mut tx = Pipeline::transaction();
        tx.add(cmd("INCR").arg("{acct}:ops"));
        assert_eq!(w.exec(&tx).await.unwrap(), None);
        assert_eq!(a.get::<i64>("{acct}:balance").await.unwrap(), 2);
    });
}
