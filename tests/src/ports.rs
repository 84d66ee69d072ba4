//! Free loopback ports for redis-server: the client port and its cluster bus port (+10000),
//! and for TLS nodes a single extra `tls-port`.
//!
//! Ports come from the kernel (`bind 127.0.0.1:0`), so parallel test processes do not pick
//! the same numbers; a process-wide registry keeps threads of one process apart between the
//! probe and redis-server's own `bind`. A collision with another process in that window makes
//! redis-server exit with "Address already in use", and the node is started again on new
//! ports (see `node.rs`).

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Mutex, MutexGuard};

use crate::error::{HarnessError, Result};

/// Offset of the cluster bus port from the client port (redis' default `cluster-port 0`).
pub const BUS_PORT_OFFSET: u16 = 10000;

static RESERVED: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

fn registry() -> MutexGuard<'static, Option<HashSet<u16>>> {
    RESERVED.lock().unwrap_or_else(|e| e.into_inner())
}

/// A client port (and its bus port) held for one redis-server in this process; released when
/// dropped.
#[derive(Debug)]
pub(crate) struct PortReservation {
    port: u16,
    /// Whether `port + 10000` is held too.
    bus: bool,
}

impl PortReservation {
    /// Finds a port `p` such that `p` and `p + 10000` are both free on 127.0.0.1 and neither is
    /// held by another reservation in this process.
    pub(crate) fn new() -> Result<PortReservation> {
        for _ in 0..200 {
            let probe = TcpListener::bind("127.0.0.1:0")
                .map_err(|e| HarnessError::io("binding 127.0.0.1:0 to find a free port", e))?;
            let port = probe
                .local_addr()
                .map_err(|e| HarnessError::io("reading a probe socket's port", e))?
                .port();
            let Some(bus) = port.checked_add(BUS_PORT_OFFSET) else {
                continue;
            };
            let mut reg = registry();
            let set = reg.get_or_insert_with(HashSet::new);
            if set.contains(&port) || set.contains(&bus) {
                continue;
            }
            if TcpListener::bind(("127.0.0.1", bus)).is_err() {
                continue;
            }
            set.insert(port);
            set.insert(bus);
            return Ok(PortReservation { port, bus: true });
        }
        Err(HarnessError::Invalid(
            "found no free loopback port pair (port, port+10000) in 200 tries".into(),
        ))
    }

    /// Finds one free port (no bus port), e.g. a node's `tls-port`.
    pub(crate) fn single() -> Result<PortReservation> {
        for _ in 0..200 {
            let probe = TcpListener::bind("127.0.0.1:0")
                .map_err(|e| HarnessError::io("binding 127.0.0.1:0 to find a free port", e))?;
            let port = probe
                .local_addr()
                .map_err(|e| HarnessError::io("reading a probe socket's port", e))?
                .port();
            let mut reg = registry();
            let set = reg.get_or_insert_with(HashSet::new);
            if set.insert(port) {
                return Ok(PortReservation { port, bus: false });
            }
        }
        Err(HarnessError::Invalid(
            "found no free loopback port in 200 tries".into(),
        ))
    }

    /// The client port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for PortReservation {
    fn drop(&mut self) {
        if let Some(set) = registry().as_mut() {
            set.remove(&self.port);
            if self.bus {
                set.remove(&(self.port + BUS_PORT_OFFSET));
            }
        }
    }
}
