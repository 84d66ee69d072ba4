//! slotwise errors as JavaScript `Error`s with a stable `code`.
//!
//! The codes come from the core ([`slotwise::Error::code`]): `CROSSSLOT`, `CLUSTERDOWN`,
//! `TIMEOUT`, `NOAUTH`, `NOPERM`, `REDIRECT_BUDGET`, `CONNECTION`, `PROTOCOL`, `CLOSED`,
//! `CONFIG`, and for error replies the server's own code (`WRONGTYPE`, `ERR` ...). Messages
//! say what to do.

use slotwise::Error;

use crate::js::{self, Env};

/// The code of arguments that cannot be sent (objects, symbols, functions).
pub(crate) const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";

/// Converts a core error.
pub(crate) unsafe fn to_js(env: Env, e: &Error) -> js::Value {
    js::error(env, e.code(), &e.to_string())
}

/// The error for using a client after `quit()` or `disconnect()`.
pub(crate) unsafe fn closed(env: Env) -> js::Value {
    to_js(env, &Error::Closed)
}

/// A configuration error raised while reading options, as a `napi::Error` the generated glue
/// throws (its `code` is `CONFIG`).
pub(crate) fn config(message: impl std::fmt::Display) -> napi::Error {
    napi::Error::new(
        napi::Status::InvalidArg,
        format!("invalid configuration: {message}"),
    )
}

/// Errors thrown by constructors and option readers carry `code: 'CONFIG'` (bad options or
/// startup nodes); other failures keep the Node-API status as their code.
pub(crate) fn coded(e: napi::Error) -> napi::Error<String> {
    let code = match e.status {
        napi::Status::InvalidArg
        | napi::Status::ObjectExpected
        | napi::Status::StringExpected
        | napi::Status::NumberExpected
        | napi::Status::FunctionExpected
        | napi::Status::ArrayExpected => "CONFIG".to_string(),
        other => other.as_ref().to_string(),
    };
    napi::Error::new(code, e.reason.clone())
}
