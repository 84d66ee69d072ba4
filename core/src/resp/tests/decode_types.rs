//! Decoding of each RESP type, RESP2 and RESP3 spellings.

use super::*;

// ---- simple strings and errors ----------------------------------------------------------

#[test]
fn simple_string_is_the_line_without_crlf() {
    assert_eq!(one(b"+OK\r\n"), simple(b"OK"));
    assert_eq!(one(b"+PONG\r\n"), simple(b"PONG"));
}

#[test]
fn empty_simple_string_is_allowed() {
    assert_eq!(one(b"+\r\n"), simple(b""));
}

#[test]
fn error_reply_keeps_its_full_text() {
    let v = one(b"-MOVED 3999 127.0.0.1:6381\r\n");
    assert_eq!(v, Value::Error(b(b"MOVED 3999 127.0.0.1:6381")));
    assert!(v.is_error());
    assert_eq!(v.as_error(), Some(&b(b"MOVED 3999 127.0.0.1:6381")));
}

// ---- integers ----------------------------------------------------------------------------

#[test]
fn integers_zero_positive_negative() {
    assert_eq!(one(b":0\r\n"), Value::Int(0));
    assert_eq!(one(b":1000\r\n"), Value::Int(1000));
    assert_eq!(one(b":-1\r\n"), Value::Int(-1));
    assert_eq!(one(b":-0\r\n"), Value::Int(0));
}

#[test]
fn integer_accepts_an_explicit_plus_sign() {
    assert_eq!(one(b":+5\r\n"), Value::Int(5));
}

#[test]
fn integer_extremes_are_exact() {
    assert_eq!(one(b":9223372036854775807\r\n"), Value::Int(i64::MAX));
    assert_eq!(one(b":-9223372036854775808\r\n"), Value::Int(i64::MIN));
}

#[test]
fn integer_one_past_the_extremes_is_rejected() {
    for wire in [
        &b":9223372036854775808\r\n"[..],
        b":-9223372036854775809\r\n",
    ] {
        let e = err(wire);
        assert_eq!(e.kind, ProtocolErrorKind::InvalidInteger, "{wire:?}");
        assert_eq!(e.offset, 1);
    }
}

#[test]
fn integer_far_beyond_64_bits_is_rejected() {
    let e = err(b":123456789012345678901234567890\r\n");
    assert_eq!(e.kind, ProtocolErrorKind::InvalidInteger);
}

#[test]
fn empty_or_non_decimal_integers_are_rejected_at_the_line_start() {
    for wire in [
        &b":\r\n"[..],
        b":1a\r\n",
        b":a1\r\n",
        b":-\r\n",
        b":+\r\n",
        b": 1\r\n",
        b":1 \r\n",
        b":+-1\r\n",
        b":1.0\r\n",
        b":0x10\r\n",
    ] {
        assert_eq!(
            err(wire),
            ProtocolError {
                kind: ProtocolErrorKind::InvalidInteger,
                offset: 1
            },
            "{:?}",
            Bytes::copy_from_slice(wire)
        );
    }
}

// ---- nil -----------------------------------------------------------------------------------

#[test]
fn resp2_null_bulk_and_null_array_and_resp3_null_are_all_nil() {
    assert_eq!(one(b"$-1\r\n"), Value::Nil);
    assert_eq!(one(b"*-1\r\n"), Value::Nil);
    assert_eq!(one(b"_\r\n"), Value::Nil);
}

#[test]
fn resp3_null_with_a_payload_is_rejected() {
    assert_eq!(
        err(b"_x\r\n"),
        ProtocolError {
            kind: ProtocolErrorKind::InvalidNull,
            offset: 1
        }
    );
}

#[test]
fn null_length_is_only_allowed_for_bulk_and_array() {
    for wire in [
        &b"!-1\r\n"[..],
        b"=-1\r\n",
        b"%-1\r\n",
        b"~-1\r\n",
        b">-1\r\n",
        b"|-1\r\n",
    ] {
        assert_eq!(
            err(wire),
            ProtocolError {
                kind: ProtocolErrorKind::InvalidLength,
                offset: 1
            },
            "{:?}",
            Bytes::copy_from_slice(wire)
        );
    }
}

// ---- bulk strings ----------------------------------------------------------------------------

#[test]
fn empty_bulk_string() {
    assert_eq!(one(b"$0\r\n\r\n"), bulk(b""));
}

#[test]
fn bulk_string_is_binary_safe_even_with_crlf_inside() {
    assert_eq!(
        one(b"$8\r\n\r\n\r\n\0\xff\r\n\r\n"),
        bulk(b"\r\n\r\n\0\xff\r\n")
    );
    assert_eq!(one(b"$2\r\n\r\n\r\n"), bulk(b"\r\n"));
}

#[test]
fn one_mebibyte_bulk_string_decodes_whole() {
    let payload: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let mut wire = format!("${}\r\n", payload.len()).into_bytes();
    wire.extend_from_slice(&payload);
    wire.extend_from_slice(b"\r\n");
    let Value::Bulk(got) = one(&wire) else {
        panic!("not a bulk")
    };
    assert_eq!(got.len(), payload.len());
    assert!(got == payload[..], "payload differs");
}

#[test]
fn bulk_exactly_at_the_limit_is_accepted() {
    let limits = Limits {
        max_bulk_len: 4,
        ..Limits::default()
    };
    assert_eq!(one_with(limits, b"$4\r\nabcd\r\n"), bulk(b"abcd"));
}

#[test]
fn blob_error_is_binary_safe_error_text() {
    let v = one(b"!21\r\nSYNTAX invalid syntax\r\n");
    assert_eq!(v, Value::BlobError(b(b"SYNTAX invalid syntax")));
    assert!(v.is_error());
    assert_eq!(one(b"!4\r\na\r\nb\r\n"), Value::BlobError(b(b"a\r\nb")));
}

// ---- doubles -------------------------------------------------------------------------------

fn double(wire: &[u8]) -> f64 {
    match one(wire) {
        Value::Double(d) => d,
        other => panic!("{other:?} is not a double"),
    }
}

#[test]
fn doubles_in_decimal_and_exponent_form() {
    assert_eq!(double(b",1.5\r\n"), 1.5);
    assert_eq!(double(b",-1.5\r\n"), -1.5);
    assert_eq!(double(b",1e10\r\n"), 1e10);
    assert_eq!(double(b",1.5E-3\r\n"), 1.5e-3);
    assert_eq!(double(b",1.5e+10\r\n"), 1.5e10);
    assert_eq!(double(b",10\r\n"), 10.0);
    assert_eq!(double(b",3.141592653589793\r\n"), std::f64::consts::PI);
}

#[test]
fn negative_zero_keeps_its_sign() {
    let d = double(b",-0.0\r\n");
    assert_eq!(d, 0.0);
    assert!(d.is_sign_negative());
}

#[test]
fn infinities() {
    assert_eq!(double(b",inf\r\n"), f64::INFINITY);
    assert_eq!(double(b",+inf\r\n"), f64::INFINITY);
    assert_eq!(double(b",-inf\r\n"), f64::NEG_INFINITY);
}

#[test]
fn nan_decodes_to_a_nan() {
    assert!(double(b",nan\r\n").is_nan());
    assert!(double(b",-nan\r\n").is_nan());
}

#[test]
fn doubles_outside_the_resp3_grammar_are_rejected() {
    for wire in [
        &b",\r\n"[..],
        b",abc\r\n",
        b",1.5x\r\n",
        b",infinity\r\n",
        b",Infinity\r\n",
        b",NaN\r\n",
        b",INF\r\n",
        b",1_000\r\n",
        b",0x10\r\n",
        b", 1\r\n",
        b",-\r\n",
        b",.\r\n",
        b",e5\r\n",
    ] {
        assert_eq!(
            err(wire),
            ProtocolError {
                kind: ProtocolErrorKind::InvalidDouble,
                offset: 1
            },
            "{:?}",
            Bytes::copy_from_slice(wire)
        );
    }
}

// ---- booleans ------------------------------------------------------------------------------

#[test]
fn booleans_t_and_f() {
    assert_eq!(one(b"#t\r\n"), Value::Boolean(true));
    assert_eq!(one(b"#f\r\n"), Value::Boolean(false));
}

#[test]
fn boolean_other_than_t_or_f_is_rejected() {
    for wire in [&b"#x\r\n"[..], b"#T\r\n", b"#\r\n", b"#tt\r\n", b"#1\r\n"] {
        assert_eq!(
            err(wire),
            ProtocolError {
                kind: ProtocolErrorKind::InvalidBoolean,
                offset: 1
            },
            "{:?}",
            Bytes::copy_from_slice(wire)
        );
    }
}

// ---- big numbers ---------------------------------------------------------------------------

#[test]
fn big_number_keeps_its_digits() {
    assert_eq!(
        one(b"(3492890328409238509324850943850943825024385\r\n"),
        Value::BigNumber(b(b"3492890328409238509324850943850943825024385"))
    );
    assert_eq!(
        one(b"(-3492890328409238509324850943850943825024385\r\n")
            .as_bytes()
            .unwrap()[0],
        b'-'
    );
    assert_eq!(one(b"(0\r\n"), Value::BigNumber(b(b"0")));
}

#[test]
fn big_number_that_is_not_digits_is_rejected() {
    for wire in [
        &b"(\r\n"[..],
        b"(-\r\n",
        b"(12a\r\n",
        b"(1.5\r\n",
        b"( 1\r\n",
    ] {
        assert_eq!(
            err(wire),
            ProtocolError {
                kind: ProtocolErrorKind::InvalidBigNumber,
                offset: 1
            },
            "{:?}",
            Bytes::copy_from_slice(wire)
        );
    }
}

// ---- verbatim strings ----------------------------------------------------------------------

#[test]
fn verbatim_string_keeps_format_apart_from_text() {
    let v = one(b"=15\r\ntxt:Some string\r\n");
    assert_eq!(
        v,
        Value::Verbatim {
            format: *b"txt",
            text: b(b"Some string")
        }
    );
    assert_eq!(v.as_bytes(), Some(&b(b"Some string")));
}

#[test]
fn verbatim_text_is_binary_safe_and_may_be_empty() {
    assert_eq!(
        one(b"=9\r\nmkd:a\r\n:b\r\n"),
        Value::Verbatim {
            format: *b"mkd",
            text: b(b"a\r\n:b")
        }
    );
    assert_eq!(
        one(b"=4\r\ntxt:\r\n"),
        Value::Verbatim {
            format: *b"txt",
            text: b(b"")
        }
    );
}

#[test]
fn verbatim_shorter_than_its_prefix_or_without_colon_is_rejected_at_the_payload() {
    for wire in [
        &b"=0\r\n\r\n"[..],
        b"=3\r\ntxt\r\n",
        b"=4\r\ntxtx\r\n",
        b"=5\r\ntx:ab\r\n",
    ] {
        assert_eq!(
            err(wire),
            ProtocolError {
                kind: ProtocolErrorKind::InvalidVerbatim,
                offset: 4
            },
            "{:?}",
            Bytes::copy_from_slice(wire)
        );
    }
}

// ---- aggregates ----------------------------------------------------------------------------

#[test]
fn empty_aggregates() {
    assert_eq!(one(b"*0\r\n"), Value::Array(vec![]));
    assert_eq!(one(b"%0\r\n"), Value::Map(vec![]));
    assert_eq!(one(b"~0\r\n"), Value::Set(vec![]));
    assert_eq!(one(b">0\r\n"), Value::Push(vec![]));
}

#[test]
fn resp2_array_of_mixed_types() {
    assert_eq!(
        one(b"*5\r\n:1\r\n$3\r\nfoo\r\n+OK\r\n-ERR x\r\n$-1\r\n"),
        Value::Array(vec![
            Value::Int(1),
            bulk(b"foo"),
            simple(b"OK"),
            Value::Error(b(b"ERR x")),
            Value::Nil
        ])
    );
}

#[test]
fn nested_arrays_keep_their_shape() {
    assert_eq!(
        one(b"*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n"),
        Value::Array(vec![
            Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            Value::Array(vec![simple(b"Hello"), Value::Error(b(b"World"))]),
        ])
    );
}

#[test]
fn cluster_slots_shaped_reply() {
    let wire = b"*1\r\n*3\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:30001\r\n$40\r\n\
                 09dbe9720cda62f7865eabc5fd8857c5d2678366\r\n";
    let v = one(wire);
    let Value::Array(ranges) = v else { panic!() };
    let Value::Array(range) = &ranges[0] else {
        panic!()
    };
    assert_eq!(range[0], Value::Int(0));
    assert_eq!(range[1], Value::Int(5460));
    let Value::Array(node) = &range[2] else {
        panic!()
    };
    assert_eq!(node[0], bulk(b"127.0.0.1"));
    assert_eq!(node[1], Value::Int(30001));
}

#[test]
fn map_keeps_pairs_in_wire_order() {
    assert_eq!(
        one(b"%3\r\n+z\r\n:1\r\n+a\r\n:2\r\n$1\r\nm\r\n*1\r\n_\r\n"),
        Value::Map(vec![
            (simple(b"z"), Value::Int(1)),
            (simple(b"a"), Value::Int(2)),
            (bulk(b"m"), Value::Array(vec![Value::Nil])),
        ])
    );
}

#[test]
fn map_keys_may_be_aggregates() {
    assert_eq!(
        one(b"%1\r\n*1\r\n:1\r\n#t\r\n"),
        Value::Map(vec![(
            Value::Array(vec![Value::Int(1)]),
            Value::Boolean(true)
        )])
    );
}

#[test]
fn set_keeps_elements_in_wire_order_and_duplicates() {
    assert_eq!(
        one(b"~3\r\n+b\r\n+a\r\n+b\r\n"),
        Value::Set(vec![simple(b"b"), simple(b"a"), simple(b"b")])
    );
}

#[test]
fn push_frame_is_its_own_type() {
    let v = one(b">4\r\n$8\r\npmessage\r\n$2\r\nh*\r\n$5\r\nhello\r\n$3\r\nhi!\r\n");
    assert_eq!(
        v,
        Value::Push(vec![
            bulk(b"pmessage"),
            bulk(b"h*"),
            bulk(b"hello"),
            bulk(b"hi!")
        ])
    );
    assert_eq!(v.type_name(), "push");
}

#[test]
fn attribute_is_attached_to_the_following_value() {
    let wire = b"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n\
                 *2\r\n:2039123\r\n:9543892\r\n";
    let v = one(wire);
    let Value::Attribute { attrs, data } = &v else {
        panic!("{v:?}")
    };
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[0].0, simple(b"key-popularity"));
    assert_eq!(
        attrs[0].1,
        Value::Map(vec![
            (bulk(b"a"), Value::Double(0.1923)),
            (bulk(b"b"), Value::Double(0.0012)),
        ])
    );
    assert_eq!(
        **data,
        Value::Array(vec![Value::Int(2039123), Value::Int(9543892)])
    );
    assert_eq!(
        v.without_attributes(),
        Value::Array(vec![Value::Int(2039123), Value::Int(9543892)])
    );
}

#[test]
fn attribute_inside_an_array_describes_only_its_element() {
    let v = one(b"*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n#t\r\n");
    assert_eq!(
        v,
        Value::Array(vec![
            Value::Attribute {
                attrs: vec![(simple(b"ttl"), Value::Int(3600))],
                data: Box::new(bulk(b"v")),
            },
            Value::Boolean(true),
        ])
    );
}

#[test]
fn stacked_attributes_are_stripped_together() {
    let v = one(b"|0\r\n|1\r\n+a\r\n+b\r\n:7\r\n");
    assert!(
        matches!(&v, Value::Attribute { data, .. } if matches!(**data, Value::Attribute { .. }))
    );
    assert_eq!(v.without_attributes(), Value::Int(7));
}

#[test]
fn attribute_alone_is_an_incomplete_frame() {
    assert_incomplete_with(Limits::default(), b"|1\r\n+a\r\n+b\r\n");
}
