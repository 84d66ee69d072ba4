//! Running a request as rounds of per-node batches, without doing any I/O.
//!
//! A [`Plan`] holds the caller's commands (one, or a pipeline), splits multi-key and fan-out
//! commands into sub-requests, and on each round hands the driver one [`Batch`] per node.
//! The driver writes each batch once, feeds every reply back with [`Plan::on_reply`], and
//! repeats until [`Plan::is_done`]. Redirects and retries are per sub-request, so one
//! command's trouble never costs the others their replies. `WAIT` and `WAITAOF` ride in the
//! sub-request of the command before them (see the `follow` module).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use smallvec::SmallVec;

use crate::command::{self, Aggregate, BlockFor, Cmd, Fanout};
use crate::error::Error;
use crate::resp::{ServerError, ServerErrorKind, Value};

use super::aggregate::combine;
use super::decide::{Action, Outcome, RequestState};
use super::follow;
use super::{Router, Target};

/// How an item's sub-results become its result.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Combine {
    Single,
    Split(Aggregate, usize),
    Fanout(Aggregate),
    Transaction,
    /// The `n`th `WAIT`/`WAITAOF` following the sub-request `Item::first` (no sub-request
    /// of its own).
    Follow(usize),
}

#[derive(Debug)]
struct Item {
    combine: Combine,
    first: usize,
    count: usize,
    preset: Option<Result<Value, Error>>,
}

#[derive(Debug)]
enum Hop {
    Route,
    At(Arc<str>, bool),
    Wait(Instant),
    InFlight,
    Done,
}

/// The commands of one sub-request: one (the common case, no extra allocation; borrowed
/// from the caller's pipeline, or owned), or a transaction's `MULTI`, commands, `EXEC`.
#[derive(Debug)]
enum Cmds<'c> {
    One(Cow<'c, Cmd>),
    Many(Vec<Cmd>),
}

impl Cmds<'_> {
    /// Appends a command (a follower), owning the list from then on.
    fn push(&mut self, c: Cmd) {
        match self {
            Cmds::Many(v) => v.push(c),
            Cmds::One(first) => {
                let first = std::mem::replace(first, Cow::Owned(Cmd::new(""))).into_owned();
                *self = Cmds::Many(vec![first, c]);
            }
        }
    }

    fn as_slice(&self) -> &[Cmd] {
        match self {
            Cmds::One(c) => std::slice::from_ref(&**c),
            Cmds::Many(v) => v,
        }
    }

    fn len(&self) -> usize {
        match self {
            Cmds::One(_) => 1,
            Cmds::Many(v) => v.len(),
        }
    }
}

/// How a sub-request's command behaves: whether it only reads (a replica may serve it) and
/// how long it may block on the server (for a transaction, only the `WAIT`s sent after its
/// EXEC may: nothing blocks inside MULTI/EXEC).
#[derive(Debug, Clone, Copy)]
struct Behaviour {
    readonly: bool,
    block: BlockFor,
}

#[derive(Debug)]
struct Sub<'c> {
    /// A command the server may hold (BLPOP...): it gets a connection of its own.
    blocking: bool,
    cmds: Cmds<'c>,
    /// For a piece of a split command, the indices of its keys among the command's keys;
    /// for a transaction with followers, where each follower's reply goes among EXEC's.
    positions: Vec<usize>,
    /// How many of `cmds`, at the end, are `WAIT`/`WAITAOF` following the sub-request's own
    /// commands on its connection.
    followers: usize,
    /// The followers' results once the sub-request is done (in a pipeline: one per
    /// [`Combine::Follow`] item; a transaction's go into EXEC's reply instead).
    followed: Vec<Option<Result<Value, Error>>>,
    target: Target,
    readonly: bool,
    state: RequestState,
    hop: Hop,
    result: Option<Result<Value, Error>>,
    /// The node the latest try went to.
    last_node: Option<Arc<str>>,
}

impl Sub<'_> {
    /// True for `MULTI`, commands, `EXEC` (pinned to one connection's state).
    fn is_transaction(&self) -> bool {
        self.cmds.len() - self.followers > 1
    }

    /// Ends the sub-request with `r`. `answer` is the node and its replies to the followers
    /// when the node answered the sub-request's own commands itself (not with a redirect or
    /// a retryable error): only then do those replies confirm anything. Otherwise the
    /// followers fail as the sub-request did.
    fn close(&mut self, r: Result<Value, Error>, answer: Option<(&str, Vec<Value>)>) {
        let r = match answer {
            Some((_, tail)) if self.is_transaction() => {
                r.map(|exec| follow::splice(exec, &self.positions, tail))
            }
            Some((addr, tail)) => {
                self.followed = tail
                    .into_iter()
                    .map(|v| Some(crate::transaction::reply_result(addr, v)))
                    .collect();
                r
            }
            None => {
                if !self.is_transaction() {
                    let failed = || Some(r.clone().and(Err(Error::Closed)));
                    self.followed = (0..self.followers).map(|_| failed()).collect();
                }
                r
            }
        };
        self.result = Some(r);
        self.hop = Hop::Done;
    }
}

/// One node's share of a round: which sub-requests to send there, and whether each must be
/// preceded by `ASKING` (written together, and the command only if `ASKING` succeeds).
#[derive(Debug)]
pub struct Batch {
    /// Node `host:port`.
    pub addr: Arc<str>,
    /// `(sub-request id, asking)` in send order.
    pub entries: Entries,
}

/// A batch's `(sub-request id, asking)` entries: inline for a few, so that a lone command's
/// round allocates nothing.
pub type Entries = SmallVec<[(usize, bool); 4]>;

/// A round's batches, one per node: inline for a cluster's usual handful of primaries.
pub type Batches = SmallVec<[Batch; 4]>;

/// Where one command went (see [`Plan::routes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The slot, for keyed commands (of the first piece, for split commands).
    pub slot: Option<crate::slot::Slot>,
    /// The node(s) of the final try.
    pub nodes: Vec<Arc<str>>,
    /// MOVED/ASK redirects followed.
    pub redirects: u32,
    /// Retries made.
    pub retries: u32,
}

/// A request in progress. See the module docs.
///
/// A single command (the common request) keeps its one item and sub-request inline: no
/// allocation beyond the command itself. `'c` is the lifetime of commands borrowed from
/// the caller ([`Plan::borrowed`]); `'static` for a plan that owns its commands.
#[derive(Debug)]
pub struct Plan<'c> {
    items: SmallVec<[Item; 1]>,
    subs: SmallVec<[Sub<'c>; 1]>,
    open: usize,
    reconnect: Vec<Arc<str>>,
}

impl Plan<'static> {
    /// A plan for one command or a non-transactional pipeline of commands.
    pub fn new(router: &Router, cmds: impl IntoIterator<Item = Cmd>, now: Instant) -> Self {
        Plan::of(router, cmds.into_iter().map(Cow::Owned), now)
    }

    /// A plan for one command to one given node (cluster-wide SCAN, node-targeted admin).
    /// Retried on that node only; never redirected elsewhere by slot.
    pub fn on_node(router: &Router, addr: Arc<str>, cmd: Cmd, now: Instant) -> Self {
        let mut plan = Plan::with_capacity(1);
        let c = command::classify_any(&cmd);
        let how = Behaviour {
            readonly: c.info.readonly,
            block: c.block,
        };
        plan.push_sub(
            router,
            Cmds::One(Cow::Owned(cmd)),
            Vec::new(),
            Target::Node(addr),
            how,
            now,
        );
        plan.items.push(Item {
            combine: Combine::Single,
            first: 0,
            count: 1,
            preset: None,
        });
        plan
    }

    /// [`Plan::on_node`] for a node named by the caller (`host:port`): refused unless the
    /// current slot map lists it, so a typo never opens a connection to an unknown address.
    pub fn on_known_node(
        router: &Router,
        addr: &str,
        cmd: Cmd,
        now: Instant,
    ) -> Result<Self, Error> {
        let topology = router.topology();
        let Some(node) = topology.all_nodes().find(|a| &***a == addr) else {
            return Err(Error::Config(format!(
                "{} is not a node of the cluster's current slot map; pick one of the nodes \
                 the client lists (get_nodes() in Python)",
                addr.escape_debug()
            )));
        };
        Ok(Plan::on_node(router, node.clone(), cmd, now))
    }

    /// A plan for `MULTI`, `cmds`, `EXEC` on one node, atomically. Every key of every
    /// command must hash to one slot: otherwise the plan fails before anything is sent.
    /// `WAIT`/`WAITAOF` among `cmds` are sent right after `EXEC` (inside MULTI they would
    /// confirm nothing) and their replies put back in their places.
    pub fn transaction(router: &Router, cmds: Vec<Cmd>, now: Instant) -> Self {
        let mut plan = Plan::with_capacity(1);
        if cmds
            .iter()
            .any(|c| c.arg_count() == 0 || c.name().is_empty())
        {
            // `*0` gets no reply at all: sent inside MULTI/EXEC it would shift every reply.
            plan.preset(Err(Error::Config(
                "empty command in the transaction: give every command a name".into(),
            )));
            return plan;
        }
        let mut keys: Vec<&[u8]> = Vec::new();
        let mut positions = Vec::new();
        let mut block = BlockFor::No;
        for (i, c) in cmds.iter().enumerate() {
            match command::classify(c) {
                Ok(k) if k.info.fanout == Fanout::FollowPrevious => {
                    positions.push(i);
                    block = follow::longer(block, k.block);
                }
                Ok(k) => {
                    keys.extend(command::key_indices(c, k.info.keys).filter_map(|i| c.arg_at(i)))
                }
                Err(e) => {
                    plan.preset(Err(e));
                    return plan;
                }
            }
        }
        if !positions.is_empty() && positions.len() == cmds.len() {
            plan.preset(Err(follow::alone_in_transaction(&follow::name(&cmds[0]))));
            return plan;
        }
        let slots: std::collections::BTreeSet<_> =
            keys.iter().map(|k| crate::slot::key_slot(k)).collect();
        if slots.len() > 1 {
            let err = command::cross_slot("the transaction (MULTI/EXEC)", keys.into_iter());
            plan.preset(Err(err));
            return plan;
        }
        let slot = slots.into_iter().next();
        let mut all = Vec::with_capacity(cmds.len() + 2);
        all.push(Cmd::new("MULTI"));
        let mut followers = Vec::with_capacity(positions.len());
        let mut next = positions.iter().peekable();
        for (i, c) in cmds.into_iter().enumerate() {
            if next.next_if(|&&p| p == i).is_some() {
                followers.push(c);
            } else {
                all.push(c);
            }
        }
        all.push(Cmd::new("EXEC"));
        let nfollowers = followers.len();
        all.extend(followers);
        let target = slot.map_or(Target::Any, |slot| Target::Slot {
            slot,
            readonly: false,
        });
        let first = plan.subs.len();
        // Nothing blocks inside MULTI/EXEC; the WAITs after it may.
        let how = Behaviour {
            readonly: false,
            block,
        };
        plan.push_sub(router, Cmds::Many(all), positions, target, how, now);
        plan.subs[first].followers = nfollowers;
        plan.items.push(Item {
            combine: Combine::Transaction,
            first,
            count: 1,
            preset: None,
        });
        plan
    }
}

impl<'c> Plan<'c> {
    /// Like [`Plan::new`] for commands the caller keeps (a pipeline it may run again):
    /// they are borrowed, not copied.
    pub fn borrowed(router: &Router, cmds: &'c [Cmd], now: Instant) -> Self {
        Plan::of(router, cmds.iter().map(Cow::Borrowed), now)
    }

    fn with_capacity(n: usize) -> Self {
        Plan {
            items: SmallVec::with_capacity(n),
            subs: SmallVec::with_capacity(n),
            open: 0,
            reconnect: Vec::new(),
        }
    }

    fn of(router: &Router, cmds: impl Iterator<Item = Cow<'c, Cmd>>, now: Instant) -> Self {
        // One item and (unless split or fanned out) one sub-request per command.
        let mut plan = Plan::with_capacity(cmds.size_hint().0);
        for c in cmds {
            plan.add(router, c, now);
        }
        plan
    }

    fn preset(&mut self, r: Result<Value, Error>) {
        self.items.push(Item {
            combine: Combine::Single,
            first: self.subs.len(),
            count: 0,
            preset: Some(r),
        });
    }

    fn push_sub(
        &mut self,
        router: &Router,
        cmds: Cmds<'c>,
        positions: Vec<usize>,
        target: Target,
        how: Behaviour,
        now: Instant,
    ) {
        let Behaviour { readonly, block } = how;
        let slot = match &target {
            Target::Slot { slot, .. } => Some(*slot),
            _ => None,
        };
        let state = if block.blocks() {
            router.new_blocking_request(slot, now, block)
        } else {
            router.new_request(slot, now)
        };
        self.subs.push(Sub {
            blocking: block.blocks(),
            cmds,
            positions,
            followers: 0,
            followed: Vec::new(),
            target,
            readonly,
            state,
            hop: Hop::Route,
            result: None,
            last_node: None,
        });
        self.open += 1;
    }

    fn add(&mut self, router: &Router, cmd: Cow<'c, Cmd>, now: Instant) {
        if cmd.arg_count() == 0 || cmd.name().is_empty() {
            self.preset(Err(Error::Config(
                "empty command: give at least a name".into(),
            )));
            return;
        }
        let (info, how) = match command::classify(&cmd) {
            Ok(c) => {
                let how = Behaviour {
                    readonly: c.info.readonly,
                    block: c.block,
                };
                (c.info, how)
            }
            Err(e) => {
                self.preset(Err(e));
                return;
            }
        };
        let first = self.subs.len();
        let combine = match info.fanout {
            Fanout::FollowPrevious => return self.follow(router, cmd, how.block, now),
            Fanout::SplitBySlot(agg) => {
                let parts = command::split_by_slot(&cmd, info.keys);
                if parts.len() <= 1 {
                    let slot = parts.first().map(|p| p.slot);
                    let target = slot.map_or(Target::Any, |slot| Target::Slot {
                        slot,
                        readonly: info.readonly,
                    });
                    self.push_sub(router, Cmds::One(cmd), Vec::new(), target, how, now);
                    Combine::Single
                } else {
                    let nkeys = parts.iter().map(|p| p.positions.len()).sum();
                    for p in parts {
                        let target = Target::Slot {
                            slot: p.slot,
                            readonly: info.readonly,
                        };
                        self.push_sub(
                            router,
                            Cmds::One(Cow::Owned(p.cmd)),
                            p.positions,
                            target,
                            how,
                            now,
                        );
                    }
                    Combine::Split(agg, nkeys)
                }
            }
            Fanout::AllPrimaries(agg) | Fanout::AllNodes(agg) => {
                let topo = router.topology();
                let nodes: Vec<Arc<str>> = match info.fanout {
                    Fanout::AllPrimaries(_) => topo.primaries().cloned().collect(),
                    _ => topo.live_nodes().cloned().collect(),
                };
                if nodes.is_empty() {
                    self.push_sub(router, Cmds::One(cmd), Vec::new(), Target::Any, how, now);
                    Combine::Single
                } else {
                    for n in nodes {
                        // `Cow::clone`: a borrowed command stays borrowed.
                        self.push_sub(
                            router,
                            Cmds::One(cmd.clone()),
                            Vec::new(),
                            Target::Node(n),
                            how,
                            now,
                        );
                    }
                    Combine::Fanout(agg)
                }
            }
            Fanout::Single => match command::single_slot(&cmd, info.keys) {
                Err(e) => {
                    self.preset(Err(e));
                    return;
                }
                Ok(slot) => {
                    let target = slot.map_or(Target::Any, |slot| Target::Slot {
                        slot,
                        readonly: info.readonly,
                    });
                    self.push_sub(router, Cmds::One(cmd), Vec::new(), target, how, now);
                    Combine::Single
                }
            },
        };
        self.items.push(Item {
            combine,
            first,
            count: self.subs.len() - first,
            preset: None,
        });
    }

    /// Adds `WAIT`/`WAITAOF` to the sub-request of the command before it, after that
    /// command; or an item that fails at once when there is no such single command.
    fn follow(&mut self, router: &Router, cmd: Cow<'c, Cmd>, block: BlockFor, now: Instant) {
        let name = follow::name(&cmd);
        let leader = match self.items.last() {
            None => Err(follow::alone(&name)),
            Some(prev) if prev.preset.is_some() => Err(follow::after_unsent(&name)),
            Some(prev) => match prev.combine {
                Combine::Follow(_) => Ok(prev.first),
                Combine::Single if prev.count == 1 => Ok(prev.first),
                Combine::Split(..) => Err(follow::after_spread(&name, "was split by slot")),
                _ => Err(follow::after_spread(&name, "went to several nodes")),
            },
        };
        let leader = match leader {
            Ok(l) => l,
            Err(e) => return self.preset(Err(e)),
        };
        let s = &mut self.subs[leader];
        s.cmds.push(cmd.into_owned());
        s.followers += 1;
        s.blocking |= block.blocks();
        // The request may now wait on the server as long as its longest follower.
        let wait = router.new_blocking_request(None, now, block);
        if wait.deadline > s.state.deadline {
            s.state.deadline = wait.deadline;
            s.state.timeout = wait.timeout;
        }
        // WAIT runs on primaries only: a read it follows is not sent to a replica.
        if let Target::Slot { readonly, .. } = &mut s.target {
            *readonly = false;
        }
        let n = s.followers - 1;
        self.items.push(Item {
            combine: Combine::Follow(n),
            first: leader,
            count: 0,
            preset: None,
        });
    }

    /// True when every sub-request has its result.
    pub fn is_done(&self) -> bool {
        self.open == 0
    }

    /// The commands to write for sub-request `sub` (several for a transaction).
    pub fn commands(&self, sub: usize) -> &[Cmd] {
        self.subs[sub].cmds.as_slice()
    }

    /// True when sub-request `sub` may block on the server (BLPOP, XREAD BLOCK, WAIT...):
    /// a driver sends it on a connection no other request shares, and its deadline already
    /// includes the wait.
    pub fn is_blocking(&self, sub: usize) -> bool {
        self.subs[sub].blocking
    }

    /// Writes the commands of sub-request `sub` to `out`; returns how many replies they get.
    pub fn encode(&self, sub: usize, out: &mut bytes::BytesMut) -> usize {
        let cmds = self.subs[sub].cmds.as_slice();
        for c in cmds {
            c.write_resp(out);
        }
        cmds.len()
    }

    /// Feeds back the replies to sub-requests `subs`, written in that order with
    /// [`Plan::encode`]. Missing replies count as a lost connection.
    pub fn on_replies(
        &mut self,
        router: &Router,
        addr: &str,
        subs: &[usize],
        replies: impl IntoIterator<Item = Value>,
        now: Instant,
    ) {
        let mut it = replies.into_iter();
        for &sub in subs {
            let n = self.subs[sub].cmds.len();
            let outcome = if n == 1 {
                it.next().map(Outcome::Reply)
            } else {
                let chunk: Vec<Value> = it.by_ref().take(n).collect();
                (chunk.len() == n).then_some(Outcome::Reply(Value::Array(chunk)))
            };
            let outcome = outcome.unwrap_or_else(|| {
                Outcome::Lost(Error::io(
                    addr,
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "fewer replies than commands",
                    ),
                ))
            });
            self.on_reply(router, addr, sub, outcome, now);
        }
    }

    /// Feeds back one failure for every sub-request in `subs`.
    pub fn on_failure(
        &mut self,
        router: &Router,
        addr: &str,
        subs: &[usize],
        failure: impl Fn() -> Outcome,
        now: Instant,
    ) {
        for &sub in subs {
            self.on_reply(router, addr, sub, failure(), now);
        }
    }

    /// The latest deadline of the open sub-requests.
    pub fn deadline(&self) -> Option<Instant> {
        self.subs
            .iter()
            .filter(|s| s.result.is_none())
            .map(|s| s.state.deadline)
            .max()
    }

    /// The latest deadline of sub-requests `subs` (what a driver waits for their replies).
    pub fn deadline_of(&self, subs: &[usize]) -> Option<Instant> {
        subs.iter().map(|&s| self.subs[s].state.deadline).max()
    }

    /// When a delayed retry becomes due, if nothing is ready before then.
    pub fn next_wake(&self) -> Option<Instant> {
        self.subs
            .iter()
            .filter_map(|s| match s.hop {
                Hop::Wait(t) => Some(t),
                _ => None,
            })
            .min()
    }

    /// The batches to send now, one per node. Sub-requests with no route get their retry
    /// scheduled here (and a refresh requested).
    pub fn ready(&mut self, router: &Router, now: Instant) -> Batches {
        let mut batches = Batches::new();
        let topology = router.topology();
        for i in 0..self.subs.len() {
            let sub = &mut self.subs[i];
            let (addr, asking) = match &sub.hop {
                Hop::Wait(t) if *t > now => continue,
                Hop::Route | Hop::Wait(_) => match router.node_for_in(&topology, &sub.target) {
                    Some(a) => (a, false),
                    None => {
                        let action =
                            router.decide(&mut sub.state, "-", Outcome::NoRoute, sub.readonly, now);
                        self.apply(i, action, now);
                        continue;
                    }
                },
                Hop::At(a, asking) => (a.clone(), *asking),
                Hop::InFlight | Hop::Done => continue,
            };
            sub.hop = Hop::InFlight;
            sub.last_node = Some(addr.clone());
            match batches.iter_mut().find(|b| b.addr == addr) {
                Some(b) => b.entries.push((i, asking)),
                None => batches.push(Batch {
                    addr,
                    entries: smallvec::smallvec![(i, asking)],
                }),
            }
        }
        batches
    }

    /// Feeds back what `addr` answered for sub-request `sub`. For a transaction the
    /// outcome is `Reply(Array(replies of MULTI, each command, EXEC))`.
    pub fn on_reply(
        &mut self,
        router: &Router,
        addr: &str,
        sub: usize,
        outcome: Outcome,
        now: Instant,
    ) {
        let s = &mut self.subs[sub];
        if s.result.is_some() {
            return; // already finished: a duplicate report must not count twice
        }
        let (outcome, tail) = follow::split(outcome, s.followers, s.cmds.len());
        let transaction = s.is_transaction();
        let outcome = if transaction {
            transaction_outcome(outcome)
        } else {
            outcome
        };
        // The node answered the command itself: what followed it there confirms it.
        let answered =
            s.followers > 0 && matches!(&outcome, Outcome::Reply(v) if !is_routing_error(v));
        let action = if transaction {
            router.decide_pinned(&mut s.state, addr, outcome, s.readonly, now)
        } else {
            router.decide(&mut s.state, addr, outcome, s.readonly, now)
        };
        if let Action::Retry {
            reconnect: true, ..
        } = action
        {
            if !self.reconnect.iter().any(|a| &**a == addr) {
                self.reconnect.push(addr.into());
            }
        }
        match action {
            Action::Done(r) if answered => {
                self.subs[sub].close(r, Some((addr, tail)));
                self.open -= 1;
            }
            action => self.apply(sub, action, now),
        }
    }

    fn apply(&mut self, sub: usize, action: Action, now: Instant) {
        let s = &mut self.subs[sub];
        match action {
            Action::Done(r) => {
                s.close(r, None);
                self.open -= 1;
            }
            Action::Redirect { addr, asking } => s.hop = Hop::At(addr, asking),
            Action::Retry { delay, .. } => {
                // A read that failed on a replica is retried on the primary.
                if let Target::Slot { readonly, .. } = &mut s.target {
                    *readonly = false;
                }
                s.hop = Hop::Wait(now + delay);
            }
        }
    }

    /// Nodes whose connection must be dropped before the next round (a MOVED that pointed
    /// back at the node that sent it).
    pub fn take_reconnects(&mut self) -> Vec<Arc<str>> {
        std::mem::take(&mut self.reconnect)
    }

    /// Ends the plan early: every open sub-request fails with `err`.
    pub fn finish_with(mut self, err: Error) -> Vec<Result<Value, Error>> {
        self.fail_open(err);
        self.finish()
    }

    /// Every sub-request still open fails with `err` (the plan is done afterwards).
    pub fn fail_open(&mut self, err: Error) {
        for s in &mut self.subs {
            if s.result.is_none() {
                s.close(Err(err.clone()), None);
            }
        }
        self.open = 0;
    }

    /// Called by a driver when a round has nothing to send and nothing to wait for although
    /// the plan is not done (which would be a bug in the plan's bookkeeping): fails what is
    /// open instead of spinning.
    pub fn fail_stalled(&mut self) {
        tracing::error!("request stalled with nothing in flight; failing it");
        self.fail_open(Error::Io {
            node: "-".into(),
            source: Arc::new(std::io::Error::other(
                "internal error: the request stalled with nothing in flight (please report \
                 this as a slotwise bug)",
            )),
        });
    }

    /// Where each item's requests went: slot, the node of the final try, and the redirects
    /// and retries it took (for `redis-cli -c`-style reporting). Call before `finish`.
    pub fn routes(&self) -> Vec<Route> {
        self.items
            .iter()
            .map(|item| {
                let count = match item.combine {
                    // Where the command it followed went.
                    Combine::Follow(_) => 1,
                    _ => item.count,
                };
                let subs = &self.subs[item.first..item.first + count];
                Route {
                    slot: subs.first().and_then(|s| s.state.slot),
                    nodes: subs.iter().filter_map(|s| s.last_node.clone()).collect(),
                    redirects: subs.iter().map(|s| s.state.redirects).sum(),
                    retries: subs.iter().map(|s| s.state.retries).sum(),
                }
            })
            .collect()
    }

    /// The per-item results, in the caller's order.
    pub fn finish(mut self) -> Vec<Result<Value, Error>> {
        let subs = &mut self.subs;
        self.items
            .iter_mut()
            .map(|item| item_result(item, subs))
            .collect()
    }

    /// Takes out the result of the first (for a single command: the only) item, without
    /// building the list [`Plan::finish`] returns; [`Error::Closed`] for a plan with no
    /// items, or if taken before.
    pub fn take_first(&mut self) -> Result<Value, Error> {
        match self.items.first_mut() {
            Some(item) => item_result(item, &mut self.subs),
            None => Err(Error::Closed),
        }
    }
}

/// An item's result from its sub-requests' results (taken out of them).
fn item_result(item: &mut Item, subs: &mut [Sub]) -> Result<Value, Error> {
    if let Some(r) = item.preset.take() {
        return r;
    }
    if let Combine::Follow(n) = item.combine {
        let followed = subs.get_mut(item.first).and_then(|s| s.followed.get_mut(n));
        return followed
            .and_then(Option::take)
            .unwrap_or(Err(Error::Closed));
    }
    let subs = &mut subs[item.first..item.first + item.count];
    if let (Combine::Single, [s]) = (item.combine, &mut *subs) {
        // The common case, one command to one slot: nothing to combine.
        return s.result.take().unwrap_or(Err(Error::Closed));
    }
    let parts: Vec<_> = subs
        .iter_mut()
        .map(|s| {
            let node = match &s.target {
                Target::Node(n) => n.clone(),
                _ => Arc::from(""),
            };
            let r = s.result.take().unwrap_or(Err(Error::Closed));
            (node, std::mem::take(&mut s.positions), r)
        })
        .collect();
    combine(item.combine, parts)
}

/// Finds the routing error among a transaction's replies, or the EXEC reply.
fn transaction_outcome(outcome: Outcome) -> Outcome {
    let Outcome::Reply(Value::Array(mut replies)) = outcome else {
        return outcome;
    };
    let routing = replies.iter().position(is_routing_error);
    match routing {
        Some(i) => Outcome::Reply(replies.swap_remove(i)),
        None => Outcome::Reply(replies.pop().unwrap_or(Value::Nil)),
    }
}

/// True for an error reply that is about where or when to send the command (MOVED, ASK,
/// TRYAGAIN, CLUSTERDOWN...), not the command's own answer.
fn is_routing_error(v: &Value) -> bool {
    v.as_error().is_some_and(|t| {
        !matches!(
            ServerError::parse(t).kind,
            ServerErrorKind::Other | ServerErrorKind::CrossSlot
        )
    })
}
