//! Incremental decoding: partial frames, several frames per buffer, zero-copy payloads.

use super::*;

/// Feeds `wire` one byte at a time; asserts `Ok(None)` before the last byte and returns the
/// value decoded on the last one.
fn bytewise(wire: &[u8]) -> Value {
    let mut dec = Decoder::default();
    let mut buf = BytesMut::new();
    for (i, &byte) in wire.iter().enumerate() {
        buf.extend_from_slice(&[byte]);
        let got = dec
            .decode(&mut buf)
            .unwrap_or_else(|e| panic!("{:?} at byte {i}: {e}", Bytes::copy_from_slice(wire)));
        if i + 1 < wire.len() {
            assert_eq!(
                got,
                None,
                "{:?}: value before the last byte ({i})",
                Bytes::copy_from_slice(wire)
            );
            assert_eq!(buf.len(), i + 1, "partial frame consumed");
        } else {
            assert!(buf.is_empty());
            return got.unwrap_or_else(|| {
                panic!("{:?}: no value at the end", Bytes::copy_from_slice(wire))
            });
        }
    }
    unreachable!("empty frame")
}

#[test]
fn empty_buffer_is_incomplete() {
    let mut buf = BytesMut::new();
    assert_eq!(Decoder::default().decode(&mut buf), Ok(None));
}

#[test]
fn every_valid_frame_fed_byte_by_byte_decodes_only_at_its_last_byte() {
    for (wire, want) in valid_frames() {
        let got = bytewise(wire);
        assert!(same(&got, &want), "{:?}: {got:?}", Bytes::from_static(wire));
    }
}

#[test]
fn nan_fed_byte_by_byte() {
    let Value::Double(d) = bytewise(b",nan\r\n") else {
        panic!()
    };
    assert!(d.is_nan());
}

#[test]
fn frames_decode_one_after_another_and_leave_the_rest() {
    let mut dec = Decoder::default();
    let mut buf = BytesMut::from(&b"+OK\r\n:1\r\n$3\r\nfoo\r\n*1\r\n_\r\n$10\r\npart"[..]);
    assert_eq!(dec.decode(&mut buf), Ok(Some(simple(b"OK"))));
    assert_eq!(&buf[..], b":1\r\n$3\r\nfoo\r\n*1\r\n_\r\n$10\r\npart");
    assert_eq!(dec.decode(&mut buf), Ok(Some(Value::Int(1))));
    assert_eq!(dec.decode(&mut buf), Ok(Some(bulk(b"foo"))));
    assert_eq!(
        dec.decode(&mut buf),
        Ok(Some(Value::Array(vec![Value::Nil])))
    );
    assert_eq!(dec.decode(&mut buf), Ok(None));
    assert_eq!(&buf[..], b"$10\r\npart");
}

#[test]
fn pending_frame_completes_when_the_rest_arrives() {
    let mut dec = Decoder::default();
    let mut buf = BytesMut::from(&b"$10\r\npart"[..]);
    assert_eq!(dec.decode(&mut buf), Ok(None));
    buf.extend_from_slice(b"ial!!!\r\n+next\r\n");
    assert_eq!(dec.decode(&mut buf), Ok(Some(bulk(b"partial!!!"))));
    assert_eq!(dec.decode(&mut buf), Ok(Some(simple(b"next"))));
    assert_eq!(dec.decode(&mut buf), Ok(None));
    assert!(buf.is_empty());
}

#[test]
fn stream_of_all_frames_fed_byte_by_byte_yields_them_in_order() {
    let frames = valid_frames();
    let wire: Vec<u8> = frames.iter().flat_map(|(w, _)| w.iter().copied()).collect();
    let mut dec = Decoder::default();
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for &byte in &wire {
        buf.extend_from_slice(&[byte]);
        while let Some(v) = dec.decode(&mut buf).unwrap() {
            got.push(v);
        }
    }
    assert!(buf.is_empty());
    assert_eq!(got.len(), frames.len());
    for (g, (w, want)) in got.iter().zip(&frames) {
        assert!(same(g, want), "{:?}: {g:?}", Bytes::from_static(w));
    }
}

#[test]
fn one_mebibyte_bulk_fed_in_64_kib_chunks() {
    let payload = vec![0x5a_u8; 1024 * 1024];
    let mut wire = format!("${}\r\n", payload.len()).into_bytes();
    wire.extend_from_slice(&payload);
    wire.extend_from_slice(b"\r\n:1\r\n");
    let mut dec = Decoder::default();
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for chunk in wire.chunks(64 * 1024) {
        buf.extend_from_slice(chunk);
        while let Some(v) = dec.decode(&mut buf).unwrap() {
            got.push(v);
        }
    }
    assert_eq!(got, [Value::Bulk(payload.into()), Value::Int(1)]);
}

fn assert_inside(inner: &Bytes, base: *const u8, cap: usize) {
    let start = base as usize;
    let p = inner.as_ptr() as usize;
    assert!(
        p >= start && p + inner.len() <= start + cap,
        "payload at {p:#x}+{} is outside the read buffer {start:#x}+{cap}",
        inner.len()
    );
}

#[test]
fn bulk_payload_is_a_slice_of_the_read_buffer() {
    let big = vec![7_u8; 1024 * 1024];
    let mut buf = BytesMut::with_capacity(2 * 1024 * 1024);
    buf.extend_from_slice(b"*3\r\n$5\r\nhello\r\n");
    buf.extend_from_slice(format!("${}\r\n", big.len()).as_bytes());
    buf.extend_from_slice(&big);
    buf.extend_from_slice(b"\r\n=8\r\ntxt:abcd\r\n");
    let base = buf.as_ptr();
    let cap = buf.capacity();

    let v = Decoder::default().decode(&mut buf).unwrap().unwrap();
    let Value::Array(items) = v else { panic!() };
    let (Value::Bulk(small), Value::Bulk(large), Value::Verbatim { text, .. }) =
        (&items[0], &items[1], &items[2])
    else {
        panic!("{items:?}")
    };
    assert_eq!(&small[..], b"hello");
    assert_eq!(large.len(), big.len());
    assert_eq!(&text[..], b"abcd");
    assert_inside(small, base, cap);
    assert_inside(large, base, cap);
    assert_inside(text, base, cap);
    // Exact position: "*3\r\n$5\r\n" precedes "hello".
    assert_eq!(small.as_ptr() as usize, base as usize + 8);
}

#[test]
fn payloads_of_later_frames_are_slices_of_the_same_buffer() {
    let mut buf = BytesMut::with_capacity(256);
    buf.extend_from_slice(b"+first\r\n-second\r\n!5\r\nthird\r\n(12345\r\n");
    let base = buf.as_ptr();
    let cap = buf.capacity();
    let mut dec = Decoder::default();
    for _ in 0..4 {
        let v = dec.decode(&mut buf).unwrap().unwrap();
        let bytes = v.as_bytes().or(v.as_error()).expect("string-like");
        assert_inside(bytes, base, cap);
    }
}

#[test]
fn incomplete_aggregate_does_not_consume_anything() {
    let mut dec = Decoder::default();
    let mut buf = BytesMut::from(&b"*3\r\n:1\r\n:2\r\n"[..]);
    assert_eq!(dec.decode(&mut buf), Ok(None));
    assert_eq!(buf.len(), 12);
    // Calling again without new bytes stays incomplete.
    assert_eq!(dec.decode(&mut buf), Ok(None));
    buf.extend_from_slice(b":3\r\n");
    assert_eq!(
        dec.decode(&mut buf),
        Ok(Some(Value::Array(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3)
        ])))
    );
}

#[test]
fn decoder_reports_its_limits() {
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    assert_eq!(Decoder::with_limits(limits.clone()).limits(), &limits);
    assert_eq!(Decoder::default().limits(), &Limits::default());
}
