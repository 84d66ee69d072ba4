//! The async (tokio) cluster client.

use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use bytes::BytesMut;
use tokio::sync::{oneshot, watch, Notify};

use crate::command::Cmd;
use crate::discovery::{TopologyQuery, ViewCollector, VIEWS_TO_COMPARE};
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::node_map::{NodeMap, NodeSet};
use crate::options::ClientOptions;
use crate::pipeline::Pipeline;
use crate::resp::Value;
use crate::router::{Outcome, Plan, Router};
use crate::stats::{Counters, Stats};
use crate::topology::Topology;

use super::blocking_pool::BlockingPool;
use super::conn::{ConnHandle, Failure};

/// An async Redis Cluster client. Cheap to clone; clones share connections and the slot map.
///
/// Works on the caller's tokio runtime (multi-thread or current-thread): connection tasks
/// and the background refresher are spawned there.
///
/// # Examples
///
/// ```no_run
/// # async fn demo() -> slotwise::Result<()> {
/// use slotwise::{aio::Client, ClientOptions};
/// let client = Client::connect(ClientOptions::new(["127.0.0.1:7000", "127.0.0.1:7001"])).await?;
/// client.set("greeting", "hello").await?;
/// let v: Option<String> = client.get("greeting").await?;
/// assert_eq!(v.as_deref(), Some("hello"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    router: Router,
    opts: Arc<ClientOptions>,
    tls: Option<Arc<rustls::ClientConfig>>,
    conns: Mutex<NodeMap<ConnHandle>>,
    /// Connections for commands that may block on the server, reused between them.
    blocking: BlockingPool,
    /// Nodes whose connections were dropped after a failure: the next connect is a reconnect.
    dropped: Mutex<NodeSet>,
    wake_refresher: Arc<Notify>,
    closed: AtomicBool,
    /// Set by [`Client::close`]: every request waiting for a reply or a retry stops at once
    /// with [`Error::Closed`] (its connection would otherwise keep it until the request
    /// timeout, or forever for a blocking command).
    closing: watch::Sender<bool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.wake_refresher.notify_one();
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("aio::Client")
            .field("seeds", &self.inner.opts.seeds)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Client {
    /// Discovers the cluster from the seeds and returns a ready client.
    ///
    /// # Errors
    ///
    /// [`Error::NoSeedReachable`] naming every seed and its failure,
    /// [`Error::ClusterSupportDisabled`] for a standalone server, [`Error::Auth`] for bad
    /// credentials, [`Error::Config`] for no seeds.
    pub async fn connect(opts: ClientOptions) -> Result<Client> {
        let opts = opts.normalized();
        if opts.seeds.is_empty() {
            return Err(Error::Config(
                "no seed nodes given: pass at least one host:port".into(),
            ));
        }
        let tls = opts
            .tls
            .as_ref()
            .map(crate::tls::client_config)
            .transpose()?;
        let opts = Arc::new(opts);
        let inner = Arc::new(Inner {
            router: Router::new((*opts).clone()),
            opts,
            tls,
            conns: Mutex::new(NodeMap::default()),
            blocking: BlockingPool::default(),
            dropped: Mutex::new(NodeSet::default()),
            wake_refresher: Arc::new(Notify::new()),
            closed: AtomicBool::new(false),
            closing: watch::channel(false).0,
        });
        let seeds = inner.opts.seeds.clone();
        let views = inner.fetch_views(&seeds).await?;
        inner.router.install_views(views);
        inner.router.refresh_gate().end(Instant::now(), true);
        tokio::spawn(refresher(
            Arc::downgrade(&inner),
            inner.wake_refresher.clone(),
        ));
        Ok(Client { inner })
    }

    /// Runs one command and converts its reply.
    ///
    /// # Errors
    ///
    /// Error replies become [`Error::Server`]; see [`Error`] for the rest.
    pub async fn query<T: FromValue>(&self, cmd: Cmd) -> Result<T> {
        T::from_value(self.exec(cmd).await?)
    }

    /// Runs one command and returns its raw reply.
    ///
    /// # Errors
    ///
    /// As [`Client::query`].
    pub async fn exec(&self, cmd: Cmd) -> Result<Value> {
        let plan = Plan::new(&self.inner.router, [cmd], Instant::now());
        self.inner.run_one(plan).await
    }

    /// Runs one command and also says where it went: slot, node, redirects followed (what
    /// the `slotwise` CLI prints, like `redis-cli -c`).
    pub async fn exec_traced(&self, cmd: Cmd) -> (Result<Value>, crate::router::Route) {
        let plan = Plan::new(&self.inner.router, [cmd], Instant::now());
        let (mut results, mut routes) = self.inner.run_traced(plan).await;
        let route = routes.pop().unwrap_or(crate::router::Route {
            slot: None,
            nodes: Vec::new(),
            redirects: 0,
            retries: 0,
        });
        (results.pop().unwrap_or(Err(Error::Closed)), route)
    }

    /// Runs a pipeline: per node one write, replies in the caller's order, each command's
    /// error in its own slot. A transactional pipeline runs as MULTI/EXEC on one slot.
    pub async fn run_pipeline(&self, p: &Pipeline) -> Vec<Result<Value>> {
        if p.is_transaction() {
            let plan = Plan::transaction(&self.inner.router, p.commands().to_vec(), Instant::now());
            let r = self.inner.run_one(plan).await;
            return Pipeline::explode_transaction(r, p.len());
        }
        let plan = Plan::borrowed(&self.inner.router, p.commands(), Instant::now());
        self.inner.run(plan).await
    }

    /// Starts a cluster-wide SCAN (every primary in turn); feed it to
    /// [`Client::scan_next`] until it returns `None`.
    pub fn scan(&self, pattern: Option<&str>, count: Option<u64>) -> crate::scan::ClusterScan {
        crate::scan::ClusterScan::new(&self.topology(), pattern.map(str::as_bytes), count)
    }

    /// The next page of keys of a cluster-wide SCAN, or `None` when every primary is done.
    ///
    /// # Errors
    ///
    /// As [`Client::query`].
    pub async fn scan_next(
        &self,
        scan: &mut crate::scan::ClusterScan,
    ) -> Result<Option<Vec<bytes::Bytes>>> {
        let Some((node, cmd)) = scan.next_command() else {
            return Ok(None);
        };
        let plan = Plan::on_node(&self.inner.router, node, cmd, Instant::now());
        let reply = self.inner.run_one(plan).await?;
        scan.on_reply(reply).map(Some)
    }

    /// Runs one command on the node at `addr` (`host:port`, a node of the current slot
    /// map), whatever its keys: node-targeted admin commands (redis-py's `target_nodes=`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `addr` is not a known node; otherwise as [`Client::query`].
    pub async fn exec_on(&self, addr: &str, cmd: Cmd) -> Result<Value> {
        let plan = Plan::on_known_node(&self.inner.router, addr, cmd, Instant::now())?;
        self.inner.run_one(plan).await
    }

    /// The counters (MOVED, ASK, retries, refreshes, reconnects).
    pub fn stats(&self) -> Stats {
        self.inner.router.stats()
    }

    /// The current slot map.
    pub fn topology(&self) -> Arc<Topology> {
        self.inner.router.topology()
    }

    /// Refreshes the slot map now (normally automatic).
    ///
    /// # Errors
    ///
    /// When no node answered with a usable view.
    pub async fn refresh_topology(&self) -> Result<()> {
        let candidates = self.inner.router.refresh_candidates();
        let views = self.inner.fetch_views(&candidates).await?;
        self.inner.router.install_views(views);
        Ok(())
    }

    /// Closes every connection. Requests in flight (blocking commands included) and later
    /// calls fail with [`Error::Closed`].
    pub fn close(&self) {
        self.inner.closed.store(true, Release);
        self.inner.closing.send_replace(true);
        self.inner
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.inner.blocking.clear();
        self.inner.wake_refresher.notify_one();
    }
}

impl Client {
    pub(super) fn router(&self) -> &Router {
        &self.inner.router
    }

    /// A new connection used by one caller only (WATCH sessions).
    pub(super) fn dedicated_conn(&self, addr: &Arc<str>) -> ConnHandle {
        self.inner.spawn_conn(addr)
    }
}

impl Inner {
    /// A new connection to `addr`. With a replica read policy every connection gets
    /// READONLY: a node's role can change under a live connection (failover), and a
    /// connection opened before the map was known may serve replica reads later. READONLY
    /// has no effect on a primary.
    fn spawn_conn(&self, addr: &Arc<str>) -> ConnHandle {
        let replica = self.opts.read_policy != crate::options::ReadPolicy::Primary;
        ConnHandle::spawn(addr.clone(), self.opts.clone(), self.tls.clone(), replica)
    }

    fn conn(&self, addr: &Arc<str>) -> ConnHandle {
        let mut conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
        let was_dead = match conns.get(addr) {
            Some(c) if c.is_alive() => return c.clone(),
            Some(_) => true,
            None => false,
        };
        let c = self.spawn_conn(addr);
        conns.insert(addr.clone(), c.clone());
        if self
            .dropped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(addr)
            || was_dead
        {
            Counters::bump(&self.router.counters().reconnects);
        }
        c
    }

    fn drop_conn(&self, addr: &str) {
        self.blocking.forget(addr);
        if self
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(addr)
            .is_some()
        {
            self.dropped
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(addr.into());
        }
    }

    pub(crate) async fn run(&self, mut plan: Plan<'_>) -> Vec<Result<Value>> {
        if self.drive(&mut plan).await {
            plan.finish()
        } else {
            plan.finish_with(Error::Closed)
        }
    }

    /// `run` for a plan of one item (a command or a transaction): its one result.
    pub(crate) async fn run_one(&self, mut plan: Plan<'_>) -> Result<Value> {
        if !self.drive(&mut plan).await {
            plan.fail_open(Error::Closed);
        }
        plan.take_first()
    }

    /// Like `run`, and also says where each command went.
    async fn run_traced(
        &self,
        mut plan: Plan<'_>,
    ) -> (Vec<Result<Value>>, Vec<crate::router::Route>) {
        let open = self.drive(&mut plan).await;
        let routes = plan.routes();
        if open {
            (plan.finish(), routes)
        } else {
            (plan.finish_with(Error::Closed), routes)
        }
    }

    /// Runs rounds until every request of the plan has its result; false if the client is
    /// closed (nothing is sent then).
    async fn drive(&self, plan: &mut Plan<'_>) -> bool {
        let router = &self.router;
        if self.closed.load(Acquire) {
            return false;
        }
        // Registered once per request and raced against every wait below: when the client
        // closes, the request returns at once and what is still open fails with Closed.
        let mut closing = self.closing.subscribe();
        let closed = closing.wait_for(|c| *c);
        tokio::pin!(closed);
        loop {
            if self.closed.load(Acquire) {
                return false; // closed meanwhile: what is still open fails with Closed
            }
            for addr in plan.take_reconnects() {
                self.drop_conn(&addr);
            }
            let now = Instant::now();
            let batches = plan.ready(router, now);
            if batches.is_empty() {
                if plan.is_done() {
                    break;
                }
                if let Some(t) = plan.next_wake() {
                    tokio::select! {
                        _ = &mut closed => return false,
                        _ = tokio::time::sleep_until(t.into()) => {}
                    }
                } else {
                    plan.fail_stalled();
                }
                continue;
            }
            // Queue every group on its connection first, then await: nodes work in parallel.
            // A command that may block on the server (BLPOP...) goes alone on a connection of
            // its own, kept until its reply is in, so it holds up no other caller (reused from
            // the blocking pool when one is idle).
            let mut waits = Vec::with_capacity(batches.len());
            for b in &batches {
                let conn = self.conn(&b.addr);
                let mut i = 0;
                while i < b.entries.len() {
                    let (first, asking) = b.entries[i];
                    let alone = plan.is_blocking(first);
                    let end = if asking || alone {
                        i + 1
                    } else {
                        let plain = |e: &&(usize, bool)| !e.1 && !plan.is_blocking(e.0);
                        i + b.entries[i..].iter().take_while(plain).count()
                    };
                    let subs: Vec<usize> = b.entries[i..end].iter().map(|e| e.0).collect();
                    let mut payload = BytesMut::new();
                    let replies = subs.iter().map(|&s| plan.encode(s, &mut payload)).sum();
                    let own = alone.then(|| {
                        self.blocking
                            .take(&b.addr)
                            .unwrap_or_else(|| self.spawn_conn(&b.addr))
                    });
                    let rx = own
                        .as_ref()
                        .unwrap_or(&conn)
                        .submit(payload, replies, asking);
                    let deadline = plan
                        .deadline_of(&subs)
                        .unwrap_or(now + self.opts.request_timeout);
                    waits.push((b.addr.clone(), subs, rx, deadline, own));
                    i = end;
                }
            }
            for (addr, subs, rx, deadline, own) in waits {
                let got = match rx {
                    Some(rx) => tokio::select! {
                        biased;
                        got = wait(rx, deadline) => got,
                        _ = &mut closed => return false,
                    },
                    None => Outcome2::Failed(Failure::NotSent(Error::Closed)),
                };
                // A blocking command's own connection goes back to the pool once its reply is
                // in; after a timeout or a failure it closes (a late reply would be read as
                // the next command's). Trouble on it says nothing about the shared one.
                let shared = own.is_none();
                if let Some(own) = own {
                    if matches!(got, Outcome2::Replies(_)) {
                        self.blocking.give_back(&addr, own);
                    } else {
                        self.blocking.forget(&addr);
                    }
                }
                let now = Instant::now();
                match got {
                    Outcome2::Replies(values) => plan.on_replies(router, &addr, &subs, values, now),
                    Outcome2::Failed(f) => {
                        if shared {
                            self.drop_conn(&addr);
                        }
                        plan.on_failure(
                            router,
                            &addr,
                            &subs,
                            || match &f {
                                Failure::NotSent(e) => Outcome::NotSent(e.clone()),
                                Failure::Lost(e) => Outcome::Lost(e.clone()),
                            },
                            now,
                        );
                    }
                    Outcome2::TimedOut => {
                        // The node may hang with its socket open (SIGSTOP, a blackhole): later
                        // requests get a fresh connection instead of queueing behind this one.
                        if shared {
                            self.drop_conn(&addr);
                        }
                        plan.on_failure(
                            router,
                            &addr,
                            &subs,
                            // The router turns this into the request's own timeout error.
                            || {
                                Outcome::Lost(Error::Timeout {
                                    slot: None,
                                    after: self.opts.request_timeout,
                                    limits: self.opts.timeouts(),
                                    attempts: Vec::new(),
                                })
                            },
                            now,
                        );
                    }
                }
            }
            if router.refresh_gate().is_wanted() {
                self.wake_refresher.notify_one();
            }
        }
        true
    }

    /// Asks nodes (in order) for their view until `VIEWS_TO_COMPARE` views are in or the
    /// list is exhausted. Queries run in parallel, a few at a time.
    async fn fetch_views(&self, candidates: &[String]) -> Result<Vec<Topology>> {
        let mut collected = ViewCollector::default();
        for chunk in candidates.chunks(VIEWS_TO_COMPARE) {
            let queries = chunk
                .iter()
                .map(|addr| self.query_view(addr.as_str().into()));
            for (addr, got) in chunk
                .iter()
                .zip(futures_util::future::join_all(queries).await)
            {
                collected.add(addr, got);
            }
            if collected.has_view() {
                break;
            }
        }
        collected.finish()
    }

    /// One node's view. Like the blocking client: connecting is bounded by the connect
    /// timeout, and so is the wait for the answer once connected (a node that accepts and
    /// never answers costs one connect timeout, not a request timeout on top).
    async fn query_view(&self, addr: Arc<str>) -> Result<Topology> {
        let started = Instant::now();
        let mut query = TopologyQuery::default();
        loop {
            let mut payload = BytesMut::new();
            query.command().write_resp(&mut payload);
            let conn = self.conn(&addr);
            let Some(mut rx) = conn.submit(payload, 1, false) else {
                self.drop_conn(&addr);
                return Err(Error::Closed);
            };
            // Until the connection is up (its task bounds that by the connect timeout), then
            // one connect timeout for the answer.
            let connect_timeout = self.opts.connect_timeout;
            let got = async {
                let connected_at = tokio::select! {
                    biased;
                    got = &mut rx => return outcome_of(got),
                    at = conn.connected() => at.unwrap_or(started),
                };
                match tokio::time::timeout_at((connected_at + connect_timeout).into(), &mut rx)
                    .await
                {
                    Ok(got) => outcome_of(got),
                    Err(_) => Outcome2::TimedOut,
                }
            }
            .await;
            let reply = match got {
                Outcome2::Replies(mut v) => v.pop().unwrap_or(Value::Nil),
                Outcome2::Failed(Failure::NotSent(e) | Failure::Lost(e)) => {
                    self.drop_conn(&addr);
                    return Err(e);
                }
                Outcome2::TimedOut => {
                    // The connection is stuck behind an unanswered query: not reusable.
                    self.drop_conn(&addr);
                    return Err(self.opts.timed_out(None, started, Vec::new()));
                }
            };
            if let Some(t) = query.on_reply(&self.router, &addr, reply)? {
                return Ok(t);
            }
        }
    }
}

enum Outcome2 {
    Replies(Vec<Value>),
    Failed(Failure),
    TimedOut,
}

async fn wait(rx: oneshot::Receiver<super::conn::Replies>, deadline: Instant) -> Outcome2 {
    match tokio::time::timeout_at(deadline.into(), rx).await {
        Ok(got) => outcome_of(got),
        Err(_) => Outcome2::TimedOut,
    }
}

fn outcome_of(got: Result<super::conn::Replies, oneshot::error::RecvError>) -> Outcome2 {
    match got {
        Ok(Ok(v)) => Outcome2::Replies(v),
        Ok(Err(f)) => Outcome2::Failed(f),
        Err(_) => Outcome2::Failed(Failure::Lost(Error::Closed)),
    }
}

/// Background refresh: coalesced (one refresh serves every request that wanted one) and
/// rate-limited by the router's gate; also periodic.
async fn refresher(inner: Weak<Inner>, wake: Arc<Notify>) {
    loop {
        let wait = match inner.upgrade() {
            Some(i) if !i.closed.load(Acquire) => i.router.refresh_gate().next_due(Instant::now()),
            _ => return,
        };
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
        let Some(i) = inner.upgrade() else { return };
        if i.closed.load(Acquire) {
            return;
        }
        let gate = i.router.refresh_gate();
        if gate.try_begin(Instant::now()) {
            let candidates = i.router.refresh_candidates();
            let ok = match i.fetch_views(&candidates).await {
                Ok(views) => i.router.install_views(views),
                Err(e) => {
                    tracing::warn!(error = %e, "topology refresh failed");
                    false
                }
            };
            tracing::debug!(ok, "topology refreshed");
            gate.end(Instant::now(), ok);
        }
    }
}
