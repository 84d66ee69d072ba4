//! Handing completed replies from the I/O thread back to an asyncio loop.
//!
//! The I/O thread pushes completions onto a queue and, when the queue was idle, writes one
//! byte to a pipe that the loop watches with `loop.add_reader`: a burst of replies costs
//! one wake-up, and the I/O thread never takes the GIL. The loop's reader callback
//! (`drain`) converts the replies and resolves the futures.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyList;
use slotwise::resp::Value;
use slotwise::scan::ClusterScan;
use slotwise::{aio, Error};

use crate::aio_client::AsyncClient;
use crate::reply::Shape;
use crate::sync_client::{answer, Scan};
use crate::watch::{self, AsyncWatch};
use crate::{batch, errors, reply};

/// What a finished job produced.
pub enum Out {
    /// One command's reply.
    Reply(Result<Value, Error>, Shape, bool),
    /// A pipeline's results.
    Pipeline(Vec<Result<Value, Error>>, Vec<Shape>, bool),
    /// A connected client (or why not).
    Connected(Result<aio::Client, Error>, Arc<Bridge>, Py<PyAny>, bool),
    /// A job without a value (a topology refresh).
    Unit(Result<(), Error>),
    /// A WATCH session started (or why not).
    Watched(Result<aio::Watch, Error>, Arc<Bridge>, Py<PyAny>, bool),
    /// A WATCH session's EXEC: `None` when a watched key changed.
    Exec(Result<Option<Vec<Value>>, Error>, Vec<Shape>, bool),
    /// A page of a cluster-wide SCAN, and the scan's new state.
    ScanPage(
        Result<Option<Vec<bytes::Bytes>>, Error>,
        ClusterScan,
        Py<Scan>,
        bool,
    ),
}

/// A finished job and the asyncio future waiting for it.
pub struct Done {
    pub fut: Py<PyAny>,
    pub out: Out,
}

/// The queue and pipe shared by one loop's clients and the I/O thread.
pub struct Bridge {
    queue: Mutex<Vec<Done>>,
    signaled: AtomicBool,
    /// Jobs queued and not yet resolved (so `aclose` can wait for them).
    pending: AtomicUsize,
    rfd: RawFd,
    wfd: RawFd,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        // SAFETY: both descriptors were opened by `Bridge::new` and are closed only here.
        unsafe {
            libc::close(self.rfd);
            libc::close(self.wfd);
        }
    }
}

impl Bridge {
    fn new() -> std::io::Result<Bridge> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: `fds` has room for the two descriptors pipe() writes.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        for fd in fds {
            // SAFETY: fcntl on descriptors we own.
            unsafe {
                let fl = libc::fcntl(fd, libc::F_GETFL);
                libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
                libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            }
        }
        Ok(Bridge {
            queue: Mutex::new(Vec::new()),
            signaled: AtomicBool::new(false),
            pending: AtomicUsize::new(0),
            rfd: fds[0],
            wfd: fds[1],
        })
    }

    /// Counts a job whose completion will come through this bridge.
    pub fn begin(&self) {
        self.pending.fetch_add(1, Ordering::Relaxed);
    }

    /// Un-counts a job that could not be queued.
    pub fn abandon(&self) {
        self.pending.fetch_sub(1, Ordering::Relaxed);
    }

    /// Queues a completion (I/O thread); wakes the loop if it was not already woken.
    pub fn complete(&self, d: Done) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).push(d);
        if !self.signaled.swap(true, Ordering::SeqCst) {
            let b = [1u8];
            // SAFETY: writing one byte from a valid buffer to our pipe. A full pipe (EAGAIN)
            // already guarantees a wake-up, so the result needs no handling.
            unsafe {
                libc::write(self.wfd, b.as_ptr().cast(), 1);
            }
        }
    }

    fn take(&self) -> Vec<Done> {
        // Order matters: empty the pipe, clear the flag, then take the queue. A completion
        // whose swap saw the flag set either had its byte read here (then it was queued
        // before the take below) or left its byte in the pipe; one queued after the take
        // sees the flag clear and writes a fresh byte. (Clearing the flag before reading
        // the pipe could swallow a byte whose flag then stays set: a lost wake-up.)
        let mut buf = [0u8; 256];
        // SAFETY: reading into a local buffer from our non-blocking pipe.
        while unsafe { libc::read(self.rfd, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
        self.signaled.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// One asyncio loop's end of the bridge (`_native.LoopBridge`).
#[pyclass(frozen, module = "slotwise._native")]
pub struct LoopBridge {
    pub inner: Arc<Bridge>,
}

#[pymethods]
impl LoopBridge {
    #[new]
    fn new(py: Python<'_>) -> PyResult<LoopBridge> {
        let b = Bridge::new().map_err(|e| {
            errors::connection_error(
                py,
                format!("cannot create the asyncio wake-up pipe: {e} (out of file descriptors?)"),
                "CONNECTION",
            )
        })?;
        Ok(LoopBridge { inner: Arc::new(b) })
    }

    /// Jobs queued whose futures are not resolved yet.
    fn pending(&self) -> usize {
        self.inner.pending.load(Ordering::Relaxed)
    }

    /// The descriptor to watch with `loop.add_reader`.
    fn fileno(&self) -> i32 {
        self.inner.rfd
    }

    /// Resolves the futures of every finished job (the reader callback). A failure to
    /// resolve one future is reported as unraisable and does not stop the others.
    fn drain(&self, py: Python<'_>) {
        let done = self.inner.take();
        self.inner.pending.fetch_sub(done.len(), Ordering::Relaxed);
        for d in done {
            if let Err(e) = resolve(py, d) {
                e.write_unraisable(py, None);
            }
        }
    }
}

fn resolve(py: Python<'_>, d: Done) -> PyResult<()> {
    let fut = d.fut.bind(py);
    if fut.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(()); // cancelled meanwhile
    }
    let outcome = match d.out {
        Out::Reply(r, shape, decode) => answer(py, r, shape, decode),
        Out::Pipeline(rs, shapes, decode) => {
            batch::results(py, rs, &shapes, decode).map(|l| l.into_any())
        }
        Out::Unit(r) => r.map(|()| py.None()).map_err(|e| errors::to_py_in(py, e)),
        Out::Connected(r, bridge, lp, decode) => match r {
            Ok(c) => Py::new(py, AsyncClient::new(c, bridge, lp, decode)).map(|c| c.into_any()),
            Err(e) => Err(errors::to_py_in(py, e)),
        },
        Out::Watched(r, bridge, lp, decode) => match r {
            Ok(w) => Py::new(py, AsyncWatch::new(w, bridge, lp, decode)).map(|w| w.into_any()),
            Err(e) => Err(errors::to_py_in(py, e)),
        },
        Out::Exec(r, shapes, decode) => watch::exec_outcome(py, r, &shapes, decode),
        Out::ScanPage(r, state, scan, decode) => {
            scan.get().put(state);
            match r {
                Ok(None) => Ok(py.None()),
                Ok(Some(keys)) => {
                    let list = PyList::empty(py);
                    for k in keys {
                        list.append(reply::value(py, Value::Bulk(k), decode)?)?;
                    }
                    Ok(list.into_any().unbind())
                }
                Err(e) => Err(errors::to_py_in(py, e)),
            }
        }
    };
    match outcome {
        Ok(v) => fut.call_method1(intern!(py, "set_result"), (v,))?,
        Err(e) => fut.call_method1(intern!(py, "set_exception"), (e.into_value(py),))?,
    };
    Ok(())
}
