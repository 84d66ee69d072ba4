//! `c-cluster-ops`: the cluster operations the C tests need mid-test, against a cluster
//! started with `slotwise-testcluster up --dir DIR`.
//!
//! ```text
//! c-cluster-ops --dir DIR [--user NAME:PASS | --password PASS] begin-migration SLOT [KEY...]
//!     opens SLOT's migration to another primary (IMPORTING/MIGRATING), moves the given keys
//!     there, prints "SOURCE TARGET"
//! c-cluster-ops --dir DIR ... finish-migration SLOT TARGET
//!     moves the slot's remaining keys, assigns SLOT to TARGET, waits until every node agrees
//! c-cluster-ops --dir DIR ... failover SLOT
//!     CLUSTER FAILOVER on a replica of SLOT's primary, waits until every node agrees,
//!     prints "OLD NEW"
//! ```
//!
//! The harness's own operations (`TestCluster::begin_migration`, `failover`) need the
//! `TestCluster` that started the nodes, which the C tests' detached cluster has no longer;
//! this re-reads the topology from the nodes instead.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use slotwise::resp::Value;
use slotwise_testcluster::{AdminConn, Auth, ClusterProcesses};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// One line of `CLUSTER NODES`.
#[derive(Debug, Clone)]
struct Line {
    id: String,
    port: u16,
    primary: bool,
    failing: bool,
    master: Option<String>,
    slots: Vec<(u16, u16)>,
    open_slots: bool,
}

impl Line {
    fn owns(&self, slot: u16) -> bool {
        self.slots.iter().any(|&(a, b)| a <= slot && slot <= b)
    }
}

fn parse_nodes(text: &str) -> Vec<Line> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 8 {
                return None;
            }
            let port = f[1].split('@').next()?.rsplit_once(':')?.1.parse().ok()?;
            let flags: Vec<&str> = f[2].split(',').collect();
            let mut slots = Vec::new();
            let mut open_slots = false;
            for s in &f[8..] {
                if s.starts_with('[') {
                    open_slots = true;
                } else if let Some((a, b)) = s.split_once('-') {
                    slots.push((a.parse().ok()?, b.parse().ok()?));
                } else {
                    let n = s.parse().ok()?;
                    slots.push((n, n));
                }
            }
            Some(Line {
                id: f[0].to_string(),
                port,
                primary: flags.contains(&"master"),
                failing: flags.iter().any(|x| x.starts_with("fail")),
                master: (f[3] != "-").then(|| f[3].to_string()),
                slots,
                open_slots,
            })
        })
        .collect()
}

struct Cluster {
    procs: ClusterProcesses,
    auth: Option<Auth>,
}

impl Cluster {
    fn conn(&self, port: u16) -> AnyResult<AdminConn> {
        Ok(AdminConn::connect(
            &format!("127.0.0.1:{port}"),
            self.auth.as_ref(),
            Duration::from_secs(5),
        )?)
    }

    fn text(&self, port: u16, args: &[&str]) -> AnyResult<String> {
        match self.conn(port)?.cmd_ok(args)? {
            Value::Bulk(b) | Value::Simple(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
            Value::Verbatim { text, .. } => Ok(String::from_utf8_lossy(&text).into_owned()),
            other => Err(format!("{args:?} on port {port}: unexpected reply {other:?}").into()),
        }
    }

    /// `CLUSTER NODES` as one reachable node sees it.
    fn view(&self) -> AnyResult<Vec<Line>> {
        let mut last = None;
        for n in &self.procs.nodes {
            match self.text(n.port, &["CLUSTER", "NODES"]) {
                Ok(t) => return Ok(parse_nodes(&t)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| "the cluster has no nodes".into()))
    }

    /// The port MIGRATE must target: the TLS one when the cluster bus uses TLS.
    fn migrate_port(&self, port: u16) -> u16 {
        self.procs
            .nodes
            .iter()
            .find(|n| n.port == port)
            .and_then(|n| n.tls_port)
            .unwrap_or(port)
    }

    fn migrate(&self, from: u16, to: u16, keys: &[Vec<u8>]) -> AnyResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let port = self.migrate_port(to).to_string();
        let mut args: Vec<Vec<u8>> = ["MIGRATE", "127.0.0.1", &port, "", "0", "5000"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        if let Some(auth) = &self.auth {
            args.extend(auth.migrate_args().iter().map(|s| s.as_bytes().to_vec()));
        }
        args.push(b"KEYS".to_vec());
        args.extend(keys.iter().cloned());
        self.conn(from)?.cmd_ok(&args)?;
        Ok(())
    }

    /// Polls every node until `agrees` holds for its `CLUSTER NODES` and it reports
    /// `cluster_state:ok`.
    fn wait_until(&self, what: &str, agrees: impl Fn(&[Line]) -> bool) -> AnyResult<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let all = self.procs.nodes.iter().all(|n| {
                let ok = self
                    .text(n.port, &["CLUSTER", "INFO"])
                    .is_ok_and(|t| t.contains("cluster_state:ok"));
                ok && self
                    .text(n.port, &["CLUSTER", "NODES"])
                    .is_ok_and(|t| agrees(&parse_nodes(&t)))
            });
            if all {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("timed out after 30 s waiting for {what}").into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn owner(view: &[Line], slot: u16) -> AnyResult<Line> {
    view.iter()
        .find(|l| l.primary && l.owns(slot))
        .cloned()
        .ok_or_else(|| format!("no primary serves slot {slot}").into())
}

fn by_port(view: &[Line], port: u16) -> AnyResult<Line> {
    view.iter()
        .find(|l| l.port == port)
        .cloned()
        .ok_or_else(|| format!("no node on port {port}").into())
}

fn port_of(addr: &str) -> AnyResult<u16> {
    Ok(addr
        .rsplit_once(':')
        .ok_or_else(|| format!("{addr} is not host:port"))?
        .1
        .parse()?)
}

fn begin_migration(c: &Cluster, slot: u16, keys: &[String]) -> AnyResult<()> {
    let view = c.view()?;
    let source = owner(&view, slot)?;
    let mut primaries: Vec<&Line> = view
        .iter()
        .filter(|l| l.primary && !l.failing && l.id != source.id && !l.slots.is_empty())
        .collect();
    primaries.sort_by_key(|l| l.port);
    let target = primaries.first().ok_or("no other primary to migrate to")?;
    let s = slot.to_string();
    c.conn(target.port)?
        .cmd_ok(&["CLUSTER", "SETSLOT", &s, "IMPORTING", &source.id])?;
    c.conn(source.port)?
        .cmd_ok(&["CLUSTER", "SETSLOT", &s, "MIGRATING", &target.id])?;
    let keys: Vec<Vec<u8>> = keys.iter().map(|k| k.as_bytes().to_vec()).collect();
    c.migrate(source.port, target.port, &keys)?;
    println!("127.0.0.1:{} 127.0.0.1:{}", source.port, target.port);
    Ok(())
}

fn finish_migration(c: &Cluster, slot: u16, target: &str) -> AnyResult<()> {
    let view = c.view()?;
    let source = owner(&view, slot)?;
    let target = by_port(&view, port_of(target)?)?;
    let s = slot.to_string();
    loop {
        let keys = match c
            .conn(source.port)?
            .cmd_ok(&["CLUSTER", "GETKEYSINSLOT", &s, "100"])?
        {
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_bytes().map(|b| b.to_vec()))
                .collect::<Vec<_>>(),
            other => return Err(format!("GETKEYSINSLOT: unexpected reply {other:?}").into()),
        };
        if keys.is_empty() {
            break;
        }
        c.migrate(source.port, target.port, &keys)?;
    }
    // The target first, then the source, then everyone else (as the cluster spec advises).
    let mut order = vec![target.port, source.port];
    order.extend(
        view.iter()
            .filter(|l| l.primary && l.port != target.port && l.port != source.port)
            .map(|l| l.port),
    );
    for port in order {
        c.conn(port)?
            .cmd_ok(&["CLUSTER", "SETSLOT", &s, "NODE", &target.id])?;
    }
    c.wait_until(
        &format!("every node to give slot {slot} to {}", target.port),
        |v| {
            v.iter().all(|l| !l.open_slots)
                && v.iter()
                    .any(|l| l.id == target.id && l.primary && l.owns(slot))
        },
    )
}

fn failover(c: &Cluster, slot: u16) -> AnyResult<()> {
    let view = c.view()?;
    let old = owner(&view, slot)?;
    let replica = view
        .iter()
        .find(|l| !l.primary && !l.failing && l.master.as_deref() == Some(old.id.as_str()))
        .ok_or_else(|| format!("primary {} has no healthy replica", old.port))?
        .clone();
    c.conn(replica.port)?.cmd_ok(&["CLUSTER", "FAILOVER"])?;
    c.wait_until(
        &format!("every node to see {} promoted", replica.port),
        |v| {
            let promoted = v
                .iter()
                .any(|l| l.id == replica.id && l.primary && l.owns(slot));
            let demoted = v
                .iter()
                .any(|l| l.id == old.id && !l.primary && l.master.as_deref() == Some(&replica.id));
            promoted && demoted
        },
    )?;
    // The demoted node must also have finished syncing, or its MOVED may still say "me".
    let deadline = Instant::now() + Duration::from_secs(30);
    while !c
        .text(old.port, &["INFO", "replication"])
        .is_ok_and(|t| t.contains("master_link_status:up"))
    {
        if Instant::now() > deadline {
            return Err(format!("{} never synced with its new primary", old.port).into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("127.0.0.1:{} 127.0.0.1:{}", old.port, replica.port);
    Ok(())
}

fn run(args: &[String]) -> AnyResult<()> {
    let mut dir = None;
    let mut auth = None;
    let mut rest = args;
    while let [flag, value, tail @ ..] = rest {
        match flag.as_str() {
            "--dir" => dir = Some(value.clone()),
            "--password" => auth = Some(Auth::Password(value.clone())),
            "--user" => {
                let (user, password) = value.split_once(':').ok_or("--user wants NAME:PASS")?;
                auth = Some(Auth::User {
                    user: user.into(),
                    password: password.into(),
                });
            }
            _ => break,
        }
        rest = tail;
    }
    let dir = dir.ok_or("--dir DIR is required")?;
    let state = std::fs::read_to_string(format!("{dir}/cluster.json"))
        .map_err(|e| format!("reading {dir}/cluster.json: {e}"))?;
    let c = Cluster {
        procs: serde_json::from_str(&state)?,
        auth,
    };
    match rest {
        [op, slot, tail @ ..] if op == "begin-migration" => {
            begin_migration(&c, slot.parse()?, tail)
        }
        [op, slot, target] if op == "finish-migration" => {
            finish_migration(&c, slot.parse()?, target)
        }
        [op, slot] if op == "failover" => failover(&c, slot.parse()?),
        _ => Err(
            "usage: c-cluster-ops --dir DIR [--user NAME:PASS | --password PASS] \
                  (begin-migration SLOT [KEY...] | finish-migration SLOT TARGET | failover SLOT)"
                .into(),
        ),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("c-cluster-ops: {e}");
            ExitCode::FAILURE
        }
    }
}
