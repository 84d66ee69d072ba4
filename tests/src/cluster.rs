//! [`TestCluster`]: starting a real redis-server cluster, building it, and tearing it down.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::conn::{text, Auth};
use crate::error::{HarnessError, Result};
use crate::node::{ProcessState, RedisProcess};
use crate::options::{ClusterOptions, KEEP_DIR_ENV};
use crate::poll::{poll_until, Poll};
use crate::tls::TlsFiles;
use crate::topology::{parse_cluster_nodes, ClusterView, NodeLine};

/// Locks a mutex, ignoring poisoning (a panicking test thread must not wedge teardown).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One node of the cluster: its process and (once known) its cluster node id.
#[derive(Debug)]
pub(crate) struct Member {
    pub proc: RedisProcess,
    pub id: String,
}

/// A copy of a member's state at one moment.
#[derive(Debug, Clone)]
pub(crate) struct MemberSnapshot {
    pub index: usize,
    pub addr: String,
    pub port: u16,
    pub tls_port: Option<u16>,
    pub id: String,
    pub state: ProcessState,
    pub pid: Option<u32>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub opts: ClusterOptions,
    pub auth: Option<Auth>,
    pub root: PathBuf,
    /// The certificates of a TLS cluster.
    pub tls: Option<TlsFiles>,
    pub members: Vec<Mutex<Member>>,
    /// The last view all nodes agreed on (kept for [`TestCluster::wait_for_promotion`]).
    pub last_view: Mutex<Option<ClusterView>>,
}

/// A running Redis Cluster of real redis-server processes on loopback ports.
///
/// Dropping it (including during a panic's unwinding) stops every process (SIGCONT, SIGTERM,
/// SIGKILL after a 2 s grace) and deletes its directory (unless [`KEEP_DIR_ENV`] is `1`).
///
/// All methods take `&self`: the cluster can be shared with threads (`std::thread::scope`)
/// that run load while another thread reshards or fails nodes over.
#[derive(Debug)]
pub struct TestCluster {
    pub(crate) inner: Arc<Inner>,
    /// False for the handles background operations hold: they do not tear down.
    owner: bool,
}

/// The processes of a cluster and where their files are: what [`TestCluster::detach`]
/// returns, and what the CLI's `down` needs to stop a detached cluster.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClusterProcesses {
    /// The directory holding the nodes' files.
    pub dir: PathBuf,
    /// The nodes' processes.
    pub nodes: Vec<NodeProcess>,
}

/// One node of [`ClusterProcesses`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NodeProcess {
    /// "127.0.0.1:port".
    pub addr: String,
    /// The client port.
    pub port: u16,
    /// The TLS port of a TLS cluster's node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_port: Option<u16>,
    /// The redis-server pid.
    pub pid: u32,
    /// The node's directory.
    pub dir: PathBuf,
}

impl TestCluster {
    /// Starts `opts.node_count()` redis-servers on free loopback ports and builds a cluster:
    /// slots split evenly over the primaries, replicas attached, and returns once every node
    /// reports `cluster_state:ok`, all nodes agree on the topology and every replica's link is
    /// up.
    pub fn start(opts: ClusterOptions) -> Result<TestCluster> {
        if opts.primaries == 0 || opts.primaries > 16384 {
            return Err(HarnessError::Invalid(format!(
                "primaries must be 1..=16384, not {}",
                opts.primaries
            )));
        }
        let root = make_root(opts.dir.as_deref())?;
        let mut directives = opts.node_directives();
        let tls = if opts.tls {
            match TlsFiles::generate(&root) {
                Ok(files) => Some(files),
                Err(e) => {
                    let _ = fs::remove_dir_all(&root);
                    return Err(e);
                }
            }
        } else {
            None
        };
        if let Some(files) = &tls {
            directives.push_str(&files.directives(opts.tls_auth_clients));
        }
        let mut members = Vec::new();
        for i in 0..opts.node_count() {
            let label = if i < opts.primaries {
                format!("node {i} (primary)")
            } else {
                format!("node {i} (replica)")
            };
            let dir = root.join(format!("node-{i}"));
            match RedisProcess::new(
                label,
                dir,
                opts.redis_server.clone(),
                directives.clone(),
                opts.die_with_harness,
            ) {
                Ok(mut proc) => {
                    if tls.is_some() {
                        proc.enable_tls();
                    }
                    members.push(Mutex::new(Member {
                        proc,
                        id: String::new(),
                    }))
                }
                Err(e) => {
                    let _ = fs::remove_dir_all(&root);
                    return Err(e);
                }
            }
        }
        let cluster = TestCluster {
            inner: Arc::new(Inner {
                auth: opts.auth(),
                opts,
                root,
                tls,
                members,
                last_view: Mutex::new(None),
            }),
            owner: true,
        };
        // From here on, an early return drops `cluster`, which cleans up.
        cluster.launch()?;
        cluster.build()?;
        Ok(cluster)
    }

    /// A handle for background work that does not tear the cluster down when dropped.
    pub(crate) fn shared(&self) -> TestCluster {
        TestCluster {
            inner: Arc::clone(&self.inner),
            owner: false,
        }
    }

    fn launch(&self) -> Result<()> {
        for m in &self.inner.members {
            lock(m).proc.spawn()?;
        }
        let deadline = Instant::now() + self.inner.opts.wait_timeout;
        for m in &self.inner.members {
            lock(m)
                .proc
                .wait_ready(self.inner.auth.as_ref(), deadline, true)?;
        }
        Ok(())
    }

    fn build(&self) -> Result<()> {
        let opts = &self.inner.opts;
        let mut conns = Vec::new();
        for m in &self.members() {
            let mut c = self.conn(&m.addr)?;
            let id = text(&c.cmd_ok(&["CLUSTER", "MYID"])?).unwrap_or_default();
            lock(&self.inner.members[m.index]).id = id;
            // Distinct epochs up front, as redis-cli --cluster create does; avoids collisions.
            let _ = c.cmd(&["CLUSTER", "SET-CONFIG-EPOCH", &(m.index + 1).to_string()]);
            conns.push(c);
        }
        let p = opts.primaries;
        for (i, c) in conns.iter_mut().enumerate().take(p) {
            let first = (i * 16384 / p).to_string();
            let last = ((i + 1) * 16384 / p - 1).to_string();
            c.cmd_ok(&["CLUSTER", "ADDSLOTSRANGE", &first, &last])?;
        }
        let members = self.members();
        let first_port = members[0].port.to_string();
        for c in conns.iter_mut().skip(1) {
            c.cmd_ok(&["CLUSTER", "MEET", "127.0.0.1", &first_port])?;
        }
        let ids: BTreeSet<String> = members.iter().map(|m| m.id.clone()).collect();
        self.wait_for("every node to know every other node", || {
            for m in self.members() {
                let lines = match self.cluster_nodes(&m.addr) {
                    Ok(l) => l,
                    Err(e) => return Ok(Poll::Pending(e.to_string())),
                };
                let known: BTreeSet<String> = lines
                    .iter()
                    .filter(|l| !l.is_handshake())
                    .map(|l| l.id.clone())
                    .collect();
                if known != ids {
                    return Ok(Poll::Pending(format!(
                        "{} knows {} of {} nodes",
                        m.addr,
                        known.intersection(&ids).count(),
                        ids.len()
                    )));
                }
            }
            Ok(Poll::Ready(()))
        })?;
        for (i, c) in conns.iter_mut().enumerate().skip(p) {
            let primary = (i - p) / opts.replicas_per_primary;
            c.cmd_ok(&["CLUSTER", "REPLICATE", &members[primary].id])?;
        }
        self.wait_until_stable()
    }

    /// Snapshots of every member, in start order.
    pub(crate) fn members(&self) -> Vec<MemberSnapshot> {
        self.inner
            .members
            .iter()
            .enumerate()
            .map(|(index, m)| {
                let m = lock(m);
                MemberSnapshot {
                    index,
                    addr: m.proc.addr(),
                    port: m.proc.port(),
                    tls_port: m.proc.tls_port(),
                    id: m.id.clone(),
                    state: m.proc.state(),
                    pid: m.proc.pid(),
                }
            })
            .collect()
    }

    /// The member index for an address ("host:port"; matched by port, the plain or the TLS
    /// one).
    pub(crate) fn index_of(&self, addr: &str) -> Result<usize> {
        let port: Option<u16> = addr.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
        self.members()
            .into_iter()
            .find(|m| port.is_some() && (Some(m.port) == port || m.tls_port == port))
            .map(|m| m.index)
            .ok_or_else(|| HarnessError::UnknownNode(addr.to_string()))
    }

    /// `CLUSTER NODES` of one node, parsed.
    pub(crate) fn cluster_nodes(&self, addr: &str) -> Result<Vec<NodeLine>> {
        let mut c = self.conn(addr)?;
        let reply = c.cmd_ok(&["CLUSTER", "NODES"])?;
        let body = text(&reply).ok_or_else(|| HarnessError::UnexpectedReply {
            addr: addr.to_string(),
            command: "CLUSTER NODES".into(),
            reply: format!("{reply:?}"),
        })?;
        parse_cluster_nodes(&body).map_err(|message| HarnessError::UnexpectedReply {
            addr: addr.to_string(),
            command: "CLUSTER NODES".into(),
            reply: message,
        })
    }

    /// Polls `check` until ready or the cluster's wait timeout; a timeout becomes
    /// [`HarnessError::NotConverged`] carrying the tails of the running nodes' logs.
    pub(crate) fn wait_for<T>(
        &self,
        what: &str,
        check: impl FnMut() -> Result<Poll<T>>,
    ) -> Result<T> {
        let timeout = self.inner.opts.wait_timeout;
        poll_until(timeout, check)?.map_err(|last| HarnessError::NotConverged {
            what: what.to_string(),
            last,
            timeout,
            logs: self.log_tails(8),
        })
    }

    /// The last `lines` lines of every running node's log.
    pub(crate) fn log_tails(&self, lines: usize) -> String {
        self.inner
            .members
            .iter()
            .map(|m| lock(m).proc.log_tail(lines))
            .collect()
    }

    /// The node processes (with pids) and directories.
    pub fn processes(&self) -> ClusterProcesses {
        let nodes = self
            .inner
            .members
            .iter()
            .filter_map(|m| {
                let m = lock(m);
                m.proc.pid().map(|pid| NodeProcess {
                    addr: m.proc.addr(),
                    port: m.proc.port(),
                    tls_port: m.proc.tls_port(),
                    pid,
                    dir: m.proc.dir().to_owned(),
                })
            })
            .collect();
        ClusterProcesses {
            dir: self.inner.root.clone(),
            nodes,
        }
    }

    /// Leaves the processes running and the directory in place, returning what is needed to
    /// stop them later (see the CLI's `down`).
    pub fn detach(mut self) -> ClusterProcesses {
        self.owner = false;
        let processes = self.processes();
        for m in &self.inner.members {
            lock(m).proc.detach();
        }
        processes
    }

    fn teardown(&self) {
        for m in &self.inner.members {
            lock(m).proc.begin_stop();
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        for m in &self.inner.members {
            lock(m).proc.finish_stop(deadline);
        }
        if std::env::var(KEEP_DIR_ENV).is_ok_and(|v| v == "1") {
            eprintln!(
                "slotwise-testcluster: kept cluster directory {}",
                self.inner.root.display()
            );
        } else {
            let _ = fs::remove_dir_all(&self.inner.root);
        }
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if self.owner {
            self.teardown();
        }
    }
}

/// Creates the cluster directory: `dir` (which must be empty or absent) or a fresh temp dir.
fn make_root(dir: Option<&Path>) -> Result<PathBuf> {
    match dir {
        Some(d) => {
            let non_empty = fs::read_dir(d).is_ok_and(|mut it| it.next().is_some());
            if non_empty {
                return Err(HarnessError::Invalid(format!(
                    "cluster directory {} is not empty (it is deleted on teardown, so it must \
                     hold nothing else)",
                    d.display()
                )));
            }
            fs::create_dir_all(d)
                .map_err(|e| HarnessError::io(format!("creating {}", d.display()), e))?;
            fs::canonicalize(d)
                .map_err(|e| HarnessError::io(format!("resolving {}", d.display()), e))
        }
        None => tempfile::Builder::new()
            .prefix("slotwise-cluster-")
            .tempdir()
            .map(|t| t.keep())
            .map_err(|e| HarnessError::io("creating a temporary directory", e)),
    }
}
