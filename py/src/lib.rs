//! Python bindings for slotwise: the module `slotwise._native`, wrapped by the pure-Python
//! package `slotwise` (see `py/python/slotwise`).
//!
//! Thin by design: arguments become [`slotwise::Cmd`]s ([`args`]), replies become Python
//! objects ([`reply`]), core errors become the exception hierarchy ([`errors`]); routing,
//! redirects and retries all happen in the core.
//! - [`sync_client`]: `Client`, the blocking driver with the GIL released around I/O.
//! - [`aio_client`]: `AsyncClient`, the async driver on one I/O thread ([`io_thread`]),
//!   replies handed back to asyncio through [`bridge`].
//! - [`watch`]: `Watch` / `AsyncWatch`, WATCH sessions for transactional pipelines.

use pyo3::prelude::*;

mod aio_client;
mod args;
mod batch;
mod bridge;
mod config;
mod errors;
mod io_thread;
mod nodes;
mod reply;
mod sync_client;
mod watch;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<config::Config>()?;
    m.add_class::<sync_client::Client>()?;
    m.add_class::<sync_client::Scan>()?;
    m.add_class::<aio_client::AsyncClient>()?;
    m.add_class::<bridge::LoopBridge>()?;
    m.add_class::<watch::Watch>()?;
    m.add_class::<watch::AsyncWatch>()?;
    m.add_function(wrap_pyfunction!(nodes::key_slot, m)?)?;
    errors::register(m)?;
    Ok(())
}
