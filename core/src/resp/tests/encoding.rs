//! The encoders: exact bytes of commands and values.

use super::*;

fn command<I, A>(args: I) -> BytesMut
where
    I: IntoIterator<Item = A>,
    I::IntoIter: ExactSizeIterator,
    A: AsRef<[u8]>,
{
    let mut out = BytesMut::new();
    encode_command(&mut out, args);
    out
}

#[test]
fn command_is_an_array_of_bulk_strings() {
    assert_eq!(
        &command(["SET", "key", "value"])[..],
        b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
    );
    assert_eq!(&command([&b"PING"[..]])[..], b"*1\r\n$4\r\nPING\r\n");
}

#[test]
fn command_args_are_binary_safe() {
    assert_eq!(
        &command([&b"SET"[..], b"k\r\n", b"\0\xff\r\n$1\r\n"])[..],
        &b"*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$8\r\n\0\xff\r\n$1\r\n\r\n"[..]
    );
}

#[test]
fn empty_argument_is_a_zero_length_bulk() {
    assert_eq!(
        &command(["SET", "", ""])[..],
        b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n"
    );
}

#[test]
fn no_arguments_is_an_empty_array() {
    assert_eq!(&command(Vec::<Vec<u8>>::new())[..], b"*0\r\n");
}

#[test]
fn command_accepts_owned_and_borrowed_args_and_appends() {
    let mut out = BytesMut::from(&b"+prefix\r\n"[..]);
    encode_command(&mut out, vec![b"GET".to_vec(), b"k".to_vec()]);
    encode_command(&mut out, &[Bytes::from_static(b"DEL")]);
    assert_eq!(
        &out[..],
        b"+prefix\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$3\r\nDEL\r\n"
    );
}

#[test]
fn large_argument_length_is_written_in_decimal() {
    let arg = vec![b'x'; 123_456];
    let out = command([&arg[..]]);
    assert!(out.starts_with(b"*1\r\n$123456\r\nxxx"));
    assert!(out.ends_with(b"xx\r\n"));
    assert_eq!(out.len(), 4 + 9 + 123_456 + 2);
}

#[test]
fn encoded_command_decodes_to_an_array_of_bulks() {
    let mut out = command(["HSET", "h", "f", "v"]);
    assert_eq!(
        Decoder::default().decode(&mut out),
        Ok(Some(Value::Array(vec![
            bulk(b"HSET"),
            bulk(b"h"),
            bulk(b"f"),
            bulk(b"v")
        ])))
    );
}

#[test]
fn put_bulk_and_put_header() {
    let mut out = BytesMut::new();
    put_header(&mut out, b'%', 0);
    put_header(&mut out, b'*', 12345);
    put_bulk(&mut out, b"");
    put_bulk(&mut out, b"a\r\n");
    assert_eq!(&out[..], b"%0\r\n*12345\r\n$0\r\n\r\n$3\r\na\r\n\r\n");
}

fn value_bytes(v: &Value) -> Vec<u8> {
    encoded(v).to_vec()
}

#[test]
fn encode_value_writes_each_type_in_resp3_form() {
    let cases: Vec<(Value, &[u8])> = vec![
        (Value::Nil, b"_\r\n"),
        (simple(b"OK"), b"+OK\r\n"),
        (Value::Error(b(b"ERR x")), b"-ERR x\r\n"),
        (Value::BlobError(b(b"a\r\nb")), b"!4\r\na\r\nb\r\n"),
        (Value::Int(i64::MIN), b":-9223372036854775808\r\n"),
        (Value::Int(i64::MAX), b":9223372036854775807\r\n"),
        (Value::Double(1.5), b",1.5\r\n"),
        (Value::Double(-0.0), b",-0.0\r\n"),
        (Value::Double(f64::INFINITY), b",inf\r\n"),
        (Value::Double(f64::NEG_INFINITY), b",-inf\r\n"),
        (Value::Double(f64::NAN), b",nan\r\n"),
        (Value::Boolean(true), b"#t\r\n"),
        (Value::Boolean(false), b"#f\r\n"),
        (
            Value::BigNumber(b(b"-12345678901234567890")),
            b"(-12345678901234567890\r\n",
        ),
        (bulk(b""), b"$0\r\n\r\n"),
        (bulk(b"\r\n"), b"$2\r\n\r\n\r\n"),
        (
            Value::Verbatim {
                format: *b"txt",
                text: b(b"hi"),
            },
            b"=6\r\ntxt:hi\r\n",
        ),
        (Value::Array(vec![]), b"*0\r\n"),
        (
            Value::Array(vec![Value::Int(1), Value::Nil]),
            b"*2\r\n:1\r\n_\r\n",
        ),
        (Value::Set(vec![simple(b"a")]), b"~1\r\n+a\r\n"),
        (Value::Push(vec![bulk(b"m")]), b">1\r\n$1\r\nm\r\n"),
        (
            Value::Map(vec![(simple(b"k"), Value::Int(2))]),
            b"%1\r\n+k\r\n:2\r\n",
        ),
        (
            Value::Attribute {
                attrs: vec![(simple(b"a"), Value::Boolean(true))],
                data: Box::new(Value::Int(3)),
            },
            b"|1\r\n+a\r\n#t\r\n:3\r\n",
        ),
    ];
    for (v, want) in cases {
        assert_eq!(
            Bytes::from(value_bytes(&v)),
            Bytes::from_static(want),
            "{v:?}"
        );
    }
}

#[test]
fn encoded_doubles_parse_back_to_the_same_bits() {
    for d in [
        1e10,
        1e16,
        1e300,
        1.5e-7,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        5e-324,
        0.1 + 0.2,
        -0.0,
        0.0,
    ] {
        let mut wire = encoded(&Value::Double(d));
        let Some(Value::Double(back)) = Decoder::default().decode(&mut wire).unwrap() else {
            panic!("{d:?}")
        };
        assert_eq!(back.to_bits(), d.to_bits(), "{d:?} came back as {back:?}");
    }
}

#[test]
fn every_listed_frame_reencodes_to_a_frame_with_the_same_value() {
    for (wire, want) in valid_frames() {
        let mut again = encoded(&want);
        let back = Decoder::default().decode(&mut again).unwrap().unwrap();
        assert!(again.is_empty());
        assert!(
            same(&back, &want),
            "{:?}: {back:?}",
            Bytes::from_static(wire)
        );
    }
}
