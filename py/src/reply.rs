//! Replies to Python objects, with redis-py's types: bulk strings as `bytes` (or `str` with
//! `decode_responses=True`), integers as `int`, nil as `None`, arrays as `list`, RESP3 maps
//! as `dict`, sets as `set`, doubles as `float`, booleans as `bool`.
//!
//! A few commands get redis-py's response callbacks (chosen from the command name, so
//! `execute_command("SET", ...)` answers `True` like `set(...)`): see [`Shape`].

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFrozenSet, PyList, PySet, PyString, PyTuple};
use slotwise::resp::Value;
use slotwise::{Cmd, Error};

use crate::errors;

/// How a command's reply is turned into Python, like redis-py's response callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The generic conversion.
    Raw,
    /// `OK` -> `True`, nil -> `None` (SET, MSET, FLUSHALL, ...).
    OkTrue,
    /// `PONG` -> `True`.
    Pong,
    /// Integer -> `bool` (EXPIRE, SISMEMBER, ...).
    Bool,
    /// Flat `[k, v, ...]` or a map -> `dict` (HGETALL, CONFIG GET).
    Dict,
    /// Array -> `set` (SMEMBERS, SINTER, ...).
    Set,
    /// String -> `float`, nil -> `None` (INCRBYFLOAT, ZSCORE, ...).
    Float,
    /// `[member, score, ...]` -> `[(member, float), ...]` (ZRANGE ... WITHSCORES).
    Scored,
}

fn is(name: &[u8], lit: &str) -> bool {
    name.eq_ignore_ascii_case(lit.as_bytes())
}

/// The shape of `cmd`'s reply, from its name (and WITHSCORES for sorted-set ranges).
pub fn shape_of(cmd: &Cmd) -> Shape {
    let name = cmd.name();
    let mut buf = [0u8; 16];
    if name.len() > buf.len() {
        return Shape::Raw;
    }
    for (d, s) in buf.iter_mut().zip(name) {
        *d = s.to_ascii_uppercase();
    }
    match &buf[..name.len()] {
        b"GET" => Shape::Raw,
        b"SET" | b"MSET" | b"SETEX" | b"PSETEX" | b"HMSET" | b"LSET" | b"LTRIM" | b"RENAME"
        | b"FLUSHALL" | b"FLUSHDB" | b"WATCH" | b"UNWATCH" | b"AUTH" => Shape::OkTrue,
        b"PING" => Shape::Pong,
        b"EXPIRE" | b"PEXPIRE" | b"EXPIREAT" | b"PEXPIREAT" | b"PERSIST" | b"SETNX" | b"MSETNX"
        | b"HSETNX" | b"HEXISTS" | b"SISMEMBER" | b"SMOVE" | b"RENAMENX" => Shape::Bool,
        b"HGETALL" => Shape::Dict,
        b"SMEMBERS" | b"SINTER" | b"SUNION" | b"SDIFF" => Shape::Set,
        b"INCRBYFLOAT" | b"HINCRBYFLOAT" | b"ZSCORE" | b"ZINCRBY" => Shape::Float,
        b"ZRANGE" | b"ZREVRANGE" | b"ZRANGEBYSCORE" | b"ZREVRANGEBYSCORE" => {
            scored_if_withscores(cmd)
        }
        b"CONFIG" => match cmd.arg_at(1) {
            Some(sub) if is(sub, "GET") => Shape::Dict,
            Some(sub) if is(sub, "SET") || is(sub, "RESETSTAT") => Shape::OkTrue,
            _ => Shape::Raw,
        },
        _ => Shape::Raw,
    }
}

fn scored_if_withscores(cmd: &Cmd) -> Shape {
    if cmd.args().skip(2).any(|a| is(a, "WITHSCORES")) {
        Shape::Scored
    } else {
        Shape::Raw
    }
}

/// Converts a reply (already known not to be an error at the top level).
pub fn convert(py: Python<'_>, v: Value, shape: Shape, decode: bool) -> PyResult<Py<PyAny>> {
    let v = v.without_attributes();
    match shape {
        Shape::Raw => value(py, v, decode),
        Shape::OkTrue => match &v {
            Value::Simple(s) if &s[..] == b"OK" => {
                Ok(true.into_pyobject(py)?.to_owned().into_any().unbind())
            }
            Value::Nil => Ok(py.None()),
            _ => value(py, v, decode),
        },
        Shape::Pong => match &v {
            Value::Simple(s) if &s[..] == b"PONG" => {
                Ok(true.into_pyobject(py)?.to_owned().into_any().unbind())
            }
            _ => value(py, v, decode),
        },
        Shape::Bool => match &v {
            Value::Int(i) => Ok((*i != 0).into_pyobject(py)?.to_owned().into_any().unbind()),
            _ => value(py, v, decode),
        },
        Shape::Dict => match v {
            Value::Array(items) => {
                let d = PyDict::new(py);
                let mut it = items.into_iter();
                while let (Some(k), Some(val)) = (it.next(), it.next()) {
                    d.set_item(hashable(py, k, decode)?, value(py, val, decode)?)?;
                }
                Ok(d.into_any().unbind())
            }
            other => value(py, other, decode),
        },
        Shape::Set => match v {
            Value::Array(items) | Value::Set(items) => {
                let s = PySet::empty(py)?;
                for item in items {
                    s.add(hashable(py, item, decode)?)?;
                }
                Ok(s.into_any().unbind())
            }
            other => value(py, other, decode),
        },
        Shape::Float => float(py, v, decode),
        Shape::Scored => match v {
            Value::Array(items) => {
                let out = PyList::empty(py);
                if items.iter().all(|i| matches!(i, Value::Array(_))) {
                    // RESP3: [[member, score], ...]
                    for pair in items {
                        if let Value::Array(mut p) = pair {
                            let score = p.pop().unwrap_or(Value::Nil);
                            let member = p.pop().unwrap_or(Value::Nil);
                            let t = PyTuple::new(
                                py,
                                [value(py, member, decode)?, float(py, score, decode)?],
                            )?;
                            out.append(t)?;
                        }
                    }
                } else {
                    let mut it = items.into_iter();
                    while let (Some(member), Some(score)) = (it.next(), it.next()) {
                        let t = PyTuple::new(
                            py,
                            [value(py, member, decode)?, float(py, score, decode)?],
                        )?;
                        out.append(t)?;
                    }
                }
                Ok(out.into_any().unbind())
            }
            other => value(py, other, decode),
        },
    }
}

fn float(py: Python<'_>, v: Value, decode: bool) -> PyResult<Py<PyAny>> {
    match &v {
        Value::Nil => Ok(py.None()),
        Value::Double(d) => Ok(d.into_pyobject(py)?.into_any().unbind()),
        Value::Int(i) => Ok((*i as f64).into_pyobject(py)?.into_any().unbind()),
        Value::Bulk(b) | Value::Simple(b) => {
            let parsed = std::str::from_utf8(b).ok().and_then(|s| match s {
                "inf" | "+inf" => Some(f64::INFINITY),
                "-inf" => Some(f64::NEG_INFINITY),
                s => s.parse::<f64>().ok(),
            });
            match parsed {
                Some(f) => Ok(f.into_pyobject(py)?.into_any().unbind()),
                None => value(py, v, decode),
            }
        }
        _ => value(py, v, decode),
    }
}

fn text(py: Python<'_>, b: &[u8], decode: bool) -> PyResult<Py<PyAny>> {
    if decode {
        Ok(PyString::from_bytes(py, b)?.into_any().unbind())
    } else {
        Ok(PyBytes::new(py, b).into_any().unbind())
    }
}

/// The generic conversion of one reply.
pub fn value(py: Python<'_>, v: Value, decode: bool) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::Nil => py.None(),
        Value::Bulk(b) | Value::Simple(b) => text(py, &b, decode)?,
        Value::Verbatim { text: t, .. } => text(py, &t, decode)?,
        Value::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Value::Double(d) => d.into_pyobject(py)?.into_any().unbind(),
        Value::Boolean(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
        Value::BigNumber(b) => {
            let digits = String::from_utf8_lossy(&b);
            py.get_type::<pyo3::types::PyInt>()
                .call1((digits.as_ref(),))?
                .unbind()
        }
        Value::Error(_) | Value::BlobError(_) => {
            let text = v.as_error().cloned().unwrap_or_default();
            errors::instance(
                py,
                Error::Server {
                    error: slotwise::resp::ServerError::parse(&text),
                    node: String::new(),
                },
            )
        }
        Value::Array(items) | Value::Push(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value(py, item, decode)?)?;
            }
            list.into_any().unbind()
        }
        // A set holding maps (RESP3 COMMAND's flags of key specs...) cannot be a Python set:
        // a list, as redis-py's RESP3 parser gives every set.
        Value::Set(items) if items.iter().any(holds_map) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value(py, item, decode)?)?;
            }
            list.into_any().unbind()
        }
        Value::Set(items) => {
            let s = PySet::empty(py)?;
            for item in items {
                s.add(hashable(py, item, decode)?)?;
            }
            s.into_any().unbind()
        }
        Value::Map(pairs) => {
            let d = PyDict::new(py);
            for (k, val) in pairs {
                d.set_item(hashable(py, k, decode)?, value(py, val, decode)?)?;
            }
            d.into_any().unbind()
        }
        Value::Attribute { data, .. } => value(py, *data, decode)?,
    })
}

/// True when `v` is or contains a map (no hashable Python form).
fn holds_map(v: &Value) -> bool {
    match v {
        Value::Map(_) => true,
        Value::Array(items) | Value::Set(items) | Value::Push(items) => items.iter().any(holds_map),
        Value::Attribute { data, .. } => holds_map(data),
        _ => false,
    }
}

/// A conversion usable as a dict key or set member: arrays become tuples, sets frozensets.
fn hashable(py: Python<'_>, v: Value, decode: bool) -> PyResult<Py<PyAny>> {
    match v {
        Value::Array(items) => {
            let items = items
                .into_iter()
                .map(|i| hashable(py, i, decode))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyTuple::new(py, items)?.into_any().unbind())
        }
        Value::Set(items) => {
            let items = items
                .into_iter()
                .map(|i| hashable(py, i, decode))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyFrozenSet::new(py, &items)?.into_any().unbind())
        }
        other => value(py, other, decode),
    }
}
