//! Key-to-slot hashing: `slotwise::slot::key_slot` beside redis-rs's
//! `cluster_routing::Slot::for_key` and beside the `crc16` crate with the same hash-tag rule,
//! over fixed sets of 1,000 keys; then the bare checksums, slotwise's own table
//! (`slotwise::slot::crc16_xmodem`) against the `crc16` crate.
//!
//! Groups `key_slot/<keys>` (functions `slotwise`, `redis-rs`, `crc16-crate`), and
//! `crc16/<input>` (functions `slotwise`, `crc16-crate`). `crc16-crate` in `key_slot` uses
//! slotwise's own `hash_tag`, so it differs from `slotwise` only in the checksum.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use slotwise::slot::{crc16_xmodem, hash_tag, key_slot};
use slotwise_benches::{
    criterion_dir, interleaved_min_ns, Per, Report, MEASUREMENT, SAMPLE_SIZE, WARM_UP,
};

type Crc16Xmodem = crc16::State<crc16::XMODEM>;

const KEYS: usize = 1000;

/// Alternating rounds of the interleaved checksum comparison.
const INTERLEAVED_ROUNDS: usize = 500;

fn plain(i: usize) -> Vec<u8> {
    format!("key:{i}").into_bytes()
}

fn hashtag(i: usize) -> Vec<u8> {
    format!("user:{{{i}}}:profile").into_bytes()
}

fn long40(i: usize) -> Vec<u8> {
    let key = format!("orders:2024-06-01:customer:{i:07}:items").into_bytes();
    assert_eq!(key.len(), 40);
    key
}

/// The key sets: name and 1,000 keys.
fn key_sets() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let mixed = (0..KEYS)
        .map(|i| match i % 3 {
            0 => plain(i),
            1 => hashtag(i),
            _ => long40(i),
        })
        .collect();
    vec![
        ("mixed", mixed),
        ("plain_key:N", (0..KEYS).map(plain).collect()),
        ("hashtag_user:{N}:profile", (0..KEYS).map(hashtag).collect()),
        ("40B", (0..KEYS).map(long40).collect()),
    ]
}

fn crate_slot(key: &[u8]) -> u16 {
    Crc16Xmodem::calculate(hash_tag(key)) % 16384
}

/// All three agree on every key, so the benchmark compares equal work.
fn check(keys: &[Vec<u8>]) {
    for k in keys {
        let ours = key_slot(k).get();
        assert_eq!(
            redis::cluster_routing::Slot::new(ours),
            Some(redis::cluster_routing::Slot::for_key(k)),
            "redis-rs disagrees on {k:?}"
        );
        assert_eq!(ours, crate_slot(k), "crc16 crate disagrees on {k:?}");
        assert_eq!(crc16_xmodem(k), Crc16Xmodem::calculate(k));
    }
}

fn bench_key_slot(c: &mut Criterion, report: &mut Report, name: &str, keys: &[Vec<u8>]) {
    check(keys);
    let group_name = format!("key_slot/{name}");
    let mut group = c.benchmark_group(&group_name);
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("slotwise", |b| {
        b.iter(|| {
            for k in black_box(keys) {
                black_box(key_slot(k));
            }
        })
    });
    group.bench_function("redis-rs", |b| {
        b.iter(|| {
            for k in black_box(keys) {
                black_box(redis::cluster_routing::Slot::for_key(k));
            }
        })
    });
    group.bench_function("crc16-crate", |b| {
        b.iter(|| {
            for k in black_box(keys) {
                black_box(crate_slot(k));
            }
        })
    });
    group.finish();
    let per = Per::Keys(keys.len() as u64);
    if report.compare(&group_name, per, "slotwise", "redis-rs") {
        settle(
            report,
            &group_name,
            per,
            keys,
            1,
            ("slotwise", key_slot),
            ("redis-rs", |k: &[u8]| {
                redis::cluster_routing::Slot::for_key(k)
            }),
        );
    }
    if report.compare(&group_name, per, "slotwise", "crc16-crate") {
        settle(
            report,
            &group_name,
            per,
            keys,
            1,
            ("slotwise", key_slot),
            ("crc16-crate", crate_slot),
        );
    }
}

/// The bare checksum over `inputs`, slotwise's table against the crate's.
fn bench_crc(c: &mut Criterion, report: &mut Report, name: &str, inputs: &[Vec<u8>], per: Per) {
    let group_name = format!("crc16/{name}");
    let mut group = c.benchmark_group(&group_name);
    group.throughput(match per {
        Per::Bytes(n) => Throughput::Bytes(n),
        Per::Keys(n) => Throughput::Elements(n),
    });
    group.bench_function("slotwise", |b| {
        b.iter(|| {
            for k in black_box(inputs) {
                black_box(crc16_xmodem(k));
            }
        })
    });
    group.bench_function("crc16-crate", |b| {
        b.iter(|| {
            for k in black_box(inputs) {
                black_box(Crc16Xmodem::calculate(k));
            }
        })
    });
    group.finish();
    if report.compare(&group_name, per, "slotwise", "crc16-crate") {
        let batch = if matches!(per, Per::Bytes(_)) { 16 } else { 1 };
        settle(
            report,
            &group_name,
            per,
            inputs,
            batch,
            ("slotwise", crc16_xmodem),
            ("crc16-crate", Crc16Xmodem::calculate),
        );
    }
}

/// Settles a close call between criterion's sequential means: times `ours` and `peer` over
/// `inputs` in alternating rounds and reports each one's best round (see
/// [`interleaved_min_ns`]).
fn settle<A, B>(
    report: &mut Report,
    group: &str,
    per: Per,
    inputs: &[Vec<u8>],
    batch: usize,
    (ours, f): (&str, impl Fn(&[u8]) -> A),
    (peer, g): (&str, impl Fn(&[u8]) -> B),
) {
    let (ours_ns, peer_ns) = interleaved_min_ns(
        INTERLEAVED_ROUNDS,
        batch,
        || {
            for k in black_box(inputs) {
                black_box(f(k));
            }
        },
        || {
            for k in black_box(inputs) {
                black_box(g(k));
            }
        },
    );
    report.compare_measured(
        &format!("{group} (interleaved)"),
        per,
        (ours, ours_ns),
        (peer, peer_ns),
    );
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT)
        .sample_size(SAMPLE_SIZE)
        .output_directory(&criterion_dir())
        .configure_from_args();
    let mut report = Report::new("key_slot");
    let sets = key_sets();
    for (name, keys) in &sets {
        bench_key_slot(&mut c, &mut report, name, keys);
    }

    let (_, mixed) = &sets[0];
    bench_crc(
        &mut c,
        &mut report,
        "keys_mixed",
        mixed,
        Per::Keys(mixed.len() as u64),
    );
    let block: Vec<Vec<u8>> = vec![(0..1024u32).map(|i| (i * 31 % 251) as u8).collect()];
    check(&block);
    bench_crc(&mut c, &mut report, "1KiB", &block, Per::Bytes(1024));

    c.final_summary();
    report.note(
        "`key_slot/*`: slot of each of 1,000 keys. `redis-rs` is \
         `redis::cluster_routing::Slot::for_key` (crc16 crate and its own hash-tag scan); \
         `crc16-crate` is `crc16::State::<XMODEM>::calculate` on slotwise's `hash_tag`, so it \
         differs from `slotwise` only in the checksum.",
    );
    report.note(
        "`crc16/*`: the bare checksum over whole keys or a 1 KiB block, slotwise's \
         `crc16_xmodem` against the crc16 crate.",
    );
    report.note(&format!(
        "`(interleaved)` rows: the same pair timed in {INTERLEAVED_ROUNDS} alternating rounds \
         right after criterion's run, best round of each; steadier than criterion's sequential \
         means when the machine is loaded, so trust these for close calls."
    ));
    report.finish();
}
