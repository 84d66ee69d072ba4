//! Commands: the value type, where their keys are, and how they route and fan out.

mod blocking;
mod cmd;
#[rustfmt::skip]
mod generated;
#[cfg(test)]
#[rustfmt::skip]
mod generated_samples;
mod spec;
mod table;

pub use blocking::{block_for, BlockFor};
pub use cmd::{cmd, Cmd, ToArg};
pub use spec::{
    all_commands, spec_of, AclCategories, BeginSearch, CommandSpec, FindKeys, Flags, Group,
    KeyFlags, KeyPositions, KeySpecDef, ReplyShape, RequestPolicy, ResponsePolicy, Version,
};
pub use table::{lookup, Aggregate, CommandInfo, Fanout, KeySpec};

use crate::error::{Error, KeySlot};
use crate::slot::{key_slot, Slot};

/// Upper-cases a command name into a stack buffer; names longer than 32 bytes are unknown.
fn upper<'b>(name: &[u8], buf: &'b mut [u8; 32]) -> &'b [u8] {
    let n = name.len().min(32);
    for (d, s) in buf.iter_mut().zip(&name[..n]) {
        *d = s.to_ascii_uppercase();
    }
    &buf[..n]
}

/// A command's name and subcommand (its first argument), upper-cased on the stack.
struct Names {
    name: [u8; 32],
    name_len: usize,
    sub: [u8; 32],
    sub_len: Option<usize>,
}

impl Names {
    fn of(cmd: &Cmd) -> Names {
        let mut n = Names {
            name: [0; 32],
            name_len: 0,
            sub: [0; 32],
            sub_len: None,
        };
        n.name_len = upper(cmd.name(), &mut n.name).len();
        if let Some(s) = cmd.arg_at(1) {
            n.sub_len = Some(upper(s, &mut n.sub).len());
        }
        n
    }

    fn name(&self) -> &[u8] {
        &self.name[..self.name_len]
    }

    fn sub(&self) -> Option<&[u8]> {
        self.sub_len.map(|l| &self.sub[..l])
    }

    fn classified(&self, cmd: &Cmd) -> Classified {
        Classified {
            info: lookup(self.name(), self.sub()),
            block: blocking::block_for_named(self.name(), cmd),
        }
    }
}

/// What slotwise knows about `cmd` (case-insensitive name, subcommand aware).
pub fn info_of(cmd: &Cmd) -> CommandInfo {
    let n = Names::of(cmd);
    lookup(n.name(), n.sub())
}

/// Everything routing needs to know of a command, from one look at its name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Classified {
    /// Keys, fan-out, read-only ([`info_of`]).
    pub info: CommandInfo,
    /// How long it may block on the server ([`block_for`]).
    pub block: BlockFor,
}

/// [`info_of`] and [`block_for`] of `cmd`, or the [`connection_state_error`] that refuses
/// it, with the name upper-cased once.
pub(crate) fn classify(cmd: &Cmd) -> Result<Classified, Error> {
    let n = Names::of(cmd);
    match state_error(n.name(), n.sub()) {
        Some(e) => Err(e),
        None => Ok(n.classified(cmd)),
    }
}

/// [`classify`] without the refusal, for commands the client itself sends to one node
/// (the cluster-wide scan's SCAN pages).
pub(crate) fn classify_any(cmd: &Cmd) -> Classified {
    Names::of(cmd).classified(cmd)
}

/// Why `cmd` cannot run as an ordinary command on the client's shared connections, if it
/// cannot: it changes the connection's state for every later caller (MULTI, SELECT, AUTH,
/// READONLY...), or its replies are not one per command (SUBSCRIBE, MONITOR, CLIENT REPLY),
/// which would hand later callers each other's replies. The error says what to use instead.
pub fn connection_state_error(cmd: &Cmd) -> Option<Error> {
    let n = Names::of(cmd);
    state_error(n.name(), n.sub())
}

/// [`connection_state_error`] by upper-case name and subcommand.
fn state_error(name: &[u8], sub: Option<&[u8]>) -> Option<Error> {
    let fix = match (name, sub) {
        (b"MULTI" | b"EXEC" | b"DISCARD", _) => {
            "use a transactional pipeline (Pipeline::transaction), which sends MULTI/EXEC itself"
        }
        (b"WATCH" | b"UNWATCH", _) => "use a WATCH session (the client's watch(keys))",
        (
            b"SUBSCRIBE" | b"PSUBSCRIBE" | b"SSUBSCRIBE" | b"UNSUBSCRIBE" | b"PUNSUBSCRIBE"
            | b"SUNSUBSCRIBE" | b"MONITOR" | b"SYNC" | b"PSYNC",
            _,
        ) => "it turns the connection into a stream of messages; use a separate connection",
        (b"CLIENT", Some(b"REPLY" | b"TRACKING" | b"CACHING")) => {
            "it changes which replies the shared connection gets"
        }
        (b"HELLO" | b"AUTH", _) => {
            "set the protocol and credentials in the client options: they are sent on every \
             connection"
        }
        (b"SELECT", _) => "a Redis Cluster has only database 0",
        (b"READONLY" | b"READWRITE", _) => {
            "choose a read policy in the client options: replica connections get READONLY"
        }
        (b"ASKING", _) => "the client sends ASKING itself when it follows an ASK redirect",
        (b"RESET" | b"QUIT", _) => "close the client instead",
        (b"SCAN", _) => {
            "a SCAN cursor belongs to one node: use the client's cluster-wide scan, which \
             walks every primary"
        }
        _ => return None,
    };
    Some(Error::Config(format!(
        "{} cannot be sent as a plain command through a cluster client's shared \
         connections: {fix}",
        String::from_utf8_lossy(name)
    )))
}

/// The argv indices of the keys of `cmd` under `spec`, in order.
pub fn key_indices(cmd: &Cmd, spec: KeySpec) -> impl Iterator<Item = usize> + '_ {
    let n = cmd.arg_count();
    let (start, end, step) = match spec {
        KeySpec::None => (0, 0, 1),
        KeySpec::Range { first, last, step } => {
            let last = if last < 0 {
                n as isize + last
            } else {
                last.min(n as isize - 1)
            };
            if last < first as isize {
                (0, 0, 1)
            } else {
                (first, last as usize + 1, step.max(1))
            }
        }
        KeySpec::NumKeys { at, fixed } => {
            let numkeys = cmd
                .arg_at(at)
                .and_then(|s| std::str::from_utf8(s).ok())
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(0);
            // Fixed keys (destination) come before `at`, numkeys keys right after it.
            let end = at.saturating_add(1).saturating_add(numkeys).min(n);
            return KeyIter::Two(1..1 + fixed, at + 1..end);
        }
        KeySpec::Streams => {
            let pos = cmd
                .args()
                .position(|a| a.eq_ignore_ascii_case(b"STREAMS"))
                .unwrap_or(n);
            let rest = n.saturating_sub(pos + 1);
            (pos + 1, pos + 1 + rest / 2, 1)
        }
        KeySpec::FromSub { at } => (at.min(n), (at + 1).min(n), 1),
        KeySpec::Table(spec) => {
            return KeyIter::Listed(spec.key_positions(cmd).positions.into_iter());
        }
    };
    KeyIter::Step((start..end).step_by(step))
}

enum KeyIter {
    Step(std::iter::StepBy<std::ops::Range<usize>>),
    Two(std::ops::Range<usize>, std::ops::Range<usize>),
    Listed(std::vec::IntoIter<usize>),
}

impl Iterator for KeyIter {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        match self {
            KeyIter::Step(it) => it.next(),
            KeyIter::Two(a, b) => a.next().or_else(|| b.next()),
            KeyIter::Listed(it) => it.next(),
        }
    }
}

/// The one slot all keys of `cmd` hash to (`None` for keyless commands).
///
/// # Errors
///
/// [`Error::CrossSlot`] naming the command, every key and its slot when they differ.
pub fn single_slot(cmd: &Cmd, spec: KeySpec) -> Result<Option<Slot>, Error> {
    let mut slot = None;
    let mut mismatch = false;
    for i in key_indices(cmd, spec) {
        let s = key_slot(cmd.arg_at(i).unwrap_or_default());
        match slot {
            None => slot = Some(s),
            Some(prev) if prev != s => mismatch = true,
            _ => {}
        }
    }
    if mismatch {
        return Err(cross_slot(
            &String::from_utf8_lossy(cmd.name()),
            key_indices(cmd, spec).filter_map(|i| cmd.arg_at(i)),
        ));
    }
    Ok(slot)
}

/// Builds the CROSSSLOT error for a set of keys.
pub fn cross_slot<'k>(context: &str, keys: impl Iterator<Item = &'k [u8]>) -> Error {
    Error::CrossSlot {
        context: context.to_string(),
        keys: keys
            .map(|k| KeySlot {
                key: String::from_utf8_lossy(k).into_owned(),
                slot: key_slot(k),
            })
            .collect(),
    }
}

/// One per-slot piece of a split multi-key command.
#[derive(Debug, Clone)]
pub struct SplitPart {
    /// The slot of every key in the piece.
    pub slot: Slot,
    /// The sub-command (same name, only this slot's keys).
    pub cmd: Cmd,
    /// For each key in the piece, its index among the original command's keys.
    pub positions: Vec<usize>,
}

/// Splits a multi-key command (MGET, MSET, DEL, ...) into one command per slot, keeping
/// the keys' order inside each piece.
pub fn split_by_slot(cmd: &Cmd, spec: KeySpec) -> Vec<SplitPart> {
    let step = match spec {
        KeySpec::Range { step, .. } => step.max(1),
        _ => 1,
    };
    let mut parts: Vec<SplitPart> = Vec::new();
    let mut picks: Vec<Vec<usize>> = Vec::new();
    let mut index_of_slot = std::collections::HashMap::new();
    for (n, i) in key_indices(cmd, spec).enumerate() {
        let s = key_slot(cmd.arg_at(i).unwrap_or_default());
        let idx = match index_of_slot.get(&s) {
            Some(&idx) => idx,
            None => {
                index_of_slot.insert(s, parts.len());
                parts.push(SplitPart {
                    slot: s,
                    cmd: Cmd::new(""),
                    positions: Vec::new(),
                });
                picks.push(Vec::new());
                parts.len() - 1
            }
        };
        parts[idx].positions.push(n);
        picks[idx].extend(i..i + step);
    }
    // An incomplete argv (MSET's last value missing) is not split, or a piece would carry
    // an empty value: sent whole, the server rejects it as it would on one node.
    if picks.iter().flatten().any(|&i| i >= cmd.arg_count()) {
        let n = parts.iter().map(|p| p.positions.len()).sum();
        return vec![SplitPart {
            slot: parts[0].slot,
            cmd: cmd.clone(),
            positions: (0..n).collect(),
        }];
    }
    for (p, pick) in parts.iter_mut().zip(&picks) {
        p.cmd = cmd.with_args(1, pick);
    }
    parts
}

#[cfg(test)]
mod spec_tests;
#[cfg(test)]
mod tests;
