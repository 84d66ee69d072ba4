//! `_native.Watch` and `_native.AsyncWatch`: the core's WATCH sessions (one connection
//! pinned to the node of the watched slot) for the facade's transactional pipelines
//! (`pipe.watch(...)`, commands run at once, `pipe.multi()`, `pipe.execute()`).
//!
//! A session is used by one caller at a time: each call takes it out of its slot and puts
//! it back when done (a second call meanwhile gets a `DataError`). `exec` ends it.

use std::sync::{Arc, Mutex};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use slotwise::resp::{ServerError, Value};
use slotwise::{aio, blocking, Error};

use crate::bridge::{Bridge, Done, Out};
use crate::reply::{self, Shape};
use crate::sync_client::answer;
use crate::{args, batch, errors, io_thread};

/// The keys of a `watch(*keys)` call as byte strings (Python values encoded as commands'
/// arguments are).
pub fn keys(keys: &Bound<'_, PyTuple>) -> PyResult<Vec<Vec<u8>>> {
    if keys.is_empty() {
        return Err(errors::arg_error(
            keys.py(),
            "watch() needs at least one key",
        ));
    }
    let mut cmd = slotwise::Cmd::from_args(std::iter::empty::<&[u8]>());
    for k in keys.iter() {
        args::push(&mut cmd, &k)?;
    }
    Ok(cmd.args().map(<[u8]>::to_vec).collect())
}

fn ended(py: Python<'_>) -> PyErr {
    errors::arg_error(
        py,
        "this WATCH session has ended (executed or closed) or is in use by another call: \
         start a new one with watch()",
    )
}

/// EXEC's per-command replies as results: error replies become errors of `node`.
fn exec_results(node: &str, items: Vec<Value>) -> Vec<Result<Value, Error>> {
    items
        .into_iter()
        .map(|v| match v.as_error() {
            Some(t) => Err(Error::Server {
                error: ServerError::parse(t),
                node: node.to_string(),
            }),
            None => Ok(v),
        })
        .collect()
}

/// The outcome of `exec` as Python: `None` when a watched key changed, else every
/// command's result (errors as exception instances); a failure of the whole EXEC raises.
pub fn exec_outcome(
    py: Python<'_>,
    r: slotwise::Result<Option<Vec<Value>>>,
    shapes: &[Shape],
    decode: bool,
) -> PyResult<Py<PyAny>> {
    match r {
        Ok(None) => Ok(py.None()),
        Ok(Some(items)) => {
            batch::results(py, exec_results("", items), shapes, decode).map(|l| l.into_any())
        }
        Err(e) => Err(errors::to_py_in(py, e)),
    }
}

/// A WATCH session of the synchronous client (from `Client.watch`).
#[pyclass(frozen, module = "slotwise._native")]
pub struct Watch {
    session: Mutex<Option<blocking::Watch>>,
    decode: bool,
}

impl Watch {
    pub fn new(w: blocking::Watch, decode: bool) -> Watch {
        Watch {
            session: Mutex::new(Some(w)),
            decode,
        }
    }

    fn take(&self, py: Python<'_>) -> PyResult<blocking::Watch> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| ended(py))
    }

    fn put(&self, w: blocking::Watch) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(w);
    }

    fn query(&self, py: Python<'_>, args: &Bound<'_, PyTuple>, raw: bool) -> PyResult<Py<PyAny>> {
        let cmd = args::command(args)?;
        let shape = if raw {
            Shape::Raw
        } else {
            reply::shape_of(&cmd)
        };
        let mut w = self.take(py)?;
        let r = py.detach(|| w.query::<Value>(cmd));
        self.put(w);
        answer(py, r, shape, self.decode)
    }
}

#[pymethods]
impl Watch {
    /// WATCHes more keys of the session's slot.
    #[pyo3(signature = (*keys))]
    fn watch(&self, py: Python<'_>, keys: &Bound<'_, PyTuple>) -> PyResult<()> {
        let keys = self::keys(keys)?;
        let mut w = self.take(py)?;
        let r = py.detach(|| w.watch(&keys));
        self.put(w);
        r.map_err(|e| errors::to_py_in(py, e))
    }

    /// Runs one command on the session's connection and converts its reply.
    #[pyo3(signature = (*args))]
    fn execute(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.query(py, args, false)
    }

    /// As `execute`, with the generic conversion only.
    #[pyo3(signature = (*args))]
    fn execute_raw(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.query(py, args, true)
    }

    /// Runs the argv tuples as MULTI/EXEC and ends the session: `None` when a watched key
    /// changed (nothing applied), else every result in order (errors as exception
    /// instances). The commands at the indexes in `raw` get the generic conversion only.
    #[pyo3(signature = (commands, raw=None))]
    fn exec(
        &self,
        py: Python<'_>,
        commands: &Bound<'_, PyList>,
        raw: Option<Vec<usize>>,
    ) -> PyResult<Py<PyAny>> {
        let (p, shapes) = batch::pipeline(commands, true, raw)?;
        let w = self.take(py)?;
        let r = py.detach(|| w.exec(&p));
        exec_outcome(py, r, &shapes, self.decode)
    }

    /// Ends the session without EXEC: its connection is closed, which drops the WATCH.
    fn close(&self) {
        drop(
            self.session
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
    }

    /// False once the session has ended.
    #[getter]
    fn active(&self) -> bool {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}

/// A WATCH session of the asyncio client (from `AsyncClient.watch`); each call returns a
/// future of the caller's loop.
#[pyclass(frozen, module = "slotwise._native")]
pub struct AsyncWatch {
    session: Arc<Mutex<Option<aio::Watch>>>,
    bridge: Arc<Bridge>,
    event_loop: Py<PyAny>,
    decode: bool,
    generation: u64,
}

impl AsyncWatch {
    pub fn new(w: aio::Watch, bridge: Arc<Bridge>, event_loop: Py<PyAny>, decode: bool) -> Self {
        AsyncWatch {
            session: Arc::new(Mutex::new(Some(w))),
            bridge,
            event_loop,
            decode,
            generation: io_thread::fork_generation(),
        }
    }

    fn take(&self, py: Python<'_>) -> PyResult<aio::Watch> {
        if io_thread::fork_generation() != self.generation {
            // Its connection belongs to the parent's I/O thread.
            return Err(errors::connection_error(
                py,
                "this WATCH session was started before os.fork(): it stays with the parent; \
                 start a new one in the child process",
                "FORKED",
            ));
        }
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| ended(py))
    }

    /// Runs `job` on the I/O thread with the session taken out of its slot (and put back
    /// after, unless `job` consumed it); the future resolves with what `job` produced.
    fn spawn<F, Fut>(&self, py: Python<'_>, w: aio::Watch, job: F) -> PyResult<Py<PyAny>>
    where
        F: FnOnce(aio::Watch) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = (Option<aio::Watch>, Out)> + Send + 'static,
    {
        let fut = self
            .event_loop
            .call_method0(py, intern!(py, "create_future"))?;
        let done_fut = fut.clone_ref(py);
        let (slot, bridge) = (self.session.clone(), self.bridge.clone());
        crate::aio_client::queue(py, &self.bridge, async move {
            let (back, out) = job(w).await;
            if let Some(w) = back {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(w);
            }
            bridge.complete(Done { fut: done_fut, out });
        })?;
        Ok(fut)
    }

    fn query(&self, py: Python<'_>, args: &Bound<'_, PyTuple>, raw: bool) -> PyResult<Py<PyAny>> {
        let cmd = args::command(args)?;
        let shape = if raw {
            Shape::Raw
        } else {
            reply::shape_of(&cmd)
        };
        let decode = self.decode;
        let w = self.take(py)?;
        self.spawn(py, w, move |mut w| async move {
            let r = w.query::<Value>(cmd).await;
            (Some(w), Out::Reply(r, shape, decode))
        })
    }
}

#[pymethods]
impl AsyncWatch {
    /// WATCHes more keys of the session's slot; returns a future of `None`.
    #[pyo3(signature = (*keys))]
    fn watch(&self, py: Python<'_>, keys: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let keys = self::keys(keys)?;
        let w = self.take(py)?;
        self.spawn(py, w, move |mut w| async move {
            let r = w.watch(&keys).await;
            (Some(w), Out::Unit(r))
        })
    }

    /// Runs one command on the session's connection; a future of its converted reply.
    #[pyo3(signature = (*args))]
    fn execute(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.query(py, args, false)
    }

    /// As `execute`, with the generic conversion only.
    #[pyo3(signature = (*args))]
    fn execute_raw(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.query(py, args, true)
    }

    /// As `Watch.exec`; returns a future of the results, or of `None` when a watched key
    /// changed.
    #[pyo3(signature = (commands, raw=None))]
    fn exec(
        &self,
        py: Python<'_>,
        commands: &Bound<'_, PyList>,
        raw: Option<Vec<usize>>,
    ) -> PyResult<Py<PyAny>> {
        let (p, shapes) = batch::pipeline(commands, true, raw)?;
        let decode = self.decode;
        let w = self.take(py)?;
        self.spawn(py, w, move |w| async move {
            let r = w.exec(&p).await;
            (None, Out::Exec(r, shapes, decode))
        })
    }

    /// Ends the session without EXEC: its connection is closed, which drops the WATCH.
    fn close(&self) {
        drop(
            self.session
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
    }

    /// False once the session has ended (or while a call is using it).
    #[getter]
    fn active(&self) -> bool {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}
