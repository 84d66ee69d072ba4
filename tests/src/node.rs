//! One redis-server process: its directory, generated config file, log, port and lifecycle
//! (spawn, wait until it answers, signals, stop).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::conn::{AdminConn, Auth};
use crate::error::{HarnessError, Result};
use crate::ports::PortReservation;
use crate::process;

/// What the harness last did to a node's process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcessState {
    /// Started (or resumed) and expected to answer.
    Running,
    /// Stopped with SIGSTOP by [`crate::TestCluster::pause_node`].
    Paused,
    /// Killed (or never started); [`crate::TestCluster::restart_node`] brings it back.
    Down,
}

/// How many times a node is started on fresh ports after losing a port race.
const PORT_ATTEMPTS: usize = 8;

/// Quotes a config value for redis' config parser (double quotes, `\"`, `\\`, `\xHH`).
pub(crate) fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for b in value.bytes() {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

/// A config line with every value quoted.
pub(crate) fn directive(key: &str, values: &[&str]) -> String {
    let mut line = key.to_string();
    for v in values {
        line.push(' ');
        line.push_str(&quote(v));
    }
    line.push('\n');
    line
}

/// One redis-server child process.
#[derive(Debug)]
pub(crate) struct RedisProcess {
    label: String,
    dir: PathBuf,
    redis_server: PathBuf,
    /// Config file body, without the `port` line.
    directives: String,
    port: Option<PortReservation>,
    /// Whether the node also listens for TLS (see [`RedisProcess::enable_tls`]).
    tls: bool,
    tls_port: Option<PortReservation>,
    child: Option<Child>,
    state: ProcessState,
    die_with_harness: bool,
}

impl RedisProcess {
    /// A process description; nothing starts until [`RedisProcess::spawn`]. `directives` must
    /// not set `port`, `dir` or `logfile` (added here).
    pub(crate) fn new(
        label: String,
        dir: PathBuf,
        redis_server: PathBuf,
        directives: String,
        die_with_harness: bool,
    ) -> Result<RedisProcess> {
        fs::create_dir_all(&dir)
            .map_err(|e| HarnessError::io(format!("creating {}", dir.display()), e))?;
        Ok(RedisProcess {
            label,
            dir,
            redis_server,
            directives,
            port: None,
            tls: false,
            tls_port: None,
            child: None,
            state: ProcessState::Down,
            die_with_harness,
        })
    }

    /// The client port (0 before the first spawn).
    pub(crate) fn port(&self) -> u16 {
        self.port.as_ref().map_or(0, |p| p.port())
    }

    /// "127.0.0.1:port".
    pub(crate) fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port())
    }

    /// Makes the node listen on a `tls-port` too (reserved at spawn) and pins its cluster bus
    /// to `port + 10000` (with `tls-cluster yes` it would otherwise be `tls-port + 10000`).
    /// The TLS file directives must be part of the process' directives.
    pub(crate) fn enable_tls(&mut self) {
        self.tls = true;
    }

    /// The TLS port, once reserved (TLS nodes only).
    pub(crate) fn tls_port(&self) -> Option<u16> {
        self.tls_port.as_ref().map(|p| p.port())
    }

    /// The pid while a child is attached.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    pub(crate) fn state(&self) -> ProcessState {
        self.state
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The redis-server log file.
    pub(crate) fn log_path(&self) -> PathBuf {
        self.dir.join("redis.log")
    }

    fn config_path(&self) -> PathBuf {
        self.dir.join("redis.conf")
    }

    /// Writes the config file and starts redis-server (reserving a port first if needed).
    /// Returns once the process exists; see [`RedisProcess::wait_ready`].
    pub(crate) fn spawn(&mut self) -> Result<()> {
        if self.port.is_none() {
            self.port = Some(PortReservation::new()?);
        }
        if self.tls && self.tls_port.is_none() {
            self.tls_port = Some(PortReservation::single()?);
        }
        let dir = self.dir.to_string_lossy().into_owned();
        let log = self.log_path().to_string_lossy().into_owned();
        let tls_ports = match self.tls_port() {
            Some(t) => format!(
                "tls-port {t}\ncluster-port {}\n",
                u32::from(self.port()) + u32::from(crate::ports::BUS_PORT_OFFSET)
            ),
            None => String::new(),
        };
        let config = format!(
            "port {}\n{tls_ports}{}{}{}",
            self.port(),
            directive("dir", &[&dir]),
            directive("logfile", &[&log]),
            self.directives
        );
        let config_path = self.config_path();
        fs::write(&config_path, config)
            .map_err(|e| HarnessError::io(format!("writing {}", config_path.display()), e))?;
        let output = self.dir.join("stdout.log");
        let out = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&output)
            .map_err(|e| HarnessError::io(format!("opening {}", output.display()), e))?;
        let err = out
            .try_clone()
            .map_err(|e| HarnessError::io("duplicating a log file handle", e))?;
        let mut cmd = Command::new(&self.redis_server);
        cmd.arg(&config_path)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = process::spawn(cmd, self.die_with_harness).map_err(|e| {
            HarnessError::io(
                format!(
                    "spawning {} for {}",
                    self.redis_server.display(),
                    self.label
                ),
                e,
            )
        })?;
        self.child = Some(child);
        self.state = ProcessState::Running;
        Ok(())
    }

    /// Polls until the process answers `INFO server` with its own pid (so a redis-server of
    /// another test that won the port is not mistaken for this one).
    ///
    /// If the process exits because its port was taken meanwhile and `retry_ports` is set, it
    /// is started again on fresh ports.
    pub(crate) fn wait_ready(
        &mut self,
        auth: Option<&Auth>,
        deadline: Instant,
        retry_ports: bool,
    ) -> Result<()> {
        let mut attempts = 1;
        let mut pause = Duration::from_millis(2);
        loop {
            let Some(child) = self.child.as_mut() else {
                return Err(self.start_error("the process is not running".into()));
            };
            let pid = child.id();
            if let Some(status) = child
                .try_wait()
                .map_err(|e| HarnessError::io(format!("waiting for {}", self.label), e))?
            {
                self.child = None;
                self.state = ProcessState::Down;
                let log = fs::read_to_string(self.log_path()).unwrap_or_default();
                if retry_ports && attempts < PORT_ATTEMPTS && log.contains("Address already in use")
                {
                    attempts += 1;
                    self.port = None;
                    self.tls_port = None;
                    let _ = fs::remove_file(self.dir.join("nodes.conf"));
                    self.spawn()?;
                    continue;
                }
                return Err(self.start_error(format!("exited ({status}) before answering")));
            }
            if self.answers_as(pid, auth) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.start_error("did not answer INFO before the deadline".into()));
            }
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    fn answers_as(&self, pid: u32, auth: Option<&Auth>) -> bool {
        let Ok(mut conn) = AdminConn::connect(&self.addr(), auth, Duration::from_secs(1)) else {
            return false;
        };
        let Ok(info) = conn.cmd(&["INFO", "server"]) else {
            return false;
        };
        let want = format!("process_id:{pid}");
        info.as_bytes()
            .is_some_and(|b| String::from_utf8_lossy(b).lines().any(|l| l.trim() == want))
    }

    fn start_error(&self, reason: String) -> HarnessError {
        HarnessError::Start {
            what: format!("{} ({})", self.label, self.addr()),
            reason,
            logs: self.log_tail(30),
        }
    }

    /// Sends a signal to the running child.
    fn signal(&self, sig: libc::c_int) -> Result<()> {
        match self.pid() {
            Some(pid) => process::signal(pid, sig)
                .map_err(|e| HarnessError::io(format!("signalling {}", self.label), e)),
            None => Err(HarnessError::Invalid(format!(
                "{} ({}) has no running process",
                self.label,
                self.addr()
            ))),
        }
    }

    /// SIGKILL, then reaps the process.
    pub(crate) fn kill(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            let _ = process::signal(child.id(), libc::SIGKILL);
            child
                .wait()
                .map_err(|e| HarnessError::io(format!("reaping {}", self.label), e))?;
        }
        self.state = ProcessState::Down;
        Ok(())
    }

    /// SIGSTOP.
    pub(crate) fn pause(&mut self) -> Result<()> {
        self.signal(libc::SIGSTOP)?;
        self.state = ProcessState::Paused;
        Ok(())
    }

    /// SIGCONT.
    pub(crate) fn resume(&mut self) -> Result<()> {
        self.signal(libc::SIGCONT)?;
        self.state = ProcessState::Running;
        Ok(())
    }

    /// First half of a graceful stop: SIGCONT (a paused process cannot act on SIGTERM), SIGTERM.
    pub(crate) fn begin_stop(&mut self) {
        if let Some(pid) = self.pid() {
            let _ = process::signal(pid, libc::SIGCONT);
            let _ = process::signal(pid, libc::SIGTERM);
        }
    }

    /// Second half: waits for the exit until `deadline`, then SIGKILLs and reaps.
    pub(crate) fn finish_stop(&mut self, deadline: Instant) {
        if let Some(child) = self.child.as_mut() {
            let mut pause = Duration::from_millis(2);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
        }
        let _ = self.kill();
    }

    /// Forgets the child without stopping it (for detached clusters); returns its pid.
    pub(crate) fn detach(&mut self) -> Option<u32> {
        let pid = self.pid();
        self.child = None;
        pid
    }

    /// The last `lines` lines of the node's log (and of its stdout/stderr if any), formatted
    /// for inclusion in an error message.
    pub(crate) fn log_tail(&self, lines: usize) -> String {
        let mut s = String::new();
        for path in [self.log_path(), self.dir.join("stdout.log")] {
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let all: Vec<&str> = text.lines().collect();
            let tail = &all[all.len().saturating_sub(lines)..];
            s.push_str(&format!(
                "\n--- {} ({}), last {} lines of {} ---\n{}",
                self.label,
                self.addr(),
                tail.len(),
                path.display(),
                tail.join("\n")
            ));
        }
        s
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        // Normally stopped by the owner; this is the last line of defence against leaks.
        if self.child.is_some() {
            self.begin_stop();
            self.finish_stop(Instant::now() + Duration::from_secs(1));
        }
    }
}
