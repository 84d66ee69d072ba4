//! Nodes that misbehave in ways a client must refuse rather than follow: invalid
//! redirects, inconsistent slot maps, control characters in what they send, and silence
//! while the client discovers the cluster (deadlines).

use std::sync::atomic::{AtomicU16, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use slotwise::resp::Value;
use slotwise::{blocking::Client, ClientOptions, Error};
use slotwise_testcluster::{FakeNode, Reply};

fn bulk(s: &str) -> Value {
    Value::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn is(argv: &[Vec<u8>], name: &str) -> bool {
    argv.first()
        .is_some_and(|a| a.eq_ignore_ascii_case(name.as_bytes()))
}

/// A CLUSTER SLOTS reply: each range owned by `host`:`port`.
fn slots_reply(ranges: &[(i64, i64)], host: &str, port: u16) -> Reply {
    Reply::value(&Value::Array(
        ranges
            .iter()
            .map(|&(a, z)| {
                Value::Array(vec![
                    Value::Int(a),
                    Value::Int(z),
                    Value::Array(vec![bulk(host), Value::Int(port.into()), bulk("id")]),
                ])
            })
            .collect(),
    ))
}

/// A fake node that knows only CLUSTER SLOTS (CLUSTER SHARDS is an unknown subcommand),
/// answers it with `view(port)`, and GET with `on_get`.
fn fake(
    view: impl Fn(u16) -> Reply + Send + 'static,
    on_get: impl Fn() -> Reply + Send + 'static,
) -> FakeNode {
    let port = Arc::new(AtomicU16::new(0));
    let p = port.clone();
    let node = FakeNode::start(move |argv| {
        if is(argv, "CLUSTER")
            && argv
                .get(1)
                .is_some_and(|a| a.eq_ignore_ascii_case(b"SHARDS"))
        {
            Reply::error("ERR unknown subcommand 'SHARDS'. Try CLUSTER HELP.")
        } else if is(argv, "CLUSTER") {
            view(p.load(SeqCst))
        } else if is(argv, "GET") {
            on_get()
        } else {
            Reply::ok()
        }
    })
    .unwrap();
    port.store(node.port(), SeqCst);
    node
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn no_raw_controls(msg: &str) {
    assert!(
        !msg.chars().any(char::is_control),
        "raw control characters: {msg:?}"
    );
}

#[test]
fn invalid_redirects_are_protocol_errors_quoting_them_in_both_clients() {
    for redirect in [
        "MOVED 99999 127.0.0.1:7001",
        "MOVED 7629 127.0.0.1:99999",
        "MOVED 7629",
        "ASK 7629 evil\x1b[2Jhost:7001",
    ] {
        let text = redirect.to_string();
        let node = fake(
            |port| slots_reply(&[(0, 16383)], "127.0.0.1", port),
            move || Reply::error(&text),
        );
        let opts = ClientOptions::new([node.addr()]);
        let check = |e: Error| {
            assert!(matches!(e, Error::Protocol { .. }), "{redirect}: {e:?}");
            assert_eq!(e.code(), "PROTOCOL");
            let msg = e.to_string();
            assert!(msg.contains("invalid redirect"), "{msg}");
            assert!(
                msg.contains(&*slotwise::error::escape_controls(redirect)),
                "quotes it: {msg}"
            );
            no_raw_controls(&msg);
        };
        let c = Client::connect(opts.clone()).unwrap();
        check(c.get::<Option<String>>("k").unwrap_err());
        rt().block_on(async {
            let a = slotwise::aio::Client::connect(opts).await.unwrap();
            check(a.get::<Option<String>>("k").await.unwrap_err());
        });
        // One GET each: an invalid redirect is not retried or followed.
        let gets = node.commands().iter().filter(|a| is(a, "GET")).count();
        assert_eq!(gets, 2, "{redirect}");
    }
}

#[test]
fn overlapping_slot_ranges_refuse_the_view_with_the_reason() {
    let node = fake(
        |port| slots_reply(&[(0, 9000), (8000, 16383)], "127.0.0.1", port),
        Reply::nil,
    );
    let opts = ClientOptions::new([node.addr()]).connect_timeout(Duration::from_secs(1));
    for e in [
        Client::connect(opts.clone()).unwrap_err(),
        rt().block_on(slotwise::aio::Client::connect(opts))
            .unwrap_err(),
    ] {
        let msg = e.to_string();
        assert!(msg.contains("slot 8000"), "{msg}");
        assert!(msg.contains("inconsistent"), "{msg}");
    }
}

#[test]
fn a_view_with_a_control_character_host_is_refused_and_nothing_echoes_it_raw() {
    let node = fake(
        |port| slots_reply(&[(0, 16383)], "evil\r\nFAKE LOG LINE", port),
        Reply::nil,
    );
    let opts = ClientOptions::new([node.addr()]).connect_timeout(Duration::from_secs(1));
    for e in [
        Client::connect(opts.clone()).unwrap_err(),
        rt().block_on(slotwise::aio::Client::connect(opts))
            .unwrap_err(),
    ] {
        let msg = e.to_string();
        assert!(msg.contains("invalid host"), "{msg}");
        no_raw_controls(&msg);
        no_raw_controls(&format!("{e:?}"));
    }
}

#[test]
fn error_replies_with_control_characters_reach_the_caller_escaped() {
    // A RESP3 blob error may carry CR and LF; a simple error may carry ESC.
    let text = b"ERR first\r\n[fake] second line\x1b[0m";
    let mut raw = format!("!{}\r\n", text.len()).into_bytes();
    raw.extend_from_slice(text);
    raw.extend_from_slice(b"\r\n");
    let blob = Reply::Raw(raw);
    let node = fake(
        |port| slots_reply(&[(0, 16383)], "127.0.0.1", port),
        move || blob.clone(),
    );
    let c = Client::connect(ClientOptions::new([node.addr()])).unwrap();
    let e = c.get::<Option<String>>("k").unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("ERR first\\r\\n[fake] second line\\x1b[0m"),
        "{msg}"
    );
    no_raw_controls(&msg);
}

/// A seed that accepts connections and never answers: discovery gives up after the
/// connect timeout (not a request timeout on top), in both clients, and says how long it
/// took and under which timeouts ("after 0ns" before).
#[test]
fn a_silent_seed_fails_discovery_within_the_connect_timeout_stating_the_real_time() {
    let node = FakeNode::start(|_| Reply::Silence).unwrap();
    let connect = Duration::from_millis(500);
    let opts = ClientOptions::new([node.addr()])
        .connect_timeout(connect)
        .request_timeout(Duration::from_millis(1000));
    let check = |e: Error, took: Duration| {
        let msg = e.to_string();
        assert!(took < Duration::from_millis(1000), "took {took:?}: {msg}");
        assert!(
            took >= connect,
            "gave up before the connect timeout: {took:?}"
        );
        assert!(
            msg.contains("(request timeout 1s, connect timeout 500ms)"),
            "{msg}"
        );
        assert!(!msg.contains("0ns") && !msg.contains("after 0ms"), "{msg}");
    };
    let started = Instant::now();
    let e = Client::connect(opts.clone()).unwrap_err();
    check(e, started.elapsed());
    let started = Instant::now();
    let e = rt()
        .block_on(slotwise::aio::Client::connect(opts))
        .unwrap_err();
    check(e, started.elapsed());
}
