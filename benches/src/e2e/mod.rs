//! End-to-end benchmark support (`benches/benches/cluster_e2e.rs`): slotwise beside redis-rs
//! against one real cluster, timed by wall clock and by the process's own CPU time.
//!
//! - [`Workload`]: `key:<i>` with 16-byte values, built once before anything is timed.
//! - [`Mode`]: the five modes (blocking and async sequential, async 64 in flight, blocking and
//!   async pipelines of 64) and their workload sizes ([`Config`], from the environment).
//! - [`measure`]: wall time and `getrusage(RUSAGE_SELF)` ([`Usage`]: user and system time,
//!   context switches) of one run.
//! - [`slotwise_side`] and [`redis_side`]: the same workload driven through each client;
//!   [`floor`]: raw sockets, the least any client can spend (blocking sequential only).
//! - [`Table`]: best figures over the rounds, `ratio` lines, targets, and the markdown
//!   summary written to `<target>/bench-summary/cluster_e2e.md`.

use std::time::{Duration, Instant};

pub mod floor;
pub mod redis_side;
mod report;
pub mod slotwise_side;

pub use report::{Table, Target};

/// Concurrent requests in the in-flight mode.
pub const IN_FLIGHT: usize = 64;
/// Commands per pipeline in the pipeline modes.
pub const PIPELINE: usize = 64;
/// Bytes per value.
pub const VALUE_LEN: usize = 16;

/// Environment variable: keys of the sequential modes (default 20,000).
pub const N_SEQ_ENV: &str = "SLOTWISE_E2E_N_SEQ";
/// Environment variable: keys of the in-flight and pipeline modes (default 100,000).
pub const N_PAR_ENV: &str = "SLOTWISE_E2E_N_PAR";
/// Environment variable: measured rounds per mode and client (default 5).
pub const ROUNDS_ENV: &str = "SLOTWISE_E2E_ROUNDS";

/// What to run: workload sizes, rounds, and which modes.
#[derive(Debug, Clone)]
pub struct Config {
    /// Keys (SETs, then as many GETs) of the sequential modes.
    pub n_seq: usize,
    /// Keys of the in-flight and pipeline modes.
    pub n_par: usize,
    /// Measured rounds per mode and client; the best figures count.
    pub rounds: usize,
    /// Substrings of mode names to run (all modes when empty).
    pub filter: Vec<String>,
    /// A quick check that every mode works (the binary was not run by `cargo bench`, which
    /// passes `--bench`; e.g. `cargo test --benches`): tiny workloads, one round, no summary
    /// file.
    pub smoke: bool,
}

impl Config {
    /// Sizes from the environment ([`N_SEQ_ENV`], [`N_PAR_ENV`], [`ROUNDS_ENV`]) and mode
    /// filters from the command line: arguments that do not start with `-`. Without
    /// `--bench` (which `cargo bench` passes) this is a [`Config::smoke`] run.
    pub fn from_env_and_args() -> Result<Config, String> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let filter = args
            .iter()
            .filter(|a| !a.starts_with('-'))
            .cloned()
            .collect();
        if !args.iter().any(|a| a == "--bench") {
            return Ok(Config {
                n_seq: 256,
                n_par: 1024,
                rounds: 1,
                filter,
                smoke: true,
            });
        }
        Ok(Config {
            n_seq: env_usize(N_SEQ_ENV, 20_000)?,
            n_par: env_usize(N_PAR_ENV, 100_000)?,
            rounds: env_usize(ROUNDS_ENV, 5)?,
            filter,
            smoke: false,
        })
    }

    /// The modes selected by the filter, in run order.
    pub fn modes(&self) -> Vec<Mode> {
        Mode::ALL
            .into_iter()
            .filter(|m| self.filter.is_empty() || self.filter.iter().any(|f| m.name().contains(f)))
            .collect()
    }

    /// Keys of `mode`'s workload.
    pub fn n(&self, mode: Mode) -> usize {
        if mode.is_sequential() {
            self.n_seq
        } else {
            self.n_par
        }
    }
}

fn env_usize(name: &str, default: usize) -> Result<usize, String> {
    match std::env::var(name) {
        Ok(v) => match v.trim().replace('_', "").parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{name}={v:?}: expected a positive integer")),
        },
        Err(_) => Ok(default),
    }
}

/// One way of driving the workload, run by both clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `slotwise::blocking::Client` / redis-rs `cluster::ClusterConnection`: one command at
    /// a time.
    BlockingSequential,
    /// `slotwise::aio::Client` / redis-rs `cluster_async::ClusterConnection` on a
    /// current-thread runtime: one command at a time.
    AsyncSequential,
    /// The async clients with [`IN_FLIGHT`] tasks, each doing every 64th key.
    AsyncInFlight,
    /// The blocking clients, [`PIPELINE`] commands of mixed slots per pipeline.
    BlockingPipeline,
    /// The async clients, [`PIPELINE`] commands of mixed slots per pipeline.
    AsyncPipeline,
}

impl Mode {
    /// Every mode, in run order.
    pub const ALL: [Mode; 5] = [
        Mode::BlockingSequential,
        Mode::AsyncSequential,
        Mode::AsyncInFlight,
        Mode::BlockingPipeline,
        Mode::AsyncPipeline,
    ];

    /// Short name (used by the filter and in `ratio` lines).
    pub fn name(self) -> &'static str {
        match self {
            Mode::BlockingSequential => "blocking_sequential",
            Mode::AsyncSequential => "async_sequential",
            Mode::AsyncInFlight => "async_64_in_flight",
            Mode::BlockingPipeline => "blocking_pipeline_64",
            Mode::AsyncPipeline => "async_pipeline_64",
        }
    }

    /// True for the one-command-at-a-time modes (smaller default workload).
    pub fn is_sequential(self) -> bool {
        matches!(self, Mode::BlockingSequential | Mode::AsyncSequential)
    }

    /// True for the modes that run on the tokio runtime.
    pub fn is_async(self) -> bool {
        matches!(
            self,
            Mode::AsyncSequential | Mode::AsyncInFlight | Mode::AsyncPipeline
        )
    }
}

/// Which client ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// slotwise.
    Slotwise,
    /// The `redis` crate.
    RedisRs,
    /// Raw sockets ([`floor`]), a reference for the blocking sequential mode.
    RawFloor,
}

impl Side {
    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Side::Slotwise => "slotwise",
            Side::RedisRs => "redis-rs",
            Side::RawFloor => "raw-floor",
        }
    }
}

/// The keys and values, built before anything is timed so that neither client pays for
/// formatting them.
#[derive(Debug)]
pub struct Workload {
    keys: Vec<String>,
    values: Vec<[u8; VALUE_LEN]>,
}

impl Workload {
    /// `key:0 .. key:<n-1>`, each with its own 16-byte value `v000000000000042`.
    pub fn new(n: usize) -> Workload {
        let keys = (0..n).map(|i| format!("key:{i}")).collect();
        let values = (0..n)
            .map(|i| {
                let mut v = [0u8; VALUE_LEN];
                v.copy_from_slice(format!("v{:0width$}", i, width = VALUE_LEN - 1).as_bytes());
                v
            })
            .collect();
        Workload { keys, values }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Key `i`.
    #[inline]
    pub fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    /// Value of key `i`.
    #[inline]
    pub fn value(&self, i: usize) -> &[u8] {
        &self.values[i]
    }

    /// Checks what GET returned for key `i`.
    #[inline]
    pub fn check(&self, i: usize, got: Option<&[u8]>) -> Result<(), String> {
        if got == Some(self.value(i)) {
            Ok(())
        } else {
            Err(format!(
                "GET {} returned {:?}, expected {:?}",
                self.key(i),
                got.map(String::from_utf8_lossy),
                String::from_utf8_lossy(self.value(i))
            ))
        }
    }
}

/// The process's resource usage so far: CPU time (user and system, every thread) and
/// context switches.
///
/// The redis-servers are other processes, so this is the client's usage only. Both clients
/// live in this process, but a mode runs one of them at a time and the other sits idle.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User CPU time.
    pub user: Duration,
    /// System CPU time.
    pub sys: Duration,
    /// Voluntary context switches (the thread blocked, e.g. waiting for a reply).
    pub voluntary_switches: u64,
    /// Involuntary context switches (preempted).
    pub involuntary_switches: u64,
}

impl Usage {
    /// `getrusage(RUSAGE_SELF)` now.
    pub fn now() -> Usage {
        // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
        let u = unsafe {
            let mut u: libc::rusage = std::mem::zeroed();
            if libc::getrusage(libc::RUSAGE_SELF, &mut u) != 0 {
                return Usage::default();
            }
            u
        };
        let tv = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        Usage {
            user: tv(u.ru_utime),
            sys: tv(u.ru_stime),
            voluntary_switches: u.ru_nvcsw as u64,
            involuntary_switches: u.ru_nivcsw as u64,
        }
    }

    /// User plus system time.
    pub fn cpu(&self) -> Duration {
        self.user + self.sys
    }

    /// What was used between `earlier` and `self`.
    pub fn since(&self, earlier: &Usage) -> Usage {
        Usage {
            user: self.user.saturating_sub(earlier.user),
            sys: self.sys.saturating_sub(earlier.sys),
            voluntary_switches: self
                .voluntary_switches
                .saturating_sub(earlier.voluntary_switches),
            involuntary_switches: self
                .involuntary_switches
                .saturating_sub(earlier.involuntary_switches),
        }
    }
}

/// One run of one mode by one client.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Commands run (SETs plus GETs).
    pub ops: u64,
    /// Wall time.
    pub wall: Duration,
    /// This process's usage over the run.
    pub usage: Usage,
    /// CPU time of the cluster's redis-servers over the run (primaries and replicas), when
    /// known ([`ServerCpu`]).
    pub server_cpu: Option<Duration>,
}

impl Sample {
    /// Commands per second of wall time.
    pub fn ops_per_s(&self) -> f64 {
        self.ops as f64 / self.wall.as_secs_f64()
    }

    /// Client CPU (user + system) microseconds per command.
    pub fn cpu_us_per_op(&self) -> f64 {
        self.usage.cpu().as_secs_f64() * 1e6 / self.ops as f64
    }

    /// Client system CPU microseconds per command.
    pub fn sys_us_per_op(&self) -> f64 {
        self.usage.sys.as_secs_f64() * 1e6 / self.ops as f64
    }

    /// Server CPU (every redis-server of the cluster) microseconds per command.
    pub fn server_us_per_op(&self) -> Option<f64> {
        self.server_cpu
            .map(|c| c.as_secs_f64() * 1e6 / self.ops as f64)
    }

    /// Context switches (voluntary + involuntary) per command.
    pub fn switches_per_op(&self) -> f64 {
        (self.usage.voluntary_switches + self.usage.involuntary_switches) as f64 / self.ops as f64
    }
}

/// The CPU time the cluster's redis-server processes have used, from `/proc/<pid>/stat`
/// (clock ticks, usually 10 ms: fine for runs of a second or more). On a small machine the
/// servers share the cores with the client, so a client that needs less CPU leaves more for
/// them; this shows how much of each run the servers' own work was.
#[derive(Debug, Clone, Default)]
pub struct ServerCpu {
    pids: Vec<u32>,
}

impl ServerCpu {
    /// Watches the processes `pids`.
    pub fn new(pids: Vec<u32>) -> ServerCpu {
        ServerCpu { pids }
    }

    /// Their total CPU time so far; `None` when `/proc` cannot tell.
    pub fn now(&self) -> Option<Duration> {
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if hz <= 0 || self.pids.is_empty() {
            return None;
        }
        let mut ticks = 0u64;
        for pid in &self.pids {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after the parenthesised command name; utime and stime are 14th and 15th.
            let rest = &stat[stat.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split(' ').collect();
            ticks += f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
        }
        Some(Duration::from_secs_f64(ticks as f64 / hz as f64))
    }
}

/// Runs `f` (which runs `ops` commands) and measures it, and the servers' CPU meanwhile.
pub fn measure(
    ops: u64,
    servers: &ServerCpu,
    f: impl FnOnce() -> Result<(), String>,
) -> Result<Sample, String> {
    let s0 = servers.now();
    let u0 = Usage::now();
    let t0 = Instant::now();
    f()?;
    let wall = t0.elapsed();
    let usage = Usage::now().since(&u0);
    let server_cpu = match (s0, servers.now()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    Ok(Sample {
        ops,
        wall,
        usage,
        server_cpu,
    })
}

/// The best figures of one client in one mode over the rounds: highest ops/s and lowest CPU
/// per op, each on its own (the round with the least interference from the rest of the
/// machine, for each).
#[derive(Debug, Clone, Copy)]
pub struct Best {
    /// Highest ops/s of any round.
    pub ops_per_s: f64,
    /// Lowest client CPU µs/op of any round.
    pub cpu_us_per_op: f64,
    /// Rounds measured.
    pub rounds: usize,
}

impl Default for Best {
    fn default() -> Self {
        Best {
            ops_per_s: 0.0,
            cpu_us_per_op: f64::INFINITY,
            rounds: 0,
        }
    }
}

impl Best {
    /// Folds in one round.
    pub fn add(&mut self, s: &Sample) {
        self.ops_per_s = self.ops_per_s.max(s.ops_per_s());
        self.cpu_us_per_op = self.cpu_us_per_op.min(s.cpu_us_per_op());
        self.rounds += 1;
    }
}

/// The slot of a key (CRC16/XMODEM of the key or its hash tag, mod 16384).
pub fn key_slot(key: &[u8]) -> u16 {
    let tagged = key
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let rest = &key[open + 1..];
            rest.iter()
                .position(|&b| b == b'}')
                .filter(|&close| close > 0)
                .map(|close| &rest[..close])
        })
        .unwrap_or(key);
    crc16::State::<crc16::XMODEM>::calculate(tagged) % 16384
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_values_are_16_bytes_and_distinct() {
        let w = Workload::new(1000);
        assert_eq!(w.len(), 1000);
        assert_eq!(w.key(42), "key:42");
        assert_eq!(w.value(42), b"v000000000000042");
        assert!(w.check(42, Some(b"v000000000000042")).is_ok());
        assert!(w.check(42, Some(b"v000000000000043")).is_err());
        assert!(w.check(42, None).is_err());
    }

    #[test]
    fn key_slot_matches_slotwise() {
        for k in [&b"key:1"[..], b"user:{42}:x", b"{}a", b"a{b}c{d}", b""] {
            assert_eq!(key_slot(k), slotwise::slot::key_slot(k).get(), "{k:?}");
        }
    }

    #[test]
    fn cpu_time_advances() {
        let t0 = Usage::now().cpu();
        let mut x = 0u64;
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(20) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(Usage::now().cpu() > t0);
    }

    #[test]
    fn server_cpu_reads_this_process() {
        let me = ServerCpu::new(vec![std::process::id()]);
        let t0 = me.now().expect("/proc/self/stat is readable");
        let start = Instant::now();
        let mut x = 0u64;
        while me.now().unwrap() == t0 && start.elapsed() < Duration::from_secs(5) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(me.now().unwrap() > t0, "CPU time never advanced");
        assert!(ServerCpu::new(Vec::new()).now().is_none());
    }

    #[test]
    fn modes_filter() {
        let mut c = Config {
            n_seq: 1,
            n_par: 2,
            rounds: 1,
            filter: vec!["pipeline".into()],
            smoke: false,
        };
        assert_eq!(c.modes(), [Mode::BlockingPipeline, Mode::AsyncPipeline]);
        assert_eq!(c.n(Mode::AsyncPipeline), 2);
        c.filter.clear();
        assert_eq!(c.modes().len(), 5);
        assert_eq!(c.n(Mode::BlockingSequential), 1);
    }
}
