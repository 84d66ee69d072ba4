//! WATCH sessions for the blocking client: one pooled connection pinned to the node that
//! owns the watched slot, for check-and-set transactions.

use std::time::Instant;

use bytes::BytesMut;

use crate::command::{Cmd, ToArg};
use crate::commands::build;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::pipeline::Pipeline;
use crate::resp::Value;
use crate::router::{Action, Outcome, Target};
use crate::slot::Slot;
use crate::transaction;

use super::client::Client;
use super::conn::{Failure, SyncConn};

/// An optimistic transaction in progress: the keys are WATCHed on their node; read them
/// with [`Watch::query`], then [`Watch::exec`] runs MULTI/EXEC, which returns `None` when
/// a watched key changed in between (try again).
///
/// # Examples
///
/// ```no_run
/// use slotwise::{blocking::Client, cmd, ClientOptions, Pipeline};
/// let client = Client::connect(ClientOptions::new(["127.0.0.1:7000"]))?;
/// loop {
///     let mut w = client.watch(&["{acct}:balance"])?;
///     let balance: i64 = w.query(cmd("GET").arg("{acct}:balance"))?;
///     let mut tx = Pipeline::transaction();
///     tx.add(cmd("SET").arg("{acct}:balance").arg(balance + 10));
///     if w.exec(&tx)?.is_some() {
///         break;
///     }
/// }
/// # Ok::<(), slotwise::Error>(())
/// ```
pub struct Watch {
    client: Client,
    conn: Option<Box<SyncConn>>,
    slot: Slot,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch").field("slot", &self.slot).finish()
    }
}

impl Client {
    /// WATCHes `keys` (one slot) on the node that owns them, following MOVED/ASK-free
    /// redirects and retries like any command.
    ///
    /// # Errors
    ///
    /// [`Error::CrossSlot`] when the keys span slots; otherwise as [`Client::query`].
    pub fn watch<K: ToArg>(&self, keys: &[K]) -> Result<Watch> {
        let watch = build::keys_cmd("WATCH", keys);
        let slot = transaction::session_slot("WATCH", [&watch])?;
        let router = self.router();
        let mut st = router.new_request(Some(slot), Instant::now());
        let mut payload = BytesMut::new();
        watch.write_resp(&mut payload);
        loop {
            let target = Target::Slot {
                slot,
                readonly: false,
            };
            let (addr, outcome, conn) = match router.node_for(&target) {
                None => ("-".into(), Outcome::NoRoute, None),
                Some(addr) => match self.take_conn(&addr) {
                    Err(e) => (addr, Outcome::NotSent(e), None),
                    Ok(mut c) => match c.roundtrip(&payload, 1, st.deadline) {
                        Ok(mut v) => (addr, Outcome::Reply(v.pop().unwrap_or(Value::Nil)), Some(c)),
                        Err(Failure::Lost(e)) => (addr, Outcome::Lost(e), None),
                        Err(Failure::TimedOut) => (
                            addr,
                            Outcome::Lost(router.options().timed_out(
                                Some(slot),
                                st.started(),
                                Vec::new(),
                            )),
                            None,
                        ),
                    },
                },
            };
            match router.decide_pinned(&mut st, &addr, outcome, false, Instant::now()) {
                Action::Done(Ok(_)) => {
                    return Ok(Watch {
                        client: self.clone(),
                        conn,
                        slot,
                    });
                }
                Action::Done(Err(e)) => return Err(e),
                Action::Redirect { .. } => {}
                Action::Retry { delay, .. } => std::thread::sleep(delay),
            }
        }
    }
}

impl Watch {
    fn conn(&mut self) -> Result<&mut SyncConn> {
        self.conn.as_deref_mut().ok_or(Error::Closed)
    }

    /// WATCHes more keys of the watched slot on the session's connection (a change to
    /// any key watched so far still aborts [`Watch::exec`]).
    ///
    /// # Errors
    ///
    /// [`Error::CrossSlot`] for a key of another slot (nothing sent), connection failures.
    pub fn watch<K: ToArg>(&mut self, keys: &[K]) -> Result<()> {
        let watch = build::keys_cmd("WATCH", keys);
        transaction::check_watch_in_slot(&watch, self.slot)?;
        self.send_one(&watch).map(|_| ())
    }

    /// Runs a command on the watched node (its keys must be in the watched slot).
    ///
    /// # Errors
    ///
    /// [`Error::CrossSlot`], error replies as [`Error::Server`], connection failures.
    pub fn query<T: FromValue>(&mut self, cmd: Cmd) -> Result<T> {
        transaction::check_in_slot(&cmd, self.slot)?;
        T::from_value(self.send_one(&cmd)?)
    }

    /// Sends `cmd` (already checked to be in the watched slot) on the session's connection
    /// within the request timeout: its reply, an error reply as [`Error::Server`]. A
    /// connection failure ends the session.
    fn send_one(&mut self, cmd: &Cmd) -> Result<Value> {
        let started = Instant::now();
        let deadline = started + self.client.router().options().request_timeout;
        let mut payload = BytesMut::new();
        cmd.write_resp(&mut payload);
        let client = self.client.clone();
        let slot = self.slot;
        let conn = self.conn()?;
        let addr = conn.addr.clone();
        let reply = conn.roundtrip(&payload, 1, deadline).map_err(|f| {
            self.conn = None;
            failure(f, &client, slot, started)
        })?;
        transaction::reply_result(&addr, reply.into_iter().next().unwrap_or(Value::Nil))
    }

    /// Runs `tx` as MULTI/EXEC. `Ok(None)`: a watched key changed, nothing was applied.
    ///
    /// # Errors
    ///
    /// [`Error::CrossSlot`] before sending; the first failing command's error.
    pub fn exec(mut self, tx: &Pipeline) -> Result<Option<Vec<Value>>> {
        for c in tx.commands() {
            transaction::check_in_slot(c, self.slot)?;
        }
        let started = Instant::now();
        let deadline = started + self.client.router().options().request_timeout;
        let mut payload = BytesMut::new();
        let n = transaction::encode_exec(tx.commands(), &mut payload);
        let mut conn = self.conn.take().ok_or(Error::Closed)?;
        let replies = conn
            .roundtrip(&payload, n, deadline)
            .map_err(|f| failure(f, &self.client, self.slot, started))?;
        let addr = conn.addr.clone();
        // EXEC ended the WATCH: the connection is clean again.
        self.client.give_back(conn);
        transaction::exec_result(&addr, tx.commands(), replies.into_vec())
    }
}

fn failure(f: Failure, client: &Client, slot: Slot, started: Instant) -> Error {
    match f {
        Failure::Lost(e) => e,
        Failure::TimedOut => client
            .router()
            .options()
            .timed_out(Some(slot), started, Vec::new()),
    }
}
