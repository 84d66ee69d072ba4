//! Scripted fake nodes force the exact replies a real cluster only gives by chance:
//! TRYAGAIN, CLUSTERDOWN, endless MOVED, the empty-host MOVED form, garbage bytes.

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use slotwise::resp::Value;
use slotwise::slot::key_slot;
use slotwise::{blocking::Client, ClientOptions, Error};
use slotwise_testcluster::{FakeNode, Reply};

fn bulk(s: &str) -> Value {
    Value::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

/// CLUSTER SHARDS saying one primary at 127.0.0.1:`port` owns every slot.
fn shards_reply(port: u16) -> Reply {
    let node = Value::Array(vec![
        bulk("id"),
        bulk("fake"),
        bulk("port"),
        Value::Int(port as i64),
        bulk("ip"),
        bulk("127.0.0.1"),
        bulk("endpoint"),
        bulk("127.0.0.1"),
        bulk("role"),
        bulk("master"),
        bulk("replication-offset"),
        Value::Int(0),
        bulk("health"),
        bulk("online"),
    ]);
    let shard = Value::Array(vec![
        bulk("slots"),
        Value::Array(vec![Value::Int(0), Value::Int(16383)]),
        bulk("nodes"),
        Value::Array(vec![node]),
    ]);
    Reply::value(&Value::Array(vec![shard]))
}

fn is(argv: &[Vec<u8>], name: &str) -> bool {
    argv.first()
        .is_some_and(|a| a.eq_ignore_ascii_case(name.as_bytes()))
}

/// A fake node that answers CLUSTER SHARDS about itself and GET with `on_get(n)` for the
/// n-th GET (0-based).
fn fake(on_get: impl Fn(usize) -> Reply + Send + 'static) -> FakeNode {
    let port = Arc::new(AtomicU16::new(0));
    let gets = AtomicUsize::new(0);
    let p = port.clone();
    let node = FakeNode::start(move |argv| {
        if is(argv, "CLUSTER") {
            shards_reply(p.load(SeqCst))
        } else if is(argv, "GET") {
            on_get(gets.fetch_add(1, SeqCst))
        } else {
            Reply::ok()
        }
    })
    .unwrap();
    port.store(node.port(), SeqCst);
    node
}

fn opts(seed: String) -> ClientOptions {
    ClientOptions::new([seed]).retries(8, Duration::from_millis(1), Duration::from_millis(5))
}

#[test]
fn retries_after_tryagain_then_succeeds() {
    let node = fake(|n| {
        if n < 2 {
            Reply::error("TRYAGAIN Multiple keys request during rehashing of slot")
        } else {
            Reply::bulk("v")
        }
    });
    let c = Client::connect(opts(node.addr())).unwrap();
    let v: String = c.get("k").unwrap();
    assert_eq!(v, "v");
    assert_eq!(c.stats().retries, 2);
}

#[test]
fn retries_after_clusterdown_then_succeeds_and_refreshes() {
    let node = fake(|n| {
        if n == 0 {
            Reply::error("CLUSTERDOWN The cluster is down")
        } else {
            Reply::bulk("v")
        }
    });
    let c = Client::connect(opts(node.addr())).unwrap();
    let v: String = c.get("k").unwrap();
    assert_eq!(v, "v");
    assert!(c.stats().retries >= 1);
}

#[test]
fn endless_moved_spends_the_budget_and_names_slot_and_nodes() {
    // Two nodes sending the key's slot to each other forever.
    let slot = key_slot(b"k").get();
    let other = Arc::new(AtomicU16::new(0));
    let o = other.clone();
    let a = fake(move |_| Reply::error(&format!("MOVED {slot} 127.0.0.1:{}", o.load(SeqCst))));
    let a_port = a.port();
    let b = fake(move |_| Reply::error(&format!("MOVED {slot} 127.0.0.1:{a_port}")));
    other.store(b.port(), SeqCst);
    let c = Client::connect(opts(a.addr()).max_redirects(5)).unwrap();
    let err = c.get::<String>("k").unwrap_err();
    assert!(matches!(err, Error::RedirectBudget { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&format!("slot {slot}")), "{msg}");
    assert!(msg.contains(&a.addr()) && msg.contains(&b.addr()), "{msg}");
    assert!(msg.contains("MOVED"), "{msg}");
}

#[test]
fn moved_with_empty_host_goes_to_the_answering_host() {
    let target = fake(|_| Reply::bulk("from-target"));
    let tport = target.port();
    let slot = key_slot(b"k").get();
    let first = fake(move |_| Reply::error(&format!("MOVED {slot} :{tport}")));
    let c = Client::connect(opts(first.addr())).unwrap();
    let v: String = c.get("k").unwrap();
    assert_eq!(v, "from-target");
    assert_eq!(c.stats().moved, 1);
    // The slot was patched: the next GET goes straight to the target.
    let before = first.command_count();
    let v: String = c.get("k").unwrap();
    assert_eq!(v, "from-target");
    let gets_on_first = first.commands()[before..]
        .iter()
        .filter(|a| is(a, "GET"))
        .count();
    assert_eq!(gets_on_first, 0);
}

#[test]
fn ask_sends_asking_then_the_command_and_leaves_the_map_alone() {
    let target = FakeNode::start(|argv| {
        if is(argv, "ASKING") {
            Reply::ok()
        } else {
            Reply::bulk("migrated")
        }
    })
    .unwrap();
    let tport = target.port();
    let slot = key_slot(b"k").get();
    let source = fake(move |_| Reply::error(&format!("ASK {slot} 127.0.0.1:{tport}")));
    let c = Client::connect(opts(source.addr())).unwrap();
    let v: String = c.get("k").unwrap();
    assert_eq!(v, "migrated");
    let cmds = target.commands();
    assert_eq!(cmds[0], vec![b"ASKING".to_vec()]);
    assert_eq!(cmds[1], vec![b"GET".to_vec(), b"k".to_vec()]);
    assert_eq!(c.stats().ask, 1);
    let owner = c.topology().primary_of(key_slot(b"k")).unwrap().to_string();
    assert_eq!(owner, source.addr());
}

#[test]
fn refused_asking_means_the_command_is_not_sent() {
    let target = FakeNode::start(|argv| {
        if is(argv, "ASKING") {
            Reply::error("ERR ASKING refused")
        } else {
            Reply::bulk("x")
        }
    })
    .unwrap();
    let tport = target.port();
    let slot = key_slot(b"k").get();
    let source = fake(move |_| Reply::error(&format!("ASK {slot} 127.0.0.1:{tport}")));
    let c = Client::connect(opts(source.addr())).unwrap();
    let err = c.get::<String>("k").unwrap_err();
    assert!(err.to_string().contains("ASKING refused"), "{err}");
    assert!(target.commands().iter().all(|a| is(a, "ASKING")));
}

#[test]
fn malformed_reply_bytes_give_a_protocol_error_not_a_panic() {
    let node = fake(|n| {
        if n == 0 {
            Reply::Raw(b"?garbage\r\n".to_vec())
        } else {
            Reply::bulk("ok-after")
        }
    });
    let c = Client::connect(opts(node.addr())).unwrap();
    let err = c.get::<String>("k").unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
    assert!(err.to_string().contains("malformed RESP"), "{err}");
    // The bad connection was dropped; a new one works.
    let v: String = c.get("k").unwrap();
    assert_eq!(v, "ok-after");
}

#[test]
fn async_client_follows_the_same_decisions() {
    let node = fake(|n| {
        if n == 0 {
            Reply::error("TRYAGAIN later")
        } else {
            Reply::bulk("v")
        }
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = slotwise::aio::Client::connect(opts(node.addr()))
            .await
            .unwrap();
        let v: String = c.get("k").await.unwrap();
        assert_eq!(v, "v");
        assert_eq!(c.stats().retries, 1);
    });
}

/// `close()` fails what is in flight at once: a GET a silent node never answers and a
/// `BLPOP q 0` (on a connection of its own) end with `Closed`, not with the request
/// timeout (a minute here) or never.
#[test]
fn async_close_fails_requests_in_flight_with_closed() {
    let port = Arc::new(AtomicU16::new(0));
    let p = port.clone();
    let node = FakeNode::start(move |argv| {
        if is(argv, "CLUSTER") {
            shards_reply(p.load(SeqCst))
        } else if is(argv, "GET") || is(argv, "BLPOP") {
            Reply::Silence
        } else {
            Reply::ok()
        }
    })
    .unwrap();
    port.store(node.port(), SeqCst);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let opts = opts(node.addr()).request_timeout(Duration::from_secs(60));
        let c = slotwise::aio::Client::connect(opts).await.unwrap();
        let (c1, c2) = (c.clone(), c.clone());
        let get = tokio::spawn(async move { c1.exec(slotwise::cmd("GET").arg("k")).await });
        let pop =
            tokio::spawn(async move { c2.exec(slotwise::cmd("BLPOP").arg("q").arg(0)).await });
        // Both commands reached the node (and got no answer).
        let arrived = |name: &str| node.commands().iter().any(|a| a[0] == name.as_bytes());
        while !(arrived("GET") && arrived("BLPOP")) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        c.close();
        for (what, task) in [("GET", get), ("BLPOP", pop)] {
            let r = tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .unwrap_or_else(|_| panic!("close() left the {what} hanging"))
                .unwrap();
            assert!(matches!(r, Err(Error::Closed)), "{what}: {r:?}");
        }
        // And later calls fail the same way.
        assert!(matches!(
            c.get::<Option<String>>("k").await,
            Err(Error::Closed)
        ));
    });
}

/// Two commands ASK-redirected to one node in the same round, and the first ASKING goes
/// unanswered (the connection drops): neither command was written, so both are retried on
/// a new connection and succeed. (The blocking driver used to lose the second one and spin.)
#[test]
fn asking_lost_mid_batch_retries_every_redirected_command() {
    let askings = Arc::new(AtomicUsize::new(0));
    let a = askings.clone();
    let target = FakeNode::start(move |argv| {
        if is(argv, "ASKING") {
            if a.fetch_add(1, SeqCst) == 0 {
                Reply::Close
            } else {
                Reply::ok()
            }
        } else {
            Reply::bulk(&argv[1])
        }
    })
    .unwrap();
    let tport = target.port();
    let source = FakeNode::start(move |argv| {
        if is(argv, "CLUSTER") {
            // Filled in below once the port is known; never reached before that.
            Reply::error("ERR not yet")
        } else {
            let slot = key_slot(&argv[1]).get();
            Reply::error(&format!("ASK {slot} 127.0.0.1:{tport}"))
        }
    })
    .unwrap();
    // A seed that describes the source as the owner of every slot.
    let sport = source.port();
    let seed = fake_owner(sport);
    let c = Client::connect(opts(seed.addr())).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut p = slotwise::Pipeline::new();
        p.add(slotwise::cmd("GET").arg("k1"))
            .add(slotwise::cmd("GET").arg("k2"));
        let _ = tx.send(c.run_pipeline(&p));
    });
    let got = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the pipeline hung");
    let values: Vec<String> = got
        .into_iter()
        .map(|r| String::from_utf8(r.unwrap().as_bytes().unwrap().to_vec()).unwrap())
        .collect();
    assert_eq!(values, ["k1", "k2"]);
    assert!(askings.load(SeqCst) >= 3, "ASKING was not sent again");
}

/// A node that answers CLUSTER SHARDS naming 127.0.0.1:`port` as the owner of every slot.
fn fake_owner(port: u16) -> FakeNode {
    FakeNode::start(move |argv| {
        if is(argv, "CLUSTER") {
            shards_reply(port)
        } else {
            Reply::error("ERR this seed only describes the cluster")
        }
    })
    .unwrap()
}

#[test]
fn connection_state_commands_are_refused_before_anything_is_sent() {
    let node = fake(|_| Reply::bulk("v"));
    let c = Client::connect(opts(node.addr())).unwrap();
    let before = node.command_count();
    for argv in [
        &["MULTI"][..],
        &["SUBSCRIBE", "news"],
        &["CLIENT", "REPLY", "OFF"],
        &["SELECT", "1"],
        &["SCAN", "0"],
    ] {
        let mut cmd = slotwise::cmd(argv[0]);
        for a in &argv[1..] {
            cmd = cmd.arg(*a);
        }
        let err = c.exec(cmd).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{argv:?}: {err:?}");
        assert!(err.to_string().contains(argv[0]), "{err}");
    }
    assert_eq!(node.command_count(), before, "something was sent");
    // Harmless CLIENT subcommands still run.
    assert!(c.exec(slotwise::cmd("CLIENT").arg("ID")).is_ok());
}
