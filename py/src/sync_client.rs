//! `_native.Client`: the synchronous client over the core blocking driver. The calling
//! thread does its own socket I/O with the GIL released, so threads sharing one client run
//! their network waits in parallel.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use slotwise::blocking;
use slotwise::scan::ClusterScan;

use crate::config::Config;
use crate::reply::{self, Shape};
use crate::watch::{self, Watch};
use crate::{args, batch, errors, nodes};

/// A connected cluster client (use `slotwise.Cluster`).
#[pyclass(frozen, module = "slotwise._native")]
pub struct Client {
    inner: blocking::Client,
    decode: bool,
}

/// The state of a cluster-wide SCAN (every primary in turn).
#[pyclass(frozen, module = "slotwise._native")]
pub struct Scan {
    state: Mutex<ClusterScan>,
}

impl Scan {
    pub fn new(state: ClusterScan) -> Scan {
        Scan {
            state: Mutex::new(state),
        }
    }

    pub fn take(&self) -> ClusterScan {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn put(&self, s: ClusterScan) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = s;
    }
}

/// The pattern argument of SCAN as text (patterns are matched as bytes by the server; the
/// core takes `&str`, so non-UTF-8 patterns are refused).
pub fn pattern(m: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(m) = m else { return Ok(None) };
    if m.is_none() {
        return Ok(None);
    }
    let mut c = slotwise::Cmd::from_args(std::iter::empty::<&[u8]>());
    args::push(&mut c, m)?;
    let b = c.arg_at(0).unwrap_or_default();
    match std::str::from_utf8(b) {
        Ok(s) => Ok(Some(s.to_string())),
        Err(_) => Err(errors::arg_error(
            m.py(),
            "the SCAN pattern must be valid UTF-8",
        )),
    }
}

/// A reply or the error to raise: the top-level reply of `execute` raises its error.
pub fn answer(
    py: Python<'_>,
    r: slotwise::Result<slotwise::resp::Value>,
    shape: Shape,
    decode: bool,
) -> PyResult<Py<PyAny>> {
    match r {
        Ok(v) if v.is_error() => {
            let text = v.as_error().cloned().unwrap_or_default();
            Err(errors::to_py_in(
                py,
                slotwise::Error::Server {
                    error: slotwise::resp::ServerError::parse(&text),
                    node: String::new(),
                },
            ))
        }
        Ok(v) => reply::convert(py, v, shape, decode),
        Err(e) => Err(errors::to_py_in(py, e)),
    }
}

#[pymethods]
impl Client {
    /// Discovers the cluster from the config's seeds (GIL released while connecting).
    #[new]
    fn new(py: Python<'_>, config: &Config) -> PyResult<Client> {
        let opts = config.opts.clone();
        let inner = py
            .detach(|| blocking::Client::connect(opts))
            .map_err(|e| errors::to_py_in(py, e))?;
        Ok(Client {
            inner,
            decode: config.decode,
        })
    }

    /// Runs one command (argv: name first) and converts its reply.
    #[pyo3(signature = (*args))]
    fn execute(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let cmd = args::command(args)?;
        let shape = reply::shape_of(&cmd);
        let client = &self.inner;
        let r = py.detach(|| client.exec(cmd));
        answer(py, r, shape, self.decode)
    }

    /// Runs one command and returns its reply with the generic conversion only (no
    /// per-command shape: `ZRANGE ... WITHSCORES` stays a flat list of raw scores).
    #[pyo3(signature = (*args))]
    fn execute_raw(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let cmd = args::command(args)?;
        let client = &self.inner;
        let r = py.detach(|| client.exec(cmd));
        answer(py, r, Shape::Raw, self.decode)
    }

    /// Runs one command on the node at `node` (`host:port`, a node of the slot map),
    /// whatever its keys (redis-py's `target_nodes=`), and converts its reply.
    #[pyo3(signature = (node, *args))]
    fn execute_on(
        &self,
        py: Python<'_>,
        node: &str,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        let cmd = args::command(args)?;
        let shape = reply::shape_of(&cmd);
        let client = &self.inner;
        let r = py.detach(|| client.exec_on(node, cmd));
        answer(py, r, shape, self.decode)
    }

    /// Runs a pipeline of argv tuples; returns every result in order (errors as exception
    /// instances). With `transaction`, runs MULTI/EXEC (keys must share one slot). The
    /// commands at the indexes in `raw` get the generic conversion only.
    #[pyo3(signature = (commands, transaction, raw=None))]
    fn run_pipeline(
        &self,
        py: Python<'_>,
        commands: &Bound<'_, PyList>,
        transaction: bool,
        raw: Option<Vec<usize>>,
    ) -> PyResult<Py<PyList>> {
        let (p, shapes) = batch::pipeline(commands, transaction, raw)?;
        if p.is_empty() {
            return Ok(PyList::empty(py).unbind());
        }
        let client = &self.inner;
        let rs = py.detach(|| client.run_pipeline(&p));
        batch::results(py, rs, &shapes, self.decode)
    }

    /// WATCHes `keys` (one slot) on a connection to their node, kept for the session
    /// (GIL released meanwhile).
    #[pyo3(signature = (*keys))]
    fn watch(&self, py: Python<'_>, keys: &Bound<'_, PyTuple>) -> PyResult<Watch> {
        let keys = watch::keys(keys)?;
        let client = &self.inner;
        let w = py
            .detach(|| client.watch(&keys))
            .map_err(|e| errors::to_py_in(py, e))?;
        Ok(Watch::new(w, self.decode))
    }

    /// Starts a cluster-wide SCAN.
    #[pyo3(signature = (pattern=None, count=None))]
    fn scan(&self, pattern: Option<&Bound<'_, PyAny>>, count: Option<u64>) -> PyResult<Scan> {
        let pattern = self::pattern(pattern)?;
        Ok(Scan::new(self.inner.scan(pattern.as_deref(), count)))
    }

    /// The next page of keys, or `None` when every primary has been scanned.
    fn scan_next(&self, py: Python<'_>, scan: &Scan) -> PyResult<Option<Py<PyList>>> {
        let mut state = scan.take();
        let client = &self.inner;
        let page = py.detach(|| client.scan_next(&mut state));
        scan.put(state);
        match page.map_err(|e| errors::to_py_in(py, e))? {
            None => Ok(None),
            Some(keys) => {
                let out = PyList::empty(py);
                for k in keys {
                    out.append(reply::value(
                        py,
                        slotwise::resp::Value::Bulk(k),
                        self.decode,
                    )?)?;
                }
                Ok(Some(out.unbind()))
            }
        }
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

    /// Refreshes the slot map now (normally automatic).
    fn refresh(&self, py: Python<'_>) -> PyResult<()> {
        let client = &self.inner;
        py.detach(|| client.refresh_topology())
            .map_err(|e| errors::to_py_in(py, e))
    }

    /// Closes every connection; later calls raise `ConnectionError`. The GIL is released
    /// while the core waits for its refresh thread, which may be inside an `address_remap`
    /// callback that needs the GIL.
    fn close(&self, py: Python<'_>) {
        let client = &self.inner;
        py.detach(|| client.close());
    }

    /// Whether replies are decoded to `str`.
    #[getter]
    fn decode_responses(&self) -> bool {
        self.decode
    }
}
