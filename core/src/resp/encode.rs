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

/// The longest header: a tag, the 20 digits of `u64::MAX` and CRLF.
const MAX_HEADER: usize = 23;

/// Appends a command, `*<n>\r\n` then `$<len>\r\n<arg>\r\n` per argument, in one pass
/// over room reserved once: no per-piece capacity checks or tiny copies, which cost more
/// than the bytes themselves for typical commands. `payload` is the total length of `args`.
///
/// `n` and `payload` must be exact (the only caller, [`crate::Cmd::write_resp`], passes
/// its own counts): with more bytes or arguments than declared this panics (every write is
/// bounds-checked) or, within the headers' slack, writes a frame whose header is wrong.
/// Debug builds check the counts.
pub(crate) fn put_command<'a>(
    out: &mut BytesMut,
    n: usize,
    payload: usize,
    args: impl Iterator<Item = &'a [u8]>,
) {
    let room = payload + MAX_HEADER + n * (MAX_HEADER + 2);
    out.reserve(room);
    let spare = &mut out.spare_capacity_mut()[..room];
    let mut at = put_head(spare, 0, b'*', n);
    let (mut count, mut bytes) = (0, 0);
    for a in args {
        count += 1;
        bytes += a.len();
        at = put_head(spare, at, b'$', a.len());
        let dst = &mut spare[at..at + a.len()];
        // SAFETY: `dst` is exactly `a.len()` bytes of writable spare capacity (the slice
        // index above checked it), and `a` cannot overlap memory the buffer does not own yet.
        unsafe { std::ptr::copy_nonoverlapping(a.as_ptr(), dst.as_mut_ptr().cast(), a.len()) };
        at += a.len();
        spare[at].write(b'\r');
        spare[at + 1].write(b'\n');
        at += 2;
    }
    debug_assert_eq!(
        (count, bytes),
        (n, payload),
        "put_command's counts are wrong"
    );
    // SAFETY: the first `at` bytes of the spare capacity were all written above.
    unsafe { out.set_len(out.len() + at) };
}

/// Writes `<tag><n>\r\n` at `dst[at..]`; returns the position after it.
fn put_head(dst: &mut [std::mem::MaybeUninit<u8>], at: usize, tag: u8, n: usize) -> usize {
    dst[at].write(tag);
    let mut at = at + 1;
    if n < 10 {
        dst[at].write(b'0' + n as u8);
        at += 1;
    } else if n < 100 {
        dst[at].write(b'0' + (n / 10) as u8);
        dst[at + 1].write(b'0' + (n % 10) as u8);
        at += 2;
    } else {
        for &d in itoa::Buffer::new().format(n).as_bytes() {
            dst[at].write(d);
            at += 1;
        }
    }
    dst[at].write(b'\r');
    dst[at + 1].write(b'\n');
    at + 2
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
