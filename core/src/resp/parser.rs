//! One RESP grammar, run twice: a checking pass that allocates nothing and finds where the
//! frame ends (or how many bytes are still missing), then a building pass over the frozen frame
//! that produces [`Value`]s whose payloads are zero-copy slices.
//!
//! Both passes are the same code, generic over a [`Build`] sink, so the grammar lives in one
//! place and the checking pass compiles to a plain scanner.

use std::ops::Range;

use bytes::Bytes;

use super::decode::{Limits, ProtocolError, ProtocolErrorKind};
use super::value::Value;

/// Why parsing stopped without a value.
#[derive(Debug)]
pub(crate) enum Halt {
    /// The buffer holds a prefix of a valid frame; at least `need` bytes are required in total.
    Incomplete { need: usize },
    /// The bytes can never become a valid frame.
    Invalid(ProtocolError),
}

/// What the grammar produces at each node of the frame.
pub(crate) trait Build {
    type Out;
    fn nil(&mut self) -> Self::Out;
    fn simple(&mut self, r: Range<usize>) -> Self::Out;
    fn error(&mut self, r: Range<usize>) -> Self::Out;
    fn blob_error(&mut self, r: Range<usize>) -> Self::Out;
    fn int(&mut self, v: i64) -> Self::Out;
    fn double(&mut self, v: f64) -> Self::Out;
    fn boolean(&mut self, v: bool) -> Self::Out;
    fn big_number(&mut self, r: Range<usize>) -> Self::Out;
    fn bulk(&mut self, r: Range<usize>) -> Self::Out;
    fn verbatim(&mut self, format: [u8; 3], text: Range<usize>) -> Self::Out;
    fn array(&mut self, items: Vec<Self::Out>) -> Self::Out;
    fn set(&mut self, items: Vec<Self::Out>) -> Self::Out;
    fn push(&mut self, items: Vec<Self::Out>) -> Self::Out;
    fn map(&mut self, pairs: Vec<(Self::Out, Self::Out)>) -> Self::Out;
    fn attribute(&mut self, attrs: Vec<(Self::Out, Self::Out)>, data: Self::Out) -> Self::Out;
}

/// Key/value pairs of a map or attribute, as built by a sink.
type Pairs<T> = Vec<(T, T)>;

/// The checking sink: builds nothing. `Vec<()>` never allocates.
pub(crate) struct Check;

impl Build for Check {
    type Out = ();
    fn nil(&mut self) {}
    fn simple(&mut self, _: Range<usize>) {}
    fn error(&mut self, _: Range<usize>) {}
    fn blob_error(&mut self, _: Range<usize>) {}
    fn int(&mut self, _: i64) {}
    fn double(&mut self, _: f64) {}
    fn boolean(&mut self, _: bool) {}
    fn big_number(&mut self, _: Range<usize>) {}
    fn bulk(&mut self, _: Range<usize>) {}
    fn verbatim(&mut self, _: [u8; 3], _: Range<usize>) {}
    fn array(&mut self, _: Vec<()>) {}
    fn set(&mut self, _: Vec<()>) {}
    fn push(&mut self, _: Vec<()>) {}
    fn map(&mut self, _: Vec<((), ())>) {}
    fn attribute(&mut self, _: Vec<((), ())>, _: ()) {}
}

/// The building sink: payloads are slices of the frozen frame.
pub(crate) struct Slices<'f>(pub(crate) &'f Bytes);

impl Build for Slices<'_> {
    type Out = Value;
    fn nil(&mut self) -> Value {
        Value::Nil
    }
    fn simple(&mut self, r: Range<usize>) -> Value {
        Value::Simple(self.0.slice(r))
    }
    fn error(&mut self, r: Range<usize>) -> Value {
        Value::Error(self.0.slice(r))
    }
    fn blob_error(&mut self, r: Range<usize>) -> Value {
        Value::BlobError(self.0.slice(r))
    }
    fn int(&mut self, v: i64) -> Value {
        Value::Int(v)
    }
    fn double(&mut self, v: f64) -> Value {
        Value::Double(v)
    }
    fn boolean(&mut self, v: bool) -> Value {
        Value::Boolean(v)
    }
    fn big_number(&mut self, r: Range<usize>) -> Value {
        Value::BigNumber(self.0.slice(r))
    }
    fn bulk(&mut self, r: Range<usize>) -> Value {
        Value::Bulk(self.0.slice(r))
    }
    fn verbatim(&mut self, format: [u8; 3], text: Range<usize>) -> Value {
        Value::Verbatim {
            format,
            text: self.0.slice(text),
        }
    }
    fn array(&mut self, items: Vec<Value>) -> Value {
        Value::Array(items)
    }
    fn set(&mut self, items: Vec<Value>) -> Value {
        Value::Set(items)
    }
    fn push(&mut self, items: Vec<Value>) -> Value {
        Value::Push(items)
    }
    fn map(&mut self, pairs: Vec<(Value, Value)>) -> Value {
        Value::Map(pairs)
    }
    fn attribute(&mut self, attrs: Vec<(Value, Value)>, data: Value) -> Value {
        Value::Attribute {
            attrs,
            data: Box::new(data),
        }
    }
}

/// A position in `buf` plus the sink; `base` is the stream offset of `buf[0]` for error reports.
pub(crate) struct Cursor<'a, B> {
    buf: &'a [u8],
    pub(crate) pos: usize,
    base: u64,
    limits: &'a Limits,
    sink: B,
}

impl<'a, B: Build> Cursor<'a, B> {
    pub(crate) fn new(buf: &'a [u8], base: u64, limits: &'a Limits, sink: B) -> Self {
        Cursor {
            buf,
            pos: 0,
            base,
            limits,
            sink,
        }
    }

    fn invalid(&self, at: usize, kind: ProtocolErrorKind) -> Halt {
        Halt::Invalid(ProtocolError {
            kind,
            offset: self.base + at as u64,
        })
    }

    /// Reads up to the next CRLF; returns the line's range without the CRLF.
    fn line(&mut self) -> Result<Range<usize>, Halt> {
        let start = self.pos;
        let rest = &self.buf[start..];
        match memchr::memchr(b'\r', rest) {
            Some(i) => {
                let cr = start + i;
                if i > self.limits.max_line_len {
                    return Err(self.invalid(start, ProtocolErrorKind::LineTooLong));
                }
                match self.buf.get(cr + 1) {
                    None => Err(Halt::Incomplete { need: cr + 2 }),
                    Some(b'\n') => {
                        self.pos = cr + 2;
                        Ok(start..cr)
                    }
                    Some(_) => Err(self.invalid(cr + 1, ProtocolErrorKind::ExpectedCrlf)),
                }
            }
            None if rest.len() > self.limits.max_line_len => {
                Err(self.invalid(start, ProtocolErrorKind::LineTooLong))
            }
            None => Err(Halt::Incomplete {
                need: self.buf.len() + 1,
            }),
        }
    }

    fn integer_line(&mut self) -> Result<i64, Halt> {
        let r = self.line()?;
        parse_i64(&self.buf[r.clone()])
            .ok_or_else(|| self.invalid(r.start, ProtocolErrorKind::InvalidInteger))
    }

    /// A length prefix: `-1` means null (returns `None`); other negatives are invalid.
    fn length(&mut self, limit: usize, what: &'static str) -> Result<Option<usize>, Halt> {
        let at = self.pos;
        let n = self.integer_line()?;
        if n == -1 {
            return Ok(None);
        }
        let n =
            usize::try_from(n).map_err(|_| self.invalid(at, ProtocolErrorKind::InvalidLength))?;
        if n > limit {
            return Err(self.invalid(
                at,
                ProtocolErrorKind::LimitExceeded {
                    what,
                    declared: n as u64,
                    limit: limit as u64,
                },
            ));
        }
        Ok(Some(n))
    }

    /// `len` payload bytes followed by CRLF.
    fn payload(&mut self, len: usize) -> Result<Range<usize>, Halt> {
        let start = self.pos;
        // `len` is capped by `max_bulk_len`, so this cannot overflow on 64-bit; checked anyway.
        let end = start
            .checked_add(len)
            .and_then(|e| e.checked_add(2))
            .ok_or_else(|| self.invalid(start, ProtocolErrorKind::InvalidLength))?;
        if self.buf.len() < end {
            return Err(Halt::Incomplete { need: end });
        }
        if self.buf[end - 2] != b'\r' {
            return Err(self.invalid(end - 2, ProtocolErrorKind::ExpectedCrlf));
        }
        if self.buf[end - 1] != b'\n' {
            return Err(self.invalid(end - 1, ProtocolErrorKind::ExpectedCrlf));
        }
        self.pos = end;
        Ok(start..end - 2)
    }

    fn items(&mut self, n: usize, depth: usize) -> Result<Vec<B::Out>, Halt> {
        // Capacity is bounded by the bytes actually present (every element takes >= 3 bytes),
        // never by the declared count alone.
        let mut items = Vec::with_capacity(n.min((self.buf.len() - self.pos) / 3));
        for _ in 0..n {
            items.push(self.value(depth)?);
        }
        Ok(items)
    }

    fn pairs(&mut self, n: usize, depth: usize) -> Result<Pairs<B::Out>, Halt> {
        let mut pairs = Vec::with_capacity(n.min((self.buf.len() - self.pos) / 6));
        for _ in 0..n {
            let k = self.value(depth)?;
            let v = self.value(depth)?;
            pairs.push((k, v));
        }
        Ok(pairs)
    }

    /// Parses one complete value starting at `self.pos`.
    pub(crate) fn value(&mut self, depth: usize) -> Result<B::Out, Halt> {
        let at = self.pos;
        let Some(&tag) = self.buf.get(at) else {
            return Err(Halt::Incomplete { need: at + 1 });
        };
        self.pos += 1;
        let max_bulk = self.limits.max_bulk_len;
        let max_elems = self.limits.max_elements;
        match tag {
            b'+' => {
                let r = self.line()?;
                Ok(self.sink.simple(r))
            }
            b'-' => {
                let r = self.line()?;
                Ok(self.sink.error(r))
            }
            b':' => {
                let v = self.integer_line()?;
                Ok(self.sink.int(v))
            }
            b'_' => {
                let r = self.line()?;
                if !r.is_empty() {
                    return Err(self.invalid(r.start, ProtocolErrorKind::InvalidNull));
                }
                Ok(self.sink.nil())
            }
            b',' => {
                let r = self.line()?;
                let v = parse_double(&self.buf[r.clone()])
                    .ok_or_else(|| self.invalid(r.start, ProtocolErrorKind::InvalidDouble))?;
                Ok(self.sink.double(v))
            }
            b'#' => {
                let r = self.line()?;
                match &self.buf[r.clone()] {
                    b"t" => Ok(self.sink.boolean(true)),
                    b"f" => Ok(self.sink.boolean(false)),
                    _ => Err(self.invalid(r.start, ProtocolErrorKind::InvalidBoolean)),
                }
            }
            b'(' => {
                let r = self.line()?;
                if !is_big_number(&self.buf[r.clone()]) {
                    return Err(self.invalid(r.start, ProtocolErrorKind::InvalidBigNumber));
                }
                Ok(self.sink.big_number(r))
            }
            b'$' | b'!' | b'=' => {
                let len = match self.length(max_bulk, "bulk length")? {
                    Some(len) => len,
                    None if tag == b'$' => return Ok(self.sink.nil()),
                    None => return Err(self.invalid(at + 1, ProtocolErrorKind::InvalidLength)),
                };
                let r = self.payload(len)?;
                match tag {
                    b'$' => Ok(self.sink.bulk(r)),
                    b'!' => Ok(self.sink.blob_error(r)),
                    _ => {
                        let body = &self.buf[r.clone()];
                        if body.len() < 4 || body[3] != b':' {
                            return Err(self.invalid(r.start, ProtocolErrorKind::InvalidVerbatim));
                        }
                        let format = [body[0], body[1], body[2]];
                        Ok(self.sink.verbatim(format, r.start + 4..r.end))
                    }
                }
            }
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                if depth >= self.limits.max_depth {
                    return Err(self.invalid(
                        at,
                        ProtocolErrorKind::LimitExceeded {
                            what: "nesting depth",
                            declared: depth as u64 + 1,
                            limit: self.limits.max_depth as u64,
                        },
                    ));
                }
                let Some(n) = self.length(max_elems, "element count")? else {
                    return if tag == b'*' {
                        Ok(self.sink.nil())
                    } else {
                        Err(self.invalid(at + 1, ProtocolErrorKind::InvalidLength))
                    };
                };
                match tag {
                    b'*' => {
                        let items = self.items(n, depth + 1)?;
                        Ok(self.sink.array(items))
                    }
                    b'~' => {
                        let items = self.items(n, depth + 1)?;
                        Ok(self.sink.set(items))
                    }
                    b'>' => {
                        let items = self.items(n, depth + 1)?;
                        Ok(self.sink.push(items))
                    }
                    b'%' => {
                        let pairs = self.pairs(n, depth + 1)?;
                        Ok(self.sink.map(pairs))
                    }
                    _ => {
                        let attrs = self.pairs(n, depth + 1)?;
                        let data = self.value(depth + 1)?;
                        Ok(self.sink.attribute(attrs, data))
                    }
                }
            }
            other => Err(self.invalid(at, ProtocolErrorKind::UnknownType(other))),
        }
    }
}

/// Strict signed decimal: optional sign, 1..=19 digits, no overflow.
pub(crate) fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    // Accumulate negatively so that i64::MIN parses without overflow.
    let mut acc: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        acc = acc.checked_mul(10)?.checked_sub((d - b'0') as i64)?;
    }
    if neg {
        Some(acc)
    } else {
        acc.checked_neg()
    }
}

fn parse_double(s: &[u8]) -> Option<f64> {
    match s {
        b"inf" | b"+inf" => return Some(f64::INFINITY),
        b"-inf" => return Some(f64::NEG_INFINITY),
        b"nan" | b"-nan" => return Some(f64::NAN),
        _ => {}
    }
    // Only digits, sign, '.', exponent: refuse Rust's extra spellings ("infinity", "NaN").
    if s.is_empty() || !s.iter().all(|b| b.is_ascii_digit() || b"+-.eE".contains(b)) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn is_big_number(s: &[u8]) -> bool {
    let digits = match s.first() {
        Some(b'-' | b'+') => &s[1..],
        _ => s,
    };
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}
