//! RESP decoding throughput: slotwise's `Decoder` beside redis-rs's `Parser`, same inputs, same
//! criterion group, ratios printed at the end.
//!
//! Per input, one group `resp_decode/<input>` with three functions:
//!
//! - `slotwise`: `Decoder::decode` on a read buffer that already holds the reply, as after a
//!   socket read. The buffer is refilled between iterations without copying
//!   ([`ReadBuffer`]), so this times the decode alone (bulk payloads are zero-copy slices).
//! - `slotwise+copy`: the same, but the input is first copied into the read buffer inside the
//!   timed loop: a conservative figure, paying the `memcpy` redis-rs pays below.
//! - `redis-rs`: `redis::Parser::parse_value` reading the same bytes from a `&[u8]`, one
//!   parser reused across iterations as redis-rs's own connections reuse theirs (it copies
//!   the input into its internal buffer, then each payload into a `Vec`).
//!
//! Every function drops its decoded values inside the timed loop.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use slotwise::resp::{Decoder, Value};
use slotwise_benches::{criterion_dir, Per, ReadBuffer, Report, MEASUREMENT, SAMPLE_SIZE, WARM_UP};

/// One benchmark input: `frames` complete replies back to back.
struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    frames: usize,
}

fn bulk(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", payload.len()).as_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(b"\r\n");
}

/// Deterministic printable payload bytes.
fn payload(len: usize, seed: usize) -> Vec<u8> {
    (0..len)
        .map(|i| b'a' + ((i * 7 + seed * 13) % 26) as u8)
        .collect()
}

fn cases() -> Vec<Case> {
    let one = |name, bytes| Case {
        name,
        bytes,
        frames: 1,
    };
    let mut bulk16 = Vec::new();
    bulk(&mut bulk16, &payload(16, 0));

    let mut pipeline = Vec::new();
    for i in 0..64 {
        bulk(&mut pipeline, &payload(16, i));
    }

    let mut bulk_1k = Vec::new();
    bulk(&mut bulk_1k, &payload(1024, 1));

    let mut bulk_1m = Vec::new();
    bulk(&mut bulk_1m, &payload(1024 * 1024, 2));

    let mut array_bulk = b"*1000\r\n".to_vec();
    for i in 0..1000 {
        bulk(&mut array_bulk, &payload(10, i));
    }

    let mut array_int = b"*1000\r\n".to_vec();
    for i in 0..1000i64 {
        // Mixed widths and signs: 0, -7919, 15838, ...
        let n = if i % 2 == 0 { i * 7919 } else { -i * 7919 };
        array_int.extend_from_slice(format!(":{n}\r\n").as_bytes());
    }

    vec![
        one("simple_OK", b"+OK\r\n".to_vec()),
        one("int", b":12345\r\n".to_vec()),
        one("bulk_16B", bulk16),
        Case {
            name: "pipeline_64x_bulk_16B",
            bytes: pipeline,
            frames: 64,
        },
        one("bulk_1KiB", bulk_1k),
        one("bulk_1MiB", bulk_1m),
        one("array_1000x_bulk_10B", array_bulk),
        one("array_1000x_int", array_int),
    ]
}

/// A parser-neutral view of a reply, to check both parsers read the same thing.
#[derive(Debug, PartialEq)]
enum Shape {
    Simple(Vec<u8>),
    Int(i64),
    Bulk(Vec<u8>),
    Array(Vec<Shape>),
    Other(String),
}

fn shape_slotwise(v: &Value) -> Shape {
    match v {
        Value::Simple(s) => Shape::Simple(s.to_vec()),
        Value::Int(i) => Shape::Int(*i),
        Value::Bulk(b) => Shape::Bulk(b.to_vec()),
        Value::Array(a) => Shape::Array(a.iter().map(shape_slotwise).collect()),
        other => Shape::Other(format!("{other:?}")),
    }
}

fn shape_redis(v: &redis::Value) -> Shape {
    match v {
        redis::Value::Okay => Shape::Simple(b"OK".to_vec()),
        redis::Value::SimpleString(s) => Shape::Simple(s.as_bytes().to_vec()),
        redis::Value::Int(i) => Shape::Int(*i),
        redis::Value::BulkString(b) => Shape::Bulk(b.clone()),
        redis::Value::Array(a) => Shape::Array(a.iter().map(shape_redis).collect()),
        other => Shape::Other(format!("{other:?}")),
    }
}

/// Decodes `case` once with each parser and checks they agree, so that the benchmark times
/// two parsers doing the same work.
fn check(case: &Case) {
    let mut buf = bytes::BytesMut::from(&case.bytes[..]);
    let mut dec = Decoder::default();
    let mut parser = redis::Parser::new();
    let mut reader: &[u8] = &case.bytes;
    for _ in 0..case.frames {
        let ours = dec
            .decode(&mut buf)
            .expect("slotwise decodes the input")
            .expect("the input is complete");
        let theirs = parser
            .parse_value(&mut reader)
            .expect("redis-rs parses the input");
        let shape = shape_slotwise(&ours);
        assert!(
            !matches!(shape, Shape::Other(_)),
            "{}: unexpected {shape:?}",
            case.name
        );
        assert_eq!(shape, shape_redis(&theirs), "{}", case.name);
    }
    assert!(buf.is_empty(), "{}: slotwise left bytes over", case.name);
    assert!(reader.is_empty(), "{}: redis-rs left bytes over", case.name);
}

fn bench_case(c: &mut Criterion, report: &mut Report, case: &Case) {
    check(case);
    let group_name = format!("resp_decode/{}", case.name);
    let frames = case.frames;
    let mut group = c.benchmark_group(&group_name);
    group.throughput(Throughput::Bytes(case.bytes.len() as u64));

    let mut read_buffer = ReadBuffer::new(&case.bytes);
    let mut dec = Decoder::default();
    group.bench_function("slotwise", |b| {
        b.iter(|| {
            let buf = read_buffer.refill();
            for _ in 0..frames {
                black_box(dec.decode(buf).unwrap());
            }
        })
    });

    let mut buf = bytes::BytesMut::with_capacity(case.bytes.len());
    let mut dec = Decoder::default();
    group.bench_function("slotwise+copy", |b| {
        b.iter(|| {
            buf.clear();
            buf.extend_from_slice(black_box(&case.bytes));
            for _ in 0..frames {
                black_box(dec.decode(&mut buf).unwrap());
            }
        })
    });

    let mut parser = redis::Parser::new();
    group.bench_function("redis-rs", |b| {
        b.iter(|| {
            let mut reader: &[u8] = black_box(&case.bytes);
            for _ in 0..frames {
                black_box(parser.parse_value(&mut reader).unwrap());
            }
        })
    });
    group.finish();

    if read_buffer.copies() > 0 {
        eprintln!(
            "warning: {group_name}/slotwise copied its input {} times; its figure includes copies",
            read_buffer.copies()
        );
    }
    let per = Per::Bytes(case.bytes.len() as u64);
    report.compare(&group_name, per, "slotwise", "redis-rs");
    report.compare(&group_name, per, "slotwise+copy", "redis-rs");
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT)
        .sample_size(SAMPLE_SIZE)
        .output_directory(&criterion_dir())
        .configure_from_args();
    let mut report = Report::new("resp_decode");
    for case in cases() {
        bench_case(&mut c, &mut report, &case);
    }
    c.final_summary();
    report.note(
        "`slotwise`: `Decoder::decode` on a read buffer that already holds the reply, as after \
         the socket read. Payloads are zero-copy slices, so for large bulk strings the work does \
         not grow with the payload: the bulk_1MiB rate is header parsing plus one slice, not a \
         memory bandwidth.",
    );
    report.note(
        "`slotwise+copy`: copies the input into the read buffer inside the timed loop, then \
         decodes; the like-for-like figure, since redis-rs copies the input into its parser's \
         buffer (and each payload into a `Vec`).",
    );
    report.note(
        "`redis-rs`: `redis::Parser::parse_value` reading a `&[u8]`, one parser reused across \
         iterations as redis-rs's connections do. All three drop the decoded values inside the \
         timed loop.",
    );
    report.finish();
}
