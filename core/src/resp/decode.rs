//! Incremental RESP2/RESP3 decoding over a [`BytesMut`] read buffer.

use std::fmt;

use bytes::BytesMut;

use super::parser::{Check, Cursor, Halt, Slices};
use super::value::Value;

/// Caps that keep a hostile or broken peer from making the decoder buffer or nest without end.
///
/// Declared lengths are checked against these caps before anything is waited for, and no
/// allocation is ever sized by a declared length alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest bulk string, blob error or verbatim string (default 512 MiB, Redis's own
    /// `proto-max-bulk-len`).
    pub max_bulk_len: usize,
    /// Most elements in one array, set or push, or pairs in one map (default 16 Mi).
    pub max_elements: usize,
    /// Deepest nesting of aggregates (default 64).
    pub max_depth: usize,
    /// Longest simple-string, error, number or length line (default 1 MiB).
    pub max_line_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_elements: 16 * 1024 * 1024,
            max_depth: 64,
            max_line_len: 1024 * 1024,
        }
    }
}

/// What was wrong with the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolErrorKind {
    /// The first byte of a frame is not a RESP type marker.
    UnknownType(u8),
    /// A line did not end in `\r\n`.
    ExpectedCrlf,
    /// An integer or length line is not a decimal number that fits in 64 bits.
    InvalidInteger,
    /// A length is negative (other than the null form) or otherwise impossible.
    InvalidLength,
    /// A double is not a decimal number, `inf`, `-inf` or `nan`.
    InvalidDouble,
    /// A boolean is not `t` or `f`.
    InvalidBoolean,
    /// A big number is not a run of decimal digits.
    InvalidBigNumber,
    /// A verbatim string lacks its `xxx:` format prefix.
    InvalidVerbatim,
    /// A `_` null has a payload.
    InvalidNull,
    /// A line is longer than [`Limits::max_line_len`].
    LineTooLong,
    /// A declared size is above a configured limit.
    LimitExceeded {
        /// Which limit ("bulk length", "element count", "nesting depth").
        what: &'static str,
        /// What the peer declared.
        declared: u64,
        /// The configured cap.
        limit: u64,
    },
    /// Well-formed RESP, but a `MOVED`/`ASK` redirect that cannot be followed (not a
    /// stream fault: `offset` is 0 and the connection stays usable).
    InvalidRedirect {
        /// The reply as sent (control characters escaped).
        reply: String,
        /// What is wrong with it.
        problem: &'static str,
    },
}

/// Malformed RESP input: the kind of fault and its byte offset in the stream.
///
/// After this error the connection's byte stream cannot be trusted; drop the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    /// What was wrong.
    pub kind: ProtocolErrorKind,
    /// Offset of the offending byte, counted from the first byte this decoder ever saw.
    pub offset: u64,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let ProtocolErrorKind::InvalidRedirect { reply, problem } = &self.kind {
            return write!(
                f,
                "the node sent an invalid redirect \"{reply}\": {problem}; it is misbehaving or \
                 is not a Redis Cluster node (check it with CLUSTER NODES)"
            );
        }
        write!(f, "malformed RESP at byte {}: ", self.offset)?;
        match &self.kind {
            ProtocolErrorKind::UnknownType(b) => {
                write!(f, "unknown type byte 0x{b:02x} ({:?})", char::from(*b))
            }
            ProtocolErrorKind::ExpectedCrlf => f.write_str("expected \\r\\n"),
            ProtocolErrorKind::InvalidInteger => f.write_str("invalid integer"),
            ProtocolErrorKind::InvalidLength => f.write_str("invalid length"),
            ProtocolErrorKind::InvalidDouble => f.write_str("invalid double"),
            ProtocolErrorKind::InvalidBoolean => f.write_str("invalid boolean (expected t or f)"),
            ProtocolErrorKind::InvalidBigNumber => f.write_str("invalid big number"),
            ProtocolErrorKind::InvalidVerbatim => {
                f.write_str("verbatim string without a 3-byte format and ':'")
            }
            ProtocolErrorKind::InvalidNull => f.write_str("null with a payload"),
            ProtocolErrorKind::LineTooLong => f.write_str("line longer than the configured limit"),
            ProtocolErrorKind::InvalidRedirect { .. } => Ok(()),
            ProtocolErrorKind::LimitExceeded {
                what,
                declared,
                limit,
            } => write!(
                f,
                "{what} {declared} exceeds the limit {limit} (raise it in the decoder limits if \
                 the server really sends replies this large)"
            ),
        }?;
        f.write_str("; the connection is closed and the request failed")
    }
}

impl std::error::Error for ProtocolError {}

/// Decodes frames from a growing read buffer.
///
/// A frame split at any byte boundary decodes identically: [`Decoder::decode`] returns
/// `Ok(None)` until the whole frame is buffered, then removes exactly that frame from the
/// buffer.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use slotwise::resp::{Decoder, Value};
///
/// let mut dec = Decoder::default();
/// let mut buf = BytesMut::from(&b"$5\r\nhel"[..]);
/// assert_eq!(dec.decode(&mut buf).unwrap(), None); // incomplete is not an error
/// buf.extend_from_slice(b"lo\r\n:42\r\n");
/// assert_eq!(dec.decode(&mut buf).unwrap(), Some(Value::Bulk("hello".into())));
/// assert_eq!(dec.decode(&mut buf).unwrap(), Some(Value::Int(42)));
/// assert!(buf.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    limits: Limits,
    /// Do not re-scan until the buffer holds at least this many bytes.
    need: usize,
    /// Bytes consumed so far, for error offsets.
    consumed: u64,
}

impl Decoder {
    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Decoder {
            limits,
            need: 0,
            consumed: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Decodes one frame from the front of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` holds only part of a frame (read more and call again).
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when the bytes can never form a valid frame or exceed a limit.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Value>, ProtocolError> {
        if buf.is_empty() || buf.len() < self.need {
            return Ok(None);
        }
        let mut check = Cursor::new(&buf[..], self.consumed, &self.limits, Check);
        match check.value(0) {
            Ok(()) => {}
            Err(Halt::Incomplete { need }) => {
                self.need = need;
                return Ok(None);
            }
            Err(Halt::Invalid(e)) => return Err(e),
        }
        let len = check.pos;
        let frame = buf.split_to(len).freeze();
        let mut build = Cursor::new(&frame[..], self.consumed, &self.limits, Slices(&frame));
        self.need = 0;
        self.consumed += len as u64;
        match build.value(0) {
            Ok(v) => Ok(Some(v)),
            // The checking pass accepted these exact bytes with the same grammar, so this arm
            // is unreachable; it is reported rather than panicking.
            Err(Halt::Invalid(e)) => Err(e),
            Err(Halt::Incomplete { .. }) => Err(ProtocolError {
                kind: ProtocolErrorKind::InvalidLength,
                offset: self.consumed,
            }),
        }
    }
}
