//! The scripted fake node: exact replies, logs, silence, hang-ups, garbage.

use std::time::Duration;

use slotwise::resp::Value;
use slotwise_testcluster::{AdminConn, FakeNode, HarnessError, Reply};

fn connect(fake: &FakeNode) -> AdminConn {
    AdminConn::connect(&fake.addr(), None, Duration::from_secs(5)).unwrap()
}

#[test]
fn scripted_replies_and_log() {
    let fake = FakeNode::start(|argv: &[Vec<u8>]| match &argv[0][..] {
        b"PING" => Reply::simple("PONG"),
        b"GET" if argv[1] == b"ask" => Reply::error("ASK 5 127.0.0.1:7001"),
        b"GET" if argv[1] == b"busy" => {
            Reply::error("TRYAGAIN Multiple keys request during rehashing of slot")
        }
        b"GET" => Reply::bulk(b"value"),
        b"INCR" => Reply::int(7),
        b"CLUSTER" => Reply::error("CLUSTERDOWN The cluster is down"),
        b"HELLO" => Reply::value(&Value::Map(vec![(
            Value::Bulk("proto".into()),
            Value::Int(3),
        )])),
        _ => Reply::nil(),
    })
    .unwrap();
    let mut c = connect(&fake);
    assert_eq!(c.cmd_str(&["PING"]).unwrap().as_deref(), Some("PONG"));
    let ask = c.cmd(&["GET", "ask"]).unwrap();
    assert_eq!(&ask.as_error().unwrap()[..], b"ASK 5 127.0.0.1:7001");
    let busy = c.cmd(&["GET", "busy"]).unwrap();
    assert!(busy.as_error().unwrap().starts_with(b"TRYAGAIN"));
    let down = c.cmd(&["CLUSTER", "SLOTS"]).unwrap();
    assert!(down.as_error().unwrap().starts_with(b"CLUSTERDOWN"));
    assert_eq!(c.cmd_str(&["GET", "x"]).unwrap().as_deref(), Some("value"));
    assert_eq!(c.cmd(&["INCR", "n"]).unwrap(), Value::Int(7));
    assert_eq!(c.cmd(&["DEL", "x"]).unwrap(), Value::Nil);
    assert!(matches!(c.cmd(&["HELLO", "3"]).unwrap(), Value::Map(_)));
    // Binary arguments arrive intact, pipelined commands each get their reply.
    let replies = c
        .pipeline(&[&[&b"GET"[..], b"\x00\xff\r\n"][..], &[b"PING"]])
        .unwrap();
    assert_eq!(replies[1], Value::Simple("PONG".into()));

    let log = fake.commands();
    assert_eq!(fake.command_count(), 10);
    assert_eq!(log[0], vec![b"PING".to_vec()]);
    assert_eq!(log[1], vec![b"GET".to_vec(), b"ask".to_vec()]);
    assert_eq!(log[8], vec![b"GET".to_vec(), b"\x00\xff\r\n".to_vec()]);
    assert!(fake.received().iter().all(|r| r.connection == 0));

    // Several connections at once, told apart in the log.
    let mut others: Vec<AdminConn> = (0..3).map(|_| connect(&fake)).collect();
    for o in &mut others {
        o.cmd_ok(&["PING"]).unwrap();
    }
    assert_eq!(fake.connection_count(), 4);
    let conns: std::collections::BTreeSet<usize> =
        fake.received().iter().map(|r| r.connection).collect();
    assert_eq!(conns.len(), 4);
}

#[test]
fn silence_close_and_garbage() {
    let fake = FakeNode::start(|argv: &[Vec<u8>]| match &argv[0][..] {
        b"HANG" => Reply::Silence,
        b"BYE" => Reply::Close,
        b"HALF" => Reply::RawThenClose(b"$10\r\nabc".to_vec()),
        b"JUNK" => Reply::Raw(b"?what\r\n".to_vec()),
        _ => Reply::ok(),
    })
    .unwrap();

    let mut c = connect(&fake);
    c.set_timeout(Duration::from_millis(200)).unwrap();
    let err = c.cmd(&["HANG"]).unwrap_err();
    assert!(err.is_timeout(), "{err}");
    // Still logged, but nothing more is answered on that connection.
    c.send(&["PING"]).unwrap();
    assert!(fake.wait_for_commands(2, Duration::from_secs(5)));
    assert!(c.read_reply().unwrap_err().is_timeout());

    for cmd in ["BYE", "HALF"] {
        let err = connect(&fake).cmd(&[cmd]).unwrap_err();
        assert!(
            matches!(&err, HarnessError::Io { source, .. }
            if source.kind() == std::io::ErrorKind::UnexpectedEof),
            "{cmd}: {err}"
        );
    }
    let err = connect(&fake).cmd(&["JUNK"]).unwrap_err();
    assert!(matches!(err, HarnessError::Protocol { .. }), "{err}");

    // Fresh connections are unaffected by another's silence.
    assert_eq!(
        connect(&fake).cmd_str(&["PING"]).unwrap().as_deref(),
        Some("OK")
    );
    let argv0: Vec<Vec<u8>> = fake.commands().into_iter().map(|a| a[0].clone()).collect();
    assert_eq!(
        argv0,
        [&b"HANG"[..], b"PING", b"BYE", b"HALF", b"JUNK", b"PING"]
    );
}
