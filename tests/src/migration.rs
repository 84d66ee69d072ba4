//! Moving slots between primaries: step by step (`CLUSTER SETSLOT` + `MIGRATE`, so tests can
//! observe `-ASK` mid-way) and in bulk with `redis-cli --cluster reshard`.

use std::process::Command;
use std::thread::{self, JoinHandle};

use slotwise::resp::Value;

use crate::cluster::TestCluster;
use crate::conn::text;
use crate::error::{HarnessError, Result};
use crate::topology::Role;

/// `MIGRATE` timeout in milliseconds.
const MIGRATE_TIMEOUT_MS: &str = "5000";

/// A slot being migrated, from [`TestCluster::begin_migration`]: the target has it
/// `IMPORTING`, the source `MIGRATING`, and keys move with [`Migration::migrate_keys`] until
/// [`Migration::finish`].
///
/// While it is open, the source answers `-ASK <slot> <target>` for keys it no longer holds.
/// Dropping it without `finish` leaves the slot open.
#[derive(Debug)]
pub struct Migration<'a> {
    cluster: &'a TestCluster,
    slot: u16,
    source: String,
    target: String,
    /// The target's TLS address in a TLS cluster: `MIGRATE` then connects over TLS.
    target_tls: Option<String>,
    source_id: String,
    target_id: String,
}

impl TestCluster {
    /// Opens the migration of `slot` from its current primary to the primary at `to`:
    /// `CLUSTER SETSLOT <slot> IMPORTING <source-id>` on the target, then
    /// `CLUSTER SETSLOT <slot> MIGRATING <target-id>` on the source.
    pub fn begin_migration(&self, slot: u16, to: &str) -> Result<Migration<'_>> {
        if slot >= 16384 {
            return Err(HarnessError::Invalid(format!(
                "slot {slot} is out of range"
            )));
        }
        let nodes = self.nodes()?;
        let source = nodes
            .iter()
            .find(|n| n.role == Role::Primary && n.owns_slot(slot))
            .ok_or_else(|| HarnessError::Invalid(format!("no primary serves slot {slot}")))?;
        let target = nodes
            .iter()
            .find(|n| n.addr == to || n.port == port_of(to) || n.tls_port == Some(port_of(to)))
            .ok_or_else(|| HarnessError::UnknownNode(to.to_string()))?;
        if target.role != Role::Primary {
            return Err(HarnessError::Invalid(format!("{to} is not a primary")));
        }
        if target.id == source.id {
            return Err(HarnessError::Invalid(format!(
                "{to} already serves slot {slot}"
            )));
        }
        let s = slot.to_string();
        self.conn(&target.addr)?
            .cmd_ok(&["CLUSTER", "SETSLOT", &s, "IMPORTING", &source.id])?;
        self.conn(&source.addr)?
            .cmd_ok(&["CLUSTER", "SETSLOT", &s, "MIGRATING", &target.id])?;
        Ok(Migration {
            cluster: self,
            slot,
            source: source.addr.clone(),
            target: target.addr.clone(),
            target_tls: target.tls_addr(),
            source_id: source.id.clone(),
            target_id: target.id.clone(),
        })
    }

    /// Moves `slot` to the primary at `to` in one go: begin, migrate every key, finish.
    pub fn move_slot(&self, slot: u16, to: &str) -> Result<()> {
        let mut m = self.begin_migration(slot, to)?;
        m.migrate_all_keys()?;
        m.finish()
    }

    /// Moves `nslots` slots from the primary at `from` to the primary at `to` with
    /// `redis-cli --cluster reshard ... --cluster-yes`, then waits until the cluster is stable.
    pub fn reshard(&self, from: &str, to: &str, nslots: usize) -> Result<()> {
        self.wait_until_stable()?;
        let from_id = self.node(from)?.id;
        let to_id = self.node(to)?.id;
        let mut cmd = Command::new(&self.inner.opts.redis_cli);
        if let Some((user, _)) = &self.inner.opts.acl_user {
            cmd.args(["--user", user]);
        }
        if let Some(auth) = self.auth() {
            let pass = match auth {
                crate::Auth::Password(p) => p,
                crate::Auth::User { password, .. } => password,
            };
            cmd.args(["-a", pass, "--no-auth-warning"]);
        }
        // In a TLS cluster, redis-cli must speak TLS: over plain connections it is told the
        // plain ports, and the MIGRATEs it sends (which redis-server runs over TLS) would fail.
        let entry = match &self.inner.tls {
            Some(files) => {
                cmd.arg("--tls").arg("--cacert").arg(&files.ca_cert);
                self.tls_addr(from)?
            }
            None => from.to_string(),
        };
        let from = entry.as_str();
        let n = nslots.to_string();
        cmd.args(["--cluster", "reshard", from])
            .args(["--cluster-from", &from_id, "--cluster-to", &to_id])
            .args(["--cluster-slots", &n, "--cluster-yes"])
            .args(["--cluster-pipeline", "100"]);
        let shown = format!(
            "{} --cluster reshard {from} --cluster-from {from_id} --cluster-to {to_id} \
             --cluster-slots {n} --cluster-yes",
            self.inner.opts.redis_cli.display()
        );
        let out = cmd
            .output()
            .map_err(|e| HarnessError::io(format!("running {shown}"), e))?;
        if !out.status.success() {
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let lines: Vec<&str> = all.lines().collect();
            return Err(HarnessError::Tool {
                command: shown,
                status: out.status.to_string(),
                output: lines[lines.len().saturating_sub(30)..].join("\n"),
            });
        }
        self.wait_until_stable()
    }

    /// [`TestCluster::reshard`] on a background thread, so a test can run load meanwhile.
    pub fn reshard_in_background(&self, from: &str, to: &str, nslots: usize) -> ReshardHandle {
        let cluster = self.shared();
        let (from, to) = (from.to_string(), to.to_string());
        ReshardHandle {
            thread: thread::spawn(move || cluster.reshard(&from, &to, nslots)),
        }
    }
}

/// A reshard running on a background thread.
#[derive(Debug)]
pub struct ReshardHandle {
    thread: JoinHandle<Result<()>>,
}

impl ReshardHandle {
    /// True once the reshard (and the wait for stability after it) has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the reshard and returns its result.
    pub fn join(self) -> Result<()> {
        self.thread
            .join()
            .unwrap_or_else(|_| Err(HarnessError::Invalid("the reshard thread panicked".into())))
    }
}

impl Migration<'_> {
    /// The slot being migrated.
    pub fn slot(&self) -> u16 {
        self.slot
    }

    /// The address of the primary the slot is leaving.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The address of the primary the slot is moving to.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Moves up to `count` keys of the slot from source to target
    /// (`CLUSTER GETKEYSINSLOT` + `MIGRATE host port "" 0 timeout [AUTH..] KEYS ...`).
    /// Returns how many keys moved (0 when the source holds none).
    pub fn migrate_keys(&mut self, count: usize) -> Result<usize> {
        let mut src = self.cluster.conn(&self.source)?;
        let reply = src.cmd_ok(&[
            "CLUSTER",
            "GETKEYSINSLOT",
            &self.slot.to_string(),
            &count.to_string(),
        ])?;
        let keys: Vec<Vec<u8>> = match &reply {
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_bytes().map(|b| b.to_vec()))
                .collect(),
            other => {
                return Err(HarnessError::UnexpectedReply {
                    addr: self.source.clone(),
                    command: "CLUSTER GETKEYSINSLOT".into(),
                    reply: format!("{other:?}"),
                })
            }
        };
        if keys.is_empty() {
            return Ok(0);
        }
        // With `tls-cluster yes` redis-server connects to the MIGRATE target over TLS.
        let (host, port) = self
            .target_tls
            .as_deref()
            .unwrap_or(&self.target)
            .rsplit_once(':')
            .ok_or_else(|| HarnessError::Invalid(format!("bad address {}", self.target)))?;
        let mut args: Vec<Vec<u8>> = ["MIGRATE", host, port, "", "0", MIGRATE_TIMEOUT_MS]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        if let Some(auth) = self.cluster.auth() {
            args.extend(auth.migrate_args().iter().map(|s| s.as_bytes().to_vec()));
        }
        args.push(b"KEYS".to_vec());
        args.extend(keys.iter().cloned());
        let reply = src.cmd_ok(&args)?;
        if text(&reply).as_deref() != Some("OK") && text(&reply).as_deref() != Some("NOKEY") {
            return Err(HarnessError::UnexpectedReply {
                addr: self.source.clone(),
                command: "MIGRATE".into(),
                reply: format!("{reply:?}"),
            });
        }
        Ok(keys.len())
    }

    /// Moves every key still in the slot; returns how many moved.
    pub fn migrate_all_keys(&mut self) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.migrate_keys(100)?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Moves any keys left, then `CLUSTER SETSLOT <slot> NODE <target-id>` on the target, the
    /// source and every other primary, and waits until the cluster is stable (all nodes agree
    /// the target serves the slot). The source then answers `-MOVED <slot> <target>`.
    pub fn finish(mut self) -> Result<()> {
        self.migrate_all_keys()?;
        let s = self.slot.to_string();
        let setslot = ["CLUSTER", "SETSLOT", &s, "NODE", &self.target_id];
        self.cluster.conn(&self.target)?.cmd_ok(&setslot)?;
        self.cluster.conn(&self.source)?.cmd_ok(&setslot)?;
        for n in self.cluster.primaries()? {
            if n.id != self.source_id && n.id != self.target_id {
                self.cluster.conn(&n.addr)?.cmd_ok(&setslot)?;
            }
        }
        self.cluster.wait_until_stable()
    }
}

fn port_of(addr: &str) -> u16 {
    addr.rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(0)
}
