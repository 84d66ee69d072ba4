//! The cluster's shape: shards (a primary and its replicas) and which shard owns each slot.

mod address_map;
mod parse;

use std::sync::Arc;

pub use address_map::AddressMap;
pub use parse::{parse_shards, parse_slots, ParseError};

use crate::slot::{Slot, SLOT_COUNT};

/// A node's role in its shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Serves writes for its slots.
    Primary,
    /// Replicates a primary; serves reads after `READONLY`.
    Replica,
}

/// Health as reported by CLUSTER SHARDS (CLUSTER SLOTS has no such field: always `Online`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Serving.
    Online,
    /// Marked failed by the cluster.
    Failed,
    /// Loading its dataset.
    Loading,
}

/// One node as the client will reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// `host:port` the client connects to (after the address map).
    pub addr: Arc<str>,
    /// The cluster node id, when known.
    pub id: Option<String>,
    /// Primary or replica.
    pub role: Role,
    /// Reported health.
    pub health: Health,
}

/// A primary, its replicas, and the slot ranges it owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    /// The primary.
    pub primary: Node,
    /// Replicas of the primary.
    pub replicas: Vec<Node>,
    /// Inclusive slot ranges owned.
    pub ranges: Vec<(u16, u16)>,
}

const UNASSIGNED: u16 = u16::MAX;

/// The slot map: O(1) lookup from slot to shard.
#[derive(Clone, PartialEq, Eq)]
pub struct Topology {
    shards: Vec<Shard>,
    /// 16384 entries: shard index, or `UNASSIGNED`.
    owner: Box<[u16]>,
}

impl std::fmt::Debug for Topology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Topology")
            .field("shards", &self.shards)
            .field("assigned_slots", &self.assigned_slots())
            .finish()
    }
}

impl Topology {
    /// Builds the map from shards; later shards win a slot claimed twice.
    pub fn from_shards(shards: Vec<Shard>) -> Topology {
        let mut owner = vec![UNASSIGNED; SLOT_COUNT as usize].into_boxed_slice();
        for (i, s) in shards.iter().enumerate() {
            for &(a, b) in &s.ranges {
                for slot in a..=b.min(SLOT_COUNT - 1) {
                    owner[slot as usize] = i as u16;
                }
            }
        }
        Topology { shards, owner }
    }

    /// Builds the map from shards a node reported, refusing a view in which two shards
    /// claim the same slot (or one shard claims it twice): a node that says so is
    /// inconsistent, and picking either owner could send writes to the wrong primary.
    ///
    /// # Errors
    ///
    /// The first slot claimed twice and by which primaries.
    pub fn from_reported_shards(shards: Vec<Shard>) -> Result<Topology, String> {
        let mut owner = vec![UNASSIGNED; SLOT_COUNT as usize].into_boxed_slice();
        for (i, s) in shards.iter().enumerate() {
            for &(a, b) in &s.ranges {
                for slot in a..=b.min(SLOT_COUNT - 1) {
                    let prev = owner[slot as usize];
                    if prev != UNASSIGNED {
                        return Err(format!(
                            "slot {slot} is claimed by two overlapping ranges (primaries {} and {}); \
                             the node's view is inconsistent",
                            shards[prev as usize].primary.addr, s.primary.addr
                        ));
                    }
                    owner[slot as usize] = i as u16;
                }
            }
        }
        Ok(Topology { shards, owner })
    }

    /// All shards.
    pub fn shards(&self) -> &[Shard] {
        &self.shards
    }

    /// The shard owning `slot`, if assigned.
    pub fn shard_of(&self, slot: Slot) -> Option<&Shard> {
        match self.owner[slot.index()] {
            UNASSIGNED => None,
            i => self.shards.get(i as usize),
        }
    }

    /// The primary's address for `slot`.
    pub fn primary_of(&self, slot: Slot) -> Option<&Arc<str>> {
        self.shard_of(slot).map(|s| &s.primary.addr)
    }

    /// How many slots have an owner.
    pub fn assigned_slots(&self) -> usize {
        self.owner.iter().filter(|&&o| o != UNASSIGNED).count()
    }

    /// Every primary's address.
    pub fn primaries(&self) -> impl Iterator<Item = &Arc<str>> {
        self.shards.iter().map(|s| &s.primary.addr)
    }

    /// Every node's address, primaries first.
    pub fn all_nodes(&self) -> impl Iterator<Item = &Arc<str>> {
        self.primaries().chain(
            self.shards
                .iter()
                .flat_map(|s| s.replicas.iter().map(|r| &r.addr)),
        )
    }

    /// Every node a fan-out to all nodes (PING, INFO, SCRIPT LOAD) should reach: the
    /// primaries and the replicas the cluster does not mark as failed (a dead replica would
    /// only make the whole command time out).
    pub fn live_nodes(&self) -> impl Iterator<Item = &Arc<str>> {
        self.primaries().chain(self.shards.iter().flat_map(|s| {
            s.replicas
                .iter()
                .filter(|r| r.health != Health::Failed)
                .map(|r| &r.addr)
        }))
    }

    /// True when `addr` is a known node.
    pub fn contains(&self, addr: &str) -> bool {
        self.all_nodes().any(|a| &**a == addr)
    }

    /// A copy where `slot` is owned by the primary at `addr` (a MOVED reply). A node not yet
    /// known becomes a new shard with only that slot until the next refresh.
    pub fn with_slot_moved(&self, slot: Slot, addr: &str) -> Topology {
        let mut t = self.clone();
        let idx = match t.shards.iter().position(|s| &*s.primary.addr == addr) {
            Some(i) => i,
            None => {
                // A replica named by a MOVED has been promoted: list it once, as a primary.
                for s in &mut t.shards {
                    s.replicas.retain(|r| &*r.addr != addr);
                }
                t.shards.push(Shard {
                    primary: Node {
                        addr: addr.into(),
                        id: None,
                        role: Role::Primary,
                        health: Health::Online,
                    },
                    replicas: Vec::new(),
                    ranges: Vec::new(),
                });
                t.shards.len() - 1
            }
        };
        t.owner[slot.index()] = idx as u16;
        t
    }

    /// Slot ranges per primary, normalised, for comparing views from different nodes.
    fn view_key(&self) -> Vec<(u16, u16, &str)> {
        let mut key = Vec::new();
        let mut start = 0usize;
        while start < self.owner.len() {
            let o = self.owner[start];
            let mut end = start;
            while end + 1 < self.owner.len() && self.owner[end + 1] == o {
                end += 1;
            }
            if o != UNASSIGNED {
                let addr = &*self.shards[o as usize].primary.addr;
                key.push((start as u16, end as u16, addr));
            }
            start = end + 1;
        }
        key
    }

    /// True when both maps send every slot to the same primary.
    pub fn same_slot_map(&self, other: &Topology) -> bool {
        self.view_key() == other.view_key()
    }
}

/// Picks the view most nodes agree on (by slot map); ties go to the view with more assigned
/// slots, then to the earliest. `None` for an empty list.
pub fn choose_view(views: Vec<Topology>) -> Option<Topology> {
    let mut best: Option<(usize, usize, usize)> = None; // (votes, assigned, index)
    for (i, v) in views.iter().enumerate() {
        let votes = views.iter().filter(|w| w.same_slot_map(v)).count();
        let score = (votes, v.assigned_slots(), usize::MAX - i);
        if best.is_none_or(|(bv, ba, bi)| score > (bv, ba, usize::MAX - bi)) {
            best = Some((votes, v.assigned_slots(), i));
        }
    }
    let (_, _, i) = best?;
    views.into_iter().nth(i)
}

#[cfg(test)]
mod tests;
