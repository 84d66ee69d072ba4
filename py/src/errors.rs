//! The exception hierarchy (rooted at `slotwise.RedisError`, named like redis-py's) and the
//! mapping from [`slotwise::Error`] to it.
//!
//! Every instance carries a stable `code` attribute (`CROSSSLOT`, `TIMEOUT`, ..., from
//! [`slotwise::Error::code`]) and `node` (`"host:port"`, or `None` when unknown): raised
//! errors set their own, and each class has defaults (see [`register`]) so instances made
//! elsewhere (the Python facade, user code) have both too. `CrossSlotError` also carries
//! `keys` and `slots`.

use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::{create_exception, import_exception};
use slotwise::resp::{ProtocolErrorKind, ServerErrorKind};
use slotwise::Error;

// The root derives from a class written in Python (slotwise/_errbase.py), not from
// `Exception` directly: only then may slotwise.exceptions set its `__bases__` to redis-py's
// RedisError (CPython refuses a base whose layout differs from the old base's).
import_exception!(slotwise._errbase, ErrorBase);
create_exception!(
    slotwise,
    RedisError,
    ErrorBase,
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
    ClusterUnreachableError,
    ConnectionError,
    "No seed could be used to discover the cluster (a RedisClusterException too, as in redis-py)."
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
    "A command argument (code DATA) or client option (code CONFIG) slotwise cannot use."
);
create_exception!(
    slotwise,
    ResponseError,
    RedisError,
    "The server answered with an error reply (ERR, WRONGTYPE, ...), or with a reply of a type \
     the command cannot produce (code TYPE)."
);
create_exception!(
    slotwise,
    ClusterDownError,
    ResponseError,
    "CLUSTERDOWN persisted after every retry: the cluster (or this slot) is not serving."
);
create_exception!(
    slotwise,
    MasterDownError,
    ClusterDownError,
    "MASTERDOWN persisted after every retry: a replica lost its primary and serves no stale data."
);
create_exception!(
    slotwise,
    NoScriptError,
    ResponseError,
    "NOSCRIPT: no script with this SHA1 is cached on the node (EVALSHA); send it with EVAL or \
     SCRIPT LOAD."
);
create_exception!(
    slotwise,
    ExecAbortError,
    ResponseError,
    "EXECABORT: the transaction was discarded because a queued command was refused."
);
create_exception!(
    slotwise,
    OutOfMemoryError,
    ResponseError,
    "OOM: the node is at maxmemory and refused a command that would use more."
);
create_exception!(
    slotwise,
    ModuleError,
    ResponseError,
    "A module could not be loaded or unloaded (MODULE LOAD / UNLOAD)."
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

/// Registers every exception class on the module, each with class-level `code` (its usual
/// code) and `node = None`, so that every instance has both attributes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let classes = [
        ("RedisError", py.get_type::<RedisError>(), "ERROR"),
        (
            "ConnectionError",
            py.get_type::<ConnectionError>(),
            "CONNECTION",
        ),
        (
            "AuthenticationError",
            py.get_type::<AuthenticationError>(),
            "NOAUTH",
        ),
        ("ProtocolError", py.get_type::<ProtocolError>(), "PROTOCOL"),
        (
            "BusyLoadingError",
            py.get_type::<BusyLoadingError>(),
            "LOADING",
        ),
        (
            "ClusterUnreachableError",
            py.get_type::<ClusterUnreachableError>(),
            "CONNECTION",
        ),
        ("TimeoutError", py.get_type::<TimeoutError>(), "TIMEOUT"),
        ("DataError", py.get_type::<DataError>(), "DATA"),
        ("ResponseError", py.get_type::<ResponseError>(), "ERR"),
        (
            "ClusterDownError",
            py.get_type::<ClusterDownError>(),
            "CLUSTERDOWN",
        ),
        (
            "MasterDownError",
            py.get_type::<MasterDownError>(),
            "MASTERDOWN",
        ),
        ("NoScriptError", py.get_type::<NoScriptError>(), "NOSCRIPT"),
        (
            "ExecAbortError",
            py.get_type::<ExecAbortError>(),
            "EXECABORT",
        ),
        ("OutOfMemoryError", py.get_type::<OutOfMemoryError>(), "OOM"),
        ("ModuleError", py.get_type::<ModuleError>(), "ERR"),
        (
            "CrossSlotError",
            py.get_type::<CrossSlotError>(),
            "CROSSSLOT",
        ),
        ("TryAgainError", py.get_type::<TryAgainError>(), "TRYAGAIN"),
        ("ReadOnlyError", py.get_type::<ReadOnlyError>(), "READONLY"),
        (
            "NoPermissionError",
            py.get_type::<NoPermissionError>(),
            "NOPERM",
        ),
        ("ClusterError", py.get_type::<ClusterError>(), "CLUSTER"),
        (
            "RedirectBudgetError",
            py.get_type::<RedirectBudgetError>(),
            "REDIRECT_BUDGET",
        ),
    ];
    for (name, class, code) in classes {
        class.setattr("code", code)?;
        class.setattr("node", py.None())?;
        m.add(name, class)?;
    }
    Ok(())
}

/// What to do about a server error that slotwise retried (or could not retry) and gives up
/// on; the text alone (`CLUSTERDOWN The cluster is down`) does not say.
fn server_hint(kind: &ServerErrorKind) -> Option<&'static str> {
    Some(match kind {
        ServerErrorKind::ClusterDown(_) | ServerErrorKind::MasterDown => {
            "the cluster (or this slot) is not serving, and stayed so through every retry; \
             check CLUSTER INFO on the nodes (cluster_state, unassigned slots, failed \
             primaries) and try again once the cluster is up, or raise max_retries / \
             socket_timeout to wait longer"
        }
        ServerErrorKind::TryAgain => {
            "a multi-key command touched a slot being migrated whose keys are split between \
             two nodes, through every retry; try again once the migration has finished, or \
             raise max_retries / socket_timeout to wait longer"
        }
        ServerErrorKind::ReadOnly => {
            "a write reached a replica, even after refreshing the slot map (a failover in \
             progress?); try again later, and check CLUSTER SHARDS for the current primaries"
        }
        ServerErrorKind::NoPerm => {
            "the ACL user may not run this command or touch these keys; grant it with ACL \
             SETUSER, or connect as a user that may (username=, password=)"
        }
        ServerErrorKind::Loading => {
            "the node was still loading its dataset after every retry; wait until it has \
             loaded (INFO persistence: loading:0), or raise max_retries / socket_timeout to \
             wait longer"
        }
        ServerErrorKind::CrossSlot => {
            "the keys must share one slot here; give them a common hash tag, e.g. \
             \"{user42}:name\" and \"{user42}:email\" both hash only \"user42\""
        }
        ServerErrorKind::Auth => {
            "the node wants credentials for this command; pass password= (and username= for \
             an ACL user)"
        }
        _ => return None,
    })
}

/// A server error's message: the server's text as is (as redis-py gives it) for the
/// command's own errors (ERR, WRONGTYPE...); with the node and what to do for the routing
/// and permission errors slotwise raises after its retries.
fn server_message(text: &str, kind: &ServerErrorKind, node: Option<&str>) -> String {
    match (server_hint(kind), node) {
        (Some(hint), Some(n)) => format!("{text} (from {n}): {hint}"),
        (Some(hint), None) => format!("{text}: {hint}"),
        (None, _) => text.to_string(),
    }
}

/// The `ERR` replies redis-py raises as a class of their own (matched exactly, as it
/// does), beside the generic `ResponseError`.
const MODULE_ERRORS: [&str; 4] = [
    "ERR Error loading the extension. Please check the server logs.",
    "ERR Error unloading module: no such module with that name",
    "ERR Error unloading module: operation not possible.",
    "ERR Error unloading module: the module exports one or more module-side data types, \
     can't unload",
];

/// The exception for a server error reply of no routing meaning (`ServerErrorKind::Other`),
/// by its first word as redis-py's parser chooses: NOSCRIPT, EXECABORT, OOM, the module
/// errors, "max number of clients reached", else `ResponseError`.
fn other_server_error(text: String) -> PyErr {
    let code = text.split(' ').next().unwrap_or("");
    match code {
        "NOSCRIPT" => PyErr::new::<NoScriptError, _>(text),
        "EXECABORT" => PyErr::new::<ExecAbortError, _>(text),
        "OOM" => PyErr::new::<OutOfMemoryError, _>(text),
        "ERR" if MODULE_ERRORS.contains(&text.as_str()) => PyErr::new::<ModuleError, _>(text),
        "ERR" if text == "ERR max number of clients reached" => {
            PyErr::new::<ConnectionError, _>(text)
        }
        "ERR" if text == "ERR invalid password" => PyErr::new::<AuthenticationError, _>(text),
        _ => PyErr::new::<ResponseError, _>(text),
    }
}

/// The Python exception for a core error, with its attributes set.
pub fn to_py_in(py: Python<'_>, e: Error) -> PyErr {
    let code = e.code().to_string();
    let mut node = None;
    let err = match &e {
        Error::Server { error, node: n } => {
            // "" (an error reply nested in a value) and "-" (no node owned the slot): unknown.
            if !n.is_empty() && n != "-" {
                node = Some(n.clone());
            }
            let text = server_message(&error.text, &error.kind, node.as_deref());
            match error.kind {
                ServerErrorKind::ClusterDown(_) => PyErr::new::<ClusterDownError, _>(text),
                ServerErrorKind::MasterDown => PyErr::new::<MasterDownError, _>(text),
                ServerErrorKind::CrossSlot => PyErr::new::<CrossSlotError, _>(text),
                ServerErrorKind::TryAgain => PyErr::new::<TryAgainError, _>(text),
                ServerErrorKind::ReadOnly => PyErr::new::<ReadOnlyError, _>(text),
                ServerErrorKind::NoPerm => PyErr::new::<NoPermissionError, _>(text),
                ServerErrorKind::Auth => PyErr::new::<AuthenticationError, _>(text),
                ServerErrorKind::Loading => PyErr::new::<BusyLoadingError, _>(text),
                _ => other_server_error(text),
            }
        }
        Error::CrossSlot { .. } => PyErr::new::<CrossSlotError, _>(e.to_string()),
        Error::RedirectBudget { .. } => PyErr::new::<RedirectBudgetError, _>(e.to_string()),
        Error::Timeout { .. } => PyErr::new::<TimeoutError, _>(e.to_string()),
        Error::Io { node: n, .. } => {
            node = Some(n.clone());
            PyErr::new::<ConnectionError, _>(e.to_string())
        }
        // An invalid redirect came in a valid reply: the TLS hint would mislead.
        Error::Protocol { node: n, error } => {
            node = Some(n.clone());
            PyErr::new::<ProtocolError, _>(match error.kind {
                ProtocolErrorKind::InvalidRedirect { .. } => e.to_string(),
                _ => format!(
                    "{e}; check that this address is a Redis node (not another service) and \
                     whether its port expects TLS (ssl=True)"
                ),
            })
        }
        Error::Auth { node: n, .. } => {
            node = Some(n.clone());
            PyErr::new::<AuthenticationError, _>(e.to_string())
        }
        Error::NoPermission { node: n, .. } => {
            node = Some(n.clone());
            PyErr::new::<NoPermissionError, _>(e.to_string())
        }
        Error::NoSeedReachable { .. } => PyErr::new::<ClusterUnreachableError, _>(e.to_string()),
        Error::Closed => PyErr::new::<ConnectionError, _>(e.to_string()),
        Error::ClusterSupportDisabled { node: n } => {
            node = Some(n.clone());
            PyErr::new::<ClusterError, _>(e.to_string())
        }
        // A reply of a type the command cannot produce: the server's answer is unusable,
        // not the caller's argument (DataError is for arguments and options).
        Error::Type { .. } => PyErr::new::<ResponseError, _>(format!(
            "{e}: the node answered this command with an unexpected reply (a proxy or module \
             in the way?)"
        )),
        Error::Config(_) => PyErr::new::<DataError, _>(e.to_string()),
        _ => PyErr::new::<RedisError, _>(e.to_string()),
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

/// A `DataError` (code `CONFIG`) for an invalid client option.
pub fn data_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    let err = PyErr::new::<DataError, _>(msg.into());
    let _ = err.value(py).setattr("code", "CONFIG");
    let _ = err.value(py).setattr("node", py.None());
    err
}

/// A `DataError` (code `DATA`) for an invalid command argument (an empty command, a SCAN
/// pattern that is not UTF-8).
pub fn arg_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    let err = PyErr::new::<DataError, _>(msg.into());
    let _ = err.value(py).setattr("code", "DATA");
    let _ = err.value(py).setattr("node", py.None());
    err
}

/// A `ConnectionError` with its own code (`FORKED`, `IO_THREAD`...).
pub fn connection_error(py: Python<'_>, msg: impl Into<String>, code: &str) -> PyErr {
    let err = PyErr::new::<ConnectionError, _>(msg.into());
    let _ = err.value(py).setattr("code", code);
    let _ = err.value(py).setattr("node", py.None());
    err
}

/// An error reply inside a pipeline or transaction result (returned, not raised, when
/// `raise_on_error=False`).
pub fn instance(py: Python<'_>, e: Error) -> Py<PyAny> {
    to_py_in(py, e).into_value(py).into_any()
}
