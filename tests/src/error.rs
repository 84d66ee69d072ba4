//! [`HarnessError`]: everything that can go wrong while driving test clusters.

use std::io;
use std::time::Duration;

/// Result alias used throughout the harness.
pub type Result<T, E = HarnessError> = std::result::Result<T, E>;

/// An error from the harness. Messages name the node and what was being attempted; when a
/// redis-server misbehaved, they carry the tail of its log file.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// An I/O operation failed (spawning a process, a socket, a file).
    #[error("{context}: {source}")]
    Io {
        /// What was being attempted.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A redis-server process could not be started or exited unexpectedly.
    #[error("redis-server for {what} failed: {reason}{logs}")]
    Start {
        /// Which node (address or role).
        what: String,
        /// Why it failed.
        reason: String,
        /// Log tails, already formatted (may be empty).
        logs: String,
    },
    /// A polled condition did not become true before the deadline.
    #[error("timed out after {timeout:?} waiting for {what}; last observed: {last}{logs}")]
    NotConverged {
        /// The condition that was awaited.
        what: String,
        /// The last reason the condition was not yet met.
        last: String,
        /// How long the harness waited.
        timeout: Duration,
        /// Log tails of the relevant nodes, already formatted (may be empty).
        logs: String,
    },
    /// A command got an error reply where the harness needed success.
    #[error("{addr}: `{command}` failed: {message}")]
    ErrorReply {
        /// The node that replied.
        addr: String,
        /// The command (first arguments, secrets elided).
        command: String,
        /// The error text.
        message: String,
    },
    /// A command got a reply of an unexpected shape.
    #[error("{addr}: unexpected reply to `{command}`: {reply}")]
    UnexpectedReply {
        /// The node that replied.
        addr: String,
        /// The command.
        command: String,
        /// A rendering of the reply.
        reply: String,
    },
    /// A node sent bytes that are not valid RESP.
    #[error("{addr}: protocol error: {message}")]
    Protocol {
        /// The node that sent them.
        addr: String,
        /// The decoder's error.
        message: String,
    },
    /// The address does not belong to this cluster.
    #[error("no node with address {0} in this test cluster")]
    UnknownNode(String),
    /// An operation was asked for something the cluster cannot do (bad options, a replica
    /// where a primary was needed, ...).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// An external tool (redis-cli) failed.
    #[error("`{command}` failed ({status}):\n{output}")]
    Tool {
        /// The command line.
        command: String,
        /// The exit status.
        status: String,
        /// The tail of its stdout and stderr.
        output: String,
    },
}

impl HarnessError {
    /// Wraps an [`io::Error`] with context.
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        HarnessError::Io {
            context: context.into(),
            source,
        }
    }

    /// True when the error is a socket read timeout (a node that does not answer).
    pub fn is_timeout(&self) -> bool {
        matches!(self, HarnessError::Io { source, .. }
            if matches!(source.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut))
    }
}
