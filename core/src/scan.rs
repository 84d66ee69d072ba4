//! A SCAN that walks every primary in turn, so iterating covers the whole cluster.

use std::sync::Arc;

use bytes::Bytes;

use crate::command::Cmd;
use crate::error::Error;
use crate::resp::Value;
use crate::topology::Topology;

/// The state of a cluster-wide SCAN: which primary, and the cursor on it.
///
/// SCAN's guarantees hold per node; a slot that migrates during the scan from a node not
/// yet scanned to one already scanned may be missed, and keys may repeat (as with SCAN on
/// one server). For an exact snapshot, pause resharding.
#[derive(Debug, Clone)]
pub struct ClusterScan {
    nodes: Vec<Arc<str>>,
    node: usize,
    cursor: Bytes,
    pattern: Option<Bytes>,
    count: Option<u64>,
}

impl ClusterScan {
    /// Starts a scan over the primaries of `topology`, optionally with `MATCH` and `COUNT`.
    pub fn new(topology: &Topology, pattern: Option<&[u8]>, count: Option<u64>) -> ClusterScan {
        ClusterScan {
            nodes: topology.primaries().cloned().collect(),
            node: 0,
            cursor: Bytes::from_static(b"0"),
            pattern: pattern.map(Bytes::copy_from_slice),
            count,
        }
    }

    /// True when every primary has been scanned to the end.
    pub fn is_done(&self) -> bool {
        self.node >= self.nodes.len()
    }

    /// The next SCAN to send and the node to send it to, or `None` when done.
    pub fn next_command(&self) -> Option<(Arc<str>, Cmd)> {
        let node = self.nodes.get(self.node)?.clone();
        let mut c = Cmd::new("SCAN").arg(&self.cursor);
        if let Some(p) = &self.pattern {
            c = c.arg("MATCH").arg(p);
        }
        if let Some(n) = self.count {
            c = c.arg("COUNT").arg(n);
        }
        Some((node, c))
    }

    /// Takes a SCAN reply (`[cursor, [keys...]]`) and returns its keys; a `0` cursor moves on
    /// to the next primary.
    ///
    /// # Errors
    ///
    /// [`Error::Type`] when the reply is not SCAN-shaped.
    pub fn on_reply(&mut self, reply: Value) -> Result<Vec<Bytes>, Error> {
        let shape = || Error::Type {
            expected: "SCAN reply [cursor, [keys]]",
            got: "another shape",
        };
        let Value::Array(mut parts) = reply.without_attributes() else {
            return Err(shape());
        };
        if parts.len() != 2 {
            return Err(shape());
        }
        let keys = match parts.pop() {
            Some(Value::Array(k)) | Some(Value::Set(k)) => k,
            _ => return Err(shape()),
        };
        let cursor = parts
            .pop()
            .and_then(|c| c.as_bytes().cloned())
            .ok_or_else(shape)?;
        if &cursor[..] == b"0" {
            self.node += 1;
            self.cursor = Bytes::from_static(b"0");
        } else {
            self.cursor = cursor;
        }
        keys.into_iter()
            .map(|k| k.as_bytes().cloned().ok_or_else(shape))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{Health, Node, Role, Shard};

    fn topo() -> Topology {
        let shard = |port: u16, a: u16, b: u16| Shard {
            primary: Node {
                addr: format!("127.0.0.1:{port}").into(),
                id: None,
                role: Role::Primary,
                health: Health::Online,
            },
            replicas: Vec::new(),
            ranges: vec![(a, b)],
        };
        Topology::from_shards(vec![shard(7000, 0, 8000), shard(7001, 8001, 16383)])
    }

    fn reply(cursor: &str, keys: &[&str]) -> Value {
        Value::Array(vec![
            Value::Bulk(Bytes::copy_from_slice(cursor.as_bytes())),
            Value::Array(
                keys.iter()
                    .map(|k| Value::Bulk(Bytes::copy_from_slice(k.as_bytes())))
                    .collect(),
            ),
        ])
    }

    #[test]
    fn walks_every_primary_until_each_cursor_returns_to_zero() {
        let mut s = ClusterScan::new(&topo(), Some(b"user:*"), Some(100));
        let (node, c) = s.next_command().unwrap();
        assert_eq!(&*node, "127.0.0.1:7000");
        let args: Vec<&[u8]> = c.args().collect();
        assert_eq!(
            args,
            [&b"SCAN"[..], b"0", b"MATCH", b"user:*", b"COUNT", b"100"]
        );
        assert_eq!(s.on_reply(reply("17", &["a"])).unwrap(), ["a"]);
        assert_eq!(s.next_command().unwrap().1.arg_at(1), Some(&b"17"[..]));
        s.on_reply(reply("0", &["b"])).unwrap();
        assert_eq!(&*s.next_command().unwrap().0, "127.0.0.1:7001");
        s.on_reply(reply("0", &[])).unwrap();
        assert!(s.is_done());
        assert!(s.next_command().is_none());
    }

    #[test]
    fn rejects_replies_of_another_shape() {
        let mut s = ClusterScan::new(&topo(), None, None);
        assert!(s.on_reply(Value::Int(3)).is_err());
    }
}
