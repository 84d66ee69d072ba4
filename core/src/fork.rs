//! Detecting `fork()`: sockets and threads inherited from the parent must not be used by
//! the child (both processes would read the same socket). A `pthread_atfork` child
//! handler bumps a generation counter; clients compare it on each call (one atomic load).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

#[cfg(unix)]
extern "C" fn in_child() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// The current fork generation (installs the handler on first use).
pub(crate) fn generation() -> u64 {
    INSTALL.call_once(|| {
        #[cfg(unix)]
        // SAFETY: registering a handler that only performs an atomic increment, which is
        // async-signal-safe and valid in the child after fork.
        unsafe {
            libc::pthread_atfork(None, None, Some(in_child));
        }
    });
    GENERATION.load(Ordering::Relaxed)
}
