//! Malformed input: each error kind, and the offset it reports.

use super::*;

fn at(kind: ProtocolErrorKind, offset: u64) -> ProtocolError {
    ProtocolError { kind, offset }
}

fn small() -> Limits {
    Limits {
        max_bulk_len: 1024,
        max_elements: 16,
        max_depth: 4,
        max_line_len: 16,
    }
}

fn limit(what: &'static str, declared: u64, limit: u64) -> ProtocolErrorKind {
    ProtocolErrorKind::LimitExceeded {
        what,
        declared,
        limit,
    }
}

// ---- framing ---------------------------------------------------------------------------------

#[test]
fn unknown_type_byte_is_reported_at_the_frame_start() {
    for tag in [b'?', b'a', b'0', b' ', b'\r', b'\n', 0x00, 0xff, b'@', b'^'] {
        assert_eq!(
            err(&[tag, b'\r', b'\n']),
            at(ProtocolErrorKind::UnknownType(tag), 0),
            "tag {tag:#04x}"
        );
    }
}

#[test]
fn unknown_type_byte_is_reported_without_waiting_for_more() {
    assert_eq!(err(b"x"), at(ProtocolErrorKind::UnknownType(b'x'), 0));
}

#[test]
fn carriage_return_not_followed_by_line_feed_is_reported_at_the_second_byte() {
    assert_eq!(err(b"+OK\rX"), at(ProtocolErrorKind::ExpectedCrlf, 4));
    assert_eq!(err(b":12\r\r\n"), at(ProtocolErrorKind::ExpectedCrlf, 4));
    assert_eq!(err(b"$3\rabc\r\n"), at(ProtocolErrorKind::ExpectedCrlf, 3));
    assert_eq!(
        err(b"*1\r\n+a\rb\r\n"),
        at(ProtocolErrorKind::ExpectedCrlf, 7)
    );
}

#[test]
fn lone_carriage_return_waits_for_the_next_byte() {
    assert_incomplete_with(Limits::default(), b"+OK\r");
}

#[test]
fn negative_length_other_than_minus_one_is_invalid() {
    assert_eq!(err(b"$-5\r\n"), at(ProtocolErrorKind::InvalidLength, 1));
    assert_eq!(err(b"*-2\r\n"), at(ProtocolErrorKind::InvalidLength, 1));
    assert_eq!(
        err(b"%-9223372036854775808\r\n"),
        at(ProtocolErrorKind::InvalidLength, 1)
    );
}

#[test]
fn non_decimal_length_is_an_invalid_integer() {
    assert_eq!(err(b"$abc\r\n"), at(ProtocolErrorKind::InvalidInteger, 1));
    assert_eq!(err(b"*\r\n"), at(ProtocolErrorKind::InvalidInteger, 1));
    assert_eq!(
        err(b"$99999999999999999999\r\n"),
        at(ProtocolErrorKind::InvalidInteger, 1)
    );
}

#[test]
fn wrong_bytes_after_a_bulk_payload_are_rejected() {
    assert_eq!(err(b"$3\r\nabcXY"), at(ProtocolErrorKind::ExpectedCrlf, 7));
    assert_eq!(
        err(b"$3\r\nabcd\r\n"),
        at(ProtocolErrorKind::ExpectedCrlf, 7)
    );
    assert_eq!(err(b"!1\r\nab\r"), at(ProtocolErrorKind::ExpectedCrlf, 5));
    assert_eq!(
        err(b"=5\r\ntxt:a\n\r"),
        at(ProtocolErrorKind::ExpectedCrlf, 9)
    );
}

#[test]
fn bulk_payload_followed_by_cr_and_a_wrong_byte_points_at_the_wrong_byte() {
    // The `\r` at offset 7 is right; the `X` at offset 8 is the offending byte.
    assert_eq!(err(b"$3\r\nabc\rX"), at(ProtocolErrorKind::ExpectedCrlf, 8));
}

#[test]
fn bulk_payload_shorter_than_declared_waits_rather_than_failing() {
    assert_incomplete_with(Limits::default(), b"$5\r\nabc\r\n");
}

// ---- limits --------------------------------------------------------------------------------

#[test]
fn bulk_longer_than_the_limit_is_rejected_from_the_header_alone() {
    assert_eq!(
        err_with(small(), b"$1025\r\n"),
        at(limit("bulk length", 1025, 1024), 1)
    );
    assert_eq!(
        err_with(small(), b"!4096\r\n"),
        at(limit("bulk length", 4096, 1024), 1)
    );
    assert_eq!(
        err_with(small(), b"=2000\r\n"),
        at(limit("bulk length", 2000, 1024), 1)
    );
}

#[test]
fn bulk_at_the_limit_only_waits_for_its_payload() {
    assert_incomplete_with(small(), b"$1024\r\n");
}

#[test]
fn default_bulk_limit_is_512_mib() {
    let e = err(b"$536870913\r\n");
    assert_eq!(e, at(limit("bulk length", 536_870_913, 536_870_912), 1));
    assert_incomplete_with(Limits::default(), b"$536870912\r\n");
}

#[test]
fn huge_declared_lengths_allocate_nothing_and_wait() {
    let generous = Limits {
        max_bulk_len: usize::MAX,
        max_elements: usize::MAX,
        ..Limits::default()
    };
    assert_incomplete_with(generous.clone(), b"$9223372036854775807\r\nabc");
    assert_incomplete_with(generous, b"*9223372036854775807\r\n:1\r\n");
}

#[test]
fn element_count_above_the_limit_is_rejected_from_the_header_alone() {
    for tag in [b'*', b'~', b'>', b'%', b'|'] {
        assert_eq!(
            err_with(small(), &[tag, b'1', b'7', b'\r', b'\n']),
            at(limit("element count", 17, 16), 1),
            "tag {}",
            tag as char
        );
        assert_incomplete_with(small(), &[tag, b'1', b'6', b'\r', b'\n']);
    }
}

#[test]
fn limit_errors_in_later_elements_carry_their_own_offset() {
    assert_eq!(
        err_with(small(), b"*2\r\n$1\r\na\r\n$5000\r\n"),
        at(limit("bulk length", 5000, 1024), 12)
    );
}

#[test]
fn nesting_up_to_max_depth_is_accepted() {
    let mut wire = b"*1\r\n".repeat(4);
    wire.extend_from_slice(b":1\r\n");
    let mut v = one_with(small(), &wire);
    for _ in 0..4 {
        let Value::Array(mut items) = v else { panic!() };
        v = items.pop().unwrap();
    }
    assert_eq!(v, Value::Int(1));
}

#[test]
fn nesting_one_deeper_than_max_depth_is_rejected_at_the_offending_header() {
    let mut wire = b"*1\r\n".repeat(5);
    wire.extend_from_slice(b":1\r\n");
    assert_eq!(
        err_with(small(), &wire),
        at(limit("nesting depth", 5, 4), 16)
    );
}

#[test]
fn ten_thousand_nested_arrays_error_instead_of_overflowing_the_stack() {
    let wire = b"*1\r\n".repeat(10_000);
    // Rejected as soon as the 65th header is seen, without waiting for the innermost value.
    assert_eq!(err(&wire), at(limit("nesting depth", 65, 64), 64 * 4));
    let mut complete = wire.clone();
    complete.extend_from_slice(b":1\r\n");
    assert_eq!(err(&complete), at(limit("nesting depth", 65, 64), 64 * 4));
}

#[test]
fn deep_nesting_through_every_aggregate_kind_is_bounded() {
    // Maps, sets, pushes and attributes all count towards the same depth.
    let layers: [&[u8]; 5] = [
        b"%1\r\n+k\r\n",
        b"~1\r\n",
        b">1\r\n",
        b"|1\r\n+a\r\n+b\r\n",
        b"*1\r\n",
    ];
    let mut wire = Vec::new();
    for i in 0..10_000 {
        wire.extend_from_slice(layers[i % layers.len()]);
    }
    let e = err(&wire);
    assert!(
        matches!(
            e.kind,
            ProtocolErrorKind::LimitExceeded {
                what: "nesting depth",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn line_longer_than_the_limit_without_crlf_is_rejected_early() {
    let mut wire = b"+".to_vec();
    wire.extend_from_slice(&[b'a'; 17]);
    assert_eq!(
        err_with(small(), &wire),
        at(ProtocolErrorKind::LineTooLong, 1)
    );
    // At the limit it only waits.
    assert_incomplete_with(small(), &wire[..17]);
}

#[test]
fn line_at_the_limit_is_accepted_and_one_longer_is_not() {
    let mut ok = b"+".to_vec();
    ok.extend_from_slice(&[b'a'; 16]);
    ok.extend_from_slice(b"\r\n");
    assert_eq!(
        one_with(small(), &ok),
        Value::Simple(Bytes::from(vec![b'a'; 16]))
    );

    let mut long = b"-".to_vec();
    long.extend_from_slice(&[b'a'; 17]);
    long.extend_from_slice(b"\r\n");
    assert_eq!(
        err_with(small(), &long),
        at(ProtocolErrorKind::LineTooLong, 1)
    );
}

#[test]
fn length_lines_are_bounded_by_the_line_limit_too() {
    let mut wire = b"*1\r\n$".to_vec();
    wire.extend_from_slice(&[b'0'; 40]);
    assert_eq!(
        err_with(small(), &wire),
        at(ProtocolErrorKind::LineTooLong, 5)
    );
}

#[test]
fn default_line_limit_rejects_a_megabyte_line_without_crlf() {
    let mut wire = b"+".to_vec();
    wire.resize(1 + 1024 * 1024 + 1, b'x');
    assert_eq!(err(&wire), at(ProtocolErrorKind::LineTooLong, 1));
}

// ---- offsets across frames -------------------------------------------------------------------

#[test]
fn offsets_count_bytes_consumed_by_earlier_frames() {
    let mut dec = Decoder::default();
    let mut buf = BytesMut::from(&b"+OK\r\n:1\r\n?x"[..]);
    assert_eq!(dec.decode(&mut buf), Ok(Some(simple(b"OK"))));
    assert_eq!(dec.decode(&mut buf), Ok(Some(Value::Int(1))));
    assert_eq!(
        dec.decode(&mut buf),
        Err(at(ProtocolErrorKind::UnknownType(b'?'), 9))
    );
}

#[test]
fn offsets_keep_counting_across_buffers() {
    let mut dec = Decoder::default();
    let mut first = BytesMut::from(&b"$3\r\nfoo\r\n"[..]);
    assert_eq!(dec.decode(&mut first), Ok(Some(bulk(b"foo"))));
    let mut second = BytesMut::from(&b"*2\r\n#t\r\n#x\r\n"[..]);
    assert_eq!(
        dec.decode(&mut second),
        Err(at(ProtocolErrorKind::InvalidBoolean, 9 + 9))
    );
}

#[test]
fn offset_of_an_error_deep_inside_a_later_frame() {
    // 5 + 4 + 4 + 3 bytes precede the bad double's text.
    assert_eq!(
        err(b"+OK\r\n*1\r\n%1\r\n_\r\n,1.2.3\r\n"),
        at(ProtocolErrorKind::InvalidDouble, 17)
    );
}

#[test]
fn error_found_after_incremental_feeding_has_the_same_offset() {
    let wire = b":1\r\n*3\r\n:1\r\n:2\r\n#y\r\n";
    let whole = err(wire);
    let mut dec = Decoder::default();
    let mut buf = BytesMut::new();
    let mut got = None;
    for &byte in wire {
        buf.extend_from_slice(&[byte]);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(e) => {
                    got = Some(e);
                    break;
                }
            }
        }
        if got.is_some() {
            break;
        }
    }
    assert_eq!(got, Some(whole.clone()));
    assert_eq!(whole, at(ProtocolErrorKind::InvalidBoolean, 17));
}

#[test]
fn protocol_error_display_names_the_offset() {
    let e = err(b"+OK\r\n?");
    let text = e.to_string();
    assert!(text.contains("byte 5"), "{text}");
    assert!(text.contains("0x3f"), "{text}");
}
