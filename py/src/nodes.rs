//! The cluster's nodes as the Python facade shows them (redis-py's `ClusterNode` API):
//! every node with its role, the nodes serving one slot, and a key's slot.

use pyo3::prelude::*;
use slotwise::topology::Topology;

use crate::args;

/// Every node of the slot map as `(address, is_primary)`, primaries first.
pub fn all(t: &Topology) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = t.primaries().map(|a| (a.to_string(), true)).collect();
    for s in t.shards() {
        out.extend(s.replicas.iter().map(|r| (r.addr.to_string(), false)));
    }
    out
}

/// The nodes serving `slot`: its primary, then its replicas; empty when no node has it.
pub fn of_slot(t: &Topology, slot: u16) -> Vec<String> {
    let Some(s) = slotwise::slot::Slot::new(slot).and_then(|n| t.shard_of(n)) else {
        return Vec::new();
    };
    let mut out = vec![s.primary.addr.to_string()];
    out.extend(s.replicas.iter().map(|r| r.addr.to_string()));
    out
}

/// The hash slot of `key` (hash tags honoured), encoded as commands encode their keys.
#[pyfunction]
pub fn key_slot(key: &Bound<'_, PyAny>) -> PyResult<u16> {
    let mut c = slotwise::Cmd::from_args(std::iter::empty::<&[u8]>());
    args::push(&mut c, key)?;
    Ok(slotwise::slot::key_slot(c.arg_at(0).unwrap_or_default()).get())
}
