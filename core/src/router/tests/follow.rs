//! `WAIT`/`WAITAOF` in plans: they ride with the command before them, to its node, in its
//! sub-request, through redirects; alone they fail before sending; in a transaction they
//! go after EXEC.

use std::time::Instant;

use crate::command::{cmd, Cmd};
use crate::error::Error;
use crate::options::ReadPolicy;
use crate::resp::Value;

use super::super::Plan;
use super::plan::{argv, fake, nodes_of, ok_value, one, round, Sent};
use super::*;

/// `fake`, and WAIT/WAITAOF answer with the node's port (so a test sees where they ran).
fn node(addr: &str, a: &[String]) -> Value {
    match a[0].to_ascii_uppercase().as_str() {
        "WAIT" => Value::Int(port(addr)),
        "WAITAOF" => Value::Array(vec![Value::Int(0), Value::Int(port(addr))]),
        _ => fake(addr, a),
    }
}

fn port(addr: &str) -> i64 {
    addr.rsplit(':').next().unwrap().parse().unwrap()
}

fn wait() -> Cmd {
    cmd("WAIT").arg(1).arg(100)
}

/// The commands sent to `addr` in one round, per sub-request.
fn sent_to<'s>(sent: &'s Sent, addr: &str) -> Vec<&'s Vec<Vec<String>>> {
    sent.iter()
        .filter(|(a, _)| a == addr)
        .flat_map(|(_, e)| e.iter().map(|(_, _, c)| c))
        .collect()
}

fn config_text(r: Result<Value, Error>) -> String {
    match r {
        Err(Error::Config(t)) => t,
        other => panic!("expected a Config error, got {other:?}"),
    }
}

#[test]
fn each_wait_rides_after_the_write_before_it_to_that_writes_node() {
    let r = router();
    let now = Instant::now();
    let cmds = [
        cmd("SET").arg(K0).arg(1),
        wait(),
        cmd("SET").arg(K1).arg(1),
        wait(),
        cmd("waitaof").arg(0).arg(1).arg(100),
        cmd("SET").arg(K2).arg(1),
        wait(),
    ];
    let mut plan = Plan::new(&r, cmds, now);
    let sent = round(&mut plan, &r, now, node);
    let mut nodes = nodes_of(&sent);
    nodes.sort();
    assert_eq!(nodes, [P0, P1, P2], "one batch per node");
    // In the write's own sub-request: written together, in order, on one connection.
    assert_eq!(
        sent_to(&sent, P0),
        [&vec![argv(&cmd("SET").arg(K0).arg(1)), argv(&wait())]]
    );
    assert_eq!(
        sent_to(&sent, P1),
        [&vec![
            argv(&cmd("SET").arg(K1).arg(1)),
            argv(&wait()),
            argv(&cmd("waitaof").arg(0).arg(1).arg(100)),
        ]]
    );
    assert!(plan.is_done());
    let routes = plan.routes();
    assert_eq!(&*routes[1].nodes[0], P0, "WAIT's route is its write's");
    let out: Vec<Value> = plan.finish().into_iter().map(ok_value).collect();
    assert_eq!(
        out,
        [
            simple("OK"),
            Value::Int(7000),
            simple("OK"),
            Value::Int(7001),
            Value::Array(vec![Value::Int(0), Value::Int(7001)]),
            simple("OK"),
            Value::Int(7002),
        ]
    );
}

#[test]
fn a_lone_wait_or_waitaof_fails_before_anything_is_sent() {
    let r = router();
    let now = Instant::now();
    for (c, example) in [
        (wait(), "SET k v then WAIT 1 100"),
        (cmd("wait").arg(1).arg(0), "SET k v then WAIT 1 100"),
        (cmd("WAITAOF").arg(1).arg(1).arg(100), "WAITAOF 1 1 100"),
    ] {
        let mut plan = Plan::new(&r, [c], now);
        assert!(plan.is_done());
        assert!(plan.ready(&r, now).is_empty(), "nothing is sent");
        let text = config_text(one(plan));
        assert!(
            text.contains("pipeline right after the keyed write"),
            "{text}"
        );
        assert!(text.contains(example), "{text}");
    }
    // First in a pipeline: the same; the rest of the pipeline runs.
    let mut plan = Plan::new(&r, [wait(), cmd("SET").arg(K0).arg(1)], now);
    round(&mut plan, &r, now, node);
    let out = plan.finish();
    assert!(config_text(out[0].clone()).contains("alone"));
    assert_eq!(ok_value(out[1].clone()), simple("OK"));
}

#[test]
fn a_wait_after_a_command_on_several_nodes_or_never_sent_fails_clearly() {
    let r = router();
    let now = Instant::now();
    let cmds = [
        cmd("MSET").arg(K0).arg(1).arg(K1).arg(2),
        wait(),
        cmd("DBSIZE"),
        wait(),
        cmd("RENAME").arg(K0).arg(K1),
        wait(),
        wait(),
    ];
    let mut plan = Plan::new(&r, cmds, now);
    round(&mut plan, &r, now, |addr, a| match a[0].as_str() {
        "DBSIZE" => Value::Int(1),
        _ => node(addr, a),
    });
    let out = plan.finish();
    assert!(config_text(out[1].clone()).contains("was split by slot"));
    assert!(config_text(out[3].clone()).contains("went to several nodes"));
    assert_eq!(out[4].clone().unwrap_err().code(), "CROSSSLOT");
    assert!(config_text(out[5].clone()).contains("failed before it was sent"));
    assert!(config_text(out[6].clone()).contains("failed before it was sent"));
}

#[test]
fn a_wait_follows_its_write_through_moved_and_ask() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("SET").arg(K0).arg(1), wait()], now);
    let sent = round(&mut plan, &r, now, |addr, a| match a[0].as_str() {
        "SET" => err("MOVED 3300 127.0.0.1:7001"),
        _ => node(addr, a),
    });
    assert_eq!(nodes_of(&sent), [P0]);
    assert!(
        !plan.is_done(),
        "WAIT's reply from the old owner is not the answer"
    );
    let sent = round(&mut plan, &r, now, |addr, a| match a[0].as_str() {
        "SET" if addr == P1 => err("ASK 3300 127.0.0.1:7002"),
        _ => node(addr, a),
    });
    assert_eq!(nodes_of(&sent), [P1]);
    assert_eq!(sent[0].1[0].2.len(), 2, "SET and WAIT go again together");
    let sent = round(&mut plan, &r, now, node);
    assert_eq!(nodes_of(&sent), [P2]);
    let (_, asking, cmds) = &sent[0].1[0];
    assert!(
        asking,
        "ASKING guards the write; WAIT follows it on that connection"
    );
    assert_eq!(cmds[1][0], "WAIT");
    let routes = plan.routes();
    assert_eq!(routes[1].redirects, 2);
    let out: Vec<Value> = plan.finish().into_iter().map(ok_value).collect();
    assert_eq!(out, [simple("OK"), Value::Int(7002)]);
}

#[test]
fn a_wait_fails_with_the_error_of_the_write_it_follows_when_that_write_is_lost() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("SET").arg(K0).arg(1), wait(), wait()], now);
    let b = plan.ready(&r, now);
    assert_eq!(
        b[0].entries.len(),
        1,
        "one sub-request for the write and its WAITs"
    );
    plan.on_replies(&r, P0, &[0], vec![simple("OK")], now);
    let out = plan.finish();
    for r in &out {
        let e = r.clone().unwrap_err();
        assert!(
            e.to_string().contains("may or may not have been applied"),
            "{e}"
        );
    }
}

#[test]
fn a_wait_gets_its_own_error_reply_and_the_write_keeps_its_answer() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("INCR").arg(K0), wait()], now);
    round(&mut plan, &r, now, |_, a| match a[0].as_str() {
        "INCR" => err("WRONGTYPE Operation against a key holding the wrong kind of value"),
        _ => err("ERR WAIT cannot be used with replica instances"),
    });
    let out = plan.finish();
    assert_eq!(out[0].clone().unwrap_err().code(), "WRONGTYPE");
    let e = out[1].clone().unwrap_err();
    assert!(
        matches!(&e, Error::Server { node, .. } if node == P0),
        "{e:?}"
    );
}

#[test]
fn a_read_followed_by_wait_goes_to_the_primary_and_the_deadline_includes_the_wait() {
    let r = router_with(opts().read_policy(ReadPolicy::PreferReplica));
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K2), cmd("WAIT").arg(1).arg(2500)], now);
    assert!(
        plan.is_blocking(0),
        "the server may hold the reply: own connection"
    );
    assert_eq!(
        plan.deadline(),
        Some(now + r.options().request_timeout + ms(2500))
    );
    let sent = round(&mut plan, &r, now, node);
    assert_eq!(nodes_of(&sent), [P2], "WAIT runs on primaries only");
}

#[test]
fn in_a_transaction_wait_runs_after_exec_and_its_reply_keeps_its_place() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(
        &r,
        vec![
            cmd("SET").arg(K0).arg(1),
            wait(),
            cmd("INCR").arg(K0),
            cmd("WAITAOF").arg(0).arg(1).arg(100),
        ],
        now,
    );
    assert!(plan.is_blocking(0));
    let answer = |addr: &str, a: &[String]| match a[0].as_str() {
        "MULTI" => simple("OK"),
        "EXEC" => Value::Array(vec![simple("OK"), Value::Int(2)]),
        "WAIT" | "WAITAOF" => node(addr, a),
        _ => simple("QUEUED"),
    };
    let sent = round(&mut plan, &r, now, answer);
    let names: Vec<&str> = sent[0].1[0].2.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(names, ["MULTI", "SET", "INCR", "EXEC", "WAIT", "WAITAOF"]);
    assert_eq!(
        ok_value(one(plan)),
        Value::Array(vec![
            simple("OK"),
            Value::Int(7000),
            Value::Int(2),
            Value::Array(vec![Value::Int(0), Value::Int(7000)]),
        ])
    );
}

#[test]
fn a_moved_transaction_takes_its_waits_along() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![cmd("SET").arg(K0).arg(1), wait()], now);
    round(&mut plan, &r, now, |addr, a| match a[0].as_str() {
        "MULTI" => simple("OK"),
        "EXEC" => err("EXECABORT Transaction discarded because of previous errors."),
        "WAIT" => node(addr, a),
        _ => err("MOVED 3300 127.0.0.1:7001"),
    });
    assert!(!plan.is_done());
    let sent = round(&mut plan, &r, now, |addr, a| match a[0].as_str() {
        "MULTI" => simple("OK"),
        "EXEC" => Value::Array(vec![simple("OK")]),
        "WAIT" => node(addr, a),
        _ => simple("QUEUED"),
    });
    assert_eq!(nodes_of(&sent), [P1]);
    assert_eq!(
        ok_value(one(plan)),
        Value::Array(vec![simple("OK"), Value::Int(7001)])
    );
}

#[test]
fn a_transaction_of_only_waits_fails_before_sending() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![wait()], now);
    assert!(plan.ready(&r, now).is_empty());
    let text = config_text(one(plan));
    assert!(text.contains("no other command"), "{text}");
}
