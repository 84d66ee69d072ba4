//! Parsing CLUSTER SHARDS / CLUSTER SLOTS, the slot map, view voting and address maps.

use bytes::Bytes;

use super::*;
use crate::resp::Value;

fn b(s: &str) -> Value {
    Value::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn slot(n: u16) -> Slot {
    Slot::new(n).unwrap()
}

fn primary(t: &Topology, n: u16) -> Option<String> {
    t.primary_of(slot(n)).map(|a| a.to_string())
}

/// One node of a CLUSTER SHARDS reply as key/value pairs.
fn shards_node(
    id: &str,
    port: i64,
    ip: Value,
    endpoint: Value,
    role: &str,
    health: &str,
) -> Vec<(Value, Value)> {
    vec![
        (b("id"), b(id)),
        (b("port"), int(port)),
        (b("ip"), ip),
        (b("endpoint"), endpoint),
        (b("role"), b(role)),
        (b("replication-offset"), int(72156)),
        (b("health"), b(health)),
    ]
}

fn flat(kv: Vec<(Value, Value)>) -> Value {
    Value::Array(kv.into_iter().flat_map(|(k, v)| [k, v]).collect())
}

fn map(kv: Vec<(Value, Value)>) -> Value {
    Value::Map(kv)
}

/// A shard of a CLUSTER SHARDS reply, built with `wrap` (flat array for RESP2, map for RESP3).
fn shards_entry(
    ranges: &[(i64, i64)],
    nodes: Vec<Vec<(Value, Value)>>,
    wrap: fn(Vec<(Value, Value)>) -> Value,
) -> Value {
    let slots = Value::Array(ranges.iter().flat_map(|&(a, z)| [int(a), int(z)]).collect());
    wrap(vec![
        (b("slots"), slots),
        (
            b("nodes"),
            Value::Array(nodes.into_iter().map(wrap).collect()),
        ),
    ])
}

/// A realistic three-primary, three-replica CLUSTER SHARDS reply.
fn realistic_shards(wrap: fn(Vec<(Value, Value)>) -> Value) -> Value {
    let n = |id: &str, port: i64, role: &str| {
        shards_node(id, port, b("127.0.0.1"), b("127.0.0.1"), role, "online")
    };
    Value::Array(vec![
        shards_entry(
            &[(0, 5460)],
            vec![n("aaa", 7000, "master"), n("ddd", 7003, "replica")],
            wrap,
        ),
        shards_entry(
            &[(5461, 10922)],
            vec![n("eee", 7004, "replica"), n("bbb", 7001, "master")],
            wrap,
        ),
        shards_entry(
            &[(10923, 16383)],
            vec![n("ccc", 7002, "master"), n("fff", 7005, "replica")],
            wrap,
        ),
    ])
}

fn parse(reply: &Value) -> Topology {
    parse_shards(reply, "10.0.0.9", &AddressMap::Identity, false).expect("valid reply")
}

#[test]
fn parses_a_realistic_resp2_cluster_shards_reply() {
    let t = parse(&realistic_shards(flat));
    assert_eq!(t.shards().len(), 3);
    let s1 = &t.shards()[1];
    assert_eq!(&*s1.primary.addr, "127.0.0.1:7001");
    assert_eq!(s1.primary.id.as_deref(), Some("bbb"));
    assert_eq!(s1.primary.role, Role::Primary);
    assert_eq!(s1.primary.health, Health::Online);
    assert_eq!(s1.replicas.len(), 1);
    assert_eq!(&*s1.replicas[0].addr, "127.0.0.1:7004");
    assert_eq!(s1.replicas[0].role, Role::Replica);
    assert_eq!(s1.ranges, [(5461, 10922)]);
    assert_eq!(primary(&t, 0).as_deref(), Some("127.0.0.1:7000"));
    assert_eq!(primary(&t, 16383).as_deref(), Some("127.0.0.1:7002"));
    assert_eq!(t.assigned_slots(), 16384);
}

#[test]
fn resp3_and_resp2_cluster_shards_replies_give_the_same_topology() {
    assert_eq!(
        parse(&realistic_shards(map)),
        parse(&realistic_shards(flat))
    );
}

#[test]
fn cluster_shards_field_names_are_case_insensitive_and_ports_may_be_strings() {
    let node = vec![
        (b("PORT"), b("7000")),
        (b("IP"), b("127.0.0.1")),
        (b("Role"), b("master")),
    ];
    let reply = Value::Array(vec![shards_entry(&[(0, 16383)], vec![node], flat)]);
    let t = parse(&reply);
    assert_eq!(primary(&t, 5).as_deref(), Some("127.0.0.1:7000"));
    assert_eq!(t.shards()[0].primary.id, None);
    assert_eq!(t.shards()[0].primary.health, Health::Online);
}

#[test]
fn cluster_shards_slots_may_be_several_ranges() {
    let node = shards_node(
        "a",
        7000,
        b("127.0.0.1"),
        b("127.0.0.1"),
        "master",
        "online",
    );
    let reply = Value::Array(vec![shards_entry(
        &[(0, 10), (100, 100), (16000, 16383)],
        vec![node],
        flat,
    )]);
    let t = parse(&reply);
    assert_eq!(t.assigned_slots(), 11 + 1 + 384);
    assert!(t.primary_of(slot(10)).is_some());
    assert!(t.primary_of(slot(11)).is_none());
    assert!(t.primary_of(slot(100)).is_some());
    assert!(t.primary_of(slot(15999)).is_none());
}

#[test]
fn unusable_endpoints_fall_back_to_the_ip_then_to_the_answering_host() {
    let cases = [
        (b("127.0.0.5"), b(""), "127.0.0.5:7000"),
        (b("127.0.0.5"), b("?"), "127.0.0.5:7000"),
        (b("127.0.0.5"), Value::Nil, "127.0.0.5:7000"),
        (b(""), b("?"), "10.0.0.9:7000"),
        (Value::Nil, Value::Nil, "10.0.0.9:7000"),
        (b("?"), b(""), "10.0.0.9:7000"),
        (b("127.0.0.5"), b("redis-0.example"), "redis-0.example:7000"),
    ];
    for (ip, endpoint, want) in cases {
        let node = shards_node("a", 7000, ip.clone(), endpoint.clone(), "master", "online");
        let reply = Value::Array(vec![shards_entry(&[(0, 16383)], vec![node], flat)]);
        let t = parse(&reply);
        assert_eq!(
            primary(&t, 0).as_deref(),
            Some(want),
            "ip {ip:?} endpoint {endpoint:?}"
        );
    }
}

#[test]
fn a_node_without_ip_or_endpoint_fields_uses_the_answering_host() {
    let node = vec![(b("port"), int(7000)), (b("role"), b("master"))];
    let reply = Value::Array(vec![shards_entry(&[(0, 16383)], vec![node], map)]);
    let t = parse_shards(&reply, "192.168.1.1", &AddressMap::Identity, false).unwrap();
    assert_eq!(primary(&t, 0).as_deref(), Some("192.168.1.1:7000"));
}

#[test]
fn ipv6_hosts_are_bracketed() {
    let node = shards_node("a", 7000, b("::1"), b("::1"), "master", "online");
    let reply = Value::Array(vec![shards_entry(&[(0, 16383)], vec![node], flat)]);
    assert_eq!(primary(&parse(&reply), 0).as_deref(), Some("[::1]:7000"));
    let node = shards_node("a", 7000, b(""), b(""), "master", "online");
    let reply = Value::Array(vec![shards_entry(&[(0, 16383)], vec![node], flat)]);
    let t = parse_shards(&reply, "fe80::1", &AddressMap::Identity, false).unwrap();
    assert_eq!(primary(&t, 0).as_deref(), Some("[fe80::1]:7000"));
}

#[test]
fn failed_and_loading_nodes_are_kept_with_their_health() {
    let reply = Value::Array(vec![shards_entry(
        &[(0, 16383)],
        vec![
            shards_node(
                "a",
                7000,
                b("127.0.0.1"),
                b("127.0.0.1"),
                "master",
                "online",
            ),
            shards_node(
                "b",
                7001,
                b("127.0.0.1"),
                b("127.0.0.1"),
                "replica",
                "failed",
            ),
            shards_node(
                "c",
                7002,
                b("127.0.0.1"),
                b("127.0.0.1"),
                "replica",
                "loading",
            ),
        ],
        flat,
    )]);
    let t = parse(&reply);
    let r = &t.shards()[0].replicas;
    assert_eq!(r.len(), 2);
    assert_eq!(
        (&*r[0].addr, r[0].health),
        ("127.0.0.1:7001", Health::Failed)
    );
    assert_eq!(
        (&*r[1].addr, r[1].health),
        ("127.0.0.1:7002", Health::Loading)
    );
}

#[test]
fn a_shard_with_a_failed_old_master_picks_the_online_one_as_primary() {
    for order in [[0, 1], [1, 0]] {
        let nodes = [
            shards_node(
                "old",
                7000,
                b("127.0.0.1"),
                b("127.0.0.1"),
                "master",
                "failed",
            ),
            shards_node(
                "new",
                7003,
                b("127.0.0.1"),
                b("127.0.0.1"),
                "master",
                "online",
            ),
        ];
        let reply = Value::Array(vec![shards_entry(
            &[(0, 16383)],
            order.iter().map(|&i| nodes[i].clone()).collect(),
            flat,
        )]);
        let t = parse(&reply);
        let s = &t.shards()[0];
        assert_eq!(&*s.primary.addr, "127.0.0.1:7003", "order {order:?}");
        assert_eq!(s.primary.id.as_deref(), Some("new"));
        assert_eq!(s.replicas.len(), 1);
        assert_eq!(&*s.replicas[0].addr, "127.0.0.1:7000");
        assert_eq!(s.replicas[0].role, Role::Replica);
        assert_eq!(s.replicas[0].health, Health::Failed);
    }
}

#[test]
fn a_shard_without_slots_is_kept_but_owns_nothing() {
    let mut shards = match realistic_shards(flat) {
        Value::Array(a) => a,
        _ => unreachable!(),
    };
    shards.push(shards_entry(
        &[],
        vec![shards_node(
            "new",
            7010,
            b("127.0.0.1"),
            b("127.0.0.1"),
            "master",
            "online",
        )],
        flat,
    ));
    let t = parse(&Value::Array(shards));
    assert_eq!(t.shards().len(), 4);
    assert!(t.shards()[3].ranges.is_empty());
    assert!(t.contains("127.0.0.1:7010"));
    assert_eq!(t.assigned_slots(), 16384);
    assert!(!t
        .primaries()
        .any(|p| t.shards().iter().all(|s| s.primary.addr != *p)));
}

#[test]
fn a_shard_without_a_primary_is_skipped() {
    let reply = Value::Array(vec![shards_entry(
        &[(0, 100)],
        vec![shards_node(
            "r",
            7003,
            b("127.0.0.1"),
            b("127.0.0.1"),
            "replica",
            "online",
        )],
        flat,
    )]);
    let t = parse(&reply);
    assert!(t.shards().is_empty());
    assert_eq!(t.assigned_slots(), 0);
}

#[test]
fn tls_uses_the_tls_port_and_refuses_nodes_without_one() {
    let mut with_tls = shards_node(
        "a",
        7000,
        b("127.0.0.1"),
        b("127.0.0.1"),
        "master",
        "online",
    );
    with_tls.push((b("tls-port"), int(7100)));
    let without = shards_node(
        "b",
        7001,
        b("127.0.0.1"),
        b("127.0.0.1"),
        "replica",
        "online",
    );
    let reply = Value::Array(vec![shards_entry(
        &[(0, 16383)],
        vec![with_tls.clone(), without],
        flat,
    )]);
    // With TLS on, a node without a tls-port (tls-cluster no) is an error, not a silent
    // fall back to its plain port.
    let err = parse_shards(&reply, "h", &AddressMap::Identity, true).unwrap_err();
    assert!(err.to_string().contains("tls-cluster yes"), "{err}");
    let plain = parse_shards(&reply, "h", &AddressMap::Identity, false).unwrap();
    assert_eq!(&*plain.shards()[0].primary.addr, "127.0.0.1:7000");
    let only_tls = Value::Array(vec![shards_entry(&[(0, 16383)], vec![with_tls], flat)]);
    let t = parse_shards(&only_tls, "h", &AddressMap::Identity, true).unwrap();
    assert_eq!(&*t.shards()[0].primary.addr, "127.0.0.1:7100");
}

#[test]
fn invalid_cluster_shards_replies_are_errors_not_panics() {
    let good_node = || {
        shards_node(
            "a",
            7000,
            b("127.0.0.1"),
            b("127.0.0.1"),
            "master",
            "online",
        )
    };
    let bad_ranges: [&[(i64, i64)]; 4] =
        [&[(5460, 0)], &[(0, 16384)], &[(-1, 5)], &[(0, i64::MAX)]];
    for r in bad_ranges {
        let reply = Value::Array(vec![shards_entry(r, vec![good_node()], flat)]);
        let res = parse_shards(&reply, "h", &AddressMap::Identity, false);
        assert!(
            res.unwrap_err().to_string().contains("invalid slot range"),
            "{r:?}"
        );
    }
    let non_numeric = flat(vec![
        (b("slots"), Value::Array(vec![b("zero"), int(5)])),
        (b("nodes"), Value::Array(vec![flat(good_node())])),
    ]);
    let cases = [
        (b("not an array"), "expected an array"),
        (Value::Array(vec![int(1)]), "not a map"),
        (
            Value::Array(vec![Value::Array(vec![b("slots")])]),
            "not a map",
        ),
        (Value::Array(vec![non_numeric]), "invalid slot range"),
        (
            Value::Array(vec![flat(vec![(b("slots"), Value::Array(vec![]))])]),
            "no node list",
        ),
        (
            Value::Array(vec![shards_entry(
                &[(0, 1)],
                vec![vec![(b("ip"), b("x"))]],
                flat,
            )]),
            "no valid port",
        ),
        (
            Value::Array(vec![shards_entry(
                &[(0, 1)],
                vec![shards_node("a", 70000, b("x"), b("x"), "master", "online")],
                flat,
            )]),
            "no valid port",
        ),
        (
            Value::Array(vec![shards_entry(
                &[(0, 1)],
                vec![shards_node("a", -1, b("x"), b("x"), "master", "online")],
                flat,
            )]),
            "no valid port",
        ),
        (
            Value::Array(vec![flat(vec![
                (b("slots"), Value::Array(vec![])),
                (b("nodes"), Value::Array(vec![int(3)])),
            ])]),
            "not a map",
        ),
    ];
    for (reply, want) in cases {
        let e = parse_shards(&reply, "h", &AddressMap::Identity, false).unwrap_err();
        assert!(e.to_string().contains(want), "{reply:?}: {e}");
    }
}

#[test]
fn an_empty_cluster_shards_reply_is_an_empty_map() {
    let t = parse(&Value::Array(Vec::new()));
    assert!(t.shards().is_empty());
    assert_eq!(t.assigned_slots(), 0);
}

// CLUSTER SLOTS.

fn slots_node(host: Value, port: i64, id: &str) -> Value {
    Value::Array(vec![host, int(port), b(id)])
}

fn slots_entry(a: i64, z: i64, nodes: Vec<Value>) -> Value {
    let mut e = vec![int(a), int(z)];
    e.extend(nodes);
    Value::Array(e)
}

#[test]
fn parses_a_cluster_slots_reply() {
    let ip = || b("127.0.0.1");
    let reply = Value::Array(vec![
        slots_entry(
            0,
            5460,
            vec![slots_node(ip(), 7000, "aaa"), slots_node(ip(), 7003, "ddd")],
        ),
        slots_entry(
            5461,
            10922,
            vec![slots_node(ip(), 7001, "bbb"), slots_node(ip(), 7004, "eee")],
        ),
        slots_entry(10923, 16383, vec![slots_node(ip(), 7002, "ccc")]),
    ]);
    let t = parse_slots(&reply, "h", &AddressMap::Identity).unwrap();
    assert_eq!(t.shards().len(), 3);
    assert_eq!(t.assigned_slots(), 16384);
    let s0 = &t.shards()[0];
    assert_eq!(&*s0.primary.addr, "127.0.0.1:7000");
    assert_eq!(s0.primary.id.as_deref(), Some("aaa"));
    assert_eq!(s0.replicas.len(), 1);
    assert_eq!(&*s0.replicas[0].addr, "127.0.0.1:7003");
    assert_eq!(s0.replicas[0].role, Role::Replica);
    assert!(t.shards()[2].replicas.is_empty());
    // The same cluster described by CLUSTER SHARDS has the same slot map.
    assert!(t.same_slot_map(&parse(&realistic_shards(flat))));
}

#[test]
fn cluster_slots_null_empty_and_unknown_hosts_use_the_answering_host() {
    for host in [Value::Nil, b(""), b("?")] {
        let reply = Value::Array(vec![slots_entry(
            0,
            16383,
            vec![slots_node(host.clone(), 7000, "a")],
        )]);
        let t = parse_slots(&reply, "10.1.2.3", &AddressMap::Identity).unwrap();
        assert_eq!(primary(&t, 0).as_deref(), Some("10.1.2.3:7000"), "{host:?}");
    }
}

#[test]
fn cluster_slots_ranges_of_one_primary_merge_into_one_shard() {
    let ip = || b("127.0.0.1");
    let reply = Value::Array(vec![
        slots_entry(
            0,
            99,
            vec![slots_node(ip(), 7000, "a"), slots_node(ip(), 7003, "d")],
        ),
        slots_entry(100, 199, vec![slots_node(ip(), 7001, "b")]),
        slots_entry(
            200,
            299,
            vec![slots_node(ip(), 7000, "a"), slots_node(ip(), 7003, "d")],
        ),
    ]);
    let t = parse_slots(&reply, "h", &AddressMap::Identity).unwrap();
    assert_eq!(t.shards().len(), 2);
    assert_eq!(t.shards()[0].ranges, [(0, 99), (200, 299)]);
    assert_eq!(t.shards()[0].replicas.len(), 1);
    assert_eq!(primary(&t, 250).as_deref(), Some("127.0.0.1:7000"));
    assert_eq!(primary(&t, 150).as_deref(), Some("127.0.0.1:7001"));
    assert_eq!(t.assigned_slots(), 300);
}

#[test]
fn cluster_slots_ignores_extra_node_fields() {
    // Redis 7 adds a map of extra networking metadata as a fourth element.
    let node = Value::Array(vec![
        b("127.0.0.1"),
        int(7000),
        b("aaa"),
        Value::Map(vec![(b("hostname"), b("redis-0"))]),
    ]);
    let reply = Value::Array(vec![slots_entry(0, 16383, vec![node])]);
    let t = parse_slots(&reply, "h", &AddressMap::Identity).unwrap();
    assert_eq!(primary(&t, 0).as_deref(), Some("127.0.0.1:7000"));
}

#[test]
fn invalid_cluster_slots_replies_are_errors_not_panics() {
    let ok_node = || slots_node(b("127.0.0.1"), 7000, "a");
    let cases = [
        (b("x"), "expected an array"),
        (Value::Array(vec![int(1)]), "not an array"),
        (
            Value::Array(vec![Value::Array(vec![int(0), int(1)])]),
            "no primary",
        ),
        (
            Value::Array(vec![slots_entry(10, 5, vec![ok_node()])]),
            "invalid slot range",
        ),
        (
            Value::Array(vec![slots_entry(0, 16384, vec![ok_node()])]),
            "invalid slot range",
        ),
        (
            Value::Array(vec![slots_entry(0, 1, vec![int(3)])]),
            "not an array",
        ),
        (
            Value::Array(vec![slots_entry(0, 1, vec![Value::Array(vec![b("h")])])]),
            "no valid port",
        ),
        (
            Value::Array(vec![slots_entry(
                0,
                1,
                vec![slots_node(b("h"), 65536, "a")],
            )]),
            "no valid port",
        ),
    ];
    for (reply, want) in cases {
        let e = parse_slots(&reply, "h", &AddressMap::Identity).unwrap_err();
        assert!(e.to_string().contains(want), "{reply:?}: {e}");
    }
}

// The slot map.

fn shard(addr: &str, replicas: &[&str], ranges: Vec<(u16, u16)>) -> Shard {
    let node = |a: &str, role| Node {
        addr: a.into(),
        id: None,
        role,
        health: Health::Online,
    };
    Shard {
        primary: node(addr, Role::Primary),
        replicas: replicas.iter().map(|r| node(r, Role::Replica)).collect(),
        ranges,
    }
}

fn three() -> Topology {
    Topology::from_shards(vec![
        shard("n0:1", &["r0:1"], vec![(0, 5460)]),
        shard("n1:1", &["r1:1"], vec![(5461, 10922)]),
        shard("n2:1", &["r2:1"], vec![(10923, 16383)]),
    ])
}

#[test]
fn slot_lookup_at_range_boundaries() {
    let t = three();
    for (s, want) in [
        (0, "n0:1"),
        (5460, "n0:1"),
        (5461, "n1:1"),
        (10922, "n1:1"),
        (10923, "n2:1"),
        (16383, "n2:1"),
    ] {
        assert_eq!(primary(&t, s).as_deref(), Some(want), "slot {s}");
    }
    assert_eq!(t.assigned_slots(), 16384);
    assert_eq!(
        t.shard_of(slot(5461)).unwrap().replicas[0].addr.as_ref(),
        "r1:1"
    );
}

#[test]
fn unassigned_slots_have_no_owner() {
    let t = Topology::from_shards(vec![
        shard("n0:1", &[], vec![(0, 99)]),
        shard("n1:1", &[], vec![(200, 299), (16383, 16383)]),
    ]);
    assert_eq!(t.assigned_slots(), 201);
    assert_eq!(primary(&t, 99).as_deref(), Some("n0:1"));
    assert_eq!(primary(&t, 100), None);
    assert_eq!(primary(&t, 199), None);
    assert_eq!(primary(&t, 200).as_deref(), Some("n1:1"));
    assert_eq!(primary(&t, 16382), None);
    assert_eq!(primary(&t, 16383).as_deref(), Some("n1:1"));
    let empty = Topology::from_shards(Vec::new());
    assert_eq!(empty.assigned_slots(), 0);
    assert!(empty.shard_of(slot(0)).is_none());
}

#[test]
fn inverted_or_oversized_ranges_given_directly_do_not_panic() {
    let t = Topology::from_shards(vec![
        shard("n0:1", &[], vec![(10, 5)]),
        shard("n1:1", &[], vec![(16000, u16::MAX)]),
    ]);
    assert_eq!(t.assigned_slots(), 384);
    assert_eq!(primary(&t, 7), None);
}

#[test]
fn a_slot_claimed_twice_goes_to_the_later_shard() {
    let t = Topology::from_shards(vec![
        shard("n0:1", &[], vec![(0, 100)]),
        shard("n1:1", &[], vec![(50, 60)]),
    ]);
    assert_eq!(primary(&t, 49).as_deref(), Some("n0:1"));
    assert_eq!(primary(&t, 55).as_deref(), Some("n1:1"));
    assert_eq!(t.assigned_slots(), 101);
}

#[test]
fn node_listings_put_primaries_first() {
    let t = three();
    let p: Vec<&str> = t.primaries().map(|a| &**a).collect();
    assert_eq!(p, ["n0:1", "n1:1", "n2:1"]);
    let all: Vec<&str> = t.all_nodes().map(|a| &**a).collect();
    assert_eq!(all, ["n0:1", "n1:1", "n2:1", "r0:1", "r1:1", "r2:1"]);
    assert!(t.contains("r1:1"));
    assert!(!t.contains("x:1"));
}

#[test]
fn with_slot_moved_to_a_known_primary_changes_only_that_slot() {
    let t = three();
    let m = t.with_slot_moved(slot(100), "n2:1");
    assert_eq!(primary(&m, 100).as_deref(), Some("n2:1"));
    assert_eq!(primary(&m, 99).as_deref(), Some("n0:1"));
    assert_eq!(primary(&m, 101).as_deref(), Some("n0:1"));
    assert_eq!(m.shards().len(), 3);
    assert_eq!(m.assigned_slots(), 16384);
    assert!(!m.same_slot_map(&t));
    // The original is untouched.
    assert_eq!(primary(&t, 100).as_deref(), Some("n0:1"));
}

#[test]
fn with_slot_moved_to_an_unknown_node_adds_a_shard() {
    let t = three();
    let m = t.with_slot_moved(slot(7000), "new:1");
    assert_eq!(m.shards().len(), 4);
    assert_eq!(primary(&m, 7000).as_deref(), Some("new:1"));
    assert_eq!(m.shards()[3].primary.role, Role::Primary);
    assert_eq!(m.shards()[3].primary.health, Health::Online);
    assert_eq!(primary(&m, 7001).as_deref(), Some("n1:1"));
    // A second slot to the same new node reuses that shard.
    let m2 = m.with_slot_moved(slot(7001), "new:1");
    assert_eq!(m2.shards().len(), 4);
    assert_eq!(primary(&m2, 7001).as_deref(), Some("new:1"));
}

#[test]
fn with_slot_moved_to_a_replica_promotes_it_without_listing_it_twice() {
    // After a failover, a MOVED names the promoted replica before the next refresh.
    let t = three();
    let m = t.with_slot_moved(slot(0), "r0:1");
    assert_eq!(primary(&m, 0).as_deref(), Some("r0:1"));
    assert_eq!(primary(&m, 1).as_deref(), Some("n0:1"));
    let all: Vec<&str> = m.all_nodes().map(|a| &**a).collect();
    let unique: std::collections::HashSet<&str> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "{all:?}");
    assert!(m.contains("r0:1"));
}

#[test]
fn same_slot_map_ignores_replicas_and_ids() {
    let a = three();
    let b = Topology::from_shards(vec![
        shard("n0:1", &[], vec![(0, 5460)]),
        shard("n1:1", &["x:1"], vec![(5461, 10922)]),
        shard("n2:1", &[], vec![(10923, 16383)]),
    ]);
    assert!(a.same_slot_map(&b));
    assert_ne!(a, b);
    // Same map split into differently listed ranges.
    let c = Topology::from_shards(vec![
        shard("n2:1", &[], vec![(10923, 16383)]),
        shard("n0:1", &[], vec![(0, 100), (101, 5460)]),
        shard("n1:1", &[], vec![(5461, 10922)]),
    ]);
    assert!(a.same_slot_map(&c));
}

#[test]
fn choose_view_takes_the_majority() {
    let stale = Topology::from_shards(vec![shard("n0:1", &[], vec![(0, 16383)])]);
    let picked = choose_view(vec![stale.clone(), three(), three()]).unwrap();
    assert_eq!(picked, three());
    let picked = choose_view(vec![three(), stale.clone(), stale.clone()]).unwrap();
    assert_eq!(picked, stale);
}

#[test]
fn choose_view_breaks_ties_by_more_assigned_slots_then_order() {
    let partial = Topology::from_shards(vec![shard("n0:1", &[], vec![(0, 5460)])]);
    assert_eq!(
        choose_view(vec![partial.clone(), three()]).unwrap(),
        three()
    );
    assert_eq!(
        choose_view(vec![three(), partial.clone()]).unwrap(),
        three()
    );
    // Equal votes and slots: the first given wins.
    let other = three().with_slot_moved(slot(0), "n1:1");
    assert_eq!(choose_view(vec![other.clone(), three()]).unwrap(), other);
    assert_eq!(choose_view(vec![three(), other.clone()]).unwrap(), three());
}

#[test]
fn choose_view_of_nothing_is_none() {
    assert!(choose_view(Vec::new()).is_none());
    let only = three();
    assert_eq!(choose_view(vec![only.clone()]), Some(only));
}

#[test]
fn debug_output_summarises_instead_of_dumping_16384_slots() {
    let s = format!("{:?}", three());
    assert!(s.contains("assigned_slots: 16384"), "{s}");
    assert!(s.len() < 2000, "{} chars", s.len());
}

// Address maps.

#[test]
fn the_address_map_table_applies_to_parsed_addresses() {
    let amap = AddressMap::table([
        ("172.17.0.2:6379", "127.0.0.1:7000"),
        ("172.17.0.3:6379", "127.0.0.1:7001"),
    ]);
    let node = |ip: &str, role: &str| shards_node("x", 6379, b(ip), b(ip), role, "online");
    let reply = Value::Array(vec![shards_entry(
        &[(0, 16383)],
        vec![
            node("172.17.0.2", "master"),
            node("172.17.0.3", "replica"),
            node("172.17.0.4", "replica"),
        ],
        map,
    )]);
    let t = parse_shards(&reply, "h", &amap, false).unwrap();
    assert_eq!(&*t.shards()[0].primary.addr, "127.0.0.1:7000");
    assert_eq!(&*t.shards()[0].replicas[0].addr, "127.0.0.1:7001");
    assert_eq!(
        &*t.shards()[0].replicas[1].addr,
        "172.17.0.4:6379",
        "unmapped: unchanged"
    );
    let slots = Value::Array(vec![slots_entry(
        0,
        16383,
        vec![slots_node(b("172.17.0.2"), 6379, "a")],
    )]);
    let t = parse_slots(&slots, "h", &amap).unwrap();
    assert_eq!(primary(&t, 0).as_deref(), Some("127.0.0.1:7000"));
}

#[test]
fn the_address_map_callback_applies_to_parsed_addresses() {
    let map = AddressMap::callback(|a: &str| {
        a.strip_prefix("10.0.0.")
            .and_then(|rest| rest.split_once(':'))
            .map(|(last, port)| format!("127.0.0.{last}:{}", port.parse::<u16>().unwrap() + 1000))
    });
    let reply = Value::Array(vec![
        slots_entry(0, 8191, vec![slots_node(b("10.0.0.1"), 6379, "a")]),
        slots_entry(8192, 16383, vec![slots_node(b("192.168.0.1"), 6379, "b")]),
    ]);
    let t = parse_slots(&reply, "h", &map).unwrap();
    assert_eq!(primary(&t, 0).as_deref(), Some("127.0.0.1:7379"));
    assert_eq!(primary(&t, 9000).as_deref(), Some("192.168.0.1:6379"));
}

#[test]
fn the_address_map_sees_addresses_built_from_the_answering_host() {
    let map = AddressMap::table([("10.0.0.9:7000", "127.0.0.1:17000")]);
    let reply = Value::Array(vec![slots_entry(
        0,
        16383,
        vec![slots_node(Value::Nil, 7000, "a")],
    )]);
    let t = parse_slots(&reply, "10.0.0.9", &map).unwrap();
    assert_eq!(primary(&t, 0).as_deref(), Some("127.0.0.1:17000"));
}

#[test]
fn address_map_identity_and_debug() {
    assert_eq!(AddressMap::default().apply("a:1".into()).unwrap(), "a:1");
    assert_eq!(format!("{:?}", AddressMap::Identity), "Identity");
    assert_eq!(
        format!("{:?}", AddressMap::callback(|_| None)),
        "Callback(..)"
    );
    assert!(format!("{:?}", AddressMap::table([("a:1", "b:2")])).contains("a:1"));
}

#[test]
fn overlapping_slot_ranges_make_the_view_inconsistent() {
    let n = |id: &str, port: i64| {
        shards_node(id, port, b("127.0.0.1"), b("127.0.0.1"), "master", "online")
    };
    let reply = Value::Array(vec![
        shards_entry(&[(0, 8000)], vec![n("aaa", 7000)], map),
        shards_entry(&[(7999, 16383)], vec![n("bbb", 7001)], map),
    ]);
    let e = parse_shards(&reply, "h", &AddressMap::Identity, false).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("slot 7999"), "{msg}");
    assert!(
        msg.contains("127.0.0.1:7000") && msg.contains("127.0.0.1:7001"),
        "{msg}"
    );
    assert!(msg.contains("inconsistent"), "{msg}");

    let slots = Value::Array(vec![
        slots_entry(0, 100, vec![slots_node(b("127.0.0.1"), 7000, "a")]),
        slots_entry(50, 16383, vec![slots_node(b("127.0.0.1"), 7001, "b")]),
    ]);
    let e = parse_slots(&slots, "h", &AddressMap::Identity).unwrap_err();
    assert!(e.to_string().contains("slot 50"), "{e}");
    // The same primary listing one range twice is inconsistent too.
    let twice = Value::Array(vec![
        slots_entry(0, 16383, vec![slots_node(b("127.0.0.1"), 7000, "a")]),
        slots_entry(0, 10, vec![slots_node(b("127.0.0.1"), 7000, "a")]),
    ]);
    assert!(parse_slots(&twice, "h", &AddressMap::Identity).is_err());
}

#[test]
fn a_host_with_control_characters_or_spaces_is_refused_and_shown_escaped() {
    for host in ["evil\r\nhost", "bad\x1b[31m", "two words", "tab\there"] {
        let reply = Value::Array(vec![shards_entry(
            &[(0, 16383)],
            vec![shards_node("a", 7000, b(host), b(host), "master", "online")],
            map,
        )]);
        let e = parse_shards(&reply, "h", &AddressMap::Identity, false).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("invalid host"), "{msg}");
        assert!(
            !msg.chars().any(char::is_control),
            "raw control characters: {msg:?}"
        );
        let slots = Value::Array(vec![slots_entry(
            0,
            16383,
            vec![slots_node(b(host), 7000, "a")],
        )]);
        let e = parse_slots(&slots, "h", &AddressMap::Identity).unwrap_err();
        assert!(!e.to_string().chars().any(char::is_control), "{e:?}");
    }
}
