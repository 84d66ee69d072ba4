//! The reply value type shared by RESP2 and RESP3.

use bytes::Bytes;

/// One decoded RESP frame.
///
/// Payloads (`Bulk`, `Simple`, `Error`, ...) are [`Bytes`] slices of the read buffer: decoding
/// a 1 MiB bulk string copies nothing. RESP2 null bulk (`$-1`) and null array (`*-1`) decode to
/// [`Value::Nil`], as does RESP3's `_`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `_`, `$-1`, `*-1`.
    Nil,
    /// `+OK`: a status line.
    Simple(Bytes),
    /// `-ERR ...`: an error reply (first word is the error code).
    Error(Bytes),
    /// `!`: a RESP3 blob error (binary-safe error text).
    BlobError(Bytes),
    /// `:`: a signed 64-bit integer.
    Int(i64),
    /// `,`: a RESP3 double, including `inf`, `-inf` and `nan`.
    Double(f64),
    /// `#t` / `#f`.
    Boolean(bool),
    /// `(`: a RESP3 big number, kept as its decimal digits.
    BigNumber(Bytes),
    /// `$`: a bulk string.
    Bulk(Bytes),
    /// `=`: a RESP3 verbatim string; `format` is the three-byte type (`txt`, `mkd`).
    Verbatim {
        /// The three-byte format, e.g. `b"txt"`.
        format: [u8; 3],
        /// The text after the `fmt:` prefix.
        text: Bytes,
    },
    /// `*`: an array.
    Array(Vec<Value>),
    /// `%`: a RESP3 map, in wire order.
    Map(Vec<(Value, Value)>),
    /// `~`: a RESP3 set, in wire order.
    Set(Vec<Value>),
    /// `|`: RESP3 attributes attached to the reply that follows them.
    Attribute {
        /// The attribute key/value pairs.
        attrs: Vec<(Value, Value)>,
        /// The reply the attributes describe.
        data: Box<Value>,
    },
    /// `>`: an out-of-band RESP3 push (pub/sub message, invalidation).
    Push(Vec<Value>),
}

impl Value {
    /// The error text if this value is an error reply (`-` or `!`).
    pub fn as_error(&self) -> Option<&Bytes> {
        match self {
            Value::Error(e) | Value::BlobError(e) => Some(e),
            _ => None,
        }
    }

    /// True for `-` and `!` replies.
    pub fn is_error(&self) -> bool {
        self.as_error().is_some()
    }

    /// The bytes of a string-like value (bulk, simple, verbatim text, big number).
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Value::Bulk(b) | Value::Simple(b) | Value::BigNumber(b) => Some(b),
            Value::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Strips RESP3 attributes, returning the reply they were attached to.
    pub fn without_attributes(self) -> Value {
        match self {
            Value::Attribute { data, .. } => data.without_attributes(),
            v => v,
        }
    }

    /// A short name of the RESP type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Simple(_) => "simple string",
            Value::Error(_) => "error",
            Value::BlobError(_) => "blob error",
            Value::Int(_) => "integer",
            Value::Double(_) => "double",
            Value::Boolean(_) => "boolean",
            Value::BigNumber(_) => "big number",
            Value::Bulk(_) => "bulk string",
            Value::Verbatim { .. } => "verbatim string",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::Set(_) => "set",
            Value::Attribute { .. } => "attribute",
            Value::Push(_) => "push",
        }
    }
}
