//! Runs the RESP decoder over a deterministic corpus of random and mutated inputs.
//!
//! Seeds are valid frames of every type; mutations flip bits, insert and delete bytes,
//! truncate, splice frames together and rewrite length prefixes with huge or negative numbers.
//! Each input is decoded whole and again fed in random chunks, under default and small limits.
//!
//! Invariants checked for every input:
//! - no panic; every call returns a value, `None` or an error;
//! - the decoder never consumes more bytes than it was given, and an error's offset points at
//!   a byte that was fed, inside the frame being decoded;
//! - chunking does not change the outcome: the same values, then the same error (kind and
//!   offset) or the same number of bytes left pending;
//! - every decoded value re-encodes and decodes back to itself (NaN equal to NaN).

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use slotwise::resp::{encode_command, encode_value, Decoder, Limits, ProtocolError, Value};

/// How decoding a whole input ended.
#[derive(Debug)]
struct Outcome {
    values: Vec<Value>,
    /// `Ok(pending)`: bytes left undecoded after the last `Ok(None)`.
    end: Result<usize, ProtocolError>,
}

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

/// Decodes `input` fed in `chunks` (lengths summing to the input length).
fn run(limits: &Limits, input: &[u8], chunks: &[usize]) -> Outcome {
    let mut dec = Decoder::with_limits(limits.clone());
    let mut buf = BytesMut::new();
    let mut fed = 0usize;
    let mut consumed = 0usize;
    let mut values = Vec::new();
    for &n in chunks {
        buf.extend_from_slice(&input[fed..fed + n]);
        fed += n;
        loop {
            let before = buf.len();
            match dec.decode(&mut buf) {
                Ok(Some(v)) => {
                    assert!(buf.len() < before, "a value consumed no bytes: {input:?}");
                    consumed += before - buf.len();
                    values.push(v);
                }
                Ok(None) => {
                    assert_eq!(buf.len(), before, "Ok(None) consumed bytes: {input:?}");
                    break;
                }
                Err(e) => {
                    assert_eq!(buf.len(), before, "an error consumed bytes: {input:?}");
                    assert!(
                        e.offset >= consumed as u64 && e.offset < fed as u64,
                        "error offset {} outside the pending frame [{consumed}, {fed}): {input:?}",
                        e.offset
                    );
                    return Outcome {
                        values,
                        end: Err(e),
                    };
                }
            }
        }
        assert!(consumed <= fed, "consumed {consumed} of {fed} fed bytes");
        assert_eq!(consumed + buf.len(), fed);
    }
    assert_eq!(fed, input.len());
    Outcome {
        values,
        end: Ok(buf.len()),
    }
}

/// Random chunk lengths covering `len` bytes, biased towards tiny chunks.
fn random_chunks(rng: &mut StdRng, len: usize) -> Vec<usize> {
    let mut chunks = Vec::new();
    let mut left = len;
    while left > 0 {
        let max = match rng.random_range(0..4) {
            0 => 1,
            1 => 4,
            2 => 16,
            _ => left,
        };
        let n = rng.random_range(1..=max.min(left));
        chunks.push(n);
        left -= n;
    }
    // Sometimes an empty chunk, which must change nothing.
    if rng.random_bool(0.1) {
        let at = rng.random_range(0..=chunks.len());
        chunks.insert(at, 0);
    }
    chunks
}

fn check(rng: &mut StdRng, limits: &Limits, input: &[u8]) -> Outcome {
    let whole = run(limits, input, &[input.len()]);
    let chunks = random_chunks(rng, input.len());
    let chunked = run(limits, input, &chunks);

    assert_eq!(
        whole.values.len(),
        chunked.values.len(),
        "chunking {chunks:?} changed the values of {:?}: {whole:?} vs {chunked:?}",
        Bytes::copy_from_slice(input)
    );
    for (a, b) in whole.values.iter().zip(&chunked.values) {
        assert!(same(a, b), "chunking changed {a:?} into {b:?}");
    }
    assert_eq!(
        whole.end,
        chunked.end,
        "chunking {chunks:?} changed the outcome of {:?}",
        Bytes::copy_from_slice(input)
    );

    for v in &whole.values {
        let mut wire = BytesMut::new();
        encode_value(&mut wire, v);
        let len = wire.len();
        let back = Decoder::default()
            .decode(&mut wire)
            .unwrap_or_else(|e| panic!("re-encoded {v:?} fails to decode: {e}"));
        assert!(
            wire.is_empty(),
            "re-encoded {v:?}: {} of {len} bytes left",
            wire.len()
        );
        let back = back.unwrap_or_else(|| panic!("re-encoded {v:?} is incomplete"));
        assert!(same(&back, v), "{v:?} re-encoded came back as {back:?}");
    }
    whole
}

// ---- seeds -------------------------------------------------------------------------------------

fn hand_written_seeds() -> Vec<Vec<u8>> {
    let frames: &[&[u8]] = &[
        b"+OK\r\n",
        b"+\r\n",
        b"-ERR unknown command 'foo'\r\n",
        b"-MOVED 3999 127.0.0.1:6381\r\n",
        b":0\r\n",
        b":-9223372036854775808\r\n",
        b":9223372036854775807\r\n",
        b":+5\r\n",
        b"$-1\r\n",
        b"*-1\r\n",
        b"_\r\n",
        b"$0\r\n\r\n",
        b"$5\r\nhello\r\n",
        b"$6\r\na\r\nb\0\xff\r\n",
        b"!21\r\nSYNTAX invalid syntax\r\n",
        b",1.5\r\n",
        b",-0.0\r\n",
        b",1e10\r\n",
        b",inf\r\n",
        b",-inf\r\n",
        b",nan\r\n",
        b"#t\r\n",
        b"#f\r\n",
        b"(3492890328409238509324850943850943825024385\r\n",
        b"=15\r\ntxt:Some string\r\n",
        b"=4\r\nmkd:\r\n",
        b"*0\r\n",
        b"*2\r\n$3\r\nfoo\r\n:7\r\n",
        b"*2\r\n*2\r\n:1\r\n*0\r\n*1\r\n$-1\r\n",
        b"%2\r\n+first\r\n:1\r\n+second\r\n#f\r\n",
        b"~3\r\n+a\r\n:1\r\n_\r\n",
        b">3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n",
        b"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n\
          *2\r\n:2039123\r\n:9543892\r\n",
        b"*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n#t\r\n",
        b"*1\r\n*3\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:30001\r\n$40\r\n\
          09dbe9720cda62f7865eabc5fd8857c5d2678366\r\n",
    ];
    let mut seeds: Vec<Vec<u8>> = frames.iter().map(|f| f.to_vec()).collect();

    // Frames just over the small limits used below.
    let mut big_bulk = b"$2000\r\n".to_vec();
    big_bulk.extend(std::iter::repeat_n(b'b', 2000));
    big_bulk.extend_from_slice(b"\r\n");
    seeds.push(big_bulk);
    let mut wide = b"*20\r\n".to_vec();
    for i in 0..20 {
        wide.extend_from_slice(format!(":{i}\r\n").as_bytes());
    }
    seeds.push(wide);
    let mut deep = b"*1\r\n".repeat(8);
    deep.extend_from_slice(b"+deep\r\n");
    seeds.push(deep);
    let mut long_line = b"+".to_vec();
    long_line.extend(std::iter::repeat_n(b'l', 100));
    long_line.extend_from_slice(b"\r\n");
    seeds.push(long_line);

    let mut cmd = BytesMut::new();
    encode_command(&mut cmd, ["SET", "key", "value", ""]);
    seeds.push(cmd.to_vec());
    seeds
}

fn random_bytes(rng: &mut StdRng, max: usize) -> Bytes {
    let n = rng.random_range(0..=max);
    let pick_crlf = rng.random_bool(0.3);
    (0..n)
        .map(|_| {
            if pick_crlf && rng.random_bool(0.2) {
                *b"\r\n:x".get(rng.random_range(0..4)).unwrap()
            } else {
                rng.random()
            }
        })
        .collect()
}

fn random_line(rng: &mut StdRng, max: usize) -> Bytes {
    let n = rng.random_range(0..=max);
    (0..n)
        .map(|_| loop {
            let b: u8 = rng.random();
            if b != b'\r' && b != b'\n' {
                break b;
            }
        })
        .collect()
}

fn random_double(rng: &mut StdRng) -> f64 {
    match rng.random_range(0..6) {
        0 => f64::from_bits(rng.random()),
        1 => f64::INFINITY,
        2 => f64::NEG_INFINITY,
        3 => f64::NAN,
        4 => -0.0,
        _ => rng.random_range(-1e6..1e6),
    }
}

/// A random value of every type, nested at most `depth` levels.
fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    let kinds = if depth == 0 { 11 } else { 16 };
    match rng.random_range(0..kinds) {
        0 => Value::Nil,
        1 => Value::Simple(random_line(rng, 12)),
        2 => Value::Error(random_line(rng, 12)),
        3 => Value::BlobError(random_bytes(rng, 12)),
        4 => Value::Int(match rng.random_range(0..4) {
            0 => i64::MIN,
            1 => i64::MAX,
            _ => rng.random(),
        }),
        5 => Value::Double(random_double(rng)),
        6 => Value::Boolean(rng.random()),
        7 => {
            let mut s = if rng.random_bool(0.3) {
                b"-".to_vec()
            } else {
                Vec::new()
            };
            let n = rng.random_range(1..30);
            s.extend((0..n).map(|_| rng.random_range(b'0'..=b'9')));
            Value::BigNumber(s.into())
        }
        8 | 9 => Value::Bulk(random_bytes(rng, 24)),
        10 => Value::Verbatim {
            format: *[b"txt", b"mkd"][rng.random_range(0..2)],
            text: random_bytes(rng, 12),
        },
        11 => Value::Array(random_items(rng, depth)),
        12 => Value::Set(random_items(rng, depth)),
        13 => Value::Push(random_items(rng, depth)),
        14 => Value::Map(random_pairs(rng, depth)),
        _ => Value::Attribute {
            attrs: random_pairs(rng, depth),
            data: Box::new(random_value(rng, depth - 1)),
        },
    }
}

fn random_items(rng: &mut StdRng, depth: u32) -> Vec<Value> {
    let n = rng.random_range(0..5);
    (0..n).map(|_| random_value(rng, depth - 1)).collect()
}

fn random_pairs(rng: &mut StdRng, depth: u32) -> Vec<(Value, Value)> {
    let n = rng.random_range(0..3);
    (0..n)
        .map(|_| (random_value(rng, depth - 1), random_value(rng, depth - 1)))
        .collect()
}

fn seeds(rng: &mut StdRng) -> Vec<Vec<u8>> {
    let mut seeds = hand_written_seeds();
    for _ in 0..300 {
        let depth = rng.random_range(0..4);
        let v = random_value(rng, depth);
        let mut wire = BytesMut::new();
        encode_value(&mut wire, &v);
        seeds.push(wire.to_vec());
    }
    seeds
}

// ---- mutations ---------------------------------------------------------------------------------

const INTERESTING: &[u8] = b"\r\n+-:$*_,#(!=%~|>0123456789-1tf.e";
const NUMBERS: &[&[u8]] = &[
    b"-1",
    b"-2",
    b"-0",
    b"0",
    b"1",
    b"65",
    b"1025",
    b"2147483648",
    b"4294967296",
    b"536870913",
    b"99999999999",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775808",
    b"18446744073709551615",
    b"99999999999999999999999",
    b"",
    b"+3",
    b"1a",
];

/// Byte ranges of the digits after a length-prefixed type byte.
fn length_fields(input: &[u8]) -> Vec<(usize, usize)> {
    let mut fields = Vec::new();
    for (i, &b) in input.iter().enumerate() {
        if b"$*%~>|!=".contains(&b) {
            let start = i + 1;
            let mut end = start;
            while end < input.len() && (input[end].is_ascii_digit() || input[end] == b'-') {
                end += 1;
            }
            if end > start {
                fields.push((start, end));
            }
        }
    }
    fields
}

fn mutate_once(rng: &mut StdRng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let len = input.len();
    match rng.random_range(0..10) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            input[i] ^= 1 << rng.random_range(0..8);
        }
        1 => {
            let i = rng.random_range(0..=len);
            let b = if rng.random_bool(0.5) {
                INTERESTING[rng.random_range(0..INTERESTING.len())]
            } else {
                rng.random()
            };
            input.insert(i, b);
        }
        2 if len > 0 => {
            input.remove(rng.random_range(0..len));
        }
        3 => input.truncate(rng.random_range(0..=len)),
        4 => {
            // Splice: a prefix of this input, then a suffix of another seed.
            let other = &seeds[rng.random_range(0..seeds.len())];
            input.truncate(rng.random_range(0..=len));
            input.extend_from_slice(&other[rng.random_range(0..=other.len())..]);
        }
        5 | 6 => {
            let fields = length_fields(input);
            if !fields.is_empty() {
                let (s, e) = fields[rng.random_range(0..fields.len())];
                let n = NUMBERS[rng.random_range(0..NUMBERS.len())];
                input.splice(s..e, n.iter().copied());
            }
        }
        7 if len > 0 => {
            // Duplicate a range in place.
            let s = rng.random_range(0..len);
            let e = rng.random_range(s..=len.min(s + 32));
            let copy = input[s..e].to_vec();
            input.splice(e..e, copy);
        }
        8 => {
            // Break a CRLF.
            let crlfs: Vec<usize> = input
                .windows(2)
                .enumerate()
                .filter(|(_, w)| w == b"\r\n")
                .map(|(i, _)| i)
                .collect();
            if !crlfs.is_empty() {
                let i = crlfs[rng.random_range(0..crlfs.len())];
                match rng.random_range(0..3) {
                    0 => {
                        input.remove(i);
                    }
                    1 => {
                        input.remove(i + 1);
                    }
                    _ => input[i + 1] = b'\r',
                }
            }
        }
        _ => {
            // Another whole frame after this one.
            input.extend_from_slice(&seeds[rng.random_range(0..seeds.len())]);
        }
    }
}

fn mutated(rng: &mut StdRng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut input = seeds[rng.random_range(0..seeds.len())].clone();
    for _ in 0..rng.random_range(1..=4) {
        mutate_once(rng, &mut input, seeds);
    }
    input
}

/// A soup of RESP tokens: more likely than random bytes to get deep into the grammar.
fn token_soup(rng: &mut StdRng) -> Vec<u8> {
    const TOKENS: &[&[u8]] = &[
        b"*", b"$", b"%", b"~", b">", b"|", b"!", b"=", b"+", b"-", b":", b"_", b",", b"#", b"(",
        b"\r\n", b"\r\n", b"\r\n", b"0", b"1", b"2", b"3", b"-1", b"txt:", b"t", b"f", b"inf",
        b"nan", b"1.5", b"OK", b"\r", b"\n",
    ];
    let n = rng.random_range(0..40);
    let mut out = Vec::new();
    for _ in 0..n {
        out.extend_from_slice(TOKENS[rng.random_range(0..TOKENS.len())]);
    }
    out
}

// ---- the runs ----------------------------------------------------------------------------------

fn limit_sets() -> [Limits; 3] {
    [
        Limits::default(),
        Limits {
            max_bulk_len: 1024,
            max_elements: 16,
            max_depth: 4,
            max_line_len: 64,
        },
        Limits {
            max_bulk_len: 8,
            max_elements: 2,
            max_depth: 1,
            max_line_len: 8,
        },
    ]
}

#[derive(Default, Debug)]
struct Tally {
    inputs: usize,
    values: usize,
    errors: usize,
    pending: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        self.inputs += 1;
        self.values += o.values.len();
        match o.end {
            Err(_) => self.errors += 1,
            Ok(0) => {}
            Ok(_) => self.pending += 1,
        }
    }
}

#[test]
fn seeds_decode_cleanly_under_default_limits() {
    let mut rng = StdRng::seed_from_u64(1);
    for seed in seeds(&mut rng) {
        let o = check(&mut rng, &Limits::default(), &seed);
        assert_eq!(o.values.len(), 1, "{:?}", Bytes::from(seed));
        assert_eq!(o.end, Ok(0), "{:?}", Bytes::from(seed));
    }
}

#[test]
fn mutated_corpus_upholds_the_decoder_invariants() {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(0x5107_3153);
    let seeds = seeds(&mut rng);
    let limits = limit_sets();
    let mut tally = Tally::default();
    for i in 0..40_000 {
        let input = mutated(&mut rng, &seeds);
        let o = check(&mut rng, &limits[i % limits.len()], &input);
        tally.add(&o);
    }
    eprintln!("mutated corpus: {tally:?} in {:?}", started.elapsed());
    // The corpus must exercise all three outcomes, or the mutations are not doing their job.
    assert!(tally.errors > 5_000, "{tally:?}");
    assert!(tally.pending > 1_000, "{tally:?}");
    assert!(tally.values > 5_000, "{tally:?}");
}

#[test]
fn random_inputs_uphold_the_decoder_invariants() {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(0xDEC0DE);
    let limits = limit_sets();
    let mut tally = Tally::default();
    for i in 0..20_000 {
        let input = if i % 2 == 0 {
            random_bytes(&mut rng, 48).to_vec()
        } else {
            token_soup(&mut rng)
        };
        let o = check(&mut rng, &limits[i % limits.len()], &input);
        tally.add(&o);
    }
    eprintln!("random corpus: {tally:?} in {:?}", started.elapsed());
    assert!(tally.errors > 1_000, "{tally:?}");
    assert!(tally.values > 200, "{tally:?}");
}

#[test]
fn huge_length_prefixes_wait_or_fail_without_allocating() {
    let mut rng = StdRng::seed_from_u64(7);
    for tag in b"$*%~>|!=" {
        for n in NUMBERS {
            let mut input = vec![*tag];
            input.extend_from_slice(n);
            input.extend_from_slice(b"\r\n:1\r\n$3\r\nabc\r\n");
            for limits in limit_sets() {
                check(&mut rng, &limits, &input);
            }
        }
    }
}
