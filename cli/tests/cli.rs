//! The built `slotwise` binary against a real cluster: one-shot commands, `keyslot`, `nodes`,
//! the REPL on piped stdin, and routing lines that show MOVED and ASK being followed.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicU16, Ordering::SeqCst};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use slotwise::slot::key_slot;
use slotwise_testcluster::{ClusterOptions, FakeNode, Reply, TestCluster};

const BIN: &str = env!("CARGO_BIN_EXE_slotwise");

fn slotwise(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("SLOTWISE_SEEDS")
        .env_remove("SLOTWISE_PASSWORD")
        .output()
        .expect("run slotwise")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `slotwise -s seed ARGS...`, asserting the exit code; returns stdout's lines.
fn run_ok(seed: &str, args: &[&str]) -> Vec<String> {
    let mut all = vec!["-s", seed];
    all.extend_from_slice(args);
    let o = slotwise(&all);
    assert!(
        o.status.success(),
        "slotwise {args:?} failed: {o:?}\nstdout: {}\nstderr: {}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o).lines().map(str::to_string).collect()
}

#[test]
fn without_a_server() {
    let o = slotwise(&["keyslot", "foo", "{user42}:name"]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "\"foo\" slot 12182\n\"{user42}:name\" slot 14710 (hash tag \"user42\")\n"
    );
    let o = slotwise(&["-q", "keyslot", "foo"]);
    assert_eq!(stdout(&o), "12182\n");

    let o = slotwise(&["--help"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("Usage:"));

    let o = slotwise(&["--bogus", "GET", "k"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown option --bogus"));

    // Nobody listens on port 1: exit 1 with the client's explanation.
    let o = slotwise(&["-s", "127.0.0.1:1", "GET", "k"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("could not discover the cluster") && err.contains("127.0.0.1:1"),
        "{err}"
    );
}

/// A `slotwise` REPL on piped stdin, read line by line with a deadline.
struct Repl {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl Repl {
    fn start(seed: &str) -> Repl {
        let mut child = Command::new(BIN)
            .args(["-s", seed])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the REPL");
        let stdin = child.stdin.take().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in out.lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Repl {
            child,
            stdin,
            lines,
        }
    }

    /// Sends one line and returns the next `n` lines of output.
    fn send(&mut self, line: &str, n: usize) -> Vec<String> {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        (0..n).map(|_| self.line()).collect()
    }

    /// The next line of output.
    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("no more output: {e}"))
    }

    fn quit(mut self) {
        writeln!(self.stdin, "quit").unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success());
    }
}

#[test]
fn against_a_cluster() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let seeds = cluster.seeds();
    let seed = seeds[0].as_str();
    let owner = cluster.primary_for_key(b"foo").unwrap();

    // One-shot commands: routing line, then the reply as redis-cli shows it.
    assert_eq!(
        run_ok(seed, &["SET", "foo", "bar"]),
        [format!("-> slot 12182 on {owner}"), "OK".into()]
    );
    assert_eq!(
        run_ok(seed, &["get", "foo"]),
        [format!("-> slot 12182 on {owner}"), "\"bar\"".into()]
    );
    assert_eq!(run_ok(seed, &["--quiet", "GET", "foo"]), ["\"bar\""]);
    assert_eq!(
        run_ok(seed, &["RPUSH", "{l}list", "a", "b c"])
            .last()
            .unwrap(),
        "(integer) 2"
    );
    let lslot = key_slot(b"{l}list").get();
    let lowner = cluster.primary_for_slot(lslot).unwrap();
    assert_eq!(
        run_ok(seed, &["LRANGE", "{l}list", "0", "-1"]),
        [
            format!("-> slot {lslot} on {lowner}"),
            "1) \"a\"".into(),
            "2) \"b c\"".into()
        ]
    );

    // An error reply: printed, exit 1.
    let o = slotwise(&["-s", seed, "INCR", "foo"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!("-> slot 12182 on {owner}\n(error) ERR value is not an integer or out of range\n")
    );

    // Seeds from the environment.
    let o = Command::new(BIN)
        .args(["GET", "foo"])
        .env("SLOTWISE_SEEDS", seeds.join(","))
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(stdout(&o), format!("-> slot 12182 on {owner}\n\"bar\"\n"));

    // A fan-out lists every primary.
    let primaries = cluster.primaries().unwrap();
    let dbsize = run_ok(seed, &["DBSIZE"]);
    assert_eq!(dbsize[1], "(integer) 2");
    for p in &primaries {
        assert!(dbsize[0].contains(&p.addr), "{dbsize:?}");
    }

    // keyslot agrees with the server.
    for key in ["foo", "{user42}:name", "a{b}c", "{}x"] {
        let server = cluster
            .conn(seed)
            .unwrap()
            .cmd_str(&["CLUSTER", "KEYSLOT", key])
            .unwrap()
            .unwrap();
        assert_eq!(run_ok(seed, &["-q", "keyslot", key]), [server]);
    }

    // nodes: one row per shard with its ranges, primary and replicas.
    let table = run_ok(seed, &["nodes"]);
    assert!(table[0].starts_with("SHARD  SLOTS"), "{table:?}");
    assert_eq!(
        table.last().unwrap(),
        "3 shards, 16384 of 16384 slots assigned"
    );
    let replicas = cluster.replicas().unwrap();
    for p in &primaries {
        let ranges: Vec<String> = p.slots.iter().map(|(a, b)| format!("{a}-{b}")).collect();
        let row = table
            .iter()
            .find(|l| l.contains(&format!(" {} ", p.addr)))
            .unwrap_or_else(|| panic!("no row for {} in {table:?}", p.addr));
        assert!(row.contains(&ranges.join(",")), "{row}");
        for r in replicas
            .iter()
            .filter(|r| r.primary_id.as_deref() == Some(&p.id))
        {
            assert!(row.contains(&r.addr), "{row} lacks replica {}", r.addr);
        }
    }

    // The REPL on piped stdin: no prompt, quoting as in redis-cli, quit ends it.
    let mut child = Command::new(BIN)
        .args(["-s", seed])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"SET {r}:a \"x y\"\nAPPEND {r}:a '!'\nGET {r}:a\n\nkeyslot {r}:a\nquit\nGET never\n",
        )
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let r = key_slot(b"{r}:a").get();
    let rowner = cluster.primary_for_slot(r).unwrap();
    assert_eq!(
        stdout(&o),
        format!(
            "-> slot {r} on {rowner}\nOK\n-> slot {r} on {rowner}\n(integer) 4\n\
             -> slot {r} on {rowner}\n\"x y!\"\nslot {r} (hash tag \"r\")\n"
        )
    );
    // Piped input with a failed command: exit 1.
    let mut child = Command::new(BIN)
        .args(["-s", seed])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"INCR foo\nGET foo\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).ends_with("\"bar\"\n"));

    // Redirects, seen by a long-lived REPL whose slot map goes stale.
    let slot = 12182;
    let other = primaries
        .iter()
        .map(|p| p.addr.clone())
        .find(|a| *a != owner)
        .unwrap();
    let mut repl = Repl::start(seed);
    assert_eq!(
        repl.send("GET foo", 2),
        [format!("-> slot {slot} on {owner}"), "\"bar\"".into()]
    );
    // MOVED: the slot now lives on `other`.
    cluster.move_slot(slot, &other).unwrap();
    assert_eq!(
        repl.send("GET foo", 2),
        [
            format!("-> slot {slot} on {other} (redirected 1x)"),
            "\"bar\"".into()
        ]
    );
    assert_eq!(
        repl.send("GET foo", 2),
        [format!("-> slot {slot} on {other}"), "\"bar\"".into()]
    );
    // ASK: the slot is migrating back and the key already moved.
    let mut migration = cluster.begin_migration(slot, &owner).unwrap();
    assert_eq!(migration.migrate_keys(10).unwrap(), 1);
    assert_eq!(
        repl.send("GET foo", 2),
        [
            format!("-> slot {slot} on {owner} (redirected 1x)"),
            "\"bar\"".into()
        ]
    );
    migration.finish().unwrap();
    assert_eq!(
        repl.send("GET foo", 2),
        [
            format!("-> slot {slot} on {owner} (redirected 1x)"),
            "\"bar\"".into()
        ]
    );
    // The table, then perhaps a note on health, then the summary line.
    let mut table = repl.send("nodes", 4);
    while table.last().unwrap() != "3 shards, 16384 of 16384 slots assigned" {
        assert!(table.len() < 6, "{table:?}");
        table.push(repl.line());
    }
    assert!(table[0].starts_with("SHARD"), "{table:?}");
    repl.quit();
}

/// A seed that accepts connections and never answers: the command fails by the connect
/// timeout (2 s by default), and the message states the timeouts in force.
#[test]
fn a_silent_seed_fails_by_the_connect_timeout_and_says_which_timeouts_applied() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap(); // never accepts
    let seed = silent.local_addr().unwrap().to_string();
    let started = Instant::now();
    let o = slotwise(&["-s", &seed, "-t", "1", "GET", "k"]);
    let elapsed = started.elapsed();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(&seed) && err.contains("(request timeout 1s, connect timeout 2s)"),
        "{err}"
    );
    assert!(!err.contains("0ns"), "{err}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

/// A fake node that owns every slot (it answers CLUSTER SLOTS about itself, and does not
/// know CLUSTER SHARDS, as before Redis 7) and answers GET with `get`.
fn fake_node_answering_get(get: Reply) -> FakeNode {
    let port = Arc::new(AtomicU16::new(0));
    let own = Arc::clone(&port);
    let fake = FakeNode::start(move |argv: &[Vec<u8>]| {
        let arg = |i: usize| argv.get(i).map(|a| a.to_ascii_uppercase());
        match (arg(0).as_deref(), arg(1).as_deref()) {
            (Some(b"CLUSTER"), Some(b"SHARDS")) => {
                Reply::error("ERR unknown subcommand 'shards'. Try CLUSTER HELP.")
            }
            (Some(b"CLUSTER"), Some(b"SLOTS")) => Reply::Raw(
                format!(
                    "*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:{}\r\n$40\r\n{}\r\n",
                    own.load(SeqCst),
                    "f".repeat(40)
                )
                .into_bytes(),
            ),
            (Some(b"GET"), _) => get.clone(),
            _ => Reply::ok(),
        }
    })
    .unwrap();
    port.store(fake.port(), SeqCst);
    fake
}

#[test]
fn invalid_redirects_and_control_characters_from_a_broken_node() {
    for redirect in [
        "MOVED 99999 127.0.0.1:1",
        "MOVED 7629 127.0.0.1:99999",
        "MOVED 7629",
    ] {
        let fake = fake_node_answering_get(Reply::error(redirect));
        let o = slotwise(&["-s", &fake.addr(), "-q", "GET", "k"]);
        assert_eq!(o.status.code(), Some(1));
        let out = stdout(&o);
        assert!(
            out.starts_with("(error) ")
                && out.contains(&format!("invalid redirect \"{redirect}\"")),
            "{out}"
        );
    }
    let fake = fake_node_answering_get(Reply::Raw(b"-ERR evil\x1b[31m red\x07\r\n".to_vec()));
    let o = slotwise(&["-s", &fake.addr(), "-q", "GET", "k"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "(error) ERR evil\\x1b[31m red\\x07\n");
}

/// An ACL user that may not run CLUSTER gets a permission error naming the grants, not a
/// password complaint; a wrong password still gets one.
#[test]
fn a_user_without_cluster_rights_is_told_which_grants_are_missing() {
    let cluster = TestCluster::start(ClusterOptions {
        replicas_per_primary: 0,
        ..ClusterOptions::default()
    })
    .unwrap();
    for n in cluster.nodes().unwrap() {
        let acl = [
            "ACL",
            "SETUSER",
            "nocluster",
            "on",
            ">pw",
            "~*",
            "&*",
            "+@all",
            "-cluster",
        ];
        cluster.conn(&n.addr).unwrap().cmd_ok(&acl).unwrap();
    }
    let seed = cluster.seeds()[0].clone();
    let o = slotwise(&["-s", &seed, "--user", "nocluster", "-a", "pw", "GET", "k"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("NOPERM") && err.contains("+cluster|shards +cluster|slots"),
        "{err}"
    );
    assert!(!err.contains("check the username and password"), "{err}");
    let o = slotwise(&["-s", &seed, "--user", "nocluster", "-a", "nope", "GET", "k"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("check the username and password"),
        "{}",
        stderr(&o)
    );
}
