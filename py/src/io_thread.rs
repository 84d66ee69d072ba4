//! The one I/O thread of the asyncio client: a current-thread tokio runtime that runs
//! every async client's commands and connections (cross-thread wake-ups per command would
//! cost more than the work). Jobs arrive over a channel; replies go back through a
//! [`crate::bridge::Bridge`] without ever taking the GIL here.
//!
//! After `os.fork()` the child has no I/O thread (threads do not survive fork): a new one is
//! started on first use, and clients created before the fork refuse to run (see
//! [`fork_generation`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};

use tokio::sync::mpsc;

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

struct IoThread {
    tx: mpsc::UnboundedSender<Job>,
    generation: u64,
}

static IO: Mutex<Option<IoThread>> = Mutex::new(None);
static FORKS: AtomicU64 = AtomicU64::new(0);
static HOOK: Once = Once::new();

extern "C" fn in_child() {
    FORKS.fetch_add(1, Ordering::SeqCst);
}

/// Counts the forks this process descends from (one atomic load; installs the
/// `pthread_atfork` hook on first use).
pub fn fork_generation() -> u64 {
    HOOK.call_once(|| {
        // SAFETY: the handler only increments an atomic, which is async-signal-safe and
        // valid in the child right after fork.
        unsafe {
            libc::pthread_atfork(None, None, Some(in_child));
        }
    });
    FORKS.load(Ordering::Relaxed)
}

fn start() -> std::io::Result<mpsc::UnboundedSender<Job>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    std::thread::Builder::new()
        .name("slotwise-asyncio-io".into())
        .spawn(move || {
            rt.block_on(async move {
                while let Some(job) = rx.recv().await {
                    tokio::spawn(job);
                }
            })
        })?;
    Ok(tx)
}

/// Runs `job` on the I/O thread (started on first use, and again in a forked child).
pub fn spawn<F>(job: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let generation = fork_generation();
    let mut io = IO.lock().unwrap_or_else(|p| p.into_inner());
    if io.as_ref().is_none_or(|t| t.generation != generation) {
        // In a forked child the old sender belongs to a thread that no longer exists.
        if let Some(old) = io.take() {
            std::mem::forget(old);
        }
        *io = Some(IoThread {
            tx: start()?,
            generation,
        });
    }
    let sent = io.as_ref().map(|t| t.tx.send(Box::pin(job)));
    match sent {
        Some(Ok(())) => Ok(()),
        _ => Err(std::io::Error::other("the slotwise I/O thread has stopped")),
    }
}
