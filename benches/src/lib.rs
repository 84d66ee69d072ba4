//! Shared helpers for the benchmarks.
//!
//! - [`ReadBuffer`]: a read buffer that holds the same bytes again on every iteration without
//!   copying them, so that a zero-copy decoder is timed alone, not beside a `memcpy`.
//! - [`Report`]: after criterion has run a group, reads criterion's own results
//!   (`<criterion dir>/<group>/<function>/new/estimates.json`), prints a `ratio ...` line per
//!   slotwise/peer pair and writes a markdown table to `<target>/bench-summary/<bench>.md`.
//!   Only estimates written during this run count; but two `cargo bench` runs of this crate at
//!   once on one target directory share criterion's files and can mix their figures.
//! - [`interleaved_min_ns`]: two functions timed in alternating rounds in this process, for close
//!   calls that criterion's sequential means cannot settle on a loaded machine.
//! - [`WARM_UP`], [`MEASUREMENT`], [`SAMPLE_SIZE`]: short settings shared by every benchmark, so
//!   that `cargo bench -p slotwise-benches` finishes in a few minutes on a small machine.

pub mod e2e;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use bytes::BytesMut;

/// Warm-up time of every benchmark.
pub const WARM_UP: Duration = Duration::from_millis(500);
/// Measurement time of every benchmark.
pub const MEASUREMENT: Duration = Duration::from_secs(2);
/// Samples per benchmark.
pub const SAMPLE_SIZE: usize = 20;

/// The cargo target directory, found the way criterion finds it: `$CARGO_TARGET_DIR`, else
/// `cargo metadata`, else `./target`.
pub fn target_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
            return PathBuf::from(dir);
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| serde_json::from_slice::<serde_json::Value>(&out.stdout).ok())
            .and_then(|meta| meta["target_directory"].as_str().map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("target"))
    })
}

/// Where criterion keeps its results: `$CRITERION_HOME`, else `<target>/criterion`.
///
/// The benchmarks pass this to `Criterion::output_directory`, so the reports read exactly the
/// directory criterion wrote.
pub fn criterion_dir() -> PathBuf {
    match std::env::var_os("CRITERION_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => target_dir().join("criterion"),
    }
}

/// A read buffer that holds `input` again on each [`ReadBuffer::refill`], without copying it.
///
/// slotwise's decoder hands out frames as [`bytes::Bytes`] slices of the read buffer, so a
/// fresh copy of a 1 MiB input per iteration would cost a thousand times more than the decode
/// being measured (and building it in criterion's untimed setup would make a 2 s measurement
/// take an hour). Once every frame of the previous iteration has been dropped, the buffer is
/// again the only owner of its allocation; `refill` takes the allocation back and exposes the
/// original bytes, which nothing has written to since they were copied in once. This is what a
/// connection's read buffer looks like after the socket filled it.
///
/// If reclaiming is not possible (a frame is still alive), `refill` falls back to a fresh copy
/// and counts it in [`ReadBuffer::copies`], so a benchmark can tell that it timed copies too.
pub struct ReadBuffer {
    buf: BytesMut,
    /// Start of the allocation that holds `input`.
    base: *const u8,
    input: Vec<u8>,
    copies: u64,
}

impl ReadBuffer {
    /// A buffer holding a copy of `input`.
    pub fn new(input: &[u8]) -> Self {
        let buf = BytesMut::from(input);
        ReadBuffer {
            base: buf.as_ptr(),
            buf,
            input: input.to_vec(),
            copies: 0,
        }
    }

    /// The buffer, holding exactly the input bytes.
    #[inline]
    pub fn refill(&mut self) -> &mut BytesMut {
        let len = self.input.len();
        self.buf.clear();
        // `try_reclaim` never allocates. With no other handle alive it moves the view back to
        // the start of the allocation (or leaves it there on the very first call).
        if self.buf.try_reclaim(len) && self.buf.as_ptr() == self.base && self.buf.capacity() >= len
        {
            // SAFETY: `len <= capacity`, and bytes `base..base + len` belong to the allocation
            // `buf` now owns alone (the same allocation, since `try_reclaim` never reallocates
            // and the pointer is unchanged). They were initialised with `input` when the
            // allocation was created, and nothing has written to them since: the decoder only
            // reads, `Bytes` handles are immutable, and `clear` only resets the length.
            unsafe { self.buf.set_len(len) };
        } else {
            self.copy_afresh();
        }
        &mut self.buf
    }

    #[cold]
    #[inline(never)]
    fn copy_afresh(&mut self) {
        self.buf = BytesMut::from(&self.input[..]);
        self.base = self.buf.as_ptr();
        self.copies += 1;
    }

    /// How many refills had to copy the input because the allocation could not be reclaimed.
    pub fn copies(&self) -> u64 {
        self.copies
    }

    /// The input bytes.
    pub fn input(&self) -> &[u8] {
        &self.input
    }
}

/// Times `a` and `b` in alternation, `rounds` times each, `batch` calls per timing, and
/// returns the fastest time per call of each, in ns.
///
/// On a busy machine criterion's means shift with the load of the moment, and criterion runs
/// one function for seconds before the next; alternating the two and keeping each one's best
/// round compares them under the same conditions, which settles close calls.
pub fn interleaved_min_ns(
    rounds: usize,
    batch: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (f64, f64) {
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..batch {
            f();
        }
        start.elapsed().as_nanos() as f64 / batch as f64
    };
    let (mut best_a, mut best_b) = (f64::INFINITY, f64::INFINITY);
    for round in 0..rounds {
        // Alternate which goes first, so neither always runs on a warmer cache.
        if round % 2 == 0 {
            best_a = best_a.min(time(&mut a));
            best_b = best_b.min(time(&mut b));
        } else {
            best_b = best_b.min(time(&mut b));
            best_a = best_a.min(time(&mut a));
        }
    }
    (best_a, best_b)
}

/// What one iteration of a benchmark processes, to turn a time into a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// Bytes of input per iteration: rates in GiB/s (MiB/s below 1 GiB/s), the binary units
    /// criterion prints for `Throughput::Bytes`.
    Bytes(u64),
    /// Keys per iteration: rates in ns/key.
    Keys(u64),
}

impl Per {
    fn rate(self, ns: f64) -> String {
        match self {
            Per::Bytes(n) => {
                let gib_s = n as f64 / ns * 1e9 / (1u64 << 30) as f64;
                if gib_s >= 1.0 {
                    format!("{} GiB/s", sig3(gib_s))
                } else {
                    format!("{} MiB/s", sig3(gib_s * 1024.0))
                }
            }
            Per::Keys(n) => format!("{} ns/key", sig3(ns / n as f64)),
        }
    }

    /// The rate, and for byte inputs the time per input too.
    fn cell(self, ns: f64) -> String {
        match self {
            Per::Bytes(_) => format!("{} ({})", self.rate(ns), duration(ns)),
            Per::Keys(_) => self.rate(ns),
        }
    }
}

struct Row {
    group: String,
    ours: String,
    ours_ns: f64,
    peer: String,
    peer_ns: f64,
    per: Per,
}

/// Ratios of slotwise against its peers, read back from criterion's results of this run.
pub struct Report {
    bench: String,
    started: SystemTime,
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Report {
    /// Starts a report for the benchmark binary `bench`; results older than this call are
    /// ignored (they belong to an earlier run).
    pub fn new(bench: &str) -> Self {
        Report {
            bench: bench.to_string(),
            started: SystemTime::now(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Compares function `ours` with function `peer` of criterion group `group` and prints a
    /// `ratio` line. Does nothing when either has no result from this run (filtered out, or
    /// `--test`/`--list` mode, which write no estimates); returns whether it compared.
    pub fn compare(&mut self, group: &str, per: Per, ours: &str, peer: &str) -> bool {
        let (Some(ours_ns), Some(peer_ns)) = (self.mean_ns(group, ours), self.mean_ns(group, peer))
        else {
            return false;
        };
        self.compare_measured(group, per, (ours, ours_ns), (peer, peer_ns));
        true
    }

    /// Like [`Report::compare`], with times measured by the caller (e.g. by
    /// [`interleaved_min_ns`]) instead of read from criterion; `label` names the measurement.
    pub fn compare_measured(
        &mut self,
        label: &str,
        per: Per,
        (ours, ours_ns): (&str, f64),
        (peer, peer_ns): (&str, f64),
    ) {
        let row = Row {
            group: label.to_string(),
            ours: ours.to_string(),
            ours_ns,
            peer: peer.to_string(),
            peer_ns,
            per,
        };
        println!(
            "ratio {}: {} {} vs {} {} = {}",
            row.group,
            row.ours,
            per.rate(ours_ns),
            row.peer,
            per.rate(peer_ns),
            verdict(ours_ns, peer_ns)
        );
        self.rows.push(row);
    }

    /// Adds a line under the markdown table (what the functions measure, caveats).
    pub fn note(&mut self, line: &str) {
        self.notes.push(line.to_string());
    }

    /// Criterion's mean time per iteration, in ns, if it was written during this run.
    fn mean_ns(&self, group: &str, function: &str) -> Option<f64> {
        let path = criterion_dir()
            .join(filename_safe(group))
            .join(filename_safe(function))
            .join("new")
            .join("estimates.json");
        let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
        // Allow for file systems that store coarse timestamps.
        if modified + Duration::from_secs(2) < self.started {
            return None;
        }
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        json["mean"]["point_estimate"].as_f64()
    }

    /// Prints the summary table and writes it to `<target>/bench-summary/<bench>.md`.
    pub fn finish(self) {
        if self.rows.is_empty() {
            println!(
                "{}: no fresh criterion results to compare (filtered out, or not run with \
                 `cargo bench`)",
                self.bench
            );
            return;
        }
        let md = self.markdown();
        println!("\n{md}");
        let dir = target_dir().join("bench-summary");
        let path = dir.join(format!("{}.md", self.bench));
        match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &md)) {
            Ok(()) => println!("summary written to {}", path.display()),
            Err(e) => eprintln!("could not write {}: {e}", path.display()),
        }
    }

    fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "### {}\n", self.bench);
        let _ = writeln!(
            md,
            "Mean time per iteration from criterion (warm-up {} s, {} samples over {} s), as a \
             rate per input.\n",
            WARM_UP.as_secs_f64(),
            SAMPLE_SIZE,
            MEASUREMENT.as_secs_f64()
        );
        md.push_str("| benchmark | slotwise | result | peer | result | slotwise vs peer |\n");
        md.push_str("|---|---|---:|---|---:|---|\n");
        for r in &self.rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                r.group,
                r.ours,
                r.per.cell(r.ours_ns),
                r.peer,
                r.per.cell(r.peer_ns),
                verdict(r.ours_ns, r.peer_ns)
            );
        }
        if !self.notes.is_empty() {
            md.push('\n');
            for n in &self.notes {
                let _ = writeln!(md, "- {n}");
            }
        }
        md
    }
}

/// "11.2x faster" or "1.3x slower" for slotwise taking `ours_ns` where the peer takes
/// `peer_ns`.
fn verdict(ours_ns: f64, peer_ns: f64) -> String {
    if peer_ns >= ours_ns {
        format!("{}x faster", sig3(peer_ns / ours_ns))
    } else {
        format!("{}x slower", sig3(ours_ns / peer_ns))
    }
}

/// A time in ns, in the unit that suits it.
fn duration(ns: f64) -> String {
    if ns < 1e3 {
        format!("{} ns", sig3(ns))
    } else if ns < 1e6 {
        format!("{} µs", sig3(ns / 1e3))
    } else if ns < 1e9 {
        format!("{} ms", sig3(ns / 1e6))
    } else {
        format!("{} s", sig3(ns / 1e9))
    }
}

/// About three significant digits, without an exponent.
pub(crate) fn sig3(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// Criterion's mapping of a group or function id to a directory name.
fn filename_safe(id: &str) -> String {
    id.replace(['?', '"', '/', '\\', '*', '<', '>', ':', '|', '^'], "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_buffer_refills_without_copying_once_frames_are_dropped() {
        let input = b"$5\r\nhello\r\n:42\r\n";
        let mut rb = ReadBuffer::new(input);
        let mut dec = slotwise::resp::Decoder::default();
        for _ in 0..3 {
            let buf = rb.refill();
            assert_eq!(&buf[..], input);
            let a = dec.decode(buf).unwrap().unwrap();
            let b = dec.decode(buf).unwrap().unwrap();
            assert_eq!(a.as_bytes().map(|b| &b[..]), Some(&b"hello"[..]));
            assert_eq!(b, slotwise::resp::Value::Int(42));
        }
        assert_eq!(rb.copies(), 0);

        // A frame kept alive forces a copy, and the bytes stay right.
        let kept = dec.decode(rb.refill()).unwrap();
        assert_eq!(&rb.refill()[..], input);
        assert_eq!(rb.copies(), 1);
        drop(kept);
    }

    #[test]
    fn formatting() {
        assert_eq!(verdict(1.0, 11.23), "11.2x faster");
        assert_eq!(verdict(2.0, 1.0), "2.00x slower");
        assert_eq!(duration(81_234.0), "81.2 µs");
        assert_eq!(Per::Keys(1000).rate(12_345.0), "12.3 ns/key");
        assert_eq!(Per::Bytes(1 << 30).rate(1e9), "1.00 GiB/s");
        assert_eq!(Per::Bytes(1 << 20).rate(1e9), "1.00 MiB/s");
        assert_eq!(Per::Bytes(1 << 20).cell(1e9), "1.00 MiB/s (1.00 s)");
        assert_eq!(
            filename_safe("resp_decode/bulk_1MiB"),
            "resp_decode_bulk_1MiB"
        );
    }
}
