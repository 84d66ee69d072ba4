//! The generated command table against the hand-written `lookup` (table.rs): on a sample
//! argv of every command and subcommand, both find the same keys, unless the command is in
//! [`KEY_DISAGREEMENTS`] with the reason.

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
