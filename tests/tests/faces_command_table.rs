//! The faces checked against the command table (core/data/commands): every command the
//! Rust helpers (core/src/commands.rs) and the Node addon's methods (node/src/commands.rs)
//! send is a command of the table. (The Python face has its own check,
//! py/tests/test_command_table.py; the C library and the CLI send what the caller types.)
//!
//! The commands are read from the sources themselves, so a helper or method added with a
//! command the table lacks fails here.

use slotwise::command::spec_of;

const CORE_HELPERS: &str = include_str!("../../core/src/commands.rs");
const NODE_METHODS: &str = include_str!("../../node/src/commands.rs");

/// `source` without its comment lines (doc examples such as `cmd("NAME")`).
fn code(source: &str) -> String {
    source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The string literals that follow each `marker` in `source` (up to the closing quote).
fn literals_after<'a>(source: &'a str, marker: &str) -> Vec<&'a str> {
    source
        .match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &source[at + marker.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

fn not_in_table(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter(|n| spec_of(n.as_bytes(), None).is_none())
        .map(|n| n.to_string())
        .collect()
}

#[test]
fn rust_helpers_send_commands_of_the_table() {
    let helpers = code(CORE_HELPERS);
    let mut names = literals_after(&helpers, "cmd(\"");
    names.extend(literals_after(&helpers, "keys_cmd(\""));
    assert!(names.len() >= 20, "read too few commands: {names:?}");
    assert_eq!(not_in_table(&names), Vec::<String>::new());
}

#[test]
fn node_methods_send_commands_of_the_table() {
    // `text(c"get", "GET")`, `bytes(c"getBuffer", "GET")` and `command: Some("GET")`.
    let methods = code(NODE_METHODS);
    let mut names: Vec<&str> = Vec::new();
    for marker in ["text(c\"", "bytes(c\""] {
        for (at, _) in methods.match_indices(marker) {
            let rest = &methods[at + marker.len()..];
            // Past the method name's closing quote and `, "`.
            if let Some(comma) = rest.find("\", \"") {
                let tail = &rest[comma + 4..];
                if let Some(end) = tail.find('"') {
                    names.push(&tail[..end]);
                }
            }
        }
    }
    names.extend(literals_after(&methods, "command: Some(\""));
    assert!(names.len() >= 50, "read too few commands: {names:?}");
    assert_eq!(not_in_table(&names), Vec::<String>::new());
}
