//! `Plan`: single commands, split and fanned-out commands, pipelines and transactions.

use std::collections::HashSet;
use std::time::Instant;

use crate::command::{cmd, Cmd};
use crate::error::Error;
use crate::options::ReadPolicy;
use crate::resp::Value;

use super::super::{Outcome, Plan, Route, Router};
use super::*;

pub(super) fn argv(c: &Cmd) -> Vec<String> {
    c.args()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// What one round sent: per node, `(sub, asking, argv of each command)`.
pub(super) type Sent = Vec<(String, Vec<(usize, bool, Vec<Vec<String>>)>)>;

/// Runs one round: takes the ready batches and answers each command with `answer(addr,
/// argv)` (a transaction's replies as one array, as a driver does).
pub(super) fn round(
    plan: &mut Plan,
    r: &Router,
    now: Instant,
    answer: impl Fn(&str, &[String]) -> Value,
) -> Sent {
    let batches = plan.ready(r, now);
    let mut sent = Vec::new();
    for b in batches {
        let mut entries = Vec::new();
        for &(sub, asking) in &b.entries {
            let cmds: Vec<Vec<String>> = plan.commands(sub).iter().map(argv).collect();
            let outcome = if cmds.len() == 1 {
                Outcome::Reply(answer(&b.addr, &cmds[0]))
            } else {
                Outcome::Reply(Value::Array(
                    cmds.iter().map(|c| answer(&b.addr, c)).collect(),
                ))
            };
            plan.on_reply(r, &b.addr, sub, outcome, now);
            entries.push((sub, asking, cmds));
        }
        sent.push((b.addr.to_string(), entries));
    }
    sent
}

/// A well-behaved cluster node: GET answers `key@node`, MGET `v:key` per key, DEL and
/// EXISTS the number of keys, writes OK.
pub(super) fn fake(addr: &str, a: &[String]) -> Value {
    match a[0].as_str() {
        "GET" => bulk(&format!("{}@{addr}", a[1])),
        "MGET" => Value::Array(a[1..].iter().map(|k| bulk(&format!("v:{k}"))).collect()),
        "DEL" | "EXISTS" | "UNLINK" | "TOUCH" => Value::Int(a.len() as i64 - 1),
        "INCR" => Value::Int(1),
        "MULTI" => simple("OK"),
        _ => simple("OK"),
    }
}

pub(super) fn nodes_of(sent: &Sent) -> Vec<&str> {
    sent.iter().map(|(a, _)| a.as_str()).collect()
}

pub(super) fn ok_value(r: Result<Value, Error>) -> Value {
    match r {
        Ok(v) => v,
        Err(e) => panic!("expected a value, got {e:?}"),
    }
}

pub(super) fn one(plan: Plan) -> Result<Value, Error> {
    let mut out = plan.finish();
    assert_eq!(out.len(), 1);
    out.pop().unwrap()
}

#[test]
fn a_single_get_is_one_batch_to_the_slot_owner() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K2)], now);
    assert!(!plan.is_done());
    assert_eq!(plan.deadline(), Some(now + r.options().request_timeout));
    let batches = plan.ready(&r, now);
    assert_eq!(batches.len(), 1);
    assert_eq!(&*batches[0].addr, P2);
    assert_eq!(batches[0].entries[..], [(0, false)]);
    assert_eq!(argv(&plan.commands(0)[0]), ["GET", K2]);
    // In flight: not offered again.
    assert!(plan.ready(&r, now).is_empty());
    plan.on_reply(&r, P2, 0, Outcome::Reply(bulk("hello")), now);
    assert!(plan.is_done());
    assert!(plan.ready(&r, now).is_empty());
    assert_eq!(plan.deadline(), None);
    assert_eq!(ok_value(one(plan)), bulk("hello"));
}

#[test]
fn a_read_goes_to_a_replica_under_prefer_replica_and_a_write_to_the_primary() {
    let r = router_with(opts().read_policy(ReadPolicy::PreferReplica));
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K2), cmd("SET").arg(K2).arg(1)], now);
    let sent = round(&mut plan, &r, now, fake);
    let mut nodes = nodes_of(&sent);
    nodes.sort();
    assert_eq!(nodes, [P2, R2]);
    let out = plan.finish();
    assert_eq!(ok_value(out[0].clone()), bulk(&format!("{K2}@{R2}")));
}

#[test]
fn a_read_that_fails_on_a_replica_is_retried_on_the_primary() {
    let r = router_with(opts().read_policy(ReadPolicy::PreferReplica));
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K2)], now);
    let batches = plan.ready(&r, now);
    assert_eq!(&*batches[0].addr, R2);
    let loading = Value::Error(Bytes::from_static(
        b"LOADING Redis is loading the dataset in memory",
    ));
    plan.on_reply(
        &r,
        R2,
        batches[0].entries[0].0,
        Outcome::Reply(loading),
        now,
    );
    let later = plan.next_wake().expect("a retry is scheduled");
    let batches = plan.ready(&r, later);
    assert_eq!(&*batches[0].addr, P2, "the retry goes to the primary");
}

#[test]
fn encode_writes_every_command_of_a_sub_request() {
    let r = router();
    let now = Instant::now();
    let plan = Plan::new(&r, [cmd("GET").arg("k")], now);
    let mut out = bytes::BytesMut::new();
    assert_eq!(plan.encode(0, &mut out), 1);
    assert_eq!(&out[..], b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    let tx = Plan::transaction(&r, vec![cmd("INCR").arg("k")], now);
    let mut out = bytes::BytesMut::new();
    assert_eq!(tx.encode(0, &mut out), 3);
    assert_eq!(
        &out[..],
        &b"*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n*1\r\n$4\r\nEXEC\r\n"[..]
    );
}

#[test]
fn mget_over_three_shards_is_one_batch_per_node_and_keeps_the_callers_key_order() {
    let r = router();
    let now = Instant::now();
    // K0 and "{b}x" share slot 3300; K0B is another slot of shard 0.
    let mget = cmd("MGET").arg(K0).arg(K1).arg("{b}x").arg(K2).arg(K0B);
    let mut plan = Plan::new(&r, [mget], now);
    let sent = round(&mut plan, &r, now, fake);
    let mut nodes = nodes_of(&sent);
    nodes.sort();
    assert_eq!(nodes, [P0, P1, P2], "one batch per node");
    let p0 = &sent.iter().find(|(a, _)| a == P0).unwrap().1;
    let p0_cmds: HashSet<Vec<String>> = p0.iter().map(|(_, _, c)| c[0].clone()).collect();
    let expect: HashSet<Vec<String>> = [
        vec!["MGET".to_string(), K0.into(), "{b}x".into()],
        vec!["MGET".to_string(), K0B.into()],
    ]
    .into_iter()
    .collect();
    assert_eq!(p0_cmds, expect);
    assert!(plan.is_done());
    let v = ok_value(one(plan));
    let want: Vec<Value> = [K0, K1, "{b}x", K2, K0B]
        .iter()
        .map(|k| bulk(&format!("v:{k}")))
        .collect();
    assert_eq!(v, Value::Array(want));
}

#[test]
fn mget_of_keys_in_one_slot_is_sent_unsplit() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("MGET").arg("{u}1").arg("{u}2")], now);
    let sent = round(&mut plan, &r, now, fake);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1[0].2[0], ["MGET", "{u}1", "{u}2"]);
    assert_eq!(
        ok_value(one(plan)),
        Value::Array(vec![bulk("v:{u}1"), bulk("v:{u}2")])
    );
}

#[test]
fn one_failing_part_fails_the_whole_mget() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("MGET").arg(K0).arg(K1).arg(K2)], now);
    round(&mut plan, &r, now, |addr, a| {
        if addr == P1 {
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        } else {
            fake(addr, a)
        }
    });
    assert!(plan.is_done());
    let e = one(plan).unwrap_err();
    assert_eq!(e.code(), "WRONGTYPE");
    assert!(
        matches!(e, Error::Server { ref node, .. } if node == P1),
        "{e:?}"
    );
}

#[test]
fn del_and_exists_across_shards_sum_the_counts() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(
        &r,
        [
            cmd("DEL").arg(K0).arg(K1).arg(K2).arg("{b}y"),
            cmd("EXISTS").arg(K0).arg(K2),
            cmd("UNLINK").arg(K1),
        ],
        now,
    );
    round(&mut plan, &r, now, fake);
    let out = plan.finish();
    assert_eq!(ok_value(out[0].clone()), Value::Int(4));
    assert_eq!(ok_value(out[1].clone()), Value::Int(2));
    assert_eq!(ok_value(out[2].clone()), Value::Int(1));
}

#[test]
fn mset_across_shards_splits_the_pairs_and_answers_ok() {
    let r = router();
    let now = Instant::now();
    let mset = cmd("MSET")
        .arg(K0)
        .arg("v0")
        .arg(K1)
        .arg("v1")
        .arg(K2)
        .arg("v2");
    let mut plan = Plan::new(&r, [mset], now);
    let sent = round(&mut plan, &r, now, fake);
    let mut subcmds: Vec<Vec<String>> = sent
        .iter()
        .flat_map(|(_, e)| e.iter().map(|(_, _, c)| c[0].clone()))
        .collect();
    subcmds.sort();
    assert_eq!(
        subcmds,
        [
            vec!["MSET", K2, "v2"],
            vec!["MSET", K0, "v0"],
            vec!["MSET", K1, "v1"],
        ]
    );
    assert_eq!(ok_value(one(plan)), simple("OK"));
}

#[test]
fn mset_with_a_missing_value_is_not_split_into_a_silent_empty_write() {
    // `MSET a v b` is a syntax error on a server; split by slot it must not become
    // `MSET a v` + `MSET b ""`.
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("MSET").arg(K0).arg("v0").arg(K1)], now);
    let sent = round(&mut plan, &r, now, |_, a| {
        if a.len() % 2 == 0 {
            err("ERR wrong number of arguments for 'mset' command")
        } else {
            simple("OK")
        }
    });
    let all: Vec<Vec<String>> = sent
        .iter()
        .flat_map(|(_, e)| e.iter().map(|(_, _, c)| c[0].clone()))
        .collect();
    assert!(
        !all.iter()
            .any(|c| c.len() == 3 && c[1] == K1 && c[2].is_empty()),
        "sent an empty value: {all:?}"
    );
    let e = one(plan).unwrap_err();
    assert!(e.to_string().contains("wrong number of arguments"), "{e}");
}

#[test]
fn dbsize_sums_over_the_primaries() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("DBSIZE")], now);
    let sent = round(&mut plan, &r, now, |addr, _| {
        Value::Int(match addr {
            P0 => 10,
            P1 => 20,
            P2 => 30,
            other => panic!("DBSIZE sent to the replica {other}"),
        })
    });
    let mut nodes = nodes_of(&sent);
    nodes.sort();
    assert_eq!(nodes, [P0, P1, P2]);
    assert_eq!(ok_value(one(plan)), Value::Int(60));
}

#[test]
fn keys_concatenates_the_primaries_answers() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("KEYS").arg("*")], now);
    round(&mut plan, &r, now, |addr, _| {
        Value::Array(vec![bulk(&format!("{addr}/1")), bulk(&format!("{addr}/2"))])
    });
    let Value::Array(all) = ok_value(one(plan)) else {
        panic!("not an array")
    };
    assert_eq!(all.len(), 6);
    for p in [P0, P1, P2] {
        assert!(all.contains(&bulk(&format!("{p}/1"))));
        assert!(all.contains(&bulk(&format!("{p}/2"))));
    }
}

#[test]
fn info_is_a_map_keyed_by_every_node() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("INFO").arg("server")], now);
    let sent = round(&mut plan, &r, now, |addr, _| {
        bulk(&format!("# Server of {addr}"))
    });
    assert_eq!(sent.len(), 6, "INFO goes to replicas too");
    let Value::Map(m) = ok_value(one(plan)) else {
        panic!("not a map")
    };
    assert_eq!(m.len(), 6);
    for n in [P0, P1, P2, R0, R1, R2] {
        let v = m
            .iter()
            .find(|(k, _)| *k == bulk(n))
            .map(|(_, v)| v.clone());
        assert_eq!(v, Some(bulk(&format!("# Server of {n}"))), "{n}");
    }
}

#[test]
fn script_exists_is_the_logical_and_of_the_primaries() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(
        &r,
        [cmd("SCRIPT").arg("EXISTS").arg("s1").arg("s2").arg("s3")],
        now,
    );
    let sent = round(&mut plan, &r, now, |addr, _| {
        let ints = match addr {
            P0 => [1, 1, 0],
            P1 => [1, 0, 0],
            _ => [1, 1, 0],
        };
        Value::Array(ints.into_iter().map(Value::Int).collect())
    });
    assert_eq!(sent.len(), 3);
    assert_eq!(
        ok_value(one(plan)),
        Value::Array(vec![Value::Int(1), Value::Int(0), Value::Int(0)])
    );
}

#[test]
fn script_load_and_ping_go_to_every_node_and_answer_once() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(
        &r,
        [cmd("SCRIPT").arg("LOAD").arg("return 1"), cmd("PING")],
        now,
    );
    let sent = round(&mut plan, &r, now, |_, a| {
        if a[0] == "PING" {
            simple("PONG")
        } else {
            bulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
        }
    });
    assert_eq!(sent.len(), 6);
    assert!(sent.iter().all(|(_, e)| e.len() == 2));
    let out = plan.finish();
    assert_eq!(
        ok_value(out[0].clone()),
        bulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    );
    assert_eq!(ok_value(out[1].clone()), simple("PONG"));
}

#[test]
fn a_fanout_fails_when_one_node_fails() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("FLUSHALL")], now);
    round(&mut plan, &r, now, |addr, _| {
        if addr == P1 {
            err("ERR Errors trying to FLUSHALL")
        } else {
            simple("OK")
        }
    });
    let e = one(plan).unwrap_err();
    assert!(
        matches!(e, Error::Server { ref node, .. } if node == P1),
        "{e:?}"
    );
}

#[test]
fn a_lost_fanout_read_is_retried_at_the_same_node() {
    let r = router_with(opts().retries(5, ms(1), ms(1)));
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("DBSIZE")], now);
    let batches = plan.ready(&r, now);
    for b in &batches {
        let subs: Vec<usize> = b.entries.iter().map(|e| e.0).collect();
        if &*b.addr == P1 {
            plan.on_failure(
                &r,
                &b.addr,
                &subs,
                || Outcome::Lost(io_error(P1, "reset")),
                now,
            );
        } else {
            plan.on_replies(&r, &b.addr, &subs, vec![Value::Int(1)], now);
        }
    }
    assert!(!plan.is_done());
    assert_eq!(
        plan.take_reconnects()
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>(),
        [P1]
    );
    let later = plan.next_wake().expect("a retry is scheduled");
    assert!(later > now);
    let sent = round(&mut plan, &r, later, |_, _| Value::Int(5));
    assert_eq!(nodes_of(&sent), [P1]);
    assert_eq!(ok_value(one(plan)), Value::Int(7));
}

#[test]
fn a_borrowed_pipeline_sends_the_callers_own_commands_and_answers_like_an_owned_one() {
    let r = router();
    let now = Instant::now();
    let cmds = [
        cmd("GET").arg(K1),
        cmd("MGET").arg(K0).arg(K1).arg(K2),
        cmd("FLUSHALL"),
        cmd("INCR").arg(K2),
    ];
    let mut owned = Plan::new(&r, cmds.clone(), now);
    let mut borrowed = Plan::borrowed(&r, &cmds, now);
    // A plain command is the caller's own value, not a copy; so is each fan-out piece.
    let plain = plan_sub_of(&borrowed, |c| c[0] == "GET");
    assert!(std::ptr::eq(&borrowed.commands(plain)[0], &cmds[0]));
    let flush = plan_sub_of(&borrowed, |c| c[0] == "FLUSHALL");
    assert!(std::ptr::eq(&borrowed.commands(flush)[0], &cmds[2]));
    let sent_owned = round(&mut owned, &r, now, fake);
    let sent_borrowed = round(&mut borrowed, &r, now, fake);
    assert_eq!(sent_borrowed, sent_owned);
    assert!(owned.is_done() && borrowed.is_done());
    let results = |p: Plan| -> Vec<Value> { p.finish().into_iter().map(ok_value).collect() };
    let want = results(owned);
    assert_eq!(want.len(), 4);
    assert_eq!(results(borrowed), want);
    // The caller still has every command, untouched.
    assert_eq!(argv(&cmds[1]), ["MGET", K0, K1, K2]);
}

/// The first sub-request whose (first) command's argv satisfies `f`.
fn plan_sub_of(plan: &Plan, f: impl Fn(&[String]) -> bool) -> usize {
    (0..)
        .find(|&s| f(&argv(&plan.commands(s)[0])))
        .expect("no such sub-request")
}

#[test]
fn a_pipeline_groups_per_node_and_answers_in_the_callers_order() {
    let r = router();
    let now = Instant::now();
    let cmds = [
        cmd("SET").arg(K0).arg(1),
        cmd("GET").arg(K1),
        cmd("INCR").arg(K2),
        cmd("GET").arg(K0B),
        cmd("GET").arg("foo"),
    ];
    let mut plan = Plan::new(&r, cmds, now);
    let batches = plan.ready(&r, now);
    assert_eq!(batches.len(), 3);
    let by_node = |n: &str| {
        batches
            .iter()
            .find(|b| &*b.addr == n)
            .map(|b| b.entries.to_vec())
            .unwrap()
    };
    assert_eq!(by_node(P0), [(0, false), (3, false)]);
    assert_eq!(by_node(P1), [(1, false)]);
    assert_eq!(by_node(P2), [(2, false), (4, false)]);
    // Replies come back node by node, in any node order.
    for b in batches.iter().rev() {
        let subs: Vec<usize> = b.entries.iter().map(|e| e.0).collect();
        let replies: Vec<Value> = subs
            .iter()
            .map(|&s| fake(&b.addr, &argv(&plan.commands(s)[0])))
            .collect();
        plan.on_replies(&r, &b.addr, &subs, replies, now);
    }
    assert!(plan.is_done());
    let out: Vec<Value> = plan.finish().into_iter().map(ok_value).collect();
    assert_eq!(
        out,
        [
            simple("OK"),
            bulk(&format!("{K1}@{P1}")),
            Value::Int(1),
            bulk(&format!("{K0B}@{P0}")),
            bulk(&format!("foo@{P2}")),
        ]
    );
}

#[test]
fn a_moved_in_a_pipeline_resends_only_that_command_to_the_new_owner() {
    let r = router();
    let now = Instant::now();
    let cmds = [cmd("GET").arg(K0), cmd("GET").arg(K1), cmd("GET").arg(K2)];
    let mut plan = Plan::new(&r, cmds, now);
    round(&mut plan, &r, now, |addr, a| {
        if a[1] == K1 {
            err("MOVED 7365 127.0.0.1:7002")
        } else {
            fake(addr, a)
        }
    });
    assert!(!plan.is_done());
    let sent = round(&mut plan, &r, now, fake);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, P2);
    assert_eq!(sent[0].1.len(), 1);
    assert_eq!((sent[0].1[0].0, sent[0].1[0].1), (1, false));
    assert!(plan.is_done());
    assert_eq!(r.stats().moved, 1);
    let out: Vec<Value> = plan.finish().into_iter().map(ok_value).collect();
    assert_eq!(
        out,
        [
            bulk(&format!("{K0}@{P0}")),
            bulk(&format!("{K1}@{P2}")),
            bulk(&format!("{K2}@{P2}")),
        ]
    );
    // The map learned the move: a new plan goes straight there.
    let mut again = Plan::new(&r, [cmd("GET").arg(K1)], now);
    assert_eq!(&*again.ready(&r, now)[0].addr, P2);
}

#[test]
fn an_ask_in_a_pipeline_is_sent_with_asking_to_the_target_only() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K0), cmd("GET").arg(K1)], now);
    round(&mut plan, &r, now, |addr, a| {
        if a[1] == K0 {
            err("ASK 3300 127.0.0.1:7001")
        } else {
            fake(addr, a)
        }
    });
    let sent = round(&mut plan, &r, now, fake);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, P1);
    assert_eq!((sent[0].1[0].0, sent[0].1[0].1), (0, true));
    assert_eq!(
        r.topology()
            .primary_of(slot(3300))
            .map(|a| a.to_string())
            .as_deref(),
        Some(P0)
    );
    assert_eq!(
        plan.finish().into_iter().map(ok_value).collect::<Vec<_>>(),
        [bulk(&format!("{K0}@{P1}")), bulk(&format!("{K1}@{P1}"))]
    );
}

#[test]
fn one_commands_error_does_not_lose_the_others_replies() {
    let r = router();
    let now = Instant::now();
    let cmds = [cmd("GET").arg(K0), cmd("INCR").arg(K0B), cmd("GET").arg(K1)];
    let mut plan = Plan::new(&r, cmds, now);
    round(&mut plan, &r, now, |addr, a| {
        if a[0] == "INCR" {
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        } else {
            fake(addr, a)
        }
    });
    assert!(plan.is_done());
    let out = plan.finish();
    assert_eq!(ok_value(out[0].clone()), bulk(&format!("{K0}@{P0}")));
    assert_eq!(out[1].as_ref().unwrap_err().code(), "WRONGTYPE");
    assert_eq!(ok_value(out[2].clone()), bulk(&format!("{K1}@{P1}")));
}

#[test]
fn a_tryagain_waits_for_its_backoff_before_being_sent_again() {
    let r = router_with(opts().retries(5, ms(20), ms(200)));
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K0), cmd("GET").arg(K1)], now);
    assert_eq!(plan.next_wake(), None);
    round(&mut plan, &r, now, |addr, a| {
        if a[1] == K0 {
            err("TRYAGAIN Multiple keys request during rehashing of slot")
        } else {
            fake(addr, a)
        }
    });
    let wake = plan.next_wake().expect("the retry is scheduled");
    assert!(
        wake >= now + ms(10) && wake < now + ms(20),
        "{:?}",
        wake - now
    );
    assert!(plan.ready(&r, now).is_empty());
    assert!(plan.ready(&r, wake - ms(1)).is_empty());
    let sent = round(&mut plan, &r, wake, fake);
    assert_eq!(nodes_of(&sent), [P0]);
    assert_eq!(sent[0].1[0].0, 0);
    assert!(plan.is_done());
    assert_eq!(plan.next_wake(), None);
    assert_eq!(
        ok_value(plan.finish().remove(0)),
        bulk(&format!("{K0}@{P0}"))
    );
}

#[test]
fn missing_replies_count_as_a_lost_connection() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K0), cmd("SET").arg(K0B).arg(1)], now);
    let batches = plan.ready(&r, now);
    assert_eq!(batches.len(), 1);
    let subs: Vec<usize> = batches[0].entries.iter().map(|e| e.0).collect();
    assert_eq!(subs, [0, 1]);
    plan.on_replies(&r, P0, &subs, vec![bulk("only one")], now);
    // The read got its reply; the write's reply never came: reported, not retried.
    assert!(plan.is_done());
    let out = plan.finish();
    assert_eq!(ok_value(out[0].clone()), bulk("only one"));
    let e = out[1].as_ref().unwrap_err();
    assert!(
        e.to_string().contains("may or may not have been applied"),
        "{e}"
    );
}

#[test]
fn a_read_whose_reply_is_missing_is_retried() {
    let r = router_with(opts().retries(5, ms(1), ms(1)));
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K0)], now);
    let b = plan.ready(&r, now);
    plan.on_replies(&r, &b[0].addr, &[0], Vec::new(), now);
    assert!(!plan.is_done());
    assert_eq!(plan.take_reconnects().len(), 1);
    assert!(plan.take_reconnects().is_empty(), "taken once");
    let wake = plan.next_wake().unwrap();
    round(&mut plan, &r, wake, fake);
    assert!(plan.is_done());
}

#[test]
fn a_moved_back_to_the_sender_asks_the_driver_to_reconnect_to_it() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K0)], now);
    round(&mut plan, &r, now, |_, _| err("MOVED 3300 127.0.0.1:7000"));
    let rc: Vec<String> = plan
        .take_reconnects()
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(rc, [P0]);
    let sent = round(&mut plan, &r, now, fake);
    assert_eq!(nodes_of(&sent), [P0]);
    assert!(plan.is_done());
}

#[test]
fn no_route_schedules_a_retry_and_asks_for_a_refresh() {
    let r = Router::new(opts().retries(3, ms(10), ms(10)));
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K0)], now);
    assert!(plan.ready(&r, now).is_empty());
    assert!(r.refresh_gate().is_wanted());
    let wake = plan.next_wake().expect("retry scheduled");
    // The map arrives; the retry goes to the owner.
    r.set_topology(three_shards());
    let sent = round(&mut plan, &r, wake, fake);
    assert_eq!(nodes_of(&sent), [P0]);
    assert!(plan.is_done());
}

#[test]
fn no_route_until_the_budget_is_spent_fails_the_request() {
    let r = Router::new(opts().retries(2, ms(1), ms(1)));
    let mut now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K0)], now);
    for _ in 0..3 {
        assert!(plan.ready(&r, now).is_empty());
        if let Some(w) = plan.next_wake() {
            now = w;
        }
    }
    assert!(plan.is_done());
    assert_eq!(one(plan).unwrap_err().code(), "CLUSTERDOWN");
}

#[test]
fn a_cross_slot_command_fails_before_anything_is_sent() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("RENAME").arg(K0).arg(K1), cmd("GET").arg(K1)], now);
    let sent = round(&mut plan, &r, now, fake);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.len(), 1, "only the GET is sent");
    let out = plan.finish();
    assert!(
        matches!(out[0], Err(Error::CrossSlot { .. })),
        "{:?}",
        out[0]
    );
    assert_eq!(ok_value(out[1].clone()), bulk(&format!("{K1}@{P1}")));
}

#[test]
fn an_empty_command_is_a_config_error() {
    let r = router();
    let now = Instant::now();
    let empty = Cmd::from_args(Vec::<&str>::new());
    let mut plan = Plan::new(&r, [empty, Cmd::new(""), cmd("GET").arg(K0)], now);
    let sent = round(&mut plan, &r, now, fake);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.len(), 1);
    let out = plan.finish();
    assert!(matches!(out[0], Err(Error::Config(_))), "{:?}", out[0]);
    assert!(matches!(out[1], Err(Error::Config(_))), "{:?}", out[1]);
    assert_eq!(ok_value(out[2].clone()), bulk(&format!("{K0}@{P0}")));
}

#[test]
fn an_empty_plan_is_done_at_once() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, Vec::new(), now);
    assert!(plan.is_done());
    assert!(plan.ready(&r, now).is_empty());
    assert!(plan.finish().is_empty());
}

#[test]
fn keyless_commands_go_to_a_primary() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("ECHO").arg("hi")], now);
    let sent = round(&mut plan, &r, now, |_, a| bulk(&a[1]));
    assert_eq!(sent.len(), 1);
    assert!([P0, P1, P2].contains(&sent[0].0.as_str()));
    assert_eq!(ok_value(one(plan)), bulk("hi"));
}

#[test]
fn unfinished_sub_requests_finish_as_closed() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K0)], now);
    plan.ready(&r, now);
    assert!(matches!(one(plan), Err(Error::Closed)));
}

// Transactions.

#[test]
fn a_cross_slot_transaction_fails_without_sending_anything() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(
        &r,
        vec![cmd("SET").arg(K0).arg(1), cmd("SET").arg(K1).arg(2)],
        now,
    );
    assert!(plan.ready(&r, now).is_empty());
    assert!(plan.is_done());
    match one(plan) {
        Err(Error::CrossSlot { context, keys }) => {
            assert!(context.contains("MULTI"), "{context}");
            let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
            assert_eq!(names, [K0, K1]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_same_slot_transaction_is_one_batch_of_multi_commands_exec() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(
        &r,
        vec![cmd("SET").arg("{u}a").arg(1), cmd("INCR").arg("{u}b")],
        now,
    );
    let batches = plan.ready(&r, now);
    assert_eq!(batches.len(), 1);
    let owner = r.topology().primary_of(key_slot(b"u")).unwrap().clone();
    assert_eq!(batches[0].addr, owner);
    assert_eq!(batches[0].entries[..], [(0, false)]);
    let cmds: Vec<Vec<String>> = plan.commands(0).iter().map(argv).collect();
    assert_eq!(
        cmds,
        [
            vec!["MULTI"],
            vec!["SET", "{u}a", "1"],
            vec!["INCR", "{u}b"],
            vec!["EXEC"],
        ]
    );
    let exec = Value::Array(vec![simple("OK"), Value::Int(1)]);
    plan.on_reply(
        &r,
        &owner,
        0,
        Outcome::Reply(Value::Array(vec![
            simple("OK"),
            simple("QUEUED"),
            simple("QUEUED"),
            exec.clone(),
        ])),
        now,
    );
    assert!(plan.is_done());
    assert_eq!(ok_value(one(plan)), exec);
}

#[test]
fn transaction_replies_can_be_fed_flat_with_on_replies() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![cmd("INCR").arg(K0)], now);
    let b = plan.ready(&r, now);
    let exec = Value::Array(vec![Value::Int(3)]);
    plan.on_replies(
        &r,
        &b[0].addr,
        &[0],
        vec![simple("OK"), simple("QUEUED"), exec.clone()],
        now,
    );
    assert_eq!(ok_value(one(plan)), exec);
}

#[test]
fn a_transaction_with_too_few_replies_is_reported_as_maybe_applied() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![cmd("INCR").arg(K0)], now);
    let b = plan.ready(&r, now);
    plan.on_replies(
        &r,
        &b[0].addr,
        &[0],
        vec![simple("OK"), simple("QUEUED")],
        now,
    );
    let e = one(plan).unwrap_err();
    assert!(
        e.to_string().contains("may or may not have been applied"),
        "{e}"
    );
}

#[test]
fn a_moved_among_the_queued_replies_redirects_the_whole_transaction() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![cmd("SET").arg(K0).arg(1), cmd("GET").arg(K0)], now);
    let sent = round(&mut plan, &r, now, |_, a| match a[0].as_str() {
        "MULTI" => simple("OK"),
        "EXEC" => err("EXECABORT Transaction discarded because of previous errors."),
        _ => err("MOVED 3300 127.0.0.1:7001"),
    });
    assert_eq!(nodes_of(&sent), [P0]);
    assert!(!plan.is_done());
    assert_eq!(r.stats().moved, 1);
    let exec = Value::Array(vec![simple("OK"), bulk("1")]);
    let sent = round(&mut plan, &r, now, |_, a| match a[0].as_str() {
        "EXEC" => exec.clone(),
        "MULTI" => simple("OK"),
        _ => simple("QUEUED"),
    });
    assert_eq!(nodes_of(&sent), [P1]);
    let (_, asking, cmds) = &sent[0].1[0];
    assert!(!asking);
    assert_eq!(cmds.len(), 4, "MULTI, both commands and EXEC are resent");
    assert_eq!(ok_value(one(plan)), exec);
}

#[test]
fn an_ask_in_a_transaction_becomes_a_retry_not_a_redirect() {
    let r = router_with(opts().retries(5, ms(10), ms(10)));
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![cmd("SET").arg(K0).arg(1)], now);
    round(&mut plan, &r, now, |_, a| match a[0].as_str() {
        "MULTI" => simple("OK"),
        "EXEC" => err("EXECABORT Transaction discarded because of previous errors."),
        _ => err("ASK 3300 127.0.0.1:7001"),
    });
    assert!(!plan.is_done());
    assert!(
        plan.ready(&r, now).is_empty(),
        "not sent at once to the ASK target"
    );
    let wake = plan.next_wake().expect("a retry is scheduled");
    assert!(wake > now);
    let sent = round(&mut plan, &r, wake, |_, a| match a[0].as_str() {
        "EXEC" => Value::Array(vec![simple("OK")]),
        "MULTI" => simple("OK"),
        _ => simple("QUEUED"),
    });
    // Back to the slot's owner (the map did not change), never ASKING-guarded.
    assert_eq!(nodes_of(&sent), [P0]);
    assert!(!sent[0].1[0].1);
    assert_eq!(ok_value(one(plan)), Value::Array(vec![simple("OK")]));
}

#[test]
fn an_execabort_for_a_command_error_is_the_transactions_answer() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![cmd("SET").arg(K0)], now);
    round(&mut plan, &r, now, |_, a| match a[0].as_str() {
        "MULTI" => simple("OK"),
        "EXEC" => err("EXECABORT Transaction discarded because of previous errors."),
        _ => err("ERR wrong number of arguments for 'set' command"),
    });
    assert!(plan.is_done());
    assert_eq!(one(plan).unwrap_err().code(), "EXECABORT");
}

#[test]
fn a_watched_transaction_that_aborts_answers_nil() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![cmd("INCR").arg(K0)], now);
    round(&mut plan, &r, now, |_, a| match a[0].as_str() {
        "EXEC" => Value::Nil,
        "MULTI" => simple("OK"),
        _ => simple("QUEUED"),
    });
    assert_eq!(ok_value(one(plan)), Value::Nil);
}

#[test]
fn a_keyless_transaction_goes_to_a_primary() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![cmd("PING")], now);
    let b = plan.ready(&r, now);
    assert_eq!(b.len(), 1);
    assert!([P0, P1, P2].contains(&&*b[0].addr));
}

#[test]
fn an_empty_command_in_a_transaction_is_rejected_before_sending() {
    // `*0\r\n` gets no reply from a server: sending it would desynchronise the replies.
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(
        &r,
        vec![cmd("INCR").arg(K0), Cmd::from_args(Vec::<&str>::new())],
        now,
    );
    assert!(plan.ready(&r, now).is_empty());
    assert!(matches!(one(plan), Err(Error::Config(_))));
}

// Reporting and ending early.

#[test]
fn routes_report_slot_final_node_redirects_and_retries_per_item() {
    let r = router_with(opts().retries(5, ms(1), ms(1)));
    let now = Instant::now();
    let cmds = [
        cmd("GET").arg(K1),
        cmd("MGET").arg(K0).arg(K2),
        cmd("RENAME").arg(K0).arg(K1),
        cmd("GET").arg(K0),
    ];
    let mut plan = Plan::new(&r, cmds, now);
    round(&mut plan, &r, now, |addr, a| {
        match (a[0].as_str(), a[1].as_str()) {
            ("GET", K1) => err("MOVED 7365 127.0.0.1:7002"),
            ("GET", K0) => err("TRYAGAIN later"),
            _ => fake(addr, a),
        }
    });
    let wake = plan.next_wake().unwrap();
    round(&mut plan, &r, wake, fake);
    assert!(plan.is_done());
    let routes = plan.routes();
    assert_eq!(routes.len(), 4);
    assert_eq!(
        routes[0],
        Route {
            slot: Some(slot(7365)),
            nodes: vec![P2.into()],
            redirects: 1,
            retries: 0,
        }
    );
    let mut mget_nodes: Vec<&str> = routes[1].nodes.iter().map(|a| &**a).collect();
    mget_nodes.sort();
    assert_eq!(mget_nodes, [P0, P2]);
    assert_eq!((routes[1].redirects, routes[1].retries), (0, 0));
    assert!(routes[1].slot.is_some());
    assert_eq!(
        routes[2],
        Route {
            slot: None,
            nodes: Vec::new(),
            redirects: 0,
            retries: 0,
        },
        "a command that failed before sending went nowhere"
    );
    assert_eq!(routes[3].nodes, [std::sync::Arc::<str>::from(P0)]);
    assert_eq!(routes[3].retries, 1);
}

#[test]
fn finish_with_fails_only_the_open_sub_requests() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("GET").arg(K0), cmd("GET").arg(K1)], now);
    let batches = plan.ready(&r, now);
    let p0 = batches.iter().find(|b| &*b.addr == P0).unwrap();
    let subs: Vec<usize> = p0.entries.iter().map(|e| e.0).collect();
    plan.on_replies(&r, P0, &subs, vec![bulk("v")], now);
    assert!(!plan.is_done());
    let out = plan.finish_with(Error::Closed);
    assert_eq!(ok_value(out[0].clone()), bulk("v"));
    assert!(matches!(out[1], Err(Error::Closed)));
}

#[test]
fn a_fanout_to_every_node_skips_replicas_the_cluster_marks_failed() {
    let r = router();
    let mut t = three_shards();
    let mut shards = t.shards().to_vec();
    shards[1].replicas[0].health = Health::Failed;
    t = Topology::from_shards(shards);
    r.set_topology(t);
    let now = Instant::now();
    let mut plan = Plan::new(&r, [cmd("PING")], now);
    let sent = round(&mut plan, &r, now, |_, _| simple("PONG"));
    let mut nodes = nodes_of(&sent);
    nodes.sort();
    assert_eq!(nodes, [P0, P1, P2, R0, R2]);
    assert_eq!(ok_value(one(plan)), simple("PONG"));
}

#[test]
fn connection_state_commands_fail_before_anything_is_sent() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::new(
        &r,
        [cmd("MULTI"), cmd("GET").arg(K0), cmd("subscribe").arg("ch")],
        now,
    );
    let sent = round(&mut plan, &r, now, fake);
    assert_eq!(sent.len(), 1, "only the GET is sent");
    let out = plan.finish();
    let multi = out[0].as_ref().unwrap_err().to_string();
    assert!(
        multi.contains("MULTI") && multi.contains("Pipeline::transaction"),
        "{multi}"
    );
    assert!(out[1].is_ok());
    assert!(matches!(out[2], Err(Error::Config(_))), "{:?}", out[2]);
    // Inside a transaction too.
    let tx = Plan::transaction(&r, vec![cmd("SET").arg(K0).arg("1"), cmd("EXEC")], now);
    assert!(matches!(one(tx), Err(Error::Config(_))));
}

#[test]
fn an_ask_inside_a_transaction_waits_instead_of_following() {
    let r = router();
    let now = Instant::now();
    let mut plan = Plan::transaction(&r, vec![cmd("INCR").arg(K0)], now);
    let first = round(&mut plan, &r, now, |_, a| {
        if a[0] == "INCR" {
            err(&format!("ASK {} {P1}", key_slot(K0.as_bytes()).get()))
        } else {
            simple("OK")
        }
    });
    assert_eq!(nodes_of(&first), [P0]);
    // Nothing is ready at once (a retry waits its backoff), and nothing went to P1.
    assert!(plan.ready(&r, now).is_empty());
    let wake = plan.next_wake().expect("a retry is scheduled");
    let again = round(&mut plan, &r, wake, |_, a| match a[0].as_str() {
        "INCR" => Value::Int(1),
        "EXEC" => Value::Array(vec![Value::Int(1)]),
        _ => simple("OK"),
    });
    assert_eq!(nodes_of(&again), [P0]);
    assert!(one(plan).is_ok());
}

#[test]
fn on_known_node_runs_on_that_node_only_and_refuses_unknown_addresses() {
    let r = router();
    let now = Instant::now();
    // the command goes to the named node (a replica), whatever the command
    let mut plan = Plan::on_known_node(&r, R1, cmd("DBSIZE"), now).unwrap();
    let sent = round(&mut plan, &r, now, |_, _| Value::Int(4));
    assert_eq!(nodes_of(&sent), [R1]);
    assert_eq!(one(plan).unwrap(), Value::Int(4));
    let e = Plan::on_known_node(&r, "127.0.0.1:1", cmd("PING"), now).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert!(e.to_string().contains("127.0.0.1:1 is not a node"), "{e}");
}
