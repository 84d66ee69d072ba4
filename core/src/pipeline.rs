//! Pipelines: many commands sent together, replies in the caller's order.

use crate::command::Cmd;
use crate::error::Error;
use crate::resp::Value;

/// A batch of commands. Non-transactional pipelines may mix slots freely (slotwise splits
/// them per node); a transaction (`Pipeline::transaction`) runs as MULTI/EXEC and its keys
/// must share one slot.
///
/// # Examples
///
/// ```
/// use slotwise::{cmd, Pipeline};
/// let mut p = Pipeline::new();
/// p.add(cmd("SET").arg("a").arg(1)).add(cmd("INCR").arg("b"));
/// assert_eq!(p.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    cmds: Vec<Cmd>,
    transaction: bool,
}

impl Pipeline {
    /// An empty, non-transactional pipeline.
    pub fn new() -> Pipeline {
        Pipeline::default()
    }

    /// An empty MULTI/EXEC transaction (single slot).
    pub fn transaction() -> Pipeline {
        Pipeline {
            cmds: Vec::new(),
            transaction: true,
        }
    }

    /// Appends a command.
    pub fn add(&mut self, c: Cmd) -> &mut Pipeline {
        self.cmds.push(c);
        self
    }

    /// The commands, in order.
    pub fn commands(&self) -> &[Cmd] {
        &self.cmds
    }

    /// Number of commands.
    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// True for MULTI/EXEC pipelines.
    pub fn is_transaction(&self) -> bool {
        self.transaction
    }

    /// Removes every command (to reuse the allocation).
    pub fn clear(&mut self) {
        self.cmds.clear();
    }

    /// Turns EXEC's reply into one result per queued command. An aborted transaction
    /// (WATCH saw a change: EXEC returned nil) gives `Value::Nil` for each command.
    pub(crate) fn explode_transaction(
        exec: Result<Value, Error>,
        n: usize,
    ) -> Vec<Result<Value, Error>> {
        match exec {
            Ok(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v.as_error() {
                    Some(t) => Err(Error::Server {
                        error: crate::resp::ServerError::parse(t),
                        node: String::new(),
                    }),
                    None => Ok(v),
                })
                .collect(),
            Ok(Value::Nil) => (0..n).map(|_| Ok(Value::Nil)).collect(),
            Ok(other) => vec![Ok(other)],
            Err(e) => (0..n.max(1)).map(|_| Err(e.clone())).collect(),
        }
    }
}
