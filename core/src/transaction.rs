//! Sans-I/O parts of WATCH sessions (optimistic transactions on one slot), shared by both
//! drivers: the slot check, the bytes to send, and what the replies mean.

use bytes::BytesMut;

use crate::command::{self, Cmd};
use crate::error::Error;
use crate::resp::{ServerError, Value};
use crate::slot::{key_slot, Slot};

/// The slot every key of `cmds` hashes to.
///
/// # Errors
///
/// [`Error::CrossSlot`] listing every key and slot, or [`Error::Config`] without keys.
pub fn session_slot<'a>(
    context: &str,
    cmds: impl IntoIterator<Item = &'a Cmd>,
) -> Result<Slot, Error> {
    let mut keys: Vec<&[u8]> = Vec::new();
    for c in cmds {
        let info = command::info_of(c);
        keys.extend(command::key_indices(c, info.keys).filter_map(|i| c.arg_at(i)));
    }
    let Some(first) = keys.first() else {
        return Err(Error::Config(format!("{context} needs at least one key")));
    };
    let slot = key_slot(first);
    if keys.iter().any(|k| key_slot(k) != slot) {
        return Err(command::cross_slot(context, keys.into_iter()));
    }
    Ok(slot)
}

/// Checks that `cmd` touches only `slot` (or no key), so it may run inside the session.
///
/// # Errors
///
/// [`Error::CrossSlot`] naming the keys.
pub fn check_in_slot(cmd: &Cmd, slot: Slot) -> Result<(), Error> {
    if cmd.arg_count() == 0 || cmd.name().is_empty() {
        // `*0` gets no reply: every later reply of the session would be one off.
        return Err(Error::Config(
            "empty command in the WATCH session: give every command a name".into(),
        ));
    }
    if let Some(e) = command::connection_state_error(cmd) {
        return Err(e);
    }
    let info = command::info_of(cmd);
    let mut keys = command::key_indices(cmd, info.keys).filter_map(|i| cmd.arg_at(i));
    if keys.any(|k| key_slot(k) != slot) {
        let all = command::key_indices(cmd, info.keys).filter_map(|i| cmd.arg_at(i));
        return Err(command::cross_slot(
            "a command inside a WATCH session (all keys must share the watched slot)",
            all,
        ));
    }
    Ok(())
}

/// Checks that a further `WATCH` inside a session names keys of the session's slot only.
///
/// # Errors
///
/// [`Error::CrossSlot`] naming the keys, or [`Error::Config`] without keys.
pub fn check_watch_in_slot(watch: &Cmd, slot: Slot) -> Result<(), Error> {
    if session_slot("WATCH", [watch])? == slot {
        return Ok(());
    }
    Err(command::cross_slot(
        "a WATCH inside a WATCH session (all keys must share the watched slot)",
        watch.args().skip(1),
    ))
}

/// True for `WAIT`/`WAITAOF`: inside MULTI they answer at once (0 replicas), so a session
/// sends them after `EXEC`, where they confirm the whole transaction on its connection.
fn confirms(cmd: &Cmd) -> bool {
    command::info_of(cmd).fanout == command::Fanout::FollowPrevious
}

/// `MULTI`, the commands, `EXEC`, then any `WAIT`/`WAITAOF` of the transaction; returns
/// the number of replies to read.
pub fn encode_exec(cmds: &[Cmd], out: &mut BytesMut) -> usize {
    Cmd::new("MULTI").write_resp(out);
    for c in cmds.iter().filter(|c| !confirms(c)) {
        c.write_resp(out);
    }
    Cmd::new("EXEC").write_resp(out);
    for c in cmds.iter().filter(|c| confirms(c)) {
        c.write_resp(out);
    }
    cmds.len() + 2
}

/// A reply as a result: error replies become [`Error::Server`].
pub fn reply_result(node: &str, v: Value) -> Result<Value, Error> {
    match v.as_error() {
        Some(t) => Err(Error::Server {
            error: ServerError::parse(t),
            node: node.to_string(),
        }),
        None => Ok(v),
    }
}

/// Interprets the replies of [`encode_exec`] for `cmds`: `Ok(None)` when a watched key
/// changed (EXEC answered nil), the per-command replies in `cmds`' order otherwise (those
/// of `WAIT`/`WAITAOF`, sent after EXEC, put back in their places).
///
/// # Errors
///
/// The first error among MULTI and the queued commands (EXECABORT follows them), or
/// EXEC's own error.
pub fn exec_result(
    node: &str,
    cmds: &[Cmd],
    mut replies: Vec<Value>,
) -> Result<Option<Vec<Value>>, Error> {
    let positions: Vec<usize> = (0..cmds.len()).filter(|&i| confirms(&cmds[i])).collect();
    let after_exec = replies.split_off(replies.len().saturating_sub(positions.len()));
    let exec = replies.pop().unwrap_or(Value::Nil);
    for r in replies {
        reply_result(node, r)?;
    }
    match reply_result(node, exec)? {
        Value::Nil => Ok(None),
        Value::Array(mut items) => {
            for (at, v) in positions.into_iter().zip(after_exec) {
                items.insert(at.min(items.len()), v);
            }
            Ok(Some(items))
        }
        other => Err(Error::Type {
            expected: "EXEC reply (array or nil)",
            got: other.type_name(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd;
    use bytes::Bytes;

    #[test]
    fn a_session_needs_one_slot_for_every_key() {
        let a = cmd("WATCH").arg("{u1}:a").arg("{u1}:b");
        assert_eq!(session_slot("WATCH", [&a]).unwrap(), key_slot(b"u1"));
        let bad = cmd("WATCH").arg("foo").arg("bar");
        assert_eq!(
            session_slot("WATCH", [&bad]).unwrap_err().code(),
            "CROSSSLOT"
        );
        assert!(check_in_slot(&cmd("GET").arg("{u1}:c"), key_slot(b"u1")).is_ok());
        assert!(check_in_slot(&cmd("GET").arg("other"), key_slot(b"u1")).is_err());
        assert!(check_in_slot(&cmd("PING"), key_slot(b"u1")).is_ok());
        let more = cmd("WATCH").arg("{u1}:d");
        assert!(check_watch_in_slot(&more, key_slot(b"u1")).is_ok());
        let elsewhere = cmd("WATCH").arg("other");
        assert_eq!(
            check_watch_in_slot(&elsewhere, key_slot(b"u1"))
                .unwrap_err()
                .code(),
            "CROSSSLOT"
        );
    }

    #[test]
    fn wait_in_a_session_runs_after_exec_and_its_reply_keeps_its_place() {
        let cmds = [
            cmd("SET").arg("{u1}:a").arg("1"),
            cmd("WAIT").arg("1").arg("100"),
            cmd("INCR").arg("{u1}:b"),
        ];
        let mut out = BytesMut::new();
        assert_eq!(encode_exec(&cmds, &mut out), 5);
        let sent = String::from_utf8_lossy(&out);
        let (exec_at, wait_at) = (sent.find("EXEC").unwrap(), sent.find("WAIT").unwrap());
        assert!(exec_at < wait_at, "WAIT must follow EXEC: {sent:?}");
        let q = Value::Simple(Bytes::from_static(b"QUEUED"));
        let ok = Value::Simple(Bytes::from_static(b"OK"));
        let replies = vec![
            ok.clone(),
            q.clone(),
            q,
            Value::Array(vec![ok.clone(), Value::Int(7)]),
            Value::Int(1),
        ];
        let r = exec_result("n", &cmds, replies).unwrap();
        assert_eq!(r, Some(vec![ok, Value::Int(1), Value::Int(7)]));
    }

    #[test]
    fn exec_nil_means_a_watched_key_changed() {
        let ok = Value::Simple(Bytes::from_static(b"OK"));
        let queued = Value::Simple(Bytes::from_static(b"QUEUED"));
        let one = [cmd("INCR").arg("{u1}:a")];
        let r = exec_result("n", &one, vec![ok.clone(), queued.clone(), Value::Nil]).unwrap();
        assert_eq!(r, None);
        let r = exec_result(
            "n",
            &one,
            vec![ok.clone(), queued, Value::Array(vec![Value::Int(1)])],
        )
        .unwrap();
        assert_eq!(r, Some(vec![Value::Int(1)]));
        let err = Value::Error(Bytes::from_static(b"ERR wrong number of arguments"));
        let abort = Value::Error(Bytes::from_static(b"EXECABORT Transaction discarded"));
        let e = exec_result("n", &one, vec![ok, err, abort]).unwrap_err();
        assert!(e.to_string().contains("wrong number"), "{e}");
    }
}
