//! RESP encoding: commands as arrays of bulk strings, written straight into the output buffer.

use bytes::{BufMut, BytesMut};

use super::value::Value;

/// Appends `*<n>\r\n` followed by one bulk string per argument.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// let mut out = BytesMut::new();
/// slotwise::resp::encode_command(&mut out, [&b"GET"[..], b"key"]);
/// assert_eq!(&out[..], b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
/// ```
pub fn encode_command<I, A>(out: &mut BytesMut, args: I)
where
    I: IntoIterator<Item = A>,
    I::IntoIter: ExactSizeIterator,
    A: AsRef<[u8]>,
{
    let args = args.into_iter();
    put_header(out, b'*', args.len());
    for a in args {
        put_bulk(out, a.as_ref());
    }
}

/// Appends one bulk string `$<len>\r\n<bytes>\r\n`.
pub fn put_bulk(out: &mut BytesMut, bytes: &[u8]) {
    out.reserve(bytes.len() + 16);
    put_header(out, b'$', bytes.len());
    out.put_slice(bytes);
    out.put_slice(b"\r\n");
}

/// Appends `<tag><n>\r\n` with `n` formatted without allocating.
pub fn put_header(out: &mut BytesMut, tag: u8, n: usize) {
    let mut digits = itoa::Buffer::new();
    let s = digits.format(n);
    out.reserve(s.len() + 3);
    out.put_u8(tag);
    out.put_slice(s.as_bytes());
    out.put_slice(b"\r\n");
}

/// Appends any [`Value`] in RESP3 form (RESP2 form for the types RESP2 has).
///
/// Used by tests and scripted fake nodes; clients only ever send commands.
pub fn encode_value(out: &mut BytesMut, v: &Value) {
    match v {
        Value::Nil => out.put_slice(b"_\r\n"),
        Value::Simple(s) => line(out, b'+', s),
        Value::Error(s) => line(out, b'-', s),
        Value::BlobError(s) => {
            put_header(out, b'!', s.len());
            out.put_slice(s);
            out.put_slice(b"\r\n");
        }
        Value::Int(i) => line(out, b':', itoa::Buffer::new().format(*i).as_bytes()),
        Value::Double(d) => {
            let text = if d.is_nan() {
                "nan".to_string()
            } else if d.is_infinite() {
                if *d > 0.0 { "inf" } else { "-inf" }.to_string()
            } else {
                // `{:?}` prints the shortest text that parses back to the same f64.
                format!("{d:?}")
            };
            line(out, b',', text.as_bytes())
        }
        Value::Boolean(b) => out.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Value::BigNumber(s) => line(out, b'(', s),
        Value::Bulk(s) => put_bulk(out, s),
        Value::Verbatim { format, text } => {
            put_header(out, b'=', text.len() + 4);
            out.put_slice(format);
            out.put_u8(b':');
            out.put_slice(text);
            out.put_slice(b"\r\n");
        }
        Value::Array(items) => seq(out, b'*', items),
        Value::Set(items) => seq(out, b'~', items),
        Value::Push(items) => seq(out, b'>', items),
        Value::Map(pairs) => kv(out, b'%', pairs),
        Value::Attribute { attrs, data } => {
            kv(out, b'|', attrs);
            encode_value(out, data);
        }
    }
}

fn line(out: &mut BytesMut, tag: u8, s: &[u8]) {
    out.reserve(s.len() + 3);
    out.put_u8(tag);
    out.put_slice(s);
    out.put_slice(b"\r\n");
}

fn seq(out: &mut BytesMut, tag: u8, items: &[Value]) {
    put_header(out, tag, items.len());
    for i in items {
        encode_value(out, i);
    }
}

fn kv(out: &mut BytesMut, tag: u8, pairs: &[(Value, Value)]) {
    put_header(out, tag, pairs.len());
    for (k, v) in pairs {
        encode_value(out, k);
        encode_value(out, v);
    }
}
