//! The sans-I/O routing brain shared by every driver.
//!
//! [`Router`] holds the slot map, the options and the counters. It answers two questions:
//! where a request goes ([`Router::node_for`]) and what to do with what came back
//! ([`Router::decide`]). [`Plan`] runs a whole request (one command, a split multi-key
//! command, a fan-out or a pipeline) as rounds of per-node batches. Drivers only move bytes.

mod aggregate;
mod decide;
mod follow;
mod plan;
mod refresh;

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, RwLock};
use std::time::Instant;

pub use decide::{host_of, Action, Outcome, RequestState};
pub use plan::{Batch, Batches, Entries, Plan, Route};
pub use refresh::RefreshGate;

use crate::options::{ClientOptions, ReadPolicy};
use crate::slot::Slot;
use crate::stats::{Counters, Stats};
use crate::topology::{choose_view, Health, Topology};

/// Where a (sub-)request must go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The owner of a slot (a replica may serve it if `readonly` and the policy allows).
    Slot {
        /// The slot.
        slot: Slot,
        /// The command never writes.
        readonly: bool,
    },
    /// One specific node (fan-out commands).
    Node(Arc<str>),
    /// Any primary (keyless commands).
    Any,
}

/// The shared routing state of one client.
#[derive(Debug)]
pub struct Router {
    opts: ClientOptions,
    topology: RwLock<Arc<Topology>>,
    refresh: RefreshGate,
    counters: Counters,
    rotate: AtomicUsize,
}

impl Router {
    /// A router with an empty slot map (call [`Router::set_topology`] after discovery).
    pub fn new(opts: ClientOptions) -> Router {
        Router {
            refresh: RefreshGate::new(opts.min_refresh_interval, opts.refresh_interval),
            opts,
            topology: RwLock::new(Arc::new(Topology::from_shards(Vec::new()))),
            counters: Counters::default(),
            rotate: AtomicUsize::new(0),
        }
    }

    /// The options in force.
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// The current slot map.
    pub fn topology(&self) -> Arc<Topology> {
        match self.topology.read() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the slot map (after a refresh).
    pub fn set_topology(&self, t: Topology) {
        let t = Arc::new(t);
        match self.topology.write() {
            Ok(mut g) => *g = t,
            Err(poisoned) => *poisoned.into_inner() = t,
        }
    }

    /// Applies a MOVED: `slot` now belongs to the primary at `addr`.
    pub fn patch_slot(&self, slot: Slot, addr: &str) {
        let mut g = match self.topology.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if g.primary_of(slot).map(|a| &**a) != Some(addr) {
            *g = Arc::new(g.with_slot_moved(slot, addr));
        }
    }

    /// Picks the view most nodes agree on and installs it; returns false if none was given.
    pub fn install_views(&self, views: Vec<Topology>) -> bool {
        match choose_view(views) {
            Some(t) => {
                tracing::debug!(
                    shards = t.shards().len(),
                    assigned_slots = t.assigned_slots(),
                    "topology refreshed"
                );
                self.set_topology(t);
                Counters::bump(&self.counters.refreshes);
                true
            }
            None => false,
        }
    }

    /// The refresh coordinator (coalescing and rate limiting).
    pub fn refresh_gate(&self) -> &RefreshGate {
        &self.refresh
    }

    /// Asks for a topology refresh; many calls before it runs cause one refresh.
    pub fn request_refresh(&self) {
        self.refresh.want();
    }

    /// Live counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Nodes to ask for the topology: known nodes (primaries first, rotated so load
    /// spreads), then the seeds, without duplicates.
    pub fn refresh_candidates(&self) -> Vec<String> {
        let t = self.topology();
        let mut known: Vec<String> = t.all_nodes().map(|a| a.to_string()).collect();
        if !known.is_empty() {
            let n = self.rotate.fetch_add(1, Relaxed) % known.len();
            known.rotate_left(n);
        }
        for s in &self.opts.seeds {
            if !known.contains(s) {
                known.push(s.clone());
            }
        }
        known
    }

    /// The node a request for `target` goes to now, or `None` when the map has no owner
    /// for the slot (the caller requests a refresh and retries).
    pub fn node_for(&self, target: &Target) -> Option<Arc<str>> {
        let t = self.topology.read().unwrap_or_else(|p| p.into_inner());
        self.node_for_in(&t, target)
    }

    /// [`Router::node_for`] in a map the caller already holds (one lookup of the map for a
    /// whole pipeline).
    pub fn node_for_in(&self, t: &Topology, target: &Target) -> Option<Arc<str>> {
        match target {
            Target::Node(a) => Some(a.clone()),
            Target::Any => {
                let n = t.shards().len();
                if n == 0 {
                    return None;
                }
                let i = self.rotate.fetch_add(1, Relaxed) % n;
                Some(t.shards()[i].primary.addr.clone())
            }
            Target::Slot { slot, readonly } => {
                let shard = t.shard_of(*slot)?;
                if !*readonly || self.opts.read_policy == ReadPolicy::Primary {
                    return Some(shard.primary.addr.clone());
                }
                // Redis 7.0 reports every replica as `loading` while the replication offsets
                // it gossips are 0, so a loading replica still serves when no replica is
                // reported online; a replica that really is loading answers LOADING, and
                // the retry goes to the primary (see `Plan::apply`).
                let usable = |h: Health| {
                    shard
                        .replicas
                        .iter()
                        .filter(move |r| r.health == h)
                        .map(|r| &r.addr)
                };
                let mut healthy: Vec<&Arc<str>> = usable(Health::Online).collect();
                if healthy.is_empty() {
                    healthy = usable(Health::Loading).collect();
                }
                match self.opts.read_policy {
                    ReadPolicy::PreferReplica if !healthy.is_empty() => {
                        let i = self.rotate.fetch_add(1, Relaxed) % healthy.len();
                        Some(healthy[i].clone())
                    }
                    ReadPolicy::RoundRobin => {
                        let i = self.rotate.fetch_add(1, Relaxed) % (healthy.len() + 1);
                        Some(healthy.get(i).map_or(&shard.primary.addr, |a| *a).clone())
                    }
                    _ => Some(shard.primary.addr.clone()),
                }
            }
        }
    }

    /// A new request state with the configured deadline.
    pub fn new_request(&self, slot: Option<Slot>, now: Instant) -> RequestState {
        RequestState::new(slot, now, self.opts.request_timeout)
    }

    /// A new request state for a command that may block on the server for `block`: its
    /// deadline is the request timeout on top of that wait.
    pub fn new_blocking_request(
        &self,
        slot: Option<Slot>,
        now: Instant,
        block: crate::command::BlockFor,
    ) -> RequestState {
        RequestState::new(
            slot,
            now,
            self.opts.request_timeout.saturating_add(block.wait()),
        )
    }
}

#[cfg(test)]
mod tests;
