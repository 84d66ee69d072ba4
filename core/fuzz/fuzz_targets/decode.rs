//! Fuzzes the RESP decoder.
//!
//! The first input byte picks where the rest is split into two chunks. Each input is decoded
//! whole and in those two chunks, under default and under small limits, and must:
//! - not panic;
//! - never consume more bytes than it was given, and report errors at an offset inside the
//!   frame being decoded;
//! - decode the same values and end the same way (same error, or the same pending bytes)
//!   whether fed whole or in two chunks;
//! - produce values that re-encode and decode back to themselves (NaN equal to NaN).
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use slotwise::resp::{encode_value, Decoder, Limits, ProtocolError, Value};

fn same(a: &Value, b: &Value) -> bool {
    fn all(a: &[Value], b: &[Value]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
    }
    fn pairs(a: &[(Value, Value)], b: &[(Value, Value)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
    }
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Value::Array(x), Value::Array(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::Push(x), Value::Push(y)) => all(x, y),
        (Value::Map(x), Value::Map(y)) => pairs(x, y),
        (
            Value::Attribute {
                attrs: a1,
                data: d1,
            },
            Value::Attribute {
                attrs: a2,
                data: d2,
            },
        ) => pairs(a1, a2) && same(d1, d2),
        _ => a == b,
    }
}

/// Decodes `chunks` in order; returns the values and either the pending byte count or the error.
fn run(limits: &Limits, chunks: &[&[u8]]) -> (Vec<Value>, Result<usize, ProtocolError>) {
    let mut dec = Decoder::with_limits(limits.clone());
    let mut buf = BytesMut::new();
    let mut values = Vec::new();
    let mut fed = 0usize;
    let mut consumed = 0usize;
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        fed += chunk.len();
        loop {
            let before = buf.len();
            match dec.decode(&mut buf) {
                Ok(Some(v)) => {
                    assert!(buf.len() < before, "a value consumed no bytes");
                    consumed += before - buf.len();
                    values.push(v);
                }
                Ok(None) => {
                    assert_eq!(buf.len(), before, "Ok(None) consumed bytes");
                    break;
                }
                Err(e) => {
                    assert_eq!(buf.len(), before, "an error consumed bytes");
                    assert!(
                        e.offset >= consumed as u64 && e.offset < fed as u64,
                        "error offset {} outside [{consumed}, {fed})",
                        e.offset
                    );
                    return (values, Err(e));
                }
            }
        }
        assert!(consumed <= fed);
        assert_eq!(consumed + buf.len(), fed);
    }
    (values, Ok(buf.len()))
}

fn check(limits: &Limits, data: &[u8], split: usize) {
    let whole = run(limits, &[data]);
    let (a, b) = data.split_at(split);
    let chunked = run(limits, &[a, b]);

    assert_eq!(
        whole.0.len(),
        chunked.0.len(),
        "split at {split} changed the values"
    );
    for (x, y) in whole.0.iter().zip(&chunked.0) {
        assert!(same(x, y), "split at {split}: {x:?} vs {y:?}");
    }
    assert_eq!(whole.1, chunked.1, "split at {split} changed the outcome");

    for v in &whole.0 {
        let mut wire = BytesMut::new();
        encode_value(&mut wire, v);
        let back = Decoder::default()
            .decode(&mut wire)
            .unwrap_or_else(|e| panic!("re-encoded {v:?} fails: {e}"))
            .unwrap_or_else(|| panic!("re-encoded {v:?} is incomplete"));
        assert!(wire.is_empty(), "re-encoded {v:?} left bytes");
        assert!(same(&back, v), "{v:?} re-encoded came back as {back:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let split = first as usize * rest.len() / 255;
    check(&Limits::default(), rest, split);
    check(
        &Limits {
            max_bulk_len: 64,
            max_elements: 8,
            max_depth: 4,
            max_line_len: 32,
        },
        rest,
        split,
    );
});
