//! The dedicated I/O thread: one current-thread tokio runtime that runs every client of the
//! process (connections, routing, timers). Started on first use and kept for the life of the
//! process; it holds no libuv handle, so it never keeps Node's event loop alive.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::{Builder, Handle};

use crate::deliver;

static RUNTIME: OnceLock<Result<Handle, String>> = OnceLock::new();

/// The I/O runtime, started on first call.
///
/// # Errors
///
/// When the thread or the runtime could not be created (out of resources).
pub(crate) fn runtime() -> Result<&'static Handle, String> {
    RUNTIME.get_or_init(start).as_ref().map_err(Clone::clone)
}

fn start() -> Result<Handle, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("slotwise-io".into())
        .spawn(move || {
            let rt = Builder::new_current_thread()
                .enable_all()
                // Completions collected while the thread was busy go to JavaScript in one
                // wake-up just before it waits for more I/O.
                .on_thread_park(deliver::signal_unsignalled)
                .build();
            match rt {
                Ok(rt) => {
                    let _ = tx.send(Ok(rt.handle().clone()));
                    rt.block_on(heartbeat());
                }
                Err(e) => {
                    let _ = tx.send(Err(format!("cannot start the I/O runtime: {e}")));
                }
            }
        })
        .map_err(|e| format!("cannot start the I/O thread: {e}"))?;
    rx.recv()
        .map_err(|_| "the I/O thread exited while starting".to_string())?
}

/// How often the I/O thread's heartbeat timer fires.
const HEARTBEAT: Duration = Duration::from_millis(500);

/// Keeps a timer pending that expires before a typical command deadline, forever.
///
/// Every command arms a deadline timer. When that timer is the earliest one, tokio wakes its
/// own parked driver to shorten the sleep: a write to the runtime's eventfd and an extra
/// `epoll_wait` per command, on the thread that is already awake. With the heartbeat due
/// sooner, the deadlines join the timer wheel without that wake-up. Costs two wake-ups a
/// second of the I/O thread only; never touches Node's event loop.
async fn heartbeat() {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
    }
}
