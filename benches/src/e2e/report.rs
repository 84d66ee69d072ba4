//! The results of the end-to-end benchmark: `ratio` lines, targets and a markdown summary.

use std::fmt::Write as _;

use super::{Best, Mode, Sample, Side};
use crate::sig3;

/// Least ops/s ratio (slotwise / redis-rs) of every mode.
const AT_LEAST_AS_FAST: f64 = 1.0;
/// Least ops/s ratio in the 64-in-flight mode.
const IN_FLIGHT_RATIO: f64 = 1.3;
/// Most client CPU µs per op of slotwise's blocking client, one command at a time.
const BLOCKING_SEQ_CPU_US: f64 = 10.0;

struct Row {
    mode: Mode,
    n: usize,
    ours: Best,
    peer: Best,
}

impl Row {
    /// slotwise ops/s over redis-rs ops/s (above 1: slotwise is faster).
    fn speed_ratio(&self) -> f64 {
        self.ours.ops_per_s / self.peer.ops_per_s
    }

    /// redis-rs CPU per op over slotwise CPU per op (above 1: slotwise uses less).
    fn cpu_ratio(&self) -> f64 {
        self.peer.cpu_us_per_op / self.ours.cpu_us_per_op
    }
}

/// One target of the issue and whether this run met it.
#[derive(Debug, Clone)]
pub struct Target {
    /// What is asked.
    pub what: String,
    /// The figure measured.
    pub measured: String,
    /// Whether it was met.
    pub met: bool,
}

/// Results per mode, and what they say about the targets.
#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
    notes: Vec<String>,
    rounds: Vec<String>,
    references: Vec<String>,
}

impl Table {
    /// A table with no rows.
    pub fn new() -> Table {
        Table::default()
    }

    /// Prints and keeps one measured round (listed under the summary).
    pub fn round(&mut self, mode: Mode, side: Side, round: usize, s: &Sample) {
        let line = format!(
            "{:<21} round {} {:<9} {:>9.0} ops/s {:>6.2} CPU µs/op (sys {:>5.2}) servers {:>5} \
             µs/op {:>5.2} ctx switches/op  {:.2} s wall",
            mode.name(),
            round,
            side.name(),
            s.ops_per_s(),
            s.cpu_us_per_op(),
            s.sys_us_per_op(),
            s.server_us_per_op()
                .map_or_else(|| "?".to_string(), |v| format!("{v:.2}")),
            s.switches_per_op(),
            s.wall.as_secs_f64(),
        );
        println!("  {line}");
        self.rounds.push(line);
    }

    /// Adds a mode's best figures (`n` keys: `2n` commands per run) and prints its `ratio`
    /// line.
    pub fn add(&mut self, mode: Mode, n: usize, ours: Best, peer: Best) {
        let row = Row {
            mode,
            n,
            ours,
            peer,
        };
        println!(
            "ratio {}: slotwise {} ops/s vs redis-rs {} ops/s = {} ops/s; client CPU {} vs {} \
             µs/op = {}",
            mode.name(),
            thousands(ours.ops_per_s),
            thousands(peer.ops_per_s),
            times(row.speed_ratio(), "faster", "slower"),
            sig3(ours.cpu_us_per_op),
            sig3(peer.cpu_us_per_op),
            times(row.cpu_ratio(), "less CPU", "more CPU"),
        );
        self.rows.push(row);
    }

    /// Adds a reference that is not a competitor (the raw-socket floor) under the table, and
    /// prints it.
    pub fn reference(&mut self, mode: Mode, side: Side, best: Best, what: &str) {
        let line = format!(
            "{} {}: {} ops/s, {} client CPU µs/op ({what})",
            mode.name(),
            side.name(),
            thousands(best.ops_per_s),
            sig3(best.cpu_us_per_op),
        );
        println!("reference {line}");
        self.references.push(line);
    }

    /// Adds a line under the table.
    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    /// The targets that this run's modes can say something about.
    pub fn targets(&self) -> Vec<Target> {
        let mut out = Vec::new();
        for r in &self.rows {
            let ratio = r.speed_ratio();
            out.push(Target {
                what: format!(
                    "{}: slotwise at least as fast as redis-rs (ops/s ratio >= {AT_LEAST_AS_FAST})",
                    r.mode.name()
                ),
                measured: format!("{}x", sig3(ratio)),
                met: ratio >= AT_LEAST_AS_FAST,
            });
            if r.mode == Mode::AsyncInFlight {
                out.push(Target {
                    what: format!(
                        "{}: slotwise at least {IN_FLIGHT_RATIO}x redis-rs ops/s",
                        r.mode.name()
                    ),
                    measured: format!("{}x", sig3(ratio)),
                    met: ratio >= IN_FLIGHT_RATIO,
                });
            }
            if r.mode == Mode::BlockingSequential {
                out.push(Target {
                    what: format!(
                        "{}: slotwise at most {BLOCKING_SEQ_CPU_US} client CPU µs/op",
                        r.mode.name()
                    ),
                    measured: format!("{} µs/op", sig3(r.ours.cpu_us_per_op)),
                    met: r.ours.cpu_us_per_op <= BLOCKING_SEQ_CPU_US,
                });
            }
        }
        out
    }

    /// The summary: table, targets, notes.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        md.push_str("### cluster_e2e\n\n");
        md.push_str(
            "`N` SETs of `key:<i>` (16-byte values), then `N` GETs checked against them, \
             against one 3 primary + 3 replica redis-server cluster on loopback. ops/s = \
             2N / wall time; client CPU = this process's user + system time \
             (`getrusage(RUSAGE_SELF)`) over the run / 2N. Best of the rounds for each \
             figure on its own; which client runs first rotates per round.\n\n",
        );
        md.push_str(
            "| mode | N | slotwise ops/s | redis-rs ops/s | ops/s | slotwise CPU µs/op | \
             redis-rs CPU µs/op | CPU |\n",
        );
        md.push_str("|---|---:|---:|---:|---|---:|---:|---|\n");
        for r in &self.rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                r.mode.name(),
                thousands(r.n as f64),
                thousands(r.ours.ops_per_s),
                thousands(r.peer.ops_per_s),
                times(r.speed_ratio(), "faster", "slower"),
                sig3(r.ours.cpu_us_per_op),
                sig3(r.peer.cpu_us_per_op),
                times(r.cpu_ratio(), "less", "more"),
            );
        }
        if !self.references.is_empty() {
            md.push_str("\nReferences (best of the same rounds):\n\n");
            for r in &self.references {
                let _ = writeln!(md, "- {r}");
            }
        }
        md.push_str("\nTargets:\n\n");
        for t in self.targets() {
            let _ = writeln!(
                md,
                "- [{}] {}: {}",
                if t.met { "met" } else { "NOT met" },
                t.what,
                t.measured
            );
        }
        if !self.notes.is_empty() {
            md.push_str("\nNotes:\n\n");
            for n in &self.notes {
                let _ = writeln!(md, "- {n}");
            }
        }
        if !self.rounds.is_empty() {
            md.push_str(
                "\nEvery round (CPU = user + sys of this process; servers = CPU of all six \
                         redis-servers from /proc, per command; ctx switches from `getrusage` \
                         too):\n\n```text\n",
            );
            for r in &self.rounds {
                md.push_str(r);
                md.push('\n');
            }
            md.push_str("```\n");
        }
        md
    }

    /// Prints the summary and writes it to `<target>/bench-summary/cluster_e2e.md`.
    pub fn finish(&self) {
        let md = self.markdown();
        println!("\n{md}");
        let dir = crate::target_dir().join("bench-summary");
        let path = dir.join("cluster_e2e.md");
        match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &md)) {
            Ok(()) => println!("summary written to {}", path.display()),
            Err(e) => eprintln!("could not write {}: {e}", path.display()),
        }
    }
}

/// "1.42x faster" / "1.10x slower" for a ratio where above 1 is good.
fn times(ratio: f64, good: &str, bad: &str) -> String {
    if ratio >= 1.0 {
        format!("{}x {good}", sig3(ratio))
    } else {
        format!("{}x {bad}", sig3(1.0 / ratio))
    }
}

/// A whole number with thousands separators.
fn thousands(x: f64) -> String {
    let s = format!("{:.0}", x.max(0.0));
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(ops: f64, cpu: f64) -> Best {
        Best {
            ops_per_s: ops,
            cpu_us_per_op: cpu,
            rounds: 1,
        }
    }

    #[test]
    fn formatting() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(times(2.0, "faster", "slower"), "2.00x faster");
        assert_eq!(times(0.5, "faster", "slower"), "2.00x slower");
    }

    #[test]
    fn targets_follow_the_figures() {
        let mut t = Table::new();
        t.add(
            Mode::BlockingSequential,
            10,
            best(100.0, 9.0),
            best(90.0, 12.0),
        );
        t.add(Mode::AsyncInFlight, 10, best(120.0, 3.0), best(100.0, 5.0));
        let got: Vec<bool> = t.targets().iter().map(|t| t.met).collect();
        // blocking: faster, CPU <= 10; in flight: faster, but not 1.3x.
        assert_eq!(got, [true, true, true, false]);
        let md = t.markdown();
        assert!(md.contains("[NOT met] async_64_in_flight"), "{md}");
        assert!(md.contains("| blocking_sequential | 10 | 100 | 90 | 1.11x faster |"));
    }
}
