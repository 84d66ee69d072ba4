//! Connections for commands that may block on the server (BLPOP, XREAD BLOCK, WAIT...).
//!
//! Such a command goes alone on a connection of its own, so it holds up no other caller.
//! Opening one per call would cost a TCP (+TLS, +AUTH/HELLO) handshake every time, which a
//! consumer loop calling BLPOP repeatedly pays again and again: connections whose command
//! got its reply are kept per node for the next one, up to a bound.

use std::sync::{Arc, Mutex};

use crate::node_map::NodeMap;

use super::conn::ConnHandle;

/// Idle blocking connections kept per node; more concurrent blocking commands still run,
/// their connections close when they finish.
pub(crate) const IDLE_PER_NODE: usize = 8;

#[derive(Default)]
pub(crate) struct BlockingPool {
    idle: Mutex<NodeMap<Vec<ConnHandle>>>,
}

impl BlockingPool {
    /// An idle live connection to `addr`, if one is kept.
    pub fn take(&self, addr: &Arc<str>) -> Option<ConnHandle> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let conns = idle.get_mut(addr)?;
        while let Some(c) = conns.pop() {
            if c.is_alive() {
                return Some(c);
            }
        }
        None
    }

    /// Keeps `conn` for the next blocking command to `addr`. Only for a connection whose
    /// command got its whole reply: after a client-side timeout the reply may still come
    /// and would be read as the next command's answer, so such a connection is dropped.
    pub fn give_back(&self, addr: &Arc<str>, conn: ConnHandle) {
        if !conn.is_alive() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let conns = idle.entry(addr.clone()).or_default();
        if conns.len() < IDLE_PER_NODE {
            conns.push(conn);
        }
    }

    /// Drops every idle connection to `addr` (the node failed or left).
    pub fn forget(&self, addr: &str) {
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(addr);
    }

    /// Drops every idle connection (the client closes).
    pub fn clear(&self) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
