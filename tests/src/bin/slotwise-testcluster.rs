//! `slotwise-testcluster`: start and stop real Redis Clusters for test suites in any language.
//!
//! ```text
//! slotwise-testcluster up [--primaries N] [--replicas N] [--password P] [--acl-user NAME:PASS]
//!                         [--node-timeout MS] [--tls] [--tls-auth-clients]
//!                         [--redis-server PATH] [--redis-cli PATH] [--dir DIR] [--json]
//!                         [--foreground]
//! slotwise-testcluster down --dir DIR
//! ```
//!
//! `up` starts the cluster and prints one line (JSON with `--json`):
//! `{"seeds":[...],"nodes":[{"addr","port","role","id","pid"}],"pidfile":...,"dir":...}`.
//! With `--tls` the nodes also serve TLS (certificates generated into DIR); the JSON then adds
//! `"tls_seeds":[...]` (the TLS addresses), `"ca_file":".../ca.crt"` (the CA to trust),
//! `"client_cert"` / `"client_key"` (a client certificate signed by that CA) and a
//! `"tls_port"` per node; `seeds` stay the plain addresses. `--tls-auth-clients` (implies
//! `--tls`) makes the TLS ports require that client certificate.
//! Without `--foreground` it then exits, leaving the nodes running; their pids are in
//! `DIR/pids` and `DIR/cluster.json`, and `down --dir DIR` stops them and deletes DIR.
//! With `--foreground` it stays until SIGTERM, SIGINT or EOF on stdin, then stops the nodes
//! and deletes DIR. The nodes also die if a foreground `up` is killed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use std::{fs, thread};

use slotwise_testcluster::{process_alive, ClusterOptions, ClusterProcesses, TestCluster};

const USAGE: &str = "\
usage:
  slotwise-testcluster up [--primaries N] [--replicas N] [--password P] [--acl-user NAME:PASS]
                          [--node-timeout MS] [--tls] [--tls-auth-clients]
                          [--redis-server PATH] [--redis-cli PATH] [--dir DIR] [--json]
                          [--foreground]
  slotwise-testcluster down --dir DIR

up        start a cluster (default 3 primaries, 1 replica each) and print its seeds;
          detached unless --foreground (then it runs until SIGTERM/SIGINT/stdin EOF)
down      stop the nodes of a detached cluster and delete its directory
--tls     nodes also serve TLS on a second port, with a generated CA (DIR/ca.crt); prints
          tls_seeds, ca_file and a client certificate (client_cert, client_key)
--tls-auth-clients
          as --tls, and the TLS ports require that client certificate
--dir     directory for the nodes' files (must be empty or absent; deleted by down)
--json    print one line of JSON instead of text";

/// The state file `down` reads.
const STATE_FILE: &str = "cluster.json";
/// One pid per line, for shell scripts.
const PID_FILE: &str = "pids";

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("up") => up(&args[1..]),
        Some("down") => down(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(Usage(format!("expected a subcommand\n{USAGE}")).into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<Usage>() => {
            eprintln!("slotwise-testcluster: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("slotwise-testcluster: {e}");
            ExitCode::FAILURE
        }
    }
}

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A command-line mistake (exit status 2).
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

struct UpArgs {
    opts: ClusterOptions,
    json: bool,
    foreground: bool,
}

fn parse_up(args: &[String]) -> Result<UpArgs, Usage> {
    let mut up = UpArgs {
        opts: ClusterOptions::default(),
        json: false,
        foreground: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| Usage(format!("{flag} needs a value")))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| Usage(format!("{flag}: not a number: {v}")))
        };
        match flag.as_str() {
            "--primaries" => up.opts.primaries = number(value()?)? as usize,
            "--replicas" => up.opts.replicas_per_primary = number(value()?)? as usize,
            "--password" => up.opts.password = Some(value()?),
            "--acl-user" => {
                let v = value()?;
                let (user, pass) = v
                    .split_once(':')
                    .ok_or_else(|| Usage("--acl-user wants NAME:PASS".into()))?;
                up.opts.acl_user = Some((user.to_string(), pass.to_string()));
            }
            "--node-timeout" => up.opts.node_timeout_ms = number(value()?)?,
            "--redis-server" => up.opts.redis_server = PathBuf::from(value()?),
            "--redis-cli" => up.opts.redis_cli = PathBuf::from(value()?),
            "--dir" => up.opts.dir = Some(PathBuf::from(value()?)),
            "--tls" => up.opts.tls = true,
            "--tls-auth-clients" => {
                up.opts.tls = true;
                up.opts.tls_auth_clients = true;
            }
            "--json" => up.json = true,
            "--foreground" => up.foreground = true,
            other => return Err(Usage(format!("unknown option {other}\n{USAGE}"))),
        }
    }
    Ok(up)
}

fn up(args: &[String]) -> AnyResult<()> {
    let UpArgs {
        mut opts,
        json,
        foreground,
    } = parse_up(args)?;
    opts.die_with_harness = foreground;
    if foreground {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
                libc::signal(sig, on_signal as *const () as libc::sighandler_t);
            }
        }
    }
    let cluster = TestCluster::start(opts)?;
    let dir = cluster.dir().to_path_buf();
    let nodes = cluster.nodes()?;
    let state = cluster.processes();
    fs::write(dir.join(STATE_FILE), serde_json::to_string_pretty(&state)?)?;
    let pids: String = state.nodes.iter().map(|n| format!("{}\n", n.pid)).collect();
    let pidfile = dir.join(PID_FILE);
    fs::write(&pidfile, pids)?;

    let seeds = cluster.seeds();
    let ca_file = cluster.ca_file();
    if json {
        let mut line = serde_json::json!({
            "seeds": seeds,
            "nodes": nodes.iter().map(|n| {
                let mut node = serde_json::json!({
                    "addr": n.addr, "port": n.port, "role": n.role, "id": n.id, "pid": n.pid,
                });
                if let Some(p) = n.tls_port {
                    node["tls_port"] = p.into();
                }
                node
            }).collect::<Vec<_>>(),
            "pidfile": pidfile,
            "dir": dir,
        });
        if let Some(files) = cluster.tls_files() {
            line["tls_seeds"] = serde_json::json!(cluster.tls_seeds());
            line["ca_file"] = serde_json::json!(files.ca_cert);
            line["client_cert"] = serde_json::json!(files.client_cert);
            line["client_key"] = serde_json::json!(files.client_key);
        }
        println!("{line}");
    } else {
        println!("seeds: {}", seeds.join(" "));
        if let Some(ca) = &ca_file {
            println!("tls seeds: {}", cluster.tls_seeds().join(" "));
            println!("ca file: {}", ca.display());
        }
        for n in &nodes {
            match n.tls_port {
                Some(t) => println!(
                    "{} (tls {t}) {:?} pid {}",
                    n.addr,
                    n.role,
                    n.pid.unwrap_or(0)
                ),
                None => println!("{} {:?} pid {}", n.addr, n.role, n.pid.unwrap_or(0)),
            }
        }
        println!("dir: {}", dir.display());
    }

    if !foreground {
        cluster.detach();
        return Ok(());
    }
    thread::spawn(|| {
        let mut sink = [0u8; 4096];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        STOP.store(true, Ordering::SeqCst);
    });
    while !STOP.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(50));
    }
    drop(cluster);
    Ok(())
}

fn down(args: &[String]) -> AnyResult<()> {
    let dir = match args {
        [flag, dir] if flag == "--dir" => PathBuf::from(dir),
        _ => return Err(Usage(format!("down needs --dir DIR\n{USAGE}")).into()),
    };
    let state_path = dir.join(STATE_FILE);
    let text = fs::read_to_string(&state_path)
        .map_err(|e| format!("reading {}: {e}", state_path.display()))?;
    let state: ClusterProcesses = serde_json::from_str(&text)?;
    let pids: Vec<u32> = state
        .nodes
        .iter()
        .map(|n| n.pid)
        .filter(|&pid| pid != 0 && is_redis_server(pid))
        .collect();
    for &pid in &pids {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGCONT);
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
    }
    if !wait_gone(&pids, Duration::from_secs(3)) {
        for &pid in pids.iter().filter(|&&p| process_alive(p)) {
            // SAFETY: as above.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
        if !wait_gone(&pids, Duration::from_secs(5)) {
            return Err(format!("some of the pids {pids:?} survived SIGKILL").into());
        }
    }
    fs::remove_dir_all(&dir).map_err(|e| format!("removing {}: {e}", dir.display()))?;
    Ok(())
}

/// Guards against pid reuse: only signal processes that are still redis-servers.
fn is_redis_server(pid: u32) -> bool {
    match fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => cmdline.windows(12).any(|w| w == b"redis-server"),
        // No procfs: trust the state file.
        Err(_) => !Path::new("/proc/self/cmdline").exists() && process_alive(pid),
    }
}

fn wait_gone(pids: &[u32], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if pids.iter().all(|&p| !process_alive(p)) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}
