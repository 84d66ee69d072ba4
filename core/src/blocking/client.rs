//! The blocking cluster client: the calling thread does its own socket I/O (no runtime hop
//! per command); a pool of connections per node lets many threads share one client.

use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Instant;

use bytes::BytesMut;
use smallvec::SmallVec;

use crate::command::Cmd;
use crate::discovery::{TopologyQuery, ViewCollector, VIEWS_TO_COMPARE};
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::node_map::{NodeMap, NodeSet};
use crate::options::ClientOptions;
use crate::pipeline::Pipeline;
use crate::resp::Value;
use crate::router::{Batch, Outcome, Plan, Router};
use crate::stats::{Counters, Stats};
use crate::topology::Topology;

use super::conn::{Failure, SyncConn};

/// Most idle connections kept per node.
const MAX_IDLE_PER_NODE: usize = 32;

/// A blocking Redis Cluster client. `Send + Sync`: share it between threads (clone is
/// cheap, clones share pools and the slot map).
///
/// # Examples
///
/// ```no_run
/// use slotwise::{blocking::Client, ClientOptions};
/// let client = Client::connect(ClientOptions::new(["127.0.0.1:7000"]))?;
/// client.set("k", "v")?;
/// let n: i64 = client.incr("counter", 1)?;
/// # Ok::<(), slotwise::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    router: Router,
    opts: ClientOptions,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// Idle connections per node, boxed so that handing one out or back moves a pointer
    /// (a connection travels pool -> request -> pool on every command).
    #[allow(clippy::vec_box)]
    pools: Mutex<NodeMap<Vec<Box<SyncConn>>>>,
    /// Nodes whose connections were dropped after a failure: the next connect is a reconnect.
    dropped: Mutex<NodeSet>,
    wake: Arc<(Mutex<bool>, Condvar)>,
    closed: AtomicBool,
    /// The fork generation this process's connections belong to.
    fork_gen: std::sync::atomic::AtomicU64,
    /// This process's refresh thread, joined by [`Client::close`] so that no thread of the
    /// client (nor a user callback it may call, such as an address map) outlives it.
    refresher: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        wake(&self.wake);
    }
}

fn wake(w: &(Mutex<bool>, Condvar)) {
    *w.0.lock().unwrap_or_else(|p| p.into_inner()) = true;
    w.1.notify_one();
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::Client")
            .field("seeds", &self.inner.opts.seeds)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Client {
    /// Discovers the cluster from the seeds.
    ///
    /// # Errors
    ///
    /// As [`crate::aio::Client::connect`].
    pub fn connect(opts: ClientOptions) -> Result<Client> {
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
        let inner = Arc::new(Inner {
            router: Router::new(opts.clone()),
            opts,
            tls,
            pools: Mutex::new(NodeMap::default()),
            dropped: Mutex::new(NodeSet::default()),
            wake: Arc::new((Mutex::new(false), Condvar::new())),
            closed: AtomicBool::new(false),
            fork_gen: std::sync::atomic::AtomicU64::new(crate::fork::generation()),
            refresher: Mutex::new(None),
        });
        let views = inner.fetch_views(&inner.opts.seeds)?;
        inner.router.install_views(views);
        inner.router.refresh_gate().end(Instant::now(), true);
        spawn_refresher(&inner)?;
        Ok(Client { inner })
    }

    /// The shared state, after making sure this process owns its connections: in a child
    /// after `fork()` the inherited sockets are dropped (the parent keeps using its copies)
    /// and a new refresh thread is started, so the child reconnects on its own.
    fn live(&self) -> &Inner {
        let now = crate::fork::generation();
        let inner = &*self.inner;
        if inner.fork_gen.swap(now, AcqRel) != now {
            inner
                .pools
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
            // The parent's refresh thread does not exist here: never join it.
            std::mem::forget(
                inner
                    .refresher
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take(),
            );
            if let Err(e) = spawn_refresher(&self.inner) {
                tracing::warn!(error = %e, "no refresh thread after fork");
            }
        }
        inner
    }

    /// Runs one command and converts its reply.
    ///
    /// # Errors
    ///
    /// Error replies become [`Error::Server`]; see [`Error`] for the rest.
    pub fn query<T: FromValue>(&self, cmd: Cmd) -> Result<T> {
        T::from_value(self.exec(cmd)?)
    }

    /// Runs one command and returns its raw reply.
    ///
    /// # Errors
    ///
    /// As [`Client::query`].
    pub fn exec(&self, cmd: Cmd) -> Result<Value> {
        let mut plan = Plan::new(&self.inner.router, [cmd], Instant::now());
        self.live().run_one(&mut plan)
    }

    /// Runs one command and also says where it went: slot, node, redirects followed (what
    /// the `slotwise` CLI prints, like `redis-cli -c`).
    pub fn exec_traced(&self, cmd: Cmd) -> (Result<Value>, crate::router::Route) {
        let plan = Plan::new(&self.inner.router, [cmd], Instant::now());
        let (mut results, mut routes) = self.live().run_traced(plan);
        let route = routes.pop().unwrap_or(crate::router::Route {
            slot: None,
            nodes: Vec::new(),
            redirects: 0,
            retries: 0,
        });
        (results.pop().unwrap_or(Err(Error::Closed)), route)
    }

    /// Runs a pipeline (see [`Pipeline`]): replies in the caller's order.
    pub fn run_pipeline(&self, p: &Pipeline) -> Vec<Result<Value>> {
        if p.is_transaction() {
            let mut plan =
                Plan::transaction(&self.inner.router, p.commands().to_vec(), Instant::now());
            let r = self.live().run_one(&mut plan);
            return Pipeline::explode_transaction(r, p.len());
        }
        let plan = Plan::borrowed(&self.inner.router, p.commands(), Instant::now());
        self.live().run(plan)
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
    pub fn scan_next(
        &self,
        scan: &mut crate::scan::ClusterScan,
    ) -> Result<Option<Vec<bytes::Bytes>>> {
        let Some((node, cmd)) = scan.next_command() else {
            return Ok(None);
        };
        let mut plan = Plan::on_node(&self.inner.router, node, cmd, Instant::now());
        let reply = self.live().run_one(&mut plan)?;
        scan.on_reply(reply).map(Some)
    }

    /// Runs one command on the node at `addr` (`host:port`, a node of the current slot
    /// map), whatever its keys: node-targeted admin commands (redis-py's `target_nodes=`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `addr` is not a known node; otherwise as [`Client::query`].
    pub fn exec_on(&self, addr: &str, cmd: Cmd) -> Result<Value> {
        let mut plan = Plan::on_known_node(&self.inner.router, addr, cmd, Instant::now())?;
        self.live().run_one(&mut plan)
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
    pub fn refresh_topology(&self) -> Result<()> {
        let views = self
            .inner
            .fetch_views(&self.inner.router.refresh_candidates())?;
        self.inner.router.install_views(views);
        Ok(())
    }

    /// Closes every pooled connection and stops the background refresh thread (waiting for
    /// it: at most one in-flight topology query, bounded by the connect timeout); later calls
    /// fail with [`Error::Closed`].
    pub fn close(&self) {
        self.inner.closed.store(true, Release);
        self.inner
            .pools
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        wake(&self.inner.wake);
        let handle = self
            .inner
            .refresher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = handle {
            if self.inner.fork_gen.load(Acquire) != crate::fork::generation() {
                // Inherited from the parent: that thread does not exist in this process.
                std::mem::forget(h);
            } else if !ON_REFRESH_THREAD.with(std::cell::Cell::get) {
                let _ = h.join();
            }
        }
    }
}

impl Client {
    pub(super) fn router(&self) -> &Router {
        &self.inner.router
    }

    pub(super) fn take_conn(&self, addr: &Arc<str>) -> Result<Box<SyncConn>> {
        self.live().take_conn(addr)
    }

    pub(super) fn give_back(&self, conn: Box<SyncConn>) {
        self.inner.give_back(conn)
    }
}

impl Inner {
    fn take_conn(&self, addr: &Arc<str>) -> Result<Box<SyncConn>> {
        loop {
            let idle = self
                .pools
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_mut(addr)
                .and_then(Vec::pop);
            match idle {
                Some(c) if c.is_stale() => {
                    self.dropped
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(addr.clone());
                }
                Some(c) => return Ok(c),
                None => break,
            }
        }
        // With a replica read policy every connection gets READONLY: a node's role can change
        // under a live connection (failover), and a connection opened before the map was
        // known may serve replica reads later. READONLY has no effect on a primary.
        let replica = self.opts.read_policy != crate::options::ReadPolicy::Primary;
        let conn = Box::new(SyncConn::connect(
            addr.clone(),
            &self.opts,
            self.tls.as_ref(),
            replica,
        )?);
        if self
            .dropped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(addr)
        {
            Counters::bump(&self.router.counters().reconnects);
        }
        Ok(conn)
    }

    fn give_back(&self, mut conn: Box<SyncConn>) {
        conn.touch();
        if self.closed.load(Acquire) {
            return;
        }
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        // Looked up by `&str` first: the node's pool almost always exists, and `entry` would
        // clone (and drop) the address `Arc` on every return.
        let idle = match pools.get_mut(&*conn.addr) {
            Some(idle) => idle,
            None => pools.entry(conn.addr.clone()).or_default(),
        };
        if idle.len() < MAX_IDLE_PER_NODE {
            idle.push(conn);
        }
    }

    fn drop_pool(&self, addr: &str) {
        self.pools
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(addr);
        self.dropped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(addr.into());
    }

    fn run(&self, mut plan: Plan<'_>) -> Vec<Result<Value>> {
        if self.drive(&mut plan) {
            plan.finish()
        } else {
            plan.finish_with(Error::Closed)
        }
    }

    /// `run` for a plan of one item (a command or a transaction): its one result. By
    /// reference: a single command's plan is held inline, and moving it costs a copy.
    fn run_one(&self, plan: &mut Plan<'_>) -> Result<Value> {
        if !self.drive(plan) {
            plan.fail_open(Error::Closed);
        }
        plan.take_first()
    }

    /// Like `run`, and also says where each command went.
    fn run_traced(&self, mut plan: Plan<'_>) -> (Vec<Result<Value>>, Vec<crate::router::Route>) {
        let open = self.drive(&mut plan);
        let routes = plan.routes();
        if open {
            (plan.finish(), routes)
        } else {
            (plan.finish_with(Error::Closed), routes)
        }
    }

    /// Runs rounds until every request of the plan has its result; false if the client is
    /// closed (nothing is sent then).
    fn drive(&self, plan: &mut Plan<'_>) -> bool {
        if self.closed.load(Acquire) {
            return false;
        }
        let router = &self.router;
        loop {
            if self.closed.load(Acquire) {
                return false; // closed meanwhile: what is still open fails with Closed
            }
            for addr in plan.take_reconnects() {
                self.drop_pool(&addr);
            }
            let now = Instant::now();
            let mut batches = plan.ready(router, now);
            if batches.is_empty() {
                if plan.is_done() {
                    break;
                }
                if let Some(t) = plan.next_wake() {
                    std::thread::sleep(t.saturating_duration_since(Instant::now()));
                } else {
                    plan.fail_stalled();
                }
                continue;
            }
            let deadline = plan.deadline().unwrap_or(now + self.opts.request_timeout);
            // Write every node's batch first, then read: nodes work in parallel.
            let mut written = SmallVec::<[Written; 4]>::new();
            for b in batches.drain(..) {
                written.push(self.write_batch(plan, b));
            }
            for w in written.drain(..) {
                self.read_batch(plan, w, deadline);
            }
            if router.refresh_gate().is_wanted() {
                wake(&self.wake);
            }
        }
        true
    }

    /// Takes a connection and writes the batch's plain entries in one write. ASKING entries
    /// are sent later, one at a time, in `read_batch`.
    fn write_batch(&self, plan: &mut Plan<'_>, b: Batch) -> Written {
        let (mut plain, mut asking) = (Subs::new(), Subs::new());
        for &(sub, ask) in &b.entries {
            if ask { &mut asking } else { &mut plain }.push(sub);
        }
        let mut conn = match self.take_conn(&b.addr) {
            Ok(c) => c,
            Err(e) => {
                self.drop_pool(&b.addr);
                let now = Instant::now();
                let not_sent = || Outcome::NotSent(e.clone());
                plan.on_failure(&self.router, &b.addr, &plain, not_sent, now);
                plan.on_failure(&self.router, &b.addr, &asking, not_sent, now);
                return Written::nothing(b.addr);
            }
        };
        let mut replies = 0;
        if !plain.is_empty() {
            let sent = conn.write_with(|buf| plain.iter().map(|&s| plan.encode(s, buf)).sum());
            if let Err(e) = sent.map(|n| replies = n) {
                self.drop_pool(&b.addr);
                // The kernel refused the bytes: a lone command cannot have reached the node
                // whole, so it is safe to resend. Of several, the first ones may have.
                let lone = plain.len() == 1;
                let now = Instant::now();
                plan.on_failure(
                    &self.router,
                    &b.addr,
                    &plain,
                    || {
                        if lone {
                            Outcome::NotSent(e.clone())
                        } else {
                            Outcome::Lost(e.clone())
                        }
                    },
                    now,
                );
                plan.on_failure(
                    &self.router,
                    &b.addr,
                    &asking,
                    || Outcome::NotSent(e.clone()),
                    now,
                );
                return Written::nothing(b.addr);
            }
        }
        Written {
            addr: b.addr,
            conn: Some(conn),
            plain,
            replies,
            asking,
        }
    }

    fn read_batch(&self, plan: &mut Plan<'_>, w: Written, deadline: Instant) {
        let Written {
            addr,
            conn,
            plain,
            replies,
            asking,
        } = w;
        let Some(mut conn) = conn else { return };
        if !plain.is_empty() {
            match conn.read(replies, deadline) {
                Ok(values) => plan.on_replies(&self.router, &addr, &plain, values, Instant::now()),
                Err(f) => {
                    self.fail(plan, &addr, &plain, &f);
                    let e = self.failure_error(&f);
                    let now = Instant::now();
                    plan.on_failure(
                        &self.router,
                        &addr,
                        &asking,
                        || Outcome::NotSent(e.clone()),
                        now,
                    );
                    return;
                }
            }
        }
        for (k, &sub) in asking.iter().enumerate() {
            // ASKING alone first: the command is sent only if ASKING succeeded.
            let got = match conn.roundtrip(b"*1\r\n$6\r\nASKING\r\n", 1, deadline) {
                Ok(mut v) if v.first().is_some_and(Value::is_error) => {
                    let n = plan.commands(sub).len();
                    Ok(smallvec::smallvec![v.remove(0); n])
                }
                Ok(_) => {
                    let mut payload = BytesMut::new();
                    let n = plan.encode(sub, &mut payload);
                    conn.roundtrip(&payload, n, deadline)
                }
                Err(f) => {
                    // ASKING went unanswered: this command and the ones after it were never
                    // written, so they are safe to resend.
                    self.drop_pool(&addr);
                    let e = self.failure_error(&f);
                    let rest = &asking[k..];
                    let now = Instant::now();
                    return plan.on_failure(
                        &self.router,
                        &addr,
                        rest,
                        || Outcome::NotSent(e.clone()),
                        now,
                    );
                }
            };
            match got {
                Ok(values) => plan.on_replies(&self.router, &addr, &[sub], values, Instant::now()),
                Err(f) => {
                    self.fail(plan, &addr, &[sub], &f);
                    let e = self.failure_error(&f);
                    let rest = &asking[k + 1..];
                    let now = Instant::now();
                    return plan.on_failure(
                        &self.router,
                        &addr,
                        rest,
                        || Outcome::NotSent(e.clone()),
                        now,
                    );
                }
            }
        }
        self.give_back(conn);
    }

    fn fail(&self, plan: &mut Plan<'_>, addr: &str, subs: &[usize], f: &Failure) {
        // The connection's stream position is unknown now: never reuse it.
        let now = Instant::now();
        match f {
            Failure::Lost(e) => {
                self.drop_pool(addr);
                plan.on_failure(&self.router, addr, subs, || Outcome::Lost(e.clone()), now)
            }
            Failure::TimedOut => plan.on_failure(
                &self.router,
                addr,
                subs,
                || Outcome::Lost(self.timeout_error()),
                now,
            ),
        }
    }

    fn failure_error(&self, f: &Failure) -> Error {
        match f {
            Failure::Lost(e) => e.clone(),
            Failure::TimedOut => self.timeout_error(),
        }
    }

    /// A placeholder the router replaces with the request's own timeout error (it knows
    /// when the request began and what was tried).
    fn timeout_error(&self) -> Error {
        Error::Timeout {
            slot: None,
            after: self.opts.request_timeout,
            limits: self.opts.timeouts(),
            attempts: Vec::new(),
        }
    }

    fn fetch_views(&self, candidates: &[String]) -> Result<Vec<Topology>> {
        let mut collected = ViewCollector::default();
        for chunk in candidates.chunks(VIEWS_TO_COMPARE) {
            for addr in chunk {
                if self.closed.load(Acquire) {
                    return Err(Error::Closed);
                }
                collected.add(addr, self.query_view(addr.as_str().into()));
            }
            if collected.has_view() {
                break;
            }
        }
        collected.finish()
    }

    fn query_view(&self, addr: Arc<str>) -> Result<Topology> {
        // A dedicated short-lived connection: a refresh must not wait behind user traffic,
        // and a hung node costs at most the connect timeout.
        let started = Instant::now();
        let mut conn = SyncConn::connect(addr.clone(), &self.opts, self.tls.as_ref(), false)?;
        let deadline = Instant::now() + self.opts.connect_timeout;
        let mut query = TopologyQuery::default();
        loop {
            let mut payload = BytesMut::new();
            query.command().write_resp(&mut payload);
            let reply = match conn.roundtrip(&payload, 1, deadline) {
                Ok(mut v) => v.pop().unwrap_or(Value::Nil),
                Err(Failure::Lost(e)) => return Err(e),
                Err(Failure::TimedOut) => {
                    return Err(self.opts.timed_out(None, started, Vec::new()))
                }
            };
            if let Some(t) = query.on_reply(&self.router, &addr, reply)? {
                return Ok(t);
            }
        }
    }
}

/// Sub-request ids of one batch: inline for a lone command.
type Subs = SmallVec<[usize; 4]>;

/// A batch after its write: what to read back, and on which connection.
struct Written {
    addr: Arc<str>,
    /// `None` when the batch failed before or during its write (already reported).
    conn: Option<Box<SyncConn>>,
    plain: Subs,
    replies: usize,
    asking: Subs,
}

impl Written {
    /// A batch whose failure has been reported: nothing to read.
    fn nothing(addr: Arc<str>) -> Written {
        Written {
            addr,
            conn: None,
            plain: Subs::new(),
            replies: 0,
            asking: Subs::new(),
        }
    }
}

fn spawn_refresher(inner: &Arc<Inner>) -> Result<()> {
    let weak = Arc::downgrade(inner);
    let w = inner.wake.clone();
    let handle = std::thread::Builder::new()
        .name("slotwise-refresh".into())
        .spawn(move || refresher(weak, w))
        .map_err(|e| Error::Config(format!("cannot start the refresh thread: {e}")))?;
    *inner.refresher.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
    Ok(())
}

thread_local! {
    /// True on refresh threads: a client closed from one (through a user callback) must not
    /// wait for it. (Not `thread::current()`: on a thread Rust did not start, such as a C
    /// program's main thread, that allocates a handle which is never freed.)
    static ON_REFRESH_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn refresher(inner: Weak<Inner>, w: Arc<(Mutex<bool>, Condvar)>) {
    ON_REFRESH_THREAD.with(|f| f.set(true));
    loop {
        let wait = match inner.upgrade() {
            Some(i) if !i.closed.load(Acquire) => i.router.refresh_gate().next_due(Instant::now()),
            _ => return,
        };
        {
            let guard = w.0.lock().unwrap_or_else(|p| p.into_inner());
            let (mut woken, _) =
                w.1.wait_timeout_while(guard, wait, |woken| !*woken)
                    .unwrap_or_else(|p| p.into_inner());
            *woken = false;
        }
        let Some(i) = inner.upgrade() else { return };
        if i.closed.load(Acquire) {
            return;
        }
        let gate = i.router.refresh_gate();
        if gate.try_begin(Instant::now()) {
            let ok = match i.fetch_views(&i.router.refresh_candidates()) {
                Ok(views) => i.router.install_views(views),
                Err(e) => {
                    tracing::warn!(error = %e, "topology refresh failed");
                    false
                }
            };
            gate.end(Instant::now(), ok);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A one-node "cluster" on loopback owning every slot: it answers CLUSTER SHARDS with an
    /// error (so the client falls back) and CLUSTER SLOTS with itself, on every connection.
    fn one_node_cluster() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { return };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 512];
                    while let Ok(n) = s.read(&mut buf) {
                        let req = &buf[..n];
                        let reply = if n == 0 {
                            return;
                        } else if req.windows(6).any(|w| w == b"SHARDS") {
                            "-ERR unknown subcommand 'SHARDS'\r\n".to_string()
                        } else {
                            format!(
                                "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:{port}\r\n"
                            )
                        };
                        if s.write_all(reply.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        format!("127.0.0.1:{port}")
    }

    #[test]
    fn close_waits_for_the_refresh_thread_to_end() {
        let client = Client::connect(ClientOptions::new([one_node_cluster()])).unwrap();
        let thread = client
            .inner
            .refresher
            .lock()
            .unwrap()
            .as_ref()
            .map(|h| h.thread().clone())
            .expect("a refresh thread");
        // A refresh in flight when the client closes is abandoned, and waited for.
        client.inner.router.refresh_gate().want();
        wake(&client.inner.wake);
        client.close();
        assert!(client.inner.refresher.lock().unwrap().is_none());
        // Only the closing client holds the state now: the thread has let go of it.
        assert_eq!(Arc::strong_count(&client.inner), 1);
        assert_eq!(
            Arc::weak_count(&client.inner),
            0,
            "{thread:?} still running"
        );
        assert!(matches!(
            client.exec(crate::cmd("PING")),
            Err(Error::Closed)
        ));
    }
}
