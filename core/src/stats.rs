//! Counters of what the client handled for the application.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Live counters, updated by the router; read them with [`Counters::snapshot`].
#[derive(Debug, Default)]
pub struct Counters {
    pub(crate) moved: AtomicU64,
    pub(crate) ask: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) refreshes: AtomicU64,
    pub(crate) reconnects: AtomicU64,
}

/// A point-in-time copy of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// MOVED redirects followed.
    pub moved: u64,
    /// ASK redirects followed.
    pub ask: u64,
    /// Retries after TRYAGAIN, CLUSTERDOWN, LOADING, READONLY or connection errors.
    pub retries: u64,
    /// Topology refreshes completed.
    pub refreshes: u64,
    /// Connections (re)established after the first one to each node.
    pub reconnects: u64,
}

impl Counters {
    /// Reads all counters.
    pub fn snapshot(&self) -> Stats {
        Stats {
            moved: self.moved.load(Relaxed),
            ask: self.ask.load(Relaxed),
            retries: self.retries.load(Relaxed),
            refreshes: self.refreshes.load(Relaxed),
            reconnects: self.reconnects.load(Relaxed),
        }
    }

    pub(crate) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Relaxed);
    }
}
