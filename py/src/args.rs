//! Python arguments to command bytes, as redis-py encodes them: `str` as UTF-8, `bytes`,
//! `bytearray` and `memoryview` as is, `int` in decimal, `float` as its `repr`. `bool`,
//! `None` and anything else raise `DataError` (redis-py refuses them too: `True` could mean
//! `1` or `"True"`).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyFloat, PyInt, PyMemoryView, PyString, PyTuple};
use slotwise::Cmd;

use crate::errors;

/// Appends one argument to `cmd`.
pub fn push(cmd: &mut Cmd, a: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(b) = a.cast::<PyBytes>() {
        cmd.push(b.as_bytes());
    } else if let Ok(s) = a.cast::<PyString>() {
        cmd.push(s.to_str()?);
    } else if a.is_instance_of::<PyBool>() {
        return Err(errors::bad_arg(a));
    } else if let Ok(i) = a.cast::<PyInt>() {
        match i.extract::<i64>() {
            Ok(n) => {
                cmd.push(n);
            }
            // Beyond 64 bits: Python's own decimal text.
            Err(_) => {
                cmd.push(i.str()?.to_str()?);
            }
        }
    } else if a.is_instance_of::<PyFloat>() {
        cmd.push(a.repr()?.to_str()?);
    } else if let Ok(b) = a.cast::<PyByteArray>() {
        cmd.push(b.to_vec());
    } else if a.is_instance_of::<PyMemoryView>() {
        let b = a.call_method0("tobytes")?;
        cmd.push(b.cast::<PyBytes>()?.as_bytes());
    } else {
        return Err(errors::bad_arg(a));
    }
    Ok(())
}

/// A command from a full argv tuple (name first).
pub fn command(args: &Bound<'_, PyTuple>) -> PyResult<Cmd> {
    if args.is_empty() {
        return Err(errors::arg_error(
            args.py(),
            "execute_command() needs at least the command name",
        ));
    }
    let mut cmd = Cmd::from_args(std::iter::empty::<&[u8]>());
    for a in args.iter() {
        push(&mut cmd, &a)?;
    }
    Ok(cmd)
}
