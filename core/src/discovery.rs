//! Sans-I/O pieces of connecting: the handshake every connection sends, and turning a
//! node's answer to CLUSTER SHARDS (or CLUSTER SLOTS) into a [`Topology`].

use crate::command::Cmd;
use crate::error::Error;
use crate::options::{ClientOptions, Protocol};
use crate::resp::{ServerError, ServerErrorKind, Value};
use crate::router::Router;
use crate::topology::{parse_shards, parse_slots, Topology};

/// The commands sent on every new connection, in order: `HELLO 3 [AUTH ..]` or
/// `AUTH [user] pass`, then `READONLY` on replica connections.
pub fn handshake(opts: &ClientOptions, replica: bool) -> Vec<Cmd> {
    let mut cmds = Vec::with_capacity(2);
    let creds = opts.credentials.as_ref();
    match opts.protocol {
        Protocol::Resp3 => {
            let mut hello = Cmd::new("HELLO").arg("3");
            if let Some(c) = creds {
                hello = hello
                    .arg("AUTH")
                    .arg(c.username.as_deref().unwrap_or("default"))
                    .arg(&c.password);
            }
            cmds.push(hello);
        }
        Protocol::Resp2 => {
            if let Some(c) = creds {
                let mut auth = Cmd::new("AUTH");
                if let Some(u) = &c.username {
                    auth = auth.arg(u);
                }
                cmds.push(auth.arg(&c.password));
            }
        }
    }
    if replica {
        cmds.push(Cmd::new("READONLY"));
    }
    cmds
}

/// Checks the handshake replies; an error reply becomes [`Error::Auth`] (AUTH/HELLO
/// refused) or [`Error::Server`]. The password is never part of the message.
pub fn check_handshake(node: &str, replies: &[Value]) -> Result<(), Error> {
    for r in replies {
        if let Some(text) = r.as_error() {
            let err = ServerError::parse(text);
            return Err(match err.kind {
                ServerErrorKind::Auth | ServerErrorKind::NoPerm => Error::Auth {
                    node: node.to_string(),
                    message: err.text,
                },
                _ if err.text.contains("AUTH") || err.text.contains("HELLO") => Error::Auth {
                    node: node.to_string(),
                    message: err.text,
                },
                _ => Error::Server {
                    error: err,
                    node: node.to_string(),
                },
            });
        }
    }
    Ok(())
}

/// The command that asks a node for the topology.
pub fn shards_query() -> Cmd {
    Cmd::new("CLUSTER").arg("SHARDS")
}

/// The fallback for servers without CLUSTER SHARDS (before Redis 7).
pub fn slots_query() -> Cmd {
    Cmd::new("CLUSTER").arg("SLOTS")
}

/// What a node's answer to a topology query means.
#[derive(Debug)]
pub enum TopologyReply {
    /// A parsed view.
    View(Topology),
    /// The node does not know CLUSTER SHARDS: ask it CLUSTER SLOTS.
    TrySlots,
}

/// Interprets a reply to [`shards_query`] (`shards == true`) or [`slots_query`] from `node`.
///
/// # Errors
///
/// [`Error::ClusterSupportDisabled`] for a standalone server, [`Error::Auth`] for missing
/// credentials, [`Error::Server`] / [`Error::Protocol`]-like text for anything unparseable.
pub fn topology_reply(
    router: &Router,
    node: &str,
    reply: Value,
    shards: bool,
) -> Result<TopologyReply, Error> {
    let reply = reply.without_attributes();
    if let Some(text) = reply.as_error() {
        let err = ServerError::parse(text);
        if err.text.contains("cluster support disabled") {
            return Err(Error::ClusterSupportDisabled {
                node: node.to_string(),
            });
        }
        if shards && err.text.to_ascii_lowercase().contains("unknown subcommand") {
            return Ok(TopologyReply::TrySlots);
        }
        if matches!(err.kind, ServerErrorKind::Auth | ServerErrorKind::NoPerm) {
            return Err(Error::Auth {
                node: node.to_string(),
                message: err.text,
            });
        }
        return Err(Error::Server {
            error: err,
            node: node.to_string(),
        });
    }
    let opts = router.options();
    let host = crate::router::host_of(node);
    let parsed = if shards {
        parse_shards(&reply, host, &opts.address_map, opts.tls.is_some())
    } else {
        parse_slots(&reply, host, &opts.address_map)
    };
    let topo = parsed.map_err(|msg| Error::Server {
        error: ServerError::parse(format!("ERR unusable topology reply: {msg}").as_bytes()),
        node: node.to_string(),
    })?;
    if topo.shards().is_empty() {
        return Err(Error::Server {
            error: ServerError::parse(b"CLUSTERDOWN the node reports no shards with slots yet"),
            node: node.to_string(),
        });
    }
    Ok(TopologyReply::View(topo))
}

/// How many nodes a refresh asks, to vote on the view.
pub const VIEWS_TO_COMPARE: usize = 3;

/// Collects the answers of a refresh round: views, and for the error message every node
/// that failed and why. Credentials and "not a cluster" errors win over generic ones, so
/// the user sees the cause that needs action.
#[derive(Debug, Default)]
pub struct ViewCollector {
    views: Vec<Topology>,
    attempts: Vec<crate::error::Attempt>,
    decisive: Option<Error>,
}

impl ViewCollector {
    /// Records one node's answer.
    pub fn add(&mut self, node: &str, got: Result<Topology, Error>) {
        match got {
            Ok(v) => self.views.push(v),
            Err(e) => {
                if matches!(e, Error::ClusterSupportDisabled { .. } | Error::Auth { .. }) {
                    self.decisive.get_or_insert(e.clone());
                }
                self.attempts.push(crate::error::Attempt {
                    node: node.to_string(),
                    outcome: e.to_string(),
                });
            }
        }
    }

    /// True once at least one view is in (the round can stop asking further nodes).
    pub fn has_view(&self) -> bool {
        !self.views.is_empty()
    }

    /// The views, or the reason there are none.
    ///
    /// # Errors
    ///
    /// The decisive error if any node gave one, else [`Error::NoSeedReachable`].
    pub fn finish(self) -> Result<Vec<Topology>, Error> {
        if self.views.is_empty() {
            return Err(self.decisive.unwrap_or(Error::NoSeedReachable {
                attempts: self.attempts,
            }));
        }
        Ok(self.views)
    }
}
