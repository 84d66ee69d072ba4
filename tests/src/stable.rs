//! Convergence: when is a test cluster "stable", and waiting until it is.

use std::collections::BTreeSet;

use slotwise::resp::Value;

use crate::cluster::{lock, TestCluster};
use crate::conn::text;
use crate::error::Result;
use crate::node::ProcessState;
use crate::poll::Poll;
use crate::topology::{parse_cluster_nodes, ClusterView, Role};

impl TestCluster {
    /// Polls until the cluster is stable, i.e. on every running node:
    ///
    /// - `CLUSTER INFO` says `cluster_state:ok`;
    /// - `CLUSTER NODES` lists every node of the cluster (no handshakes) and, ignoring
    ///   `myself`, PFAIL suspicions and timings, is the same view as on every other running
    ///   node: same roles, same primaries of replicas, same FAIL flags, same slot ranges;
    /// - no slot is open (migrating or importing);
    /// - a replica's primary is running and `INFO replication` says `master_link_status:up`;
    ///
    /// and every one of the 16384 slots is served by a running, non-failed primary.
    pub fn wait_until_stable(&self) -> Result<()> {
        let view = self.wait_for("the cluster to become stable", || self.check_stable())?;
        *lock(&self.inner.last_view) = Some(view);
        Ok(())
    }

    /// One observation of the conditions of [`TestCluster::wait_until_stable`].
    pub(crate) fn check_stable(&self) -> Result<Poll<ClusterView>> {
        let members = self.members();
        let all_ids: BTreeSet<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let running: BTreeSet<&str> = members
            .iter()
            .filter(|m| m.state == ProcessState::Running)
            .map(|m| m.id.as_str())
            .collect();
        let mut agreed: Option<(String, ClusterView)> = None;
        for m in members.iter().filter(|m| m.state == ProcessState::Running) {
            let replies = match self.conn(&m.addr).and_then(|mut c| {
                c.pipeline(&[
                    &["CLUSTER", "INFO"][..],
                    &["CLUSTER", "NODES"],
                    &["INFO", "replication"],
                ])
            }) {
                Ok(r) => r,
                Err(e) => return Ok(Poll::Pending(e.to_string())),
            };
            let texts: Vec<String> = replies
                .iter()
                .map(|v| match v {
                    Value::Error(e) => format!("error: {}", String::from_utf8_lossy(e)),
                    v => text(v).unwrap_or_default(),
                })
                .collect();
            if !texts[0].lines().any(|l| l.trim() == "cluster_state:ok") {
                return Ok(Poll::Pending(format!(
                    "{} reports cluster_state:fail",
                    m.addr
                )));
            }
            let lines = match parse_cluster_nodes(&texts[1]) {
                Ok(l) => l,
                Err(e) => return Ok(Poll::Pending(format!("{}: {e}", m.addr))),
            };
            if let Some(l) = lines.iter().find(|l| l.is_handshake()) {
                return Ok(Poll::Pending(format!(
                    "{} is still in handshake with port {}",
                    m.addr, l.port
                )));
            }
            if let Some(l) = lines.iter().find(|l| !l.open_slots.is_empty()) {
                return Ok(Poll::Pending(format!(
                    "{} has open slots {:?}",
                    m.addr, l.open_slots
                )));
            }
            let Some(me) = lines.iter().find(|l| l.is_myself()) else {
                return Ok(Poll::Pending(format!("{} lists no myself node", m.addr)));
            };
            if me.role() == Role::Replica {
                let primary = me.master.as_deref().unwrap_or("-");
                if !running.contains(primary) {
                    return Ok(Poll::Pending(format!(
                        "replica {} follows {primary}, which is not running",
                        m.addr
                    )));
                }
                if !texts[2]
                    .lines()
                    .any(|l| l.trim() == "master_link_status:up")
                {
                    return Ok(Poll::Pending(format!(
                        "replica {}'s link to its primary is not up",
                        m.addr
                    )));
                }
            }
            let view = ClusterView::from_lines(&lines);
            let known: BTreeSet<&str> = view.nodes.keys().map(String::as_str).collect();
            if known != all_ids {
                return Ok(Poll::Pending(format!(
                    "{} knows {} nodes, the cluster has {}",
                    m.addr,
                    known.len(),
                    all_ids.len()
                )));
            }
            match &agreed {
                None => agreed = Some((m.addr.clone(), view)),
                Some((first, v)) if *v != view => {
                    return Ok(Poll::Pending(format!(
                        "{first} and {} disagree: {}",
                        m.addr,
                        v.diff(&view)
                    )))
                }
                Some(_) => {}
            }
        }
        let Some((_, view)) = agreed else {
            return Ok(Poll::Pending("no node is running".into()));
        };
        if let Some(slot) = view.first_uncovered() {
            return Ok(Poll::Pending(format!("slot {slot} is not served")));
        }
        for (id, e) in &view.nodes {
            if !e.slots.is_empty() && (e.failed || !running.contains(id.as_str())) {
                return Ok(Poll::Pending(format!(
                    "slots {:?} are served by node {id} (port {}), which is not running",
                    e.slots, e.port
                )));
            }
        }
        Ok(Poll::Ready(view))
    }
}
