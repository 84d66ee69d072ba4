//! The one error type of the crate.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::resp::{ProtocolError, ServerError, ServerErrorKind};
use crate::slot::Slot;

/// Result alias used throughout slotwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One try of a request: which node and what happened there. Carried by errors that give up
/// after several tries, so the message can name the nodes tried and what they answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// `host:port` of the node tried.
    pub node: String,
    /// What it answered (an error reply's text, or the transport failure).
    pub outcome: String,
}

/// The timeouts a request ran under, for [`Error::Timeout`]'s message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timeouts {
    /// The request timeout (the whole request, redirects and retries included).
    pub request: Duration,
    /// The connect timeout (each connection attempt, handshake included).
    pub connect: Duration,
}

/// A duration as people read it: `850ms`, `1.5s`, `12s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        let secs = format!("{:.3}", d.as_secs_f64());
        format!("{}s", secs.trim_end_matches('0'))
    }
}

/// A key and the slot it hashes to, for CROSSSLOT reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySlot {
    /// The key, lossily decoded for display.
    pub key: String,
    /// Its slot.
    pub slot: Slot,
}

/// Everything that can go wrong, with variants to match on and messages that say what to do.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error reply that is the command's own answer
    /// (`WRONGTYPE`, `ERR ...`), or a routing error that persisted after every retry.
    Server {
        /// The error as sent.
        error: ServerError,
        /// The node that sent it.
        node: String,
    },
    /// The keys of one command or transaction hash to different slots (detected before
    /// sending).
    CrossSlot {
        /// What was being run (`MULTI/EXEC`, `MGET`...).
        context: String,
        /// Every key and its slot.
        keys: Vec<KeySlot>,
    },
    /// The redirect budget was spent.
    RedirectBudget {
        /// The slot being chased.
        slot: Option<Slot>,
        /// Redirects followed before giving up.
        redirects: u32,
        /// Every try.
        attempts: Vec<Attempt>,
    },
    /// The request deadline passed.
    Timeout {
        /// The slot, for keyed commands.
        slot: Option<Slot>,
        /// How long the request ran before it gave up.
        after: Duration,
        /// The timeouts in force.
        limits: Timeouts,
        /// Every try before the deadline.
        attempts: Vec<Attempt>,
    },
    /// Connecting to, writing to or reading from a node failed.
    Io {
        /// `host:port`.
        node: String,
        /// The OS error.
        source: Arc<std::io::Error>,
    },
    /// The node sent bytes that are not valid RESP (the connection was dropped).
    Protocol {
        /// `host:port`.
        node: String,
        /// What was wrong, and where.
        error: ProtocolError,
    },
    /// The node refused the credentials (or demanded some that were not given).
    Auth {
        /// `host:port`.
        node: String,
        /// The server's text (never contains the password).
        message: String,
    },
    /// The ACL user may not run a command slotwise itself sends to every node (CLUSTER
    /// SHARDS / CLUSTER SLOTS for the slot map, READONLY for replica reads, HELLO): the
    /// credentials are right, a permission is missing.
    NoPermission {
        /// `host:port`.
        node: String,
        /// The server's text (`NOPERM ...`).
        message: String,
    },
    /// No seed could be used to discover the cluster.
    NoSeedReachable {
        /// Each seed and why it failed.
        attempts: Vec<Attempt>,
    },
    /// A seed answered, but it runs with `cluster-enabled no`.
    ClusterSupportDisabled {
        /// The seed.
        node: String,
    },
    /// A reply could not be converted to the requested Rust type.
    Type {
        /// The Rust type asked for.
        expected: &'static str,
        /// The RESP type received.
        got: &'static str,
    },
    /// Invalid options or arguments.
    Config(String),
    /// The client was closed.
    Closed,
}

impl Error {
    /// The classified server error kind, when this is a server reply.
    pub fn server_kind(&self) -> Option<&ServerErrorKind> {
        match self {
            Error::Server { error, .. } => Some(&error.kind),
            _ => None,
        }
    }

    /// A stable machine-readable code (`CROSSSLOT`, `TIMEOUT`, `MOVED`, `ERR` ...), used by
    /// the bindings for their error classes.
    pub fn code(&self) -> &str {
        match self {
            Error::Server { error, .. } => match error.kind {
                ServerErrorKind::ClusterDown(_) => "CLUSTERDOWN",
                ServerErrorKind::Auth => "NOAUTH",
                _ => error.code(),
            },
            Error::CrossSlot { .. } => "CROSSSLOT",
            Error::RedirectBudget { .. } => "REDIRECT_BUDGET",
            Error::Timeout { .. } => "TIMEOUT",
            Error::Io { .. } => "CONNECTION",
            Error::Protocol { .. } => "PROTOCOL",
            Error::Auth { .. } => "NOAUTH",
            Error::NoPermission { .. } => "NOPERM",
            Error::NoSeedReachable { .. } => "CONNECTION",
            Error::ClusterSupportDisabled { .. } => "CLUSTER_DISABLED",
            Error::Type { .. } => "TYPE",
            Error::Config(_) => "CONFIG",
            Error::Closed => "CLOSED",
        }
    }

    /// True when the cause may be transient (a later retry may succeed).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Io { .. } | Error::Timeout { .. } | Error::RedirectBudget { .. }
        ) || matches!(
            self.server_kind(),
            Some(
                ServerErrorKind::TryAgain
                    | ServerErrorKind::ClusterDown(_)
                    | ServerErrorKind::Loading
                    | ServerErrorKind::MasterDown
            )
        )
    }

    pub(crate) fn io(node: &str, e: std::io::Error) -> Error {
        Error::Io {
            node: node.to_string(),
            source: Arc::new(e),
        }
    }
}

/// The ACL rules a user needs for what slotwise sends on its own (topology discovery,
/// replica reads, slot migrations, RESP3).
pub const GRANTS: &str = "+cluster|shards +cluster|slots +readonly +asking +hello";

/// Lists the tries; a run of identical ones (retries against a node that keeps refusing)
/// is written once with its count.
fn write_attempts(f: &mut fmt::Formatter<'_>, attempts: &[Attempt]) -> fmt::Result {
    let mut rest = attempts;
    let mut sep = "; tried: ";
    while let Some(a) = rest.first() {
        let run = rest.iter().take_while(|b| *b == a).count();
        write!(f, "{sep}{} ({})", a.node, a.outcome)?;
        if run > 1 {
            write!(f, " [{run} times]")?;
        }
        rest = &rest[run..];
        sep = ", ";
    }
    Ok(())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Server { error, node } => write!(f, "{error} (from {node})"),
            Error::CrossSlot { context, keys } => {
                write!(f, "CROSSSLOT: the keys of {context} hash to different slots:")?;
                for k in keys {
                    write!(f, " {:?} -> slot {}", k.key, k.slot)?;
                }
                f.write_str(
                    ". Keys must share one slot here; give them a common hash tag, e.g. \
                     \"{user42}:name\" and \"{user42}:email\" both hash only \"user42\"",
                )
            }
            Error::RedirectBudget {
                slot,
                redirects,
                attempts,
            } => {
                write!(f, "gave up after {redirects} redirects")?;
                if let Some(s) = slot {
                    write!(f, " for slot {s}")?;
                }
                write_attempts(f, attempts)?;
                f.write_str("; the cluster is probably resharding in a loop or misconfigured (check CLUSTER SHARDS on each node), or raise the redirect budget")
            }
            Error::Timeout {
                slot,
                after,
                limits,
                attempts,
            } => {
                write!(
                    f,
                    "request timed out after {} (request timeout {}, connect timeout {})",
                    human(*after),
                    human(limits.request),
                    human(limits.connect)
                )?;
                if let Some(s) = slot {
                    write!(f, " (slot {s})")?;
                }
                write_attempts(f, attempts)?;
                f.write_str("; the node may be overloaded, paused or failing over: raise the request timeout if the command is slow")
            }
            Error::Io { node, source } => {
                if let Some(hint) = crate::tls::hint(source) {
                    return write!(f, "connection to {node} failed: {source}; {hint}");
                }
                write!(
                    f,
                    "connection to {node} failed: {source}; check that the node is up and the address is reachable from this host (for NAT/Docker, set an address map)"
                )?;
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof
                ) {
                    f.write_str("; if the node accepts only TLS on this port, enable TLS in the client options")?;
                }
                Ok(())
            }
            Error::Protocol { node, error } => write!(f, "{error} (node {node})"),
            Error::Auth { node, message } => write!(
                f,
                "authentication failed on {node}: {message}; check the username and password in the client options"
            ),
            Error::NoPermission { node, message } => write!(
                f,
                "{message} (from {node}); the client's ACL user lacks a permission slotwise needs \
                 on every node: grant it with ACL SETUSER <user> {GRANTS} (CLUSTER SHARDS, or \
                 CLUSTER SLOTS before Redis 7, discovers the slot map; READONLY is sent for \
                 replica reads, ASKING while slots migrate, HELLO with RESP3)"
            ),
            Error::NoSeedReachable { attempts } => {
                f.write_str("could not discover the cluster from any seed")?;
                write_attempts(f, attempts)?;
                f.write_str("; check the seed addresses and that the nodes are running")
            }
            Error::ClusterSupportDisabled { node } => write!(
                f,
                "{node} is not a cluster node (cluster support is disabled there: cluster-enabled no); point the client at a Redis Cluster node, or use a standalone client for it"
            ),
            Error::Type { expected, got } => {
                write!(f, "cannot convert the {got} reply to {expected}")
            }
            Error::Config(msg) => write!(f, "invalid configuration: {msg}"),
            Error::Closed => f.write_str("the client is closed"),
        }
    }
}

/// `text` with every control character (CR, LF, ESC, NUL, DEL, C1 controls) written as an
/// escape (`\r`, `\n`, `\x1b`, `\u{85}`): text a node sent (error replies, announced hosts)
/// can then neither inject lines into logs nor terminal sequences into a user's screen when
/// it appears in an error message. Other text is left as it is.
///
/// # Examples
///
/// ```
/// use slotwise::error::escape_controls;
/// assert_eq!(escape_controls("ERR ok"), "ERR ok");
/// assert_eq!(escape_controls("evil\r\nFAKE LOG\x1b[31m"), "evil\\r\\nFAKE LOG\\x1b[31m");
/// ```
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(&**source),
            Error::Protocol { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(node: &str, outcome: &str) -> Attempt {
        Attempt {
            node: node.into(),
            outcome: outcome.into(),
        }
    }

    #[test]
    fn a_timeout_states_the_time_it_took_and_the_timeouts_in_force() {
        let e = Error::Timeout {
            slot: None,
            after: Duration::from_millis(1502),
            limits: Timeouts {
                request: Duration::from_secs(1),
                connect: Duration::from_millis(500),
            },
            attempts: Vec::new(),
        };
        let msg = e.to_string();
        assert!(
            msg.starts_with(
                "request timed out after 1.502s (request timeout 1s, connect timeout 500ms)"
            ),
            "{msg}"
        );
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(Duration::ZERO), "0ms");
    }

    #[test]
    fn repeated_identical_attempts_are_listed_once_with_their_count() {
        let refused = attempt("127.0.0.1:7000", "connection refused");
        let e = Error::Timeout {
            slot: None,
            after: std::time::Duration::from_secs(5),
            limits: Timeouts::default(),
            attempts: vec![
                refused.clone(),
                refused.clone(),
                refused.clone(),
                attempt("127.0.0.1:7001", "MOVED 1 127.0.0.1:7000"),
                refused,
            ],
        };
        let msg = e.to_string();
        assert!(
            msg.contains(
                "tried: 127.0.0.1:7000 (connection refused) [3 times], \
                 127.0.0.1:7001 (MOVED 1 127.0.0.1:7000), 127.0.0.1:7000 (connection refused);"
            ),
            "{msg}"
        );
    }
}
