//! The generated command table (core/data/commands -> core/src/command/generated.rs)
//! against the test cluster's own server: every command and subcommand `COMMAND` reports is
//! in the table with the same arity, flags and ACL categories, and on a sample argv of every
//! command the table's key specs find the keys `COMMAND GETKEYS` finds.

use std::collections::BTreeSet;

use slotwise::command::{spec_of, CommandSpec, KeyFlags};
use slotwise::resp::Value;
use slotwise::Cmd;
use slotwise_testcluster::{AdminConn, ClusterOptions, TestCluster};

#[path = "../../core/src/command/generated_samples.rs"]
#[rustfmt::skip]
mod samples;

/// Commands whose keys the table's key specs alone do not find as `COMMAND GETKEYS` does;
/// the reason says what the server does instead. Each entry must still differ.
const GETKEYS_DIFFERS: &[(&str, &str)] = &[
    // Key specs `unknown` (BY/GET patterns, STORE anywhere): the server uses SORT's own rule.
    (
        "SORT",
        "the STORE key comes from SORT's own rule, not from a key spec",
    ),
    // An `incomplete` spec: with KEYS, MIGRATE's own rule drops the empty key argument.
    (
        "MIGRATE",
        "with KEYS, the server's rule skips the empty key at index 3",
    ),
];

fn text(v: &Value) -> String {
    String::from_utf8_lossy(v.as_bytes().map(|b| &b[..]).unwrap_or_default()).into_owned()
}

fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) | Value::Set(a) => a,
        other => panic!("expected an array, got {other:?}"),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("expected an integer, got {other:?}"),
    }
}

fn label(spec: &CommandSpec) -> String {
    match spec.subcommand {
        Some(sub) => format!("{} {sub}", spec.name),
        None => spec.name.to_string(),
    }
}

/// Checks one `COMMAND` entry (and its subcommands) against the table; returns the
/// problems found.
fn check_entry(info: &Value, problems: &mut Vec<String>, count: &mut usize) {
    let fields = items(info);
    let full = text(&fields[0]).to_ascii_uppercase();
    let (name, sub) = match full.split_once('|') {
        Some((n, s)) => (n.to_string(), Some(s.to_string())),
        None => (full.clone(), None),
    };
    *count += 1;
    let Some(spec) = spec_of(name.as_bytes(), sub.as_deref().map(str::as_bytes)) else {
        problems.push(format!("{full}: not in the table"));
        return;
    };
    if spec.subcommand != sub.as_deref() {
        problems.push(format!("{full}: the table has no such subcommand"));
        return;
    }
    let arity = int(&fields[1]);
    if arity != i64::from(spec.arity) {
        problems.push(format!("{full}: arity {arity}, table {}", spec.arity));
    }
    let server: BTreeSet<String> = items(&fields[2]).iter().map(text).collect();
    let table: BTreeSet<String> = spec.flags.names().map(str::to_string).collect();
    if server != table {
        problems.push(format!("{full}: flags {server:?}, table {table:?}"));
    }
    let server: BTreeSet<String> = items(&fields[6])
        .iter()
        .map(|c| text(c).trim_start_matches('@').to_string())
        .collect();
    let table: BTreeSet<String> = spec.acl.names().map(str::to_string).collect();
    if server != table {
        problems.push(format!(
            "{full}: ACL categories {server:?}, table {table:?}"
        ));
    }
    if items(&fields[8]).len() != spec.key_specs.len() {
        problems.push(format!("{full}: key spec count differs"));
    }
    for sub in items(&fields[9]) {
        check_entry(sub, problems, count);
    }
}

#[test]
fn every_command_the_server_reports_is_in_the_table() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let mut conn = cluster.conn(&cluster.seeds()[0]).unwrap();
    let reply = conn.cmd_ok(&["COMMAND"]).unwrap();
    let (mut problems, mut count) = (Vec::new(), 0);
    for info in items(&reply) {
        check_entry(info, &mut problems, &mut count);
    }
    assert!(count > 300, "COMMAND reported only {count} commands");
    assert!(problems.is_empty(), "{problems:#?}");
}

/// What `COMMAND GETKEYS` says of `argv`: the keys, or its error text.
fn getkeys(conn: &mut AdminConn, argv: &[&str]) -> Result<Vec<String>, String> {
    let mut args = vec!["COMMAND", "GETKEYS"];
    args.extend_from_slice(argv);
    let reply = conn.cmd(&args).unwrap();
    match reply.as_error() {
        Some(e) => Err(String::from_utf8_lossy(e).into_owned()),
        None => Ok(items(&reply).iter().map(text).collect()),
    }
}

/// Every command and subcommand the server knows, as `NAME` or `NAME SUB`.
fn server_commands(conn: &mut AdminConn) -> BTreeSet<String> {
    let reply = conn.cmd_ok(&["COMMAND"]).unwrap();
    let mut names = BTreeSet::new();
    for info in items(&reply) {
        let fields = items(info);
        names.insert(text(&fields[0]).to_ascii_uppercase());
        for sub in items(&fields[9]) {
            names.insert(text(&items(sub)[0]).to_ascii_uppercase().replace('|', " "));
        }
    }
    names
}

#[test]
fn the_tables_key_specs_find_the_keys_getkeys_finds() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let mut conn = cluster.conn(&cluster.seeds()[0]).unwrap();
    let known = server_commands(&mut conn);
    let (mut problems, mut differing, mut checked) = (Vec::new(), Vec::new(), 0);
    for argv in samples::SAMPLES {
        let spec = spec_of(argv[0].as_bytes(), argv.get(1).map(|s| s.as_bytes())).unwrap();
        if !known.contains(&label(spec)) {
            // Newer than the test cluster's server: COMMAND GETKEYS does not know it.
            continue;
        }
        let c = Cmd::from_args(argv.iter().map(|a| a.as_bytes()));
        let table: Vec<String> = spec
            .key_positions(&c)
            .positions
            .iter()
            .map(|&i| argv[i].to_string())
            .collect();
        if spec
            .key_specs
            .iter()
            .all(|k| k.flags.contains(KeyFlags::NOT_KEY))
        {
            // Keyless, or only shard channels (SPUBLISH): GETKEYS answers an error; the table
            // must find nothing.
            assert!(
                table.is_empty(),
                "{argv:?}: keyless, yet the table finds {table:?}"
            );
            continue;
        }
        let server = match getkeys(&mut conn, argv) {
            Ok(keys) => keys,
            Err(e) => {
                problems.push(format!("{argv:?}: COMMAND GETKEYS failed: {e}"));
                continue;
            }
        };
        checked += 1;
        if table != server {
            let l = label(spec);
            match GETKEYS_DIFFERS.iter().find(|(n, _)| *n == l) {
                Some((n, _)) => differing.push(*n),
                None => problems.push(format!("{argv:?}: table {table:?}, GETKEYS {server:?}")),
            }
        }
    }
    assert!(checked > 150, "only {checked} samples checked");
    assert!(problems.is_empty(), "{problems:#?}");
    let stale: Vec<_> = GETKEYS_DIFFERS
        .iter()
        .filter(|(n, _)| !differing.contains(n))
        .collect();
    assert!(
        stale.is_empty(),
        "listed as differing but agreeing now: {stale:?}"
    );
}
