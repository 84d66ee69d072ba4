//! Fault operations on a [`TestCluster`]: manual failover, kill -9, SIGSTOP/SIGCONT, restart,
//! and waiting for a replica to take over a dead primary.

use std::time::Instant;

use crate::cluster::{lock, TestCluster};
use crate::error::{HarnessError, Result};
use crate::node::ProcessState;
use crate::poll::Poll;
use crate::topology::Role;

/// How [`TestCluster::failover_with`] asks the replica to take over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailoverMode {
    /// `CLUSTER FAILOVER`: coordinated with the primary, no writes lost.
    #[default]
    Default,
    /// `CLUSTER FAILOVER FORCE`: without the primary's agreement (it may be down).
    Force,
    /// `CLUSTER FAILOVER TAKEOVER`: without any agreement, bumping the epoch unilaterally.
    Takeover,
}

impl TestCluster {
    /// `CLUSTER FAILOVER` on the replica at `replica`; returns once it reports itself primary
    /// and the cluster is stable again (see [`TestCluster::wait_until_stable`]), so the old
    /// primary is then its replica with its link up.
    pub fn failover(&self, replica: &str) -> Result<()> {
        self.failover_with(replica, FailoverMode::Default)
    }

    /// [`TestCluster::failover`] with a choice of `FORCE` / `TAKEOVER`.
    pub fn failover_with(&self, replica: &str, mode: FailoverMode) -> Result<()> {
        self.index_of(replica)?;
        let lines = self.cluster_nodes(replica)?;
        if !lines
            .iter()
            .any(|l| l.is_myself() && l.role() == Role::Replica)
        {
            return Err(HarnessError::Invalid(format!(
                "{replica} is not a replica; CLUSTER FAILOVER needs one"
            )));
        }
        let mut args = vec!["CLUSTER", "FAILOVER"];
        match mode {
            FailoverMode::Default => {}
            FailoverMode::Force => args.push("FORCE"),
            FailoverMode::Takeover => args.push("TAKEOVER"),
        }
        self.conn(replica)?.cmd_ok(&args)?;
        self.wait_for(&format!("{replica} to become primary"), || {
            let promoted = self
                .cluster_nodes(replica)
                .ok()
                .and_then(|lines| lines.into_iter().find(|l| l.is_myself()))
                .is_some_and(|l| l.role() == Role::Primary && !l.slots.is_empty());
            Ok(if promoted {
                Poll::Ready(())
            } else {
                Poll::Pending(format!("{replica} is still a replica"))
            })
        })?;
        self.wait_until_stable()
    }

    /// Tries once to record the agreed topology (for [`TestCluster::wait_for_promotion`]).
    fn snapshot_view(&self) {
        if let Ok(Poll::Ready(view)) = self.check_stable() {
            *lock(&self.inner.last_view) = Some(view);
        }
    }

    /// SIGKILL the node at `addr` and reap it. Its directory is kept for
    /// [`TestCluster::restart_node`].
    pub fn kill_node(&self, addr: &str) -> Result<()> {
        let i = self.index_of(addr)?;
        self.snapshot_view();
        lock(&self.inner.members[i]).proc.kill()
    }

    /// SIGSTOP the node at `addr`: its sockets stay open but it answers nothing, as a hung or
    /// partitioned node. Undo with [`TestCluster::resume_node`]; paused longer than the node
    /// timeout, a primary is failed over.
    pub fn pause_node(&self, addr: &str) -> Result<()> {
        let i = self.index_of(addr)?;
        self.snapshot_view();
        lock(&self.inner.members[i]).proc.pause()
    }

    /// SIGCONT the node at `addr`, then polls until it answers `PING`.
    pub fn resume_node(&self, addr: &str) -> Result<()> {
        let i = self.index_of(addr)?;
        lock(&self.inner.members[i]).proc.resume()?;
        self.wait_for(&format!("{addr} to answer PING after SIGCONT"), || {
            Ok(
                match self.conn(addr).and_then(|mut c| c.cmd_ok(&["PING"])) {
                    Ok(_) => Poll::Ready(()),
                    Err(e) => Poll::Pending(e.to_string()),
                },
            )
        })
    }

    /// Starts the node at `addr` again (killing it first if it runs) with the same config,
    /// directory, `nodes.conf` and port, then polls until it answers and reports
    /// `cluster_state:ok`.
    ///
    /// Data is not persisted (no RDB/AOF): a restarted primary that was not failed over comes
    /// back empty; one that was failed over rejoins as a replica of its successor.
    pub fn restart_node(&self, addr: &str) -> Result<()> {
        let i = self.index_of(addr)?;
        {
            let mut m = lock(&self.inner.members[i]);
            m.proc.kill()?;
            m.proc.spawn()?;
            let deadline = Instant::now() + self.inner.opts.wait_timeout;
            m.proc
                .wait_ready(self.inner.auth.as_ref(), deadline, false)?;
        }
        self.wait_for(
            &format!("restarted {addr} to report cluster_state:ok"),
            || {
                let info = self
                    .conn(addr)
                    .and_then(|mut c| c.cmd_ok(&["CLUSTER", "INFO"]));
                Ok(match info {
                    Ok(v)
                        if crate::conn::text(&v)
                            .is_some_and(|t| t.contains("cluster_state:ok")) =>
                    {
                        Poll::Ready(())
                    }
                    Ok(_) => Poll::Pending(format!("{addr} reports cluster_state:fail")),
                    Err(e) => Poll::Pending(e.to_string()),
                })
            },
        )
    }

    /// After `old_primary` was killed or paused: polls until one of its replicas (as of the
    /// last stable topology) serves slots as a primary and the cluster is stable without the
    /// old node. Returns the new primary's address.
    pub fn wait_for_promotion(&self, old_primary: &str) -> Result<String> {
        let i = self.index_of(old_primary)?;
        let old_id = lock(&self.inner.members[i]).id.clone();
        let view = lock(&self.inner.last_view).clone().ok_or_else(|| {
            HarnessError::Invalid("no stable topology recorded before the failure".into())
        })?;
        let replicas = view.replicas_of(&old_id);
        if replicas.is_empty() {
            return Err(HarnessError::Invalid(format!(
                "{old_primary} had no replicas in the last stable topology; nothing to promote"
            )));
        }
        let members = self.members();
        let new_addr = self.wait_for(
            &format!("a replica of {old_primary} to be promoted and the cluster to be stable"),
            || {
                let view = match self.check_stable()? {
                    Poll::Ready(v) => v,
                    Poll::Pending(why) => return Ok(Poll::Pending(why)),
                };
                let promoted = replicas.iter().find(|id| {
                    view.nodes
                        .get(*id)
                        .is_some_and(|e| e.role == Role::Primary && !e.slots.is_empty())
                });
                Ok(match promoted {
                    Some(id) => {
                        *lock(&self.inner.last_view) = Some(view.clone());
                        let m = members.iter().find(|m| &m.id == id);
                        Poll::Ready(m.map(|m| m.addr.clone()).unwrap_or_default())
                    }
                    None => Poll::Pending(format!("no replica of {old_primary} is primary yet")),
                })
            },
        )?;
        Ok(new_addr)
    }

    /// The state of the node's process as the harness left it.
    pub fn process_state(&self, addr: &str) -> Result<ProcessState> {
        let i = self.index_of(addr)?;
        Ok(lock(&self.inner.members[i]).proc.state())
    }
}
