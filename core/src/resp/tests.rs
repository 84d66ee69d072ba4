//! Tests of the RESP layer: decoding of every type (RESP2 and RESP3 forms), error kinds and
//! offsets, incremental and zero-copy behaviour, the encoders, error-reply classification, and
//! property tests tying the encoder and decoder together.

use bytes::{Bytes, BytesMut};

use super::*;

mod decode_errors;
mod decode_types;
mod encoding;
mod incremental;
mod properties;
mod server_errors;

/// Decodes exactly one frame from `input` with default limits and asserts nothing is left.
fn one(input: &[u8]) -> Value {
    one_with(Limits::default(), input)
}

/// Decodes exactly one frame from `input` with `limits` and asserts nothing is left.
fn one_with(limits: Limits, input: &[u8]) -> Value {
    let mut dec = Decoder::with_limits(limits);
    let mut buf = BytesMut::from(input);
    let v = dec
        .decode(&mut buf)
        .unwrap_or_else(|e| panic!("{:?}: {e}", Bytes::copy_from_slice(input)))
        .unwrap_or_else(|| panic!("{:?}: incomplete", Bytes::copy_from_slice(input)));
    assert!(
        buf.is_empty(),
        "{:?}: {} bytes left over",
        Bytes::copy_from_slice(input),
        buf.len()
    );
    v
}

/// The error decoding `input` with default limits produces.
fn err(input: &[u8]) -> ProtocolError {
    err_with(Limits::default(), input)
}

/// The error decoding `input` with `limits` produces (frames before the bad one are skipped).
fn err_with(limits: Limits, input: &[u8]) -> ProtocolError {
    let mut dec = Decoder::with_limits(limits);
    let mut buf = BytesMut::from(input);
    loop {
        match dec.decode(&mut buf) {
            Ok(Some(_)) => {}
            Ok(None) => panic!(
                "{:?}: incomplete, expected an error",
                Bytes::copy_from_slice(input)
            ),
            Err(e) => return e,
        }
    }
}

/// Asserts `input` is a valid prefix: decoding it returns `Ok(None)` and consumes nothing.
fn assert_incomplete_with(limits: Limits, input: &[u8]) {
    let mut dec = Decoder::with_limits(limits);
    let mut buf = BytesMut::from(input);
    assert_eq!(
        dec.decode(&mut buf),
        Ok(None),
        "{:?}",
        Bytes::copy_from_slice(input)
    );
    assert_eq!(
        &buf[..],
        input,
        "an incomplete decode must not consume bytes"
    );
}

/// `v` encoded by [`encode_value`].
fn encoded(v: &Value) -> BytesMut {
    let mut out = BytesMut::new();
    encode_value(&mut out, v);
    out
}

fn b(s: &'static [u8]) -> Bytes {
    Bytes::from_static(s)
}

fn bulk(s: &'static [u8]) -> Value {
    Value::Bulk(b(s))
}

fn simple(s: &'static [u8]) -> Value {
    Value::Simple(b(s))
}

/// Structural equality where NaN equals NaN and doubles must match bit for bit otherwise
/// (so `-0.0` and `0.0` differ).
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

/// Valid frames covering every type in its RESP2 and RESP3 spellings, with what they decode to.
fn valid_frames() -> Vec<(&'static [u8], Value)> {
    vec![
        (b"+OK\r\n", simple(b"OK")),
        (b"+\r\n", simple(b"")),
        (
            b"-ERR unknown command\r\n",
            Value::Error(b(b"ERR unknown command")),
        ),
        (b":0\r\n", Value::Int(0)),
        (b":-42\r\n", Value::Int(-42)),
        (b":+5\r\n", Value::Int(5)),
        (b":9223372036854775807\r\n", Value::Int(i64::MAX)),
        (b":-9223372036854775808\r\n", Value::Int(i64::MIN)),
        (b"$-1\r\n", Value::Nil),
        (b"*-1\r\n", Value::Nil),
        (b"_\r\n", Value::Nil),
        (b"$0\r\n\r\n", bulk(b"")),
        (b"$5\r\nhello\r\n", bulk(b"hello")),
        (b"$6\r\na\r\nb\0\xff\r\n", bulk(b"a\r\nb\0\xff")),
        (
            b"!21\r\nSYNTAX invalid syntax\r\n",
            Value::BlobError(b(b"SYNTAX invalid syntax")),
        ),
        (b"!0\r\n\r\n", Value::BlobError(b(b""))),
        (b",1.5\r\n", Value::Double(1.5)),
        (b",-2.25\r\n", Value::Double(-2.25)),
        (b",1e10\r\n", Value::Double(1e10)),
        (b",10\r\n", Value::Double(10.0)),
        (b",inf\r\n", Value::Double(f64::INFINITY)),
        (b",-inf\r\n", Value::Double(f64::NEG_INFINITY)),
        (b"#t\r\n", Value::Boolean(true)),
        (b"#f\r\n", Value::Boolean(false)),
        (
            b"(3492890328409238509324850943850943825024385\r\n",
            Value::BigNumber(b(b"3492890328409238509324850943850943825024385")),
        ),
        (b"(-1\r\n", Value::BigNumber(b(b"-1"))),
        (
            b"=15\r\ntxt:Some string\r\n",
            Value::Verbatim {
                format: *b"txt",
                text: b(b"Some string"),
            },
        ),
        (
            b"=4\r\nmkd:\r\n",
            Value::Verbatim {
                format: *b"mkd",
                text: b(b""),
            },
        ),
        (b"*0\r\n", Value::Array(vec![])),
        (
            b"*2\r\n$3\r\nfoo\r\n:7\r\n",
            Value::Array(vec![bulk(b"foo"), Value::Int(7)]),
        ),
        (
            b"*2\r\n*2\r\n:1\r\n*0\r\n*1\r\n$-1\r\n",
            Value::Array(vec![
                Value::Array(vec![Value::Int(1), Value::Array(vec![])]),
                Value::Array(vec![Value::Nil]),
            ]),
        ),
        (b"%0\r\n", Value::Map(vec![])),
        (
            b"%2\r\n+first\r\n:1\r\n+second\r\n#f\r\n",
            Value::Map(vec![
                (simple(b"first"), Value::Int(1)),
                (simple(b"second"), Value::Boolean(false)),
            ]),
        ),
        (b"~0\r\n", Value::Set(vec![])),
        (
            b"~3\r\n+a\r\n:1\r\n_\r\n",
            Value::Set(vec![simple(b"a"), Value::Int(1), Value::Nil]),
        ),
        (
            b">3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n",
            Value::Push(vec![bulk(b"message"), bulk(b"chan"), bulk(b"hello")]),
        ),
        (
            b"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n\
              *2\r\n:2039123\r\n:9543892\r\n",
            Value::Attribute {
                attrs: vec![(
                    simple(b"key-popularity"),
                    Value::Map(vec![
                        (bulk(b"a"), Value::Double(0.1923)),
                        (bulk(b"b"), Value::Double(0.0012)),
                    ]),
                )],
                data: Box::new(Value::Array(vec![Value::Int(2039123), Value::Int(9543892)])),
            },
        ),
        (
            b"|0\r\n:1\r\n",
            Value::Attribute {
                attrs: vec![],
                data: Box::new(Value::Int(1)),
            },
        ),
        (
            b"*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n#t\r\n",
            Value::Array(vec![
                Value::Attribute {
                    attrs: vec![(simple(b"ttl"), Value::Int(3600))],
                    data: Box::new(bulk(b"v")),
                },
                Value::Boolean(true),
            ]),
        ),
    ]
}

#[test]
fn every_listed_frame_decodes_to_its_value() {
    for (wire, want) in valid_frames() {
        let got = one(wire);
        assert!(
            same(&got, &want),
            "{:?}: got {got:?}, want {want:?}",
            Bytes::from_static(wire)
        );
    }
}
