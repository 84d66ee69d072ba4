//! Running one command line: the local commands (`keyslot`, `nodes`) and everything else,
//! which goes to the cluster through a client connected on first use.

use std::io::{self, Write};

use slotwise::blocking::Client;
use slotwise::command::{info_of, split_by_slot, Fanout};
use slotwise::slot::{hash_tag, key_slot};
use slotwise::{ClientOptions, Cmd, Protocol};

use crate::args::Options;
use crate::format::{format_error, format_value, repr, route_line};
use crate::nodes;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A non-error reply.
    Ok,
    /// An error reply, or the command could not run.
    Failed,
}

/// The options and, once something needed the cluster, the client.
pub struct Session {
    opts: Options,
    client: Option<Client>,
}

impl Session {
    /// A session; nothing is connected yet.
    pub fn new(opts: Options) -> Session {
        Session { opts, client: None }
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    fn client_options(&self) -> ClientOptions {
        let o = &self.opts;
        let mut c = ClientOptions::new(o.seeds.iter().cloned());
        match (&o.user, &o.password) {
            (Some(u), Some(p)) => c = c.user(u.clone(), p.clone()),
            (None, Some(p)) => c = c.password(p.clone()),
            _ => {}
        }
        if o.resp3 {
            c = c.protocol(Protocol::Resp3);
        }
        if let Some(t) = o.timeout {
            c = c.request_timeout(t);
        }
        c
    }

    /// The client, connecting (discovering the cluster) on first use. A failed connect is
    /// retried by the next command.
    fn client(&mut self) -> Result<&Client, slotwise::Error> {
        if self.client.is_none() {
            self.client = Some(Client::connect(self.client_options())?);
        }
        Ok(self.client.as_ref().expect("just connected"))
    }

    /// Runs `argv` (a local command or a cluster command) and writes its output to `out`.
    ///
    /// # Errors
    ///
    /// Only when writing to `out` fails; command failures are printed and reported as
    /// [`Outcome::Failed`].
    pub fn execute(&mut self, argv: &[Vec<u8>], out: &mut dyn Write) -> io::Result<Outcome> {
        let Some(name) = argv.first() else {
            return Ok(Outcome::Ok);
        };
        if name.eq_ignore_ascii_case(b"keyslot") {
            return keyslot(&argv[1..], self.opts.quiet, out);
        }
        if name.eq_ignore_ascii_case(b"nodes") && argv.len() == 1 {
            return match self.client() {
                Ok(c) => {
                    // The cached map may be stale in a long REPL session: fetch it afresh,
                    // falling back to the cached one if no node answers.
                    let _ = c.refresh_topology();
                    let topology = c.topology();
                    out.write_all(nodes::render(&topology).as_bytes())?;
                    Ok(Outcome::Ok)
                }
                Err(e) => connect_failed(&e, out),
            };
        }
        let cmd = Cmd::from_args(argv);
        let quiet = self.opts.quiet;
        let client = match self.client() {
            Ok(c) => c,
            Err(e) => return connect_failed(&e, out),
        };
        let (result, route) = client.exec_traced(cmd.clone());
        if !quiet {
            if let Some(line) = route_line(&route, &split_slots(&cmd)) {
                writeln!(out, "{line}")?;
            }
        }
        let outcome = match &result {
            Ok(v) if v.is_error() => Outcome::Failed,
            Ok(_) => Outcome::Ok,
            Err(_) => Outcome::Failed,
        };
        let text = match result {
            Ok(v) => format_value(&v),
            Err(e) => format_error(&e),
        };
        out.write_all(text.as_bytes())?;
        Ok(outcome)
    }
}

/// The slots of a multi-key command that the client splits by slot (MGET, DEL...), in key
/// order; empty for other commands.
fn split_slots(cmd: &Cmd) -> Vec<u16> {
    let info = info_of(cmd);
    match info.fanout {
        Fanout::SplitBySlot(_) => split_by_slot(cmd, info.keys)
            .iter()
            .map(|p| p.slot.get())
            .collect(),
        _ => Vec::new(),
    }
}

fn connect_failed(e: &slotwise::Error, out: &mut dyn Write) -> io::Result<Outcome> {
    out.flush()?;
    eprintln!("slotwise: {e}");
    Ok(Outcome::Failed)
}

/// `keyslot KEY...`: `slot 12182`, or `slot 2515 (hash tag "hash_tag")`; with several keys
/// each line starts with the key. Quiet: just the numbers.
fn keyslot(keys: &[Vec<u8>], quiet: bool, out: &mut dyn Write) -> io::Result<Outcome> {
    if keys.is_empty() {
        writeln!(
            out,
            "(error) keyslot needs a key: keyslot KEY [KEY...] (no server is contacted)"
        )?;
        return Ok(Outcome::Failed);
    }
    for key in keys {
        let slot = key_slot(key);
        if quiet {
            writeln!(out, "{slot}")?;
            continue;
        }
        let mut line = String::new();
        if keys.len() > 1 {
            line.push_str(&format!("{} ", repr(key)));
        }
        line.push_str(&format!("slot {slot}"));
        let tag = hash_tag(key);
        if tag.len() != key.len() {
            line.push_str(&format!(" (hash tag {})", repr(tag)));
        }
        writeln!(out, "{line}")?;
    }
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyslot_text(keys: &[&str], quiet: bool) -> (String, Outcome) {
        let keys: Vec<Vec<u8>> = keys.iter().map(|k| k.as_bytes().to_vec()).collect();
        let mut out = Vec::new();
        let o = keyslot(&keys, quiet, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), o)
    }

    #[test]
    fn keyslot_output() {
        assert_eq!(
            keyslot_text(&["foo"], false),
            ("slot 12182\n".into(), Outcome::Ok)
        );
        assert_eq!(
            keyslot_text(&["foo{hash_tag}"], false).0,
            "slot 2515 (hash tag \"hash_tag\")\n"
        );
        assert_eq!(
            keyslot_text(&["foo", "{user42}:name"], false).0,
            "\"foo\" slot 12182\n\"{user42}:name\" slot 14710 (hash tag \"user42\")\n"
        );
        assert_eq!(keyslot_text(&["foo", "bar"], true).0, "12182\n5061\n");
        assert_eq!(keyslot_text(&[], false).1, Outcome::Failed);
    }

    #[test]
    fn split_slots_only_for_split_commands() {
        let mget = Cmd::from_args(["MGET", "foo", "bar", "foo{x}"]);
        let slots = split_slots(&mget);
        assert_eq!(slots.len(), 3);
        assert_eq!(slots[0], 12182);
        assert!(split_slots(&Cmd::from_args(["GET", "foo"])).is_empty());
        assert!(split_slots(&Cmd::from_args(["DBSIZE"])).is_empty());
    }
}
