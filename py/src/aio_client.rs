//! `_native.AsyncClient`: the asyncio client over the core async driver. Every method
//! queues a job on the I/O thread and returns an asyncio future of the caller's loop,
//! resolved through the loop's [`Bridge`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use slotwise::aio;

use crate::bridge::{Bridge, Done, LoopBridge, Out};
use crate::config::Config;
use crate::sync_client::{pattern, Scan};
use crate::{args, batch, errors, io_thread, nodes, reply, watch};

/// A connected asyncio cluster client (use `slotwise.asyncio.Cluster`).
#[pyclass(frozen, module = "slotwise._native")]
pub struct AsyncClient {
    inner: aio::Client,
    bridge: Arc<Bridge>,
    event_loop: Py<PyAny>,
    decode: bool,
    generation: u64,
    /// Set by `close()`: no job may start after it (its completion could arrive after the
    /// facade stopped watching the bridge).
    closed: AtomicBool,
}

impl AsyncClient {
    pub fn new(
        inner: aio::Client,
        bridge: Arc<Bridge>,
        event_loop: Py<PyAny>,
        decode: bool,
    ) -> Self {
        AsyncClient {
            inner,
            bridge,
            event_loop,
            decode,
            generation: io_thread::fork_generation(),
            closed: AtomicBool::new(false),
        }
    }

    /// Refuses to start a job on a client inherited through `os.fork()` or closed.
    fn check_usable(&self, py: Python<'_>) -> PyResult<()> {
        if io_thread::fork_generation() != self.generation {
            let msg = "this slotwise.asyncio.Cluster was created before os.fork(): its I/O \
                       thread and connections stay with the parent; create a new client in \
                       the child process";
            return Err(errors::connection_error(py, msg, "FORKED"));
        }
        if self.closed.load(Ordering::Relaxed) {
            return Err(errors::to_py_in(py, slotwise::Error::Closed));
        }
        Ok(())
    }

    fn future(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.event_loop
            .call_method0(py, intern!(py, "create_future"))
    }

    /// Queues one command; returns the future of its reply converted with `shape`.
    fn run(&self, py: Python<'_>, cmd: slotwise::Cmd, shape: reply::Shape) -> PyResult<Py<PyAny>> {
        let fut = self.future(py)?;
        let done_fut = fut.clone_ref(py);
        let (client, bridge, decode) = (self.inner.clone(), self.bridge.clone(), self.decode);
        queue(py, &self.bridge, async move {
            let r = client.exec(cmd).await;
            bridge.complete(Done {
                fut: done_fut,
                out: Out::Reply(r, shape, decode),
            });
        })?;
        Ok(fut)
    }
}

pub(crate) fn queue<F>(py: Python<'_>, bridge: &Bridge, job: F) -> PyResult<()>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    bridge.begin();
    io_thread::spawn(job).map_err(|e| {
        bridge.abandon();
        errors::connection_error(py, e.to_string(), "IO_THREAD")
    })
}

#[pymethods]
impl AsyncClient {
    /// Connects on the I/O thread; returns a future of `event_loop` resolved with the
    /// client.
    #[staticmethod]
    fn connect(
        py: Python<'_>,
        config: &Config,
        bridge: &LoopBridge,
        event_loop: Py<PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let fut = event_loop.call_method0(py, intern!(py, "create_future"))?;
        let done_fut = fut.clone_ref(py);
        let opts = config.opts.clone();
        let decode = config.decode;
        let b = bridge.inner.clone();
        queue(py, &bridge.inner, async move {
            let r = aio::Client::connect(opts).await;
            b.complete(Done {
                fut: done_fut,
                out: Out::Connected(r, b.clone(), event_loop, decode),
            });
        })?;
        Ok(fut)
    }

    /// Runs one command; returns a future of its converted reply.
    #[pyo3(signature = (*args))]
    fn execute(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.check_usable(py)?;
        let cmd = args::command(args)?;
        let shape = reply::shape_of(&cmd);
        self.run(py, cmd, shape)
    }

    /// Runs one command; returns a future of its reply with the generic conversion only.
    #[pyo3(signature = (*args))]
    fn execute_raw(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.check_usable(py)?;
        let cmd = args::command(args)?;
        self.run(py, cmd, reply::Shape::Raw)
    }

    /// Runs one command on the node at `node` (`host:port`, a node of the slot map),
    /// whatever its keys (redis-py's `target_nodes=`); returns a future of its reply.
    #[pyo3(signature = (node, *args))]
    fn execute_on(
        &self,
        py: Python<'_>,
        node: String,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        self.check_usable(py)?;
        let cmd = args::command(args)?;
        let shape = reply::shape_of(&cmd);
        let fut = self.future(py)?;
        let done_fut = fut.clone_ref(py);
        let (client, bridge, decode) = (self.inner.clone(), self.bridge.clone(), self.decode);
        queue(py, &self.bridge, async move {
            let r = client.exec_on(&node, cmd).await;
            bridge.complete(Done {
                fut: done_fut,
                out: Out::Reply(r, shape, decode),
            });
        })?;
        Ok(fut)
    }

    /// WATCHes `keys` (one slot) on a dedicated connection to their node; returns a future
    /// of the session (`AsyncWatch`).
    #[pyo3(signature = (*keys))]
    fn watch(&self, py: Python<'_>, keys: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.check_usable(py)?;
        let keys = watch::keys(keys)?;
        let fut = self.future(py)?;
        let done_fut = fut.clone_ref(py);
        let (client, bridge, decode) = (self.inner.clone(), self.bridge.clone(), self.decode);
        let event_loop = self.event_loop.clone_ref(py);
        queue(py, &self.bridge, async move {
            let r = client.watch(&keys).await;
            bridge.complete(Done {
                fut: done_fut,
                out: Out::Watched(r, bridge.clone(), event_loop, decode),
            });
        })?;
        Ok(fut)
    }

    /// Refreshes the slot map now (normally automatic); returns a future of `None`.
    fn refresh_topology(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.check_usable(py)?;
        let fut = self.future(py)?;
        let done_fut = fut.clone_ref(py);
        let (client, bridge) = (self.inner.clone(), self.bridge.clone());
        queue(py, &self.bridge, async move {
            let r = client.refresh_topology().await;
            bridge.complete(Done {
                fut: done_fut,
                out: Out::Unit(r),
            });
        })?;
        Ok(fut)
    }

    /// Runs a pipeline of argv tuples; returns a future of every result in order (errors as
    /// exception instances). The commands at the indexes in `raw` get the generic
    /// conversion only.
    #[pyo3(signature = (commands, transaction, raw=None))]
    fn run_pipeline(
        &self,
        py: Python<'_>,
        commands: &Bound<'_, PyList>,
        transaction: bool,
        raw: Option<Vec<usize>>,
    ) -> PyResult<Py<PyAny>> {
        self.check_usable(py)?;
        let (p, shapes) = batch::pipeline(commands, transaction, raw)?;
        let fut = self.future(py)?;
        let done_fut = fut.clone_ref(py);
        let (client, bridge, decode) = (self.inner.clone(), self.bridge.clone(), self.decode);
        queue(py, &self.bridge, async move {
            let rs = if p.is_empty() {
                Vec::new()
            } else {
                client.run_pipeline(&p).await
            };
            bridge.complete(Done {
                fut: done_fut,
                out: Out::Pipeline(rs, shapes, decode),
            });
        })?;
        Ok(fut)
    }

    /// Starts a cluster-wide SCAN.
    #[pyo3(signature = (pattern=None, count=None))]
    fn scan(&self, pattern: Option<&Bound<'_, PyAny>>, count: Option<u64>) -> PyResult<Scan> {
        let pattern = self::pattern(pattern)?;
        Ok(Scan::new(self.inner.scan(pattern.as_deref(), count)))
    }

    /// A future of the next page of keys, or of `None` when every primary is done.
    fn scan_next(&self, py: Python<'_>, scan: Py<Scan>) -> PyResult<Py<PyAny>> {
        self.check_usable(py)?;
        let mut state = scan.get().take();
        let fut = self.future(py)?;
        let done_fut = fut.clone_ref(py);
        let (client, bridge, decode) = (self.inner.clone(), self.bridge.clone(), self.decode);
        queue(py, &self.bridge, async move {
            let r = client.scan_next(&mut state).await;
            bridge.complete(Done {
                fut: done_fut,
                out: Out::ScanPage(r, state, scan, decode),
            });
        })?;
        Ok(fut)
    }

    /// MOVED/ASK/retry/refresh/reconnect counters.
    fn stats(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        batch::stats(py, self.inner.stats())
    }

    /// The primaries' addresses, from the current slot map.
    fn primaries(&self) -> Vec<String> {
        self.inner
            .topology()
            .primaries()
            .map(|a| a.to_string())
            .collect()
    }

    /// Every node of the slot map as `(address, is_primary)`, primaries first.
    fn nodes(&self) -> Vec<(String, bool)> {
        nodes::all(&self.inner.topology())
    }

    /// The nodes serving `slot`: its primary, then its replicas (empty when unassigned).
    fn slot_nodes(&self, slot: u16) -> Vec<String> {
        nodes::of_slot(&self.inner.topology(), slot)
    }

    /// Closes every connection: requests in flight fail with `ConnectionError` (code
    /// `CLOSED`) through the bridge, and later calls raise it at once.
    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.inner.close();
    }

    /// Whether replies are decoded to `str`.
    #[getter]
    fn decode_responses(&self) -> bool {
        self.decode
    }
}
