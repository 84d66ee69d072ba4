//! The `slotwise-testcluster` binary: `up --json` / `down`, detached and in the foreground.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use slotwise_testcluster::{process_alive, AdminConn, Auth};

const BIN: &str = env!("CARGO_BIN_EXE_slotwise-testcluster");

struct Up {
    seeds: Vec<String>,
    pids: Vec<u32>,
    dir: PathBuf,
}

fn parse(line: &str) -> Up {
    let v: serde_json::Value = serde_json::from_str(line).expect(line);
    let seeds = v["seeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let pids = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            assert!(["primary", "replica"].contains(&n["role"].as_str().unwrap()));
            n["pid"].as_u64().unwrap() as u32
        })
        .collect();
    assert!(PathBuf::from(v["pidfile"].as_str().unwrap()).exists());
    Up {
        seeds,
        pids,
        dir: PathBuf::from(v["dir"].as_str().unwrap()),
    }
}

fn ping(addr: &str, auth: Option<&Auth>) {
    let mut c = AdminConn::connect(addr, auth, Duration::from_secs(5)).unwrap();
    assert_eq!(c.cmd_str(&["PING"]).unwrap().as_deref(), Some("PONG"));
}

#[test]
fn up_detached_then_down() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cluster");
    let out = Command::new(BIN)
        .args([
            "up",
            "--json",
            "--primaries",
            "1",
            "--replicas",
            "1",
            "--dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let up = parse(stdout.trim());
    assert_eq!(up.seeds.len(), 2);
    assert_eq!(up.dir, dir.canonicalize().unwrap());
    // The nodes outlive the command that started them.
    for s in &up.seeds {
        ping(s, None);
    }

    let down = Command::new(BIN)
        .args(["down", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    assert!(up.pids.iter().all(|&p| !process_alive(p)));
    assert!(!dir.exists());

    // Usage errors exit with 2.
    let bad = Command::new(BIN).args(["up", "--bogus"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn up_in_foreground_until_stdin_closes() {
    let mut child = Command::new(BIN)
        .args(["up", "--json", "--foreground", "--primaries", "1"])
        .args(["--replicas", "0", "--password", "fg secret"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let up = parse(line.trim());
    let auth = Auth::Password("fg secret".into());
    ping(&up.seeds[0], Some(&auth));

    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(up.pids.iter().all(|&p| !process_alive(p)));
    assert!(!up.dir.exists());
}
