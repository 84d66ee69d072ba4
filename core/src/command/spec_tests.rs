//! The generated command table against the hand-written `lookup` (table.rs): on a sample
//! argv of every command and subcommand, both find the same keys, call the same keyed
//! commands read-only, and route and combine alike (the server's `request_policy` /
//! `response_policy` tips), unless the command is in [`KEY_DISAGREEMENTS`],
//! [`READONLY_DISAGREEMENTS`] or [`FANOUT_DISAGREEMENTS`] with the reason.

use super::generated_samples::SAMPLES;
use super::*;

/// Commands whose keys the hand-written table finds differently, and why. Each entry must
/// still disagree (the test fails on a stale entry).
const KEY_DISAGREEMENTS: &[(&str, &str)] = &[
    // Intentional: slotwise routes these by their channel's slot; the server's key spec
    // marks the channel `not_key` (it hashes to a slot but is not a key of the keyspace).
    (
        "SPUBLISH",
        "routed by the shard channel's slot (not_key spec)",
    ),
    (
        "OBJECT HELP",
        "keyless; the hand-written table takes argument 2 of OBJECT as a key",
    ),
    (
        "XGROUP HELP",
        "keyless; the hand-written table takes argument 2 of XGROUP as a key",
    ),
    (
        "XINFO HELP",
        "keyless; the hand-written table takes argument 2 of XINFO as a key",
    ),
];

fn sample_cmd(argv: &[&str]) -> Cmd {
    Cmd::from_args(argv.iter().map(|a| a.as_bytes()))
}

fn label(spec: &CommandSpec) -> String {
    match spec.subcommand {
        Some(sub) => format!("{} {sub}", spec.name),
        None => spec.name.to_string(),
    }
}

/// Where the two tables disagree on `argv`'s keys, as a description.
fn key_disagreement(argv: &[&str]) -> Option<(String, String)> {
    let c = sample_cmd(argv);
    let n = Names::of(&c);
    let spec = spec_of(n.name(), n.sub()).expect("every sample is in the table");
    let table = spec.key_positions(&c).positions;
    let hand: Vec<usize> = key_indices(&c, lookup(n.name(), n.sub()).keys).collect();
    if table != hand {
        return Some((
            label(spec),
            format!("{argv:?}: table {table:?}, hand-written {hand:?}"),
        ));
    }
    // A keyless command with one more argument: the hand-written fallback may take it as a
    // key where the server sees none.
    if spec.key_specs.is_empty() {
        let mut longer = argv.to_vec();
        longer.push("extra");
        let c = sample_cmd(&longer);
        let hand: Vec<usize> = key_indices(&c, lookup(n.name(), n.sub()).keys).collect();
        if !hand.is_empty() {
            return Some((
                label(spec),
                format!("{longer:?}: table [], hand-written {hand:?}"),
            ));
        }
    }
    None
}

#[test]
fn generated_key_specs_agree_with_the_hand_written_table() {
    let mut unexpected = Vec::new();
    let mut seen = Vec::new();
    for argv in SAMPLES {
        if let Some((label, what)) = key_disagreement(argv) {
            let top = label.split(' ').next().unwrap_or_default();
            match KEY_DISAGREEMENTS
                .iter()
                .find(|(name, _)| *name == label || *name == top)
            {
                Some((name, _)) => seen.push(*name),
                None => unexpected.push(what),
            }
        }
    }
    assert!(unexpected.is_empty(), "disagreements: {unexpected:#?}");
    let stale: Vec<_> = KEY_DISAGREEMENTS
        .iter()
        .filter(|(name, _)| !seen.contains(name))
        .collect();
    assert!(stale.is_empty(), "allowlisted but agreeing now: {stale:?}");
}

#[test]
fn every_sample_names_a_table_entry_with_a_fitting_arity() {
    for argv in SAMPLES {
        let spec = spec_of(argv[0].as_bytes(), argv.get(1).map(|s| s.as_bytes())).unwrap();
        let (n, arity) = (argv.len() as i32, spec.arity);
        assert!(
            if arity >= 0 { n == arity } else { n >= -arity },
            "{argv:?} does not fit arity {arity}"
        );
    }
}

#[test]
fn looks_commands_and_subcommands_up_by_upper_case_name() {
    let get = spec_of(b"GET", None).unwrap();
    assert_eq!((get.name, get.arity), ("GET", 2));
    assert!(get.flags.contains(Flags::READONLY.or(Flags::FAST)));
    assert_eq!(get.flags.names().collect::<Vec<_>>(), ["readonly", "fast"]);
    let setinfo = spec_of(b"CLIENT", Some(b"SETINFO")).unwrap();
    assert_eq!(setinfo.since, Some(Version::new(7, 2, 0)));
    assert_eq!(setinfo.request_policy, RequestPolicy::AllNodes);
    // An unknown subcommand gives the container; an unknown command nothing.
    assert_eq!(spec_of(b"CLIENT", Some(b"NOPE")).unwrap().subcommand, None);
    assert!(spec_of(b"get", None).is_none());
    assert!(all_commands().windows(2).all(|w| w[0].name < w[1].name));
}

#[test]
fn reads_key_specs_as_the_server_does() {
    let keys = |argv: &[&str]| {
        let c = sample_cmd(argv);
        let spec = spec_of(argv[0].as_bytes(), argv.get(1).map(|s| s.as_bytes())).unwrap();
        let k = spec.key_positions(&c);
        (k.positions, k.complete)
    };
    // keynum with a fixed key before it, and a numkeys of 0.
    assert_eq!(
        keys(&["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"]),
        (vec![1, 3, 4], true)
    );
    assert_eq!(keys(&["EVAL", "s", "0", "x"]), (vec![], true));
    // keynum with a step: MSETEX's numkeys counts key-value pairs.
    assert_eq!(
        keys(&["MSETEX", "2", "a", "1", "b", "2", "EX", "5"]),
        (vec![2, 4], true)
    );
    // A keyword searched forward, with the limit halving what follows it.
    assert_eq!(
        keys(&["XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"]),
        (vec![4, 5], true)
    );
    // An absent optional keyword gives no key from that spec.
    assert_eq!(
        keys(&["GEORADIUS", "k", "0", "0", "1", "km"]),
        (vec![1], true)
    );
    // A keyword searched backwards; the spec is incomplete, so the result is partial.
    assert_eq!(
        keys(&["MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"]),
        (vec![3, 7, 8], false)
    );
    // Unknown specs (SORT's BY/GET/STORE) give a partial result.
    assert_eq!(keys(&["SORT", "k", "STORE", "d"]), (vec![1], false));
    // A non-number numkeys: the spec does not fit, nothing certain.
    assert_eq!(keys(&["EVAL", "s", "x", "k"]), (vec![], false));
}

/// Keyed commands the hand-written table calls read-only where the server's flags do not (or
/// the reverse), and why. Each entry must still disagree. (For keyless commands the
/// hand-written flag means "safe to resend after a lost reply", not "a replica may serve
/// it": they are not compared.)
const READONLY_DISAGREEMENTS: &[(&str, &str)] = &[(
    "TOUCH",
    "sent to the primary: its point is the primary's access time, not a replica's",
)];

#[test]
fn hand_written_read_only_flags_agree_with_the_table() {
    let mut unexpected = Vec::new();
    let mut seen = Vec::new();
    for argv in SAMPLES {
        let c = sample_cmd(argv);
        let n = Names::of(&c);
        let spec = spec_of(n.name(), n.sub()).expect("every sample is in the table");
        if spec.key_positions(&c).positions.is_empty() {
            continue;
        }
        let table = spec.flags.contains(Flags::READONLY);
        let hand = lookup(n.name(), n.sub()).readonly;
        if table == hand {
            continue;
        }
        let label = label(spec);
        let top = label.split(' ').next().unwrap_or_default().to_string();
        match READONLY_DISAGREEMENTS
            .iter()
            .find(|(name, _)| *name == label || *name == top)
        {
            Some((name, _)) => seen.push(*name),
            None => unexpected.push(format!("{label}: table {table}, hand-written {hand}")),
        }
    }
    assert!(unexpected.is_empty(), "disagreements: {unexpected:#?}");
    let stale: Vec<_> = READONLY_DISAGREEMENTS
        .iter()
        .filter(|(name, _)| !seen.contains(name))
        .collect();
    assert!(stale.is_empty(), "allowlisted but agreeing now: {stale:?}");
}

/// Commands the hand-written table routes or combines otherwise than the server's
/// `request_policy` / `response_policy` tips, and why. Each entry must still disagree.
const FANOUT_DISAGREEMENTS: &[(&str, &str)] = &[
    // Node-level introspection and administration: the core runs them on one node; the
    // faces fan them out where their peer does (Python's `target_nodes=`).
    ("CLIENT SETINFO", "node-level: the nodes the caller names"),
    ("CONFIG SET", "node-level: the nodes the caller names"),
    (
        "CLUSTER SLOT-STATS",
        "node-level: the nodes the caller names",
    ),
    ("FUNCTION KILL", "node-level: the node running the function"),
    ("FUNCTION STATS", "node-level: the nodes the caller names"),
    ("SCRIPT KILL", "node-level: the node running the script"),
    ("LATENCY", "node-level: the nodes the caller names"),
    ("MEMORY", "node-level: the nodes the caller names"),
    ("SLOWLOG", "node-level: the nodes the caller names"),
    // Deliberate choices.
    (
        "INFO",
        "every node, replicas included, one reply per node (redis-py's shape)",
    ),
    ("PING", "a health check of every node, replicas included"),
    (
        "RANDOMKEY",
        "one node's random key is a random key; merging every shard's adds nothing",
    ),
    (
        "SCAN",
        "a cursor belongs to one node: the faces scan node by node",
    ),
    (
        "MSETNX",
        "its all-or-nothing cannot span shards: keys must share a slot (CROSSSLOT otherwise)",
    ),
    (
        "HIMPORT",
        "a fieldset is state of one connection (the blocking client pools several per node): \
         the Python face sends PREPARE and DISCARD inside the MULTI of the HIMPORT SET they \
         serve, on the key's connection, not to every shard",
    ),
    (
        "MSETEX",
        "its NX/XX all-or-nothing cannot span shards: keys must share a slot, as redis-py's \
         RedisCluster requires (CROSSSLOT otherwise)",
    ),
    (
        "WAIT",
        "confirms the writes of the connection before it (issue 11), not every shard's",
    ),
    (
        "WAITAOF",
        "confirms the writes of the connection before it (issue 11), not every shard's",
    ),
];

/// The tips a hand-written fan-out stands for: request policy, and the response policies
/// that fit its combining rule (`None`: any).
fn tips_of(fanout: Fanout) -> (RequestPolicy, Option<&'static [ResponsePolicy]>) {
    use ResponsePolicy as R;
    let combine = |agg: Aggregate| -> Option<&'static [ResponsePolicy]> {
        match agg {
            Aggregate::Sum => Some(&[R::AggSum]),
            Aggregate::AllOk => Some(&[R::AllSucceeded]),
            Aggregate::LogicalAnd => Some(&[R::AggLogicalAnd]),
            // Gather/Concat/PerNode are the defaults of the request policies they go with.
            Aggregate::Gather | Aggregate::Concat | Aggregate::PerNode => {
                Some(&[R::Default, R::Special])
            }
        }
    };
    match fanout {
        Fanout::Single | Fanout::FollowPrevious => (RequestPolicy::Default, None),
        Fanout::SplitBySlot(agg) => (RequestPolicy::MultiShard, combine(agg)),
        Fanout::AllPrimaries(agg) => (RequestPolicy::AllShards, combine(agg)),
        Fanout::AllNodes(agg) => (RequestPolicy::AllNodes, combine(agg)),
    }
}

#[test]
fn hand_written_fan_out_agrees_with_the_tables_policies() {
    let mut unexpected = Vec::new();
    let mut seen = Vec::new();
    for argv in SAMPLES {
        let c = sample_cmd(argv);
        let n = Names::of(&c);
        let spec = spec_of(n.name(), n.sub()).expect("every sample is in the table");
        let fanout = lookup(n.name(), n.sub()).fanout;
        let (request, responses) = tips_of(fanout);
        let agrees = spec.request_policy == request
            && responses.is_none_or(|r| r.contains(&spec.response_policy));
        if agrees {
            continue;
        }
        let label = label(spec);
        let top = label.split(' ').next().unwrap_or_default().to_string();
        match FANOUT_DISAGREEMENTS
            .iter()
            .find(|(name, _)| *name == label || *name == top)
        {
            Some((name, _)) => seen.push(*name),
            None => unexpected.push(format!(
                "{label}: table {:?}/{:?}, hand-written {fanout:?}",
                spec.request_policy, spec.response_policy
            )),
        }
    }
    assert!(unexpected.is_empty(), "disagreements: {unexpected:#?}");
    let stale: Vec<_> = FANOUT_DISAGREEMENTS
        .iter()
        .filter(|(name, _)| !seen.contains(name))
        .collect();
    assert!(stale.is_empty(), "allowlisted but agreeing now: {stale:?}");
}
