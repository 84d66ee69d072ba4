//! Property tests: encode/decode round trips, chunking independence, no panics on any bytes.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;

fn any_bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// Line payloads: anything but CR and LF.
fn line_bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..=max,
    )
    .prop_map(Bytes::from)
}

fn big_number() -> impl Strategy<Value = Bytes> {
    (
        prop::option::of(prop::sample::select(vec![b'-', b'+'])),
        vec(b'0'..=b'9', 1..40),
    )
        .prop_map(|(sign, digits)| {
            let mut s: Vec<u8> = sign.into_iter().collect();
            s.extend(digits);
            Bytes::from(s)
        })
}

fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => prop::sample::select(vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            5e-324,
        ]),
        2 => (-1_000_000i64..1_000_000).prop_map(|i| i as f64 / 100.0),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        line_bytes(24).prop_map(Value::Simple),
        line_bytes(24).prop_map(Value::Error),
        any_bytes(24).prop_map(Value::BlobError),
        any::<i64>().prop_map(Value::Int),
        prop::sample::select(vec![i64::MIN, i64::MAX, 0, -1]).prop_map(Value::Int),
        double().prop_map(Value::Double),
        any::<bool>().prop_map(Value::Boolean),
        big_number().prop_map(Value::BigNumber),
        any_bytes(48).prop_map(Value::Bulk),
        (any::<[u8; 3]>(), any_bytes(24))
            .prop_map(|(format, text)| Value::Verbatim { format, text }),
    ]
}

/// Any [`Value`], nested up to a few levels (well inside the default depth limit).
pub(super) fn arb_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        let pairs = vec((inner.clone(), inner.clone()), 0..4);
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec(inner.clone(), 0..6).prop_map(Value::Set),
            vec(inner.clone(), 0..6).prop_map(Value::Push),
            pairs.clone().prop_map(Value::Map),
            (pairs, inner).prop_map(|(attrs, data)| Value::Attribute {
                attrs,
                data: Box::new(data)
            }),
        ]
    })
}

/// Feeds `chunks` in order, decoding after each until `None`; returns the values and the
/// bytes left undecoded.
fn feed(chunks: &[&[u8]]) -> Result<(Vec<Value>, usize), ProtocolError> {
    let mut dec = Decoder::default();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(v) = dec.decode(&mut buf)? {
            out.push(v);
        }
    }
    Ok((out, buf.len()))
}

/// Splits `bytes` at the given (unsorted, possibly repeated) fractions of its length.
fn split_at_fractions<'a>(bytes: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for p in points {
        chunks.push(&bytes[start..p]);
        start = p;
    }
    chunks.push(&bytes[start..]);
    chunks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encoded_value_decodes_to_itself(v in arb_value()) {
        let mut wire = encoded(&v);
        let len = wire.len();
        let back = Decoder::default().decode(&mut wire).unwrap();
        prop_assert!(wire.is_empty(), "{} of {len} bytes left", wire.len());
        let back = back.expect("complete frame");
        prop_assert!(same(&back, &v), "{v:?} came back as {back:?}");
    }

    #[test]
    fn encoded_value_is_incomplete_at_every_proper_prefix(v in arb_value()) {
        let wire = encoded(&v);
        for cut in 0..wire.len() {
            let mut buf = BytesMut::from(&wire[..cut]);
            prop_assert_eq!(Decoder::default().decode(&mut buf), Ok(None), "prefix of {} bytes", cut);
        }
    }

    #[test]
    fn values_split_into_chunks_decode_to_the_same_sequence(
        values in vec(arb_value(), 1..6),
        cuts in vec(any::<prop::sample::Index>(), 1..4),
    ) {
        let mut wire = BytesMut::new();
        for v in &values {
            encode_value(&mut wire, v);
        }
        let chunks = split_at_fractions(&wire, &cuts);
        let (got, left) = feed(&chunks).unwrap();
        prop_assert_eq!(left, 0);
        prop_assert_eq!(got.len(), values.len());
        for (g, v) in got.iter().zip(&values) {
            prop_assert!(same(g, v), "{:?} came back as {:?}", v, g);
        }
    }

    #[test]
    fn encoded_command_decodes_to_an_array_of_bulks(args in vec(vec(any::<u8>(), 0..40), 0..8)) {
        let mut wire = BytesMut::new();
        encode_command(&mut wire, &args);
        let back = Decoder::default().decode(&mut wire).unwrap();
        prop_assert!(wire.is_empty());
        let want = Value::Array(args.iter().map(|a| Value::Bulk(Bytes::copy_from_slice(a))).collect());
        prop_assert_eq!(back, Some(want));
    }

    #[test]
    fn a_commands_one_pass_encoding_is_byte_for_byte_encode_command(
        // Up to 120 arguments and 300-byte ones: one-, two- and three-digit headers.
        args in prop_oneof![
            vec(vec(any::<u8>(), 0..300), 1..8),
            vec(vec(any::<u8>(), 0..4), 1..120),
        ],
        before in vec(any::<u8>(), 0..16),
    ) {
        let cmd = crate::Cmd::from_args(&args);
        let mut want = BytesMut::from(&before[..]);
        encode_command(&mut want, &args);
        // Appended after what the buffer already holds, as a pipeline's second command is.
        let mut got = BytesMut::from(&before[..]);
        cmd.write_resp(&mut got);
        prop_assert_eq!(&got[..], &want[..]);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_chunking_does_not_change_the_outcome(
        bytes in prop_oneof![
            vec(any::<u8>(), 0..64),
            vec(prop::sample::select(b"+-:$*_,#(!=%~|>0123456789\r\n-1tfx".to_vec()), 0..64),
        ],
        cuts in vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let whole = feed(&[&bytes]);
        let chunked = feed(&split_at_fractions(&bytes, &cuts));
        match (&whole, &chunked) {
            (Ok((a, la)), Ok((b, lb))) => {
                prop_assert_eq!(la, lb);
                prop_assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(b) {
                    prop_assert!(same(x, y));
                }
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            _ => prop_assert!(false, "whole {:?} vs chunked {:?}", whole, chunked),
        }
        if let Err(e) = &whole {
            prop_assert!(e.offset < bytes.len() as u64, "offset {} past {} bytes", e.offset, bytes.len());
        }
    }
}
