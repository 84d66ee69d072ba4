//! Replies to JavaScript values, converted on the JavaScript thread straight from the core's
//! [`Value`] (no intermediate representation).

use slotwise::resp::{ServerError, Value};

use crate::js::{self, Env};

/// How a command's reply is presented, like ioredis: strings by default, `Buffer`s for the
/// `...Buffer` methods, and objects for `hgetall`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Bulk and status strings become strings.
    Text,
    /// Bulk and status strings become `Buffer`s.
    Bytes,
    /// A flat field/value array (or a RESP3 map) becomes an object of strings.
    Hash,
    /// As [`Shape::Hash`], with `Buffer` values.
    HashBytes,
}

impl Shape {
    fn binary(self) -> bool {
        matches!(self, Shape::Bytes | Shape::HashBytes)
    }
}

/// Converts a successful reply.
pub(crate) unsafe fn to_js(env: Env, v: Value, shape: Shape) -> js::Value {
    match (shape, v) {
        (Shape::Hash | Shape::HashBytes, Value::Array(items)) => {
            let obj = js::object(env);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                let key = plain(env, k, false);
                js::set_property(env, obj, key, plain(env, v, shape.binary()));
            }
            obj
        }
        (_, v) => plain(env, v, shape.binary()),
    }
}

/// Converts any value; strings become `Buffer`s when `binary`.
unsafe fn plain(env: Env, v: Value, binary: bool) -> js::Value {
    let text = |b: &[u8]| {
        if binary {
            js::buffer(env, b)
        } else {
            js::string(env, b)
        }
    };
    match v {
        Value::Nil => js::null(env),
        Value::Bulk(b) | Value::Simple(b) | Value::BigNumber(b) => text(&b),
        Value::Verbatim { text: t, .. } => text(&t),
        Value::Int(i) => js::number(env, i as f64),
        Value::Double(d) => js::number(env, d),
        Value::Boolean(b) => js::boolean(env, b),
        Value::Error(e) | Value::BlobError(e) => server_error(env, &e),
        Value::Array(items) | Value::Set(items) | Value::Push(items) => {
            let arr = js::array(env, items.len());
            for (i, item) in items.into_iter().enumerate() {
                js::set_index(env, arr, i, plain(env, item, binary));
            }
            arr
        }
        Value::Map(pairs) => {
            let obj = js::object(env);
            for (k, v) in pairs {
                let key = plain(env, k, false);
                js::set_property(env, obj, key, plain(env, v, binary));
            }
            obj
        }
        Value::Attribute { data, .. } => plain(env, *data, binary),
    }
}

/// An error reply nested in a reply (EVAL results, EXEC items) as an `Error` whose `code` is
/// the error's first word (`WRONGTYPE`, `ERR` ...).
unsafe fn server_error(env: Env, text: &[u8]) -> js::Value {
    let e = ServerError::parse(text);
    let message = String::from_utf8_lossy(text);
    js::error(env, e.code(), &message)
}
