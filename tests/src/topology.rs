//! Parsing `CLUSTER NODES` and comparing what different nodes believe about the cluster.

use std::collections::BTreeMap;

use crate::node::ProcessState;

/// A node's role in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Serves slots (`master` in redis' output).
    Primary,
    /// Replicates a primary (`slave` in redis' output).
    Replica,
}

/// One node of a [`crate::TestCluster`], as the cluster currently reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// The 40-character cluster node id.
    pub id: String,
    /// "127.0.0.1:port".
    pub addr: String,
    /// The client port.
    pub port: u16,
    /// The TLS port, in a TLS cluster ([`crate::ClusterOptions::tls`]).
    pub tls_port: Option<u16>,
    /// Primary or replica.
    pub role: Role,
    /// For a replica, the node id of its primary.
    pub primary_id: Option<String>,
    /// Slot ranges served (inclusive `(first, last)`); empty for replicas.
    pub slots: Vec<(u16, u16)>,
    /// What the harness did to the process.
    pub state: ProcessState,
    /// The process id while the harness has a process for it.
    pub pid: Option<u32>,
}

impl NodeInfo {
    /// "127.0.0.1:tls-port" in a TLS cluster: the address TLS clients use.
    pub fn tls_addr(&self) -> Option<String> {
        self.tls_port.map(|p| format!("127.0.0.1:{p}"))
    }

    /// True if this node serves `slot`.
    pub fn owns_slot(&self, slot: u16) -> bool {
        self.slots.iter().any(|&(a, b)| a <= slot && slot <= b)
    }

    /// Number of slots served.
    pub fn slot_count(&self) -> usize {
        self.slots
            .iter()
            .map(|&(a, b)| usize::from(b - a) + 1)
            .sum()
    }
}

/// One line of `CLUSTER NODES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeLine {
    pub id: String,
    pub port: u16,
    pub flags: Vec<String>,
    pub master: Option<String>,
    pub slots: Vec<(u16, u16)>,
    /// `[slot->-id]` / `[slot-<-id]` entries (only on the node that has them open).
    pub open_slots: Vec<String>,
}

impl NodeLine {
    fn has_flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x == f)
    }
    pub fn is_myself(&self) -> bool {
        self.has_flag("myself")
    }
    pub fn is_replica(&self) -> bool {
        self.has_flag("slave")
    }
    /// Marked FAIL by the cluster (not merely PFAIL, which is one node's suspicion).
    pub fn is_failed(&self) -> bool {
        self.has_flag("fail")
    }
    pub fn is_handshake(&self) -> bool {
        self.has_flag("handshake") || self.has_flag("noaddr")
    }
    pub fn role(&self) -> Role {
        if self.is_replica() {
            Role::Replica
        } else {
            Role::Primary
        }
    }
}

/// Parses the text of `CLUSTER NODES`.
pub(crate) fn parse_cluster_nodes(text: &str) -> Result<Vec<NodeLine>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse_line)
        .collect()
}

fn parse_line(line: &str) -> Result<NodeLine, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 8 {
        return Err(format!("short CLUSTER NODES line: {line:?}"));
    }
    // ip:port@cport[,hostname]
    let port = fields[1]
        .split('@')
        .next()
        .and_then(|hp| hp.rsplit_once(':'))
        .and_then(|(_, p)| p.parse().ok())
        .ok_or_else(|| format!("bad address in CLUSTER NODES line: {line:?}"))?;
    let mut slots = Vec::new();
    let mut open_slots = Vec::new();
    for s in &fields[8..] {
        if s.starts_with('[') {
            open_slots.push(s.to_string());
            continue;
        }
        let range = match s.split_once('-') {
            Some((a, b)) => a.parse().ok().zip(b.parse().ok()),
            None => s.parse().ok().map(|a| (a, a)),
        };
        slots.push(range.ok_or_else(|| format!("bad slot range {s:?} in {line:?}"))?);
    }
    slots.sort_unstable();
    Ok(NodeLine {
        id: fields[0].to_string(),
        port,
        flags: fields[2].split(',').map(str::to_string).collect(),
        master: (fields[3] != "-").then(|| fields[3].to_string()),
        slots,
        open_slots,
    })
}

/// One node as seen in a [`ClusterView`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ViewEntry {
    pub port: u16,
    pub role: Role,
    pub master: Option<String>,
    pub failed: bool,
    pub slots: Vec<(u16, u16)>,
}

/// What one node believes about the whole cluster, without the parts that legitimately differ
/// between nodes (`myself`, PFAIL suspicions, ping times, link states).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ClusterView {
    pub nodes: BTreeMap<String, ViewEntry>,
}

impl ClusterView {
    /// The view of the nodes in `lines`, handshakes excluded.
    pub fn from_lines(lines: &[NodeLine]) -> ClusterView {
        let nodes = lines
            .iter()
            .filter(|l| !l.is_handshake())
            .map(|l| {
                let entry = ViewEntry {
                    port: l.port,
                    role: l.role(),
                    master: l.master.clone(),
                    failed: l.is_failed(),
                    slots: l.slots.clone(),
                };
                (l.id.clone(), entry)
            })
            .collect();
        ClusterView { nodes }
    }

    /// The first slot no node serves.
    pub fn first_uncovered(&self) -> Option<u16> {
        let mut ranges: Vec<(u16, u16)> = self
            .nodes
            .values()
            .flat_map(|e| e.slots.iter().copied())
            .collect();
        ranges.sort_unstable();
        let mut next = 0u32;
        for (a, b) in ranges {
            if u32::from(a) > next {
                return u16::try_from(next).ok();
            }
            next = next.max(u32::from(b) + 1);
        }
        (next < 16384).then_some(next as u16)
    }

    /// Ids of the replicas of `primary`.
    pub fn replicas_of(&self, primary: &str) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|(_, e)| e.role == Role::Replica && e.master.as_deref() == Some(primary))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// A short description of the first difference from `other`.
    pub fn diff(&self, other: &ClusterView) -> String {
        for (id, e) in &self.nodes {
            match other.nodes.get(id) {
                None => return format!("node {id} (port {}) is unknown to one side", e.port),
                Some(o) if o != e => return format!("node {id}: {e:?} vs {o:?}"),
                Some(_) => {}
            }
        }
        match other.nodes.keys().find(|id| !self.nodes.contains_key(*id)) {
            Some(id) => format!("node {id} is unknown to one side"),
            None => "no difference".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@40004,h replica,slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@40002 master - 0 1426238316232 2 connected 5461-10922
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5460 [5461-<-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@40003 master,fail - 0 1426238318243 3 connected 10923-16383 16000
";

    #[test]
    fn parses_and_views() {
        let lines = parse_cluster_nodes(SAMPLE).unwrap();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].is_replica());
        assert_eq!(lines[0].port, 30004);
        assert!(lines[2].is_myself());
        assert_eq!(lines[2].open_slots.len(), 1);
        assert!(lines[3].is_failed());
        let view = ClusterView::from_lines(&lines);
        assert_eq!(
            view.nodes["67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1"].slots,
            vec![(5461, 10922)]
        );
        assert_eq!(view.first_uncovered(), None);
        assert_eq!(
            view.replicas_of("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"),
            vec!["07c37dfeb235213a872192d90877d0cd55635b91".to_string()]
        );
        let mut partial = view.clone();
        partial
            .nodes
            .remove("292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f");
        assert_eq!(partial.first_uncovered(), Some(10923));
        assert!(partial.diff(&view).contains("unknown"));
    }
}
