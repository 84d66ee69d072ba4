//! Shared by both clients: building pipelines from Python argv tuples, turning results
//! (each command's own reply or error) into Python, and the stats dict.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use slotwise::resp::Value;
use slotwise::{Error, Pipeline, Stats};

use crate::reply::{self, Shape};
use crate::{args, errors};

/// A pipeline (or MULTI/EXEC transaction) from a list of argv tuples, with each command's
/// reply shape; the commands at the indexes in `raw` keep their replies unconverted (the
/// facade converts them itself).
pub fn pipeline(
    commands: &Bound<'_, PyList>,
    transaction: bool,
    raw: Option<Vec<usize>>,
) -> PyResult<(Pipeline, Vec<Shape>)> {
    let mut p = if transaction {
        Pipeline::transaction()
    } else {
        Pipeline::new()
    };
    let mut shapes = Vec::with_capacity(commands.len());
    for argv in commands.iter() {
        let argv = argv.cast_into::<PyTuple>()?;
        let cmd = args::command(&argv)?;
        shapes.push(reply::shape_of(&cmd));
        p.add(cmd);
    }
    for i in raw.into_iter().flatten() {
        if let Some(s) = shapes.get_mut(i) {
            *s = Shape::Raw;
        }
    }
    Ok((p, shapes))
}

/// One result as a Python object: the converted reply, or an exception instance.
pub fn one(
    py: Python<'_>,
    r: Result<Value, Error>,
    shape: Shape,
    decode: bool,
) -> PyResult<Py<PyAny>> {
    match r {
        Ok(v) => reply::convert(py, v, shape, decode),
        Err(e) => Ok(errors::instance(py, e)),
    }
}

/// Every result of a pipeline, in order; errors as exception instances (the facade raises
/// the first one when `raise_on_error` is set).
pub fn results(
    py: Python<'_>,
    rs: Vec<Result<Value, Error>>,
    shapes: &[Shape],
    decode: bool,
) -> PyResult<Py<PyList>> {
    let out = PyList::empty(py);
    for (i, r) in rs.into_iter().enumerate() {
        let shape = shapes.get(i).copied().unwrap_or(Shape::Raw);
        out.append(one(py, r, shape, decode)?)?;
    }
    Ok(out.unbind())
}

/// The counters as a dict.
pub fn stats(py: Python<'_>, s: Stats) -> PyResult<Py<PyDict>> {
    let d = PyDict::new(py);
    d.set_item("moved", s.moved)?;
    d.set_item("ask", s.ask)?;
    d.set_item("retries", s.retries)?;
    d.set_item("refreshes", s.refreshes)?;
    d.set_item("reconnects", s.reconnects)?;
    Ok(d.unbind())
}
