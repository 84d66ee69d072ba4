//! The exception hierarchy (rooted at `slotwise.RedisError`, named like redis-py's) and the
//! mapping from [`slotwise::Error`] to it.
//!
//! Every raised exception carries a stable `code` attribute (`CROSSSLOT`, `TIMEOUT`, ...,
//! from [`slotwise::Error::code`]); server errors also carry `node`, and `CrossSlotError`
//! carries `keys` and `slots`.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyList;
use slotwise::resp::ServerErrorKind;
use slotwise::Error;

create_exception!(
    slotwise,
    RedisError,
    PyException,
    "Base class of every slotwise error."
);
create_exception!(
    slotwise,
    ConnectionError,
    RedisError,
    "A node could not be reached, or the connection broke."
);
create_exception!(
    slotwise,
    AuthenticationError,
    ConnectionError,
    "The nodes refused the username/password (or demanded some)."
);
create_exception!(
    slotwise,
    ProtocolError,
    ConnectionError,
    "A node sent bytes that are not valid RESP; the connection was dropped."
);
create_exception!(
    slotwise,
    BusyLoadingError,
    ConnectionError,
    "The node was still loading its dataset after every retry."
);
create_exception!(
    slotwise,
    TimeoutError,
    RedisError,
    "The request deadline passed (including redirects and retries)."
);
create_exception!(
    slotwise,
    DataError,
    RedisError,
    "An argument or option has a type or value slotwise cannot use."
);
create_exception!(
    slotwise,
    ResponseError,
    RedisError,
    "The server answered with an error reply (ERR, WRONGTYPE, ...)."
);
create_exception!(
    slotwise,
    ClusterDownError,
    ResponseError,
    "CLUSTERDOWN persisted after every retry: the cluster (or this slot) is not serving."
);
create_exception!(
    slotwise,
    CrossSlotError,
    ResponseError,
    "The keys of one command or transaction hash to different slots (`keys`, `slots`)."
);
create_exception!(
    slotwise,
    TryAgainError,
    ResponseError,
    "TRYAGAIN persisted after every retry (multi-key command during a slot migration)."
);
create_exception!(
    slotwise,
    ReadOnlyError,
    ResponseError,
    "A write reached a replica."
);
create_exception!(
    slotwise,
    NoPermissionError,
    ResponseError,
    "The ACL user may not run this command or touch these keys."
);
create_exception!(
    slotwise,
    ClusterError,
    RedisError,
    "The cluster could not be used: redirect budget spent, cluster support disabled."
);
create_exception!(
    slotwise,
    RedirectBudgetError,
    ClusterError,
    "The redirect budget (MOVED/ASK) of one request was spent."
);

/// Registers every exception class on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("RedisError", py.get_type::<RedisError>())?;
    m.add("ConnectionError", py.get_type::<ConnectionError>())?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    m.add("BusyLoadingError", py.get_type::<BusyLoadingError>())?;
    m.add("TimeoutError", py.get_type::<TimeoutError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add("ResponseError", py.get_type::<ResponseError>())?;
    m.add("ClusterDownError", py.get_type::<ClusterDownError>())?;
    m.add("CrossSlotError", py.get_type::<CrossSlotError>())?;
    m.add("TryAgainError", py.get_type::<TryAgainError>())?;
    m.add("ReadOnlyError", py.get_type::<ReadOnlyError>())?;
    m.add("NoPermissionError", py.get_type::<NoPermissionError>())?;
    m.add("ClusterError", py.get_type::<ClusterError>())?;
    m.add("RedirectBudgetError", py.get_type::<RedirectBudgetError>())?;
    Ok(())
}

/// The Python exception for a core error, with its attributes set.
pub fn to_py_in(py: Python<'_>, e: Error) -> PyErr {
    let code = e.code().to_string();
    let mut node = None;
    let err = match &e {
        Error::Server { error, node: n } => {
            node = Some(n.clone());
            let text = error.text.clone();
            match error.kind {
                ServerErrorKind::ClusterDown(_) | ServerErrorKind::MasterDown => {
                    PyErr::new::<ClusterDownError, _>(text)
                }
                ServerErrorKind::CrossSlot => PyErr::new::<CrossSlotError, _>(text),
                ServerErrorKind::TryAgain => PyErr::new::<TryAgainError, _>(text),
                ServerErrorKind::ReadOnly => PyErr::new::<ReadOnlyError, _>(text),
                ServerErrorKind::NoPerm => PyErr::new::<NoPermissionError, _>(text),
                ServerErrorKind::Auth => PyErr::new::<AuthenticationError, _>(text),
                ServerErrorKind::Loading => PyErr::new::<BusyLoadingError, _>(text),
                _ => PyErr::new::<ResponseError, _>(text),
            }
        }
        Error::CrossSlot { .. } => PyErr::new::<CrossSlotError, _>(e.to_string()),
        Error::RedirectBudget { .. } => PyErr::new::<RedirectBudgetError, _>(e.to_string()),
        Error::Timeout { .. } => PyErr::new::<TimeoutError, _>(e.to_string()),
        Error::Io { node: n, .. } => {
            node = Some(n.clone());
            PyErr::new::<ConnectionError, _>(e.to_string())
        }
        Error::Protocol { node: n, .. } => {
            node = Some(n.clone());
            PyErr::new::<ProtocolError, _>(e.to_string())
        }
        Error::Auth { node: n, .. } => {
            node = Some(n.clone());
            PyErr::new::<AuthenticationError, _>(e.to_string())
        }
        Error::NoSeedReachable { .. } | Error::Closed => {
            PyErr::new::<ConnectionError, _>(e.to_string())
        }
        Error::ClusterSupportDisabled { node: n } => {
            node = Some(n.clone());
            PyErr::new::<ClusterError, _>(e.to_string())
        }
        _ => PyErr::new::<DataError, _>(e.to_string()),
    };
    let value = err.value(py);
    let _ = value.setattr("code", code);
    let _ = value.setattr("node", node);
    if let Error::CrossSlot { keys, .. } = &e {
        let ks: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        let slots: Vec<u16> = keys.iter().map(|k| k.slot.get()).collect();
        let _ = value.setattr("keys", PyList::new(py, ks).ok());
        let _ = value.setattr("slots", PyList::new(py, slots).ok());
    } else if value.is_instance_of::<CrossSlotError>() {
        let _ = value.setattr("keys", PyList::empty(py));
        let _ = value.setattr("slots", PyList::empty(py));
    }
    err
}

/// A `DataError` for an argument of a type commands cannot take (redis-py's wording).
pub fn bad_arg(arg: &Bound<'_, PyAny>) -> PyErr {
    let ty = arg
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    let err = PyErr::new::<DataError, _>(format!(
        "Invalid input of type: '{ty}'. Convert to a bytes, string, int or float first."
    ));
    let _ = err.value(arg.py()).setattr("code", "DATA");
    let _ = err.value(arg.py()).setattr("node", arg.py().None());
    err
}

/// A `DataError` with a message (invalid options, empty commands).
pub fn data_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    let err = PyErr::new::<DataError, _>(msg.into());
    let _ = err.value(py).setattr("code", "CONFIG");
    let _ = err.value(py).setattr("node", py.None());
    err
}

/// An error reply inside a pipeline or transaction result (returned, not raised, when
/// `raise_on_error=False`).
pub fn instance(py: Python<'_>, e: Error) -> Py<PyAny> {
    to_py_in(py, e).into_value(py).into_any()
}
