//! `WAIT` and `WAITAOF`: commands that confirm the writes made on the connection they run on,
//! so in a cluster they mean something only right after the write they confirm, on its
//! connection.
//!
//! In a pipeline such a command *follows* the command before it (after another `WAIT`, the
//! same command): [`Plan`](super::Plan) writes it in that command's sub-request, after it, so
//! it goes to the same node on the same connection, and goes again with it wherever a
//! redirect or a retry sends it. Alone, first in a pipeline, or after a command that went to
//! several nodes or was refused before sending, it fails before anything is sent.
//!
//! Inside MULTI, Redis answers `WAIT` at once, before the transaction's writes reach any
//! replica (it counts 0): in a transaction these commands are sent after `EXEC`, so they
//! confirm the whole transaction, and their replies take their places among `EXEC`'s.

use crate::command::{BlockFor, Cmd};
use crate::error::Error;
use crate::resp::Value;

use super::decide::Outcome;

/// The command's name for messages (`WAIT` or `WAITAOF`).
pub(super) fn name(cmd: &Cmd) -> String {
    String::from_utf8_lossy(cmd.name()).to_ascii_uppercase()
}

fn example(name: &str) -> &'static str {
    if name == "WAITAOF" {
        "SET k v then WAITAOF 1 1 100"
    } else {
        "SET k v then WAIT 1 100"
    }
}

/// `name` with no command before it to follow (alone, or first in a pipeline).
pub(super) fn alone(name: &str) -> Error {
    Error::Config(format!(
        "{name} confirms the writes of the connection it runs on, and alone a cluster client \
         would send it to an arbitrary node, where it confirms nothing: send it in a pipeline \
         right after the keyed write it should confirm, e.g. {} (it then runs on that \
         write's node and connection)",
        example(name)
    ))
}

/// `name` alone in a transaction: nothing in it for `name` to confirm.
pub(super) fn alone_in_transaction(name: &str) -> Error {
    Error::Config(format!(
        "{name} in a transaction with no other command has no write to confirm: add the \
         writes it should confirm to the transaction (it runs after EXEC and confirms them \
         all), e.g. {}",
        example(name)
    ))
}

/// `name` after a command that failed before it was sent.
pub(super) fn after_unsent(name: &str) -> Error {
    Error::Config(format!(
        "{name} follows a command that failed before it was sent (see that command's error), \
         so it has no write to confirm; nothing was sent for it"
    ))
}

/// `name` after a command split by slot or sent to several nodes (`what` says which).
pub(super) fn after_spread(name: &str, what: &str) -> Error {
    Error::Config(format!(
        "{name} cannot confirm the command before it: that command {what}, so no one \
         connection carries its writes; put its keys in one slot with a hash tag ({{user1}}:a, \
         {{user1}}:b) or confirm single-slot writes, e.g. {}",
        example(name)
    ))
}

/// The longer of two server-side waits.
pub(super) fn longer(a: BlockFor, b: BlockFor) -> BlockFor {
    match (a, b) {
        (BlockFor::Forever, _) | (_, BlockFor::Forever) => BlockFor::Forever,
        (BlockFor::Up(x), BlockFor::Up(y)) => BlockFor::Up(x.max(y)),
        (BlockFor::No, other) | (other, BlockFor::No) => other,
    }
}

/// Splits the replies of the last `followers` commands off a sub-request's outcome (fed by
/// `Plan::on_replies` as one array of `total` replies): the outcome of its own commands (one
/// reply, or an array for a transaction), and the followers' replies.
pub(super) fn split(outcome: Outcome, followers: usize, total: usize) -> (Outcome, Vec<Value>) {
    if followers == 0 {
        return (outcome, Vec::new());
    }
    match outcome {
        Outcome::Reply(Value::Array(mut all)) if all.len() == total => {
            let tail = all.split_off(total - followers);
            let own = if all.len() == 1 {
                all.pop().unwrap_or(Value::Nil)
            } else {
                Value::Array(all)
            };
            (Outcome::Reply(own), tail)
        }
        other => (other, Vec::new()),
    }
}

/// Puts the followers' replies back among `EXEC`'s at the positions their commands had in
/// the transaction. Anything but an array (nil, an error) is left as it is.
pub(super) fn splice(exec: Value, positions: &[usize], tail: Vec<Value>) -> Value {
    let Value::Array(mut items) = exec else {
        return exec;
    };
    for (&at, v) in positions.iter().zip(tail) {
        items.insert(at.min(items.len()), v);
    }
    Value::Array(items)
}
