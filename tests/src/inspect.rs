//! Looking at a [`TestCluster`]: its nodes, roles, slots, addresses, connections, files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cluster::{lock, TestCluster};
use crate::conn::{AdminConn, Auth, DEFAULT_TIMEOUT};
use crate::error::{HarnessError, Result};
use crate::node::ProcessState;
use crate::options::ClusterOptions;
use crate::tls::TlsFiles;
use crate::topology::{NodeInfo, NodeLine, Role};

impl TestCluster {
    /// The nodes, in start order, with ids, roles and slots as the cluster reports them.
    ///
    /// Running nodes describe themselves (their `myself` line of `CLUSTER NODES`); paused or
    /// killed nodes are described by the first running node that answers.
    pub fn nodes(&self) -> Result<Vec<NodeInfo>> {
        let members = self.members();
        let mut own: Vec<Option<NodeLine>> = vec![None; members.len()];
        let mut reference: Option<Vec<NodeLine>> = None;
        for m in members.iter().filter(|m| m.state == ProcessState::Running) {
            if let Ok(lines) = self.cluster_nodes(&m.addr) {
                own[m.index] = lines.iter().find(|l| l.is_myself()).cloned();
                reference.get_or_insert(lines);
            }
        }
        let last_view = lock(&self.inner.last_view).clone();
        let mut out = Vec::with_capacity(members.len());
        for m in members {
            let line = own[m.index].clone().or_else(|| {
                reference
                    .as_ref()
                    .and_then(|r| r.iter().find(|l| l.id == m.id).cloned())
            });
            let (role, primary_id, slots) = match (line, last_view.as_ref()) {
                (Some(l), _) => (l.role(), l.master.clone(), l.slots.clone()),
                (None, Some(v)) => match v.nodes.get(&m.id) {
                    Some(e) => (e.role, e.master.clone(), e.slots.clone()),
                    None => (Role::Primary, None, Vec::new()),
                },
                (None, None) => {
                    return Err(HarnessError::NotConverged {
                        what: format!("a description of {}", m.addr),
                        last: "no running node answered CLUSTER NODES".into(),
                        timeout: Duration::ZERO,
                        logs: self.log_tails(8),
                    })
                }
            };
            out.push(NodeInfo {
                id: m.id,
                addr: m.addr,
                port: m.port,
                tls_port: m.tls_port,
                role,
                primary_id,
                slots,
                state: m.state,
                pid: m.pid,
            });
        }
        Ok(out)
    }

    /// The running primaries.
    pub fn primaries(&self) -> Result<Vec<NodeInfo>> {
        Ok(self
            .nodes()?
            .into_iter()
            .filter(|n| n.role == Role::Primary && n.state == ProcessState::Running)
            .collect())
    }

    /// The running replicas.
    pub fn replicas(&self) -> Result<Vec<NodeInfo>> {
        Ok(self
            .nodes()?
            .into_iter()
            .filter(|n| n.role == Role::Replica && n.state == ProcessState::Running)
            .collect())
    }

    /// Addresses of the running nodes, for seeding a client.
    pub fn seeds(&self) -> Vec<String> {
        self.members()
            .into_iter()
            .filter(|m| m.state == ProcessState::Running)
            .map(|m| m.addr)
            .collect()
    }

    /// In a TLS cluster ([`ClusterOptions::tls`]), the TLS addresses ("127.0.0.1:tls-port") of
    /// the running nodes, for seeding a TLS client; empty otherwise.
    pub fn tls_seeds(&self) -> Vec<String> {
        self.members()
            .into_iter()
            .filter(|m| m.state == ProcessState::Running)
            .filter_map(|m| m.tls_port.map(|p| format!("127.0.0.1:{p}")))
            .collect()
    }

    /// In a TLS cluster, the PEM file of the CA that signed the nodes' certificate (what a
    /// client must trust).
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.inner.tls.as_ref().map(|t| t.ca_cert.clone())
    }

    /// In a TLS cluster, all its certificate files.
    pub fn tls_files(&self) -> Option<&TlsFiles> {
        self.inner.tls.as_ref()
    }

    /// The TLS address ("127.0.0.1:tls-port") of the node at `addr` (given by its plain or
    /// its TLS address).
    pub fn tls_addr(&self, addr: &str) -> Result<String> {
        let i = self.index_of(addr)?;
        self.members()[i]
            .tls_port
            .map(|p| format!("127.0.0.1:{p}"))
            .ok_or_else(|| HarnessError::Invalid("this cluster was started without TLS".into()))
    }

    /// The plain address ("127.0.0.1:port") of the node at `addr` (given by its plain or its
    /// TLS address): what [`TestCluster::conn`] and the harness' own connections use.
    pub fn plain_addr(&self, addr: &str) -> Result<String> {
        let i = self.index_of(addr)?;
        Ok(self.members().swap_remove(i).addr)
    }

    /// Addresses of all nodes, whatever their state, in start order.
    pub fn addrs(&self) -> Vec<String> {
        self.members().into_iter().map(|m| m.addr).collect()
    }

    /// The address of the running primary that serves `slot`.
    pub fn primary_for_slot(&self, slot: u16) -> Result<String> {
        self.primaries()?
            .into_iter()
            .find(|n| n.owns_slot(slot))
            .map(|n| n.addr)
            .ok_or_else(|| HarnessError::Invalid(format!("no running primary serves slot {slot}")))
    }

    /// The address of the running primary that serves `key`'s slot.
    pub fn primary_for_key(&self, key: &[u8]) -> Result<String> {
        self.primary_for_slot(slotwise::slot::key_slot(key).get())
    }

    /// The node listening on `port` (its plain or its TLS port).
    pub fn node_for_port(&self, port: u16) -> Result<NodeInfo> {
        self.nodes()?
            .into_iter()
            .find(|n| n.port == port || n.tls_port == Some(port))
            .ok_or_else(|| HarnessError::UnknownNode(format!("127.0.0.1:{port}")))
    }

    /// The node at `addr`.
    pub fn node(&self, addr: &str) -> Result<NodeInfo> {
        let index = self.index_of(addr)?;
        Ok(self.nodes()?.swap_remove(index))
    }

    /// An authenticated [`AdminConn`] to `addr` (5 s timeouts). Always plain TCP: a node's
    /// TLS address is mapped to its plain one.
    pub fn conn(&self, addr: &str) -> Result<AdminConn> {
        let plain = match self.inner.tls {
            Some(_) => self.plain_addr(addr).unwrap_or_else(|_| addr.to_string()),
            None => addr.to_string(),
        };
        AdminConn::connect(&plain, self.inner.auth.as_ref(), DEFAULT_TIMEOUT)
    }

    /// The credentials clients need, if any.
    pub fn auth(&self) -> Option<&Auth> {
        self.inner.auth.as_ref()
    }

    /// The options the cluster was started with.
    pub fn options(&self) -> &ClusterOptions {
        &self.inner.opts
    }

    /// The directory holding every node's `redis.conf`, `nodes.conf` and `redis.log`.
    pub fn dir(&self) -> &Path {
        &self.inner.root
    }

    /// The log file of the node at `addr`.
    pub fn log_path(&self, addr: &str) -> Result<PathBuf> {
        let i = self.index_of(addr)?;
        Ok(lock(&self.inner.members[i]).proc.log_path())
    }

    /// The pids of the nodes that have a process.
    pub fn pids(&self) -> Vec<u32> {
        self.members().into_iter().filter_map(|m| m.pid).collect()
    }
}
