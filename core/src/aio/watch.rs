//! WATCH sessions for the async client: a dedicated connection (not the shared multiplexed
//! one, whose other users would interleave commands) pinned to the watched slot's node.

use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;

use crate::command::{Cmd, ToArg};
use crate::commands::build;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::options::ClientOptions;
use crate::pipeline::Pipeline;
use crate::resp::Value;
use crate::router::{Action, Outcome, Target};
use crate::slot::Slot;
use crate::transaction;

use super::client::Client;
use super::conn::{ConnHandle, Failure};

/// An optimistic transaction in progress (see [`crate::blocking::Watch`] for the pattern).
pub struct Watch {
    client: Client,
    conn: ConnHandle,
    addr: Arc<str>,
    slot: Slot,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("slot", &self.slot)
            .field("node", &self.addr)
            .finish()
    }
}

async fn roundtrip(
    conn: &ConnHandle,
    payload: BytesMut,
    replies: usize,
    (opts, started): (&ClientOptions, Instant),
    slot: Slot,
) -> Result<Vec<Value>, Outcome> {
    let deadline = started + opts.request_timeout;
    let Some(rx) = conn.submit(payload, replies, false) else {
        return Err(Outcome::NotSent(Error::Closed));
    };
    match tokio::time::timeout_at(deadline.into(), rx).await {
        Ok(Ok(Ok(v))) => Ok(v),
        Ok(Ok(Err(Failure::NotSent(e)))) => Err(Outcome::NotSent(e)),
        Ok(Ok(Err(Failure::Lost(e)))) => Err(Outcome::Lost(e)),
        Ok(Err(_)) => Err(Outcome::Lost(Error::Closed)),
        Err(_) => Err(Outcome::Lost(opts.timed_out(
            Some(slot),
            started,
            Vec::new(),
        ))),
    }
}

fn outcome_error(o: Outcome) -> Error {
    match o {
        Outcome::NotSent(e) | Outcome::Lost(e) => e,
        _ => Error::Closed,
    }
}

impl Client {
    /// WATCHes `keys` (one slot) on a dedicated connection to their node.
    ///
    /// # Errors
    ///
    /// [`Error::CrossSlot`] when the keys span slots; otherwise as [`Client::query`].
    pub async fn watch<K: ToArg>(&self, keys: &[K]) -> Result<Watch> {
        let watch = build::keys_cmd("WATCH", keys);
        let slot = transaction::session_slot("WATCH", [&watch])?;
        let router = self.router();
        let mut st = router.new_request(Some(slot), Instant::now());
        loop {
            let target = Target::Slot {
                slot,
                readonly: false,
            };
            let mut conn = None;
            let (addr, outcome): (Arc<str>, Outcome) = match router.node_for(&target) {
                None => ("-".into(), Outcome::NoRoute),
                Some(addr) => {
                    let c = self.dedicated_conn(&addr);
                    let mut payload = BytesMut::new();
                    watch.write_resp(&mut payload);
                    let opts = router.options();
                    match roundtrip(&c, payload, 1, (opts, st.started()), slot).await {
                        Ok(mut v) => {
                            conn = Some(c);
                            (addr, Outcome::Reply(v.pop().unwrap_or(Value::Nil)))
                        }
                        Err(o) => (addr, o),
                    }
                }
            };
            match router.decide_pinned(&mut st, &addr, outcome, false, Instant::now()) {
                Action::Done(Ok(_)) => {
                    let conn = conn.ok_or(Error::Closed)?;
                    return Ok(Watch {
                        client: self.clone(),
                        conn,
                        addr,
                        slot,
                    });
                }
                Action::Done(Err(e)) => return Err(e),
                Action::Redirect { .. } => {}
                Action::Retry { delay, .. } => tokio::time::sleep(delay).await,
            }
        }
    }
}

impl Watch {
    /// WATCHes more keys of the watched slot on the session's connection (a change to
    /// any key watched so far still aborts [`Watch::exec`]).
    ///
    /// # Errors
    ///
    /// [`Error::CrossSlot`] for a key of another slot (nothing sent), connection failures.
    pub async fn watch<K: ToArg>(&mut self, keys: &[K]) -> Result<()> {
        let watch = build::keys_cmd("WATCH", keys);
        transaction::check_watch_in_slot(&watch, self.slot)?;
        self.send_one(&watch).await.map(|_| ())
    }

    /// Runs a command on the watched node (its keys must be in the watched slot).
    ///
    /// # Errors
    ///
    /// [`Error::CrossSlot`], error replies as [`Error::Server`], connection failures.
    pub async fn query<T: FromValue>(&mut self, cmd: Cmd) -> Result<T> {
        transaction::check_in_slot(&cmd, self.slot)?;
        T::from_value(self.send_one(&cmd).await?)
    }

    /// Sends `cmd` (already checked to be in the watched slot) on the session's connection
    /// within the request timeout: its reply, an error reply as [`Error::Server`].
    async fn send_one(&self, cmd: &Cmd) -> Result<Value> {
        let started = (self.client.router().options(), Instant::now());
        let mut payload = BytesMut::new();
        cmd.write_resp(&mut payload);
        let reply = roundtrip(&self.conn, payload, 1, started, self.slot)
            .await
            .map_err(outcome_error)?;
        transaction::reply_result(&self.addr, reply.into_iter().next().unwrap_or(Value::Nil))
    }

    /// Runs `tx` as MULTI/EXEC. `Ok(None)`: a watched key changed, nothing was applied.
    ///
    /// # Errors
    ///
    /// [`Error::CrossSlot`] before sending; the first failing command's error.
    pub async fn exec(self, tx: &Pipeline) -> Result<Option<Vec<Value>>> {
        for c in tx.commands() {
            transaction::check_in_slot(c, self.slot)?;
        }
        let started = (self.client.router().options(), Instant::now());
        let mut payload = BytesMut::new();
        let n = transaction::encode_exec(tx.commands(), &mut payload);
        let replies = roundtrip(&self.conn, payload, n, started, self.slot)
            .await
            .map_err(outcome_error)?;
        transaction::exec_result(&self.addr, tx.commands(), replies)
    }
}
