//! WAIT and WAITAOF confirm the writes of the connection they run on: in a pipeline they run
//! right after the write before them, on its node and connection, so the count they answer
//! is that write's replicas; alone they fail with an error saying how to use them; in a
//! transaction they run after EXEC (inside MULTI Redis answers them at once, with 0).

use slotwise::resp::Value;
use slotwise::{cmd, slot::key_slot, ClientOptions, Cmd, Error, Pipeline};
use slotwise_testcluster::{ClusterOptions, TestCluster};

type Results = Vec<Result<Value, Error>>;

/// One key per primary, in the primaries' order.
fn key_per_shard(cluster: &TestCluster) -> Vec<String> {
    let primaries = cluster.primaries().unwrap();
    primaries
        .iter()
        .map(|p| {
            (0..)
                .map(|i| format!("w{i}"))
                .find(|k| p.owns_slot(key_slot(k.as_bytes()).get()))
                .unwrap()
        })
        .collect()
}

fn pipeline(cmds: impl IntoIterator<Item = Cmd>) -> Pipeline {
    let mut p = Pipeline::new();
    for c in cmds {
        p.add(c);
    }
    p
}

fn set(k: &str, v: i64) -> Cmd {
    cmd("SET").arg(k).arg(v)
}

fn wait(replicas: i64, ms: i64) -> Cmd {
    cmd("WAIT").arg(replicas).arg(ms)
}

fn values(results: Results) -> Vec<Value> {
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("unexpected error: {e}")))
        .collect()
}

fn ok() -> Value {
    Value::Simple(bytes::Bytes::from_static(b"OK"))
}

/// SIGCONTs a paused node when dropped (also when an assertion fails).
struct Paused<'a>(&'a TestCluster, String);

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        self.0.resume_node(&self.1).unwrap();
    }
}

/// Every check, through `run` (a pipeline) and `exec` (one command) of either client.
fn check(
    cluster: &TestCluster,
    run: &dyn Fn(&Pipeline) -> Results,
    exec: &dyn Fn(Cmd) -> Result<Value, Error>,
) {
    // Alone: refused before sending, saying how to use it.
    for (c, example) in [
        (wait(1, 100), "SET k v then WAIT 1 100"),
        (cmd("WAITAOF").arg(0).arg(1).arg(100), "WAITAOF 1 1 100"),
    ] {
        match exec(c) {
            Err(Error::Config(text)) => {
                assert!(text.contains("in a pipeline right after"), "{text}");
                assert!(text.contains(example), "{text}");
            }
            other => panic!("expected a Config error, got {other:?}"),
        }
    }
    let first = run(&pipeline([wait(1, 100), set("w-first", 1)]));
    assert!(matches!(first[0], Err(Error::Config(_))), "{first:?}");
    assert_eq!(first[1].as_ref().unwrap(), &ok());

    // In a pipeline over the three shards, each WAIT confirms the write before it.
    let keys = key_per_shard(cluster);
    let (a, b, c) = (&keys[0], &keys[1], &keys[2]);
    let all = pipeline([
        set(a, 1),
        wait(1, 5000),
        set(b, 1),
        wait(1, 5000),
        set(c, 1),
        wait(1, 5000),
    ]);
    let one = Value::Int(1);
    assert_eq!(
        values(run(&all)),
        [ok(), one.clone(), ok(), one.clone(), ok(), one.clone()]
    );

    // With b's replica stopped, only the WAIT after b's write misses it: an unrelated
    // connection (or one of the other nodes) would count the replica as up to date.
    let b_primary = cluster.primary_for_key(b.as_bytes()).unwrap();
    let b_primary_id = cluster.node(&b_primary).unwrap().id;
    let b_replica = cluster
        .replicas()
        .unwrap()
        .into_iter()
        .find(|r| r.primary_id.as_deref() == Some(b_primary_id.as_str()))
        .unwrap()
        .addr;
    {
        cluster.pause_node(&b_replica).unwrap();
        let _resume = Paused(cluster, b_replica.clone());
        let got = values(run(&pipeline([
            set(a, 2),
            wait(1, 5000),
            set(b, 2),
            wait(1, 300),
            set(c, 2),
            wait(1, 5000),
        ])));
        assert_eq!(
            got,
            [ok(), one.clone(), ok(), Value::Int(0), ok(), one.clone()]
        );
    }
    let got = values(run(&pipeline([set(b, 3), wait(1, 5000)])));
    assert_eq!(
        got,
        [ok(), one.clone()],
        "b's replica confirms once resumed"
    );

    // In a transaction: sent after EXEC, so it confirms the transaction's writes; its reply
    // keeps its place. (Inside MULTI the server would answer 0 at once.)
    let k = format!("{{{b}}}:tx");
    let mut tx = Pipeline::transaction();
    tx.add(set(&k, 1))
        .add(wait(1, 5000))
        .add(cmd("INCR").arg(&k));
    assert_eq!(values(run(&tx)), [ok(), one.clone(), Value::Int(2)]);

    // WAITAOF goes with the write too. Redis 7.0 does not know it: then the node's error
    // reply says where it ran; 7.2+ answers [local, replicas].
    let not_with_zero = keys
        .iter()
        .find(|k| {
            cluster.primary_for_key(k.as_bytes()).unwrap() != cluster.primary_for_key(b"0").unwrap()
        })
        .unwrap();
    let owner = cluster.primary_for_key(not_with_zero.as_bytes()).unwrap();
    let got = run(&pipeline([
        set(not_with_zero, 1),
        cmd("WAITAOF").arg(0).arg(1).arg(100),
    ]));
    assert_eq!(got[0].as_ref().unwrap(), &ok());
    match &got[1] {
        Err(Error::Server { node, error }) => {
            assert_eq!(*node, owner, "WAITAOF ran on the write's node: {error}");
        }
        Ok(Value::Array(counts)) => assert_eq!(counts.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn blocking_client_wait_confirms_the_write_before_it() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let c = slotwise::blocking::Client::connect(ClientOptions::new(cluster.seeds())).unwrap();
    check(&cluster, &|p| c.run_pipeline(p), &|cmd| c.exec(cmd));
}

#[test]
fn async_client_wait_confirms_the_write_before_it() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let c = rt
        .block_on(slotwise::aio::Client::connect(ClientOptions::new(
            cluster.seeds(),
        )))
        .unwrap();
    check(&cluster, &|p| rt.block_on(c.run_pipeline(p)), &|cmd| {
        rt.block_on(c.exec(cmd))
    });
}

/// In a WATCH session too, WAIT runs after EXEC on the session's connection and counts the
/// replica that received the transaction (inside MULTI it would answer 0).
#[test]
fn wait_in_a_watch_session_confirms_the_transaction_in_both_clients() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let opts = ClientOptions::new(cluster.seeds());
    let tx = || {
        let mut p = Pipeline::transaction();
        p.add(set("{ws}:a", 1))
            .add(wait(1, 5000))
            .add(cmd("INCR").arg("{ws}:b"));
        p
    };
    let c = slotwise::blocking::Client::connect(opts.clone()).unwrap();
    let w = c.watch(&["{ws}:a"]).unwrap();
    let got = w
        .exec(&tx())
        .unwrap()
        .expect("nothing touched the watched key");
    assert_eq!(got, [ok(), Value::Int(1), Value::Int(1)]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let a = slotwise::aio::Client::connect(opts).await.unwrap();
        let w = a.watch(&["{ws}:a"]).await.unwrap();
        let got = w
            .exec(&tx())
            .await
            .unwrap()
            .expect("nothing touched the watched key");
        assert_eq!(got, [ok(), Value::Int(1), Value::Int(2)]);
    });
}
