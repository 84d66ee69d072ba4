//! `slotwise_stats`: what the client handled for the application.

use crate::client::slotwise_client;
use crate::error::{arg_out, arg_ref, guard, slotwise_result};

/// Counters since the client connected (a point-in-time copy; plain data owned by the
/// caller).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct slotwise_stats {
    /// MOVED redirects followed (the slot had moved for good; the slot map was patched).
    pub moved: u64,
    /// ASK redirects followed (the slot was migrating; the map was kept).
    pub ask: u64,
    /// Retries after TRYAGAIN, CLUSTERDOWN, LOADING, READONLY or connection errors.
    pub retries: u64,
    /// Slot-map refreshes completed.
    pub refreshes: u64,
    /// Connections re-established after a node's connection had failed.
    pub reconnects: u64,
}

/// Copies the client's counters into `*stats_out`. Thread-safe.
///
/// # Safety
///
/// `client` is a live handle or NULL; `stats_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_client_stats(
    client: *const slotwise_client,
    stats_out: *mut slotwise_stats,
) -> slotwise_result {
    guard("slotwise_client_stats", || {
        // SAFETY: a live handle per the contract.
        let client = unsafe { arg_ref(client, "client") }?;
        let out = arg_out(stats_out, "stats_out")?;
        let s = client.client.stats();
        let stats = slotwise_stats {
            moved: s.moved,
            ask: s.ask,
            retries: s.retries,
            refreshes: s.refreshes,
            reconnects: s.reconnects,
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(stats) };
        Ok(())
    })
}
