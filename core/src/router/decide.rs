//! What to do with what a node answered: the one place routing decisions are made.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Attempt, Error};
use crate::resp::{ServerError, ServerErrorKind, Value};
use crate::slot::Slot;
use crate::stats::Counters;

use super::Router;

/// What came back for one command sent to one node.
#[derive(Debug)]
pub enum Outcome {
    /// A reply (possibly an error reply).
    Reply(Value),
    /// The command was never written (connect failed, handshake failed): safe to retry.
    NotSent(Error),
    /// The command was written but no reply came (connection broke, or the deadline
    /// passed): a write may or may not have been applied.
    Lost(Error),
    /// The router had no node for the target (slot unassigned in the client's map).
    NoRoute,
}

/// What the driver does next for one request.
#[derive(Debug)]
pub enum Action {
    /// Hand this result to the caller.
    Done(Result<Value, Error>),
    /// Send again to `addr` now (ASK: guarded by `ASKING` on the same connection).
    Redirect {
        /// Target `host:port`.
        addr: Arc<str>,
        /// Send `ASKING` first.
        asking: bool,
    },
    /// Send again after `delay`, to wherever the slot map then says.
    Retry {
        /// Backoff before the next try.
        delay: Duration,
        /// Drop the connection to the node that answered before retrying.
        reconnect: bool,
    },
}

/// Per-request bookkeeping: budgets spent, deadline, and the trail for error messages.
#[derive(Debug, Clone)]
pub struct RequestState {
    /// The slot, for keyed commands.
    pub slot: Option<Slot>,
    /// Redirects followed.
    pub redirects: u32,
    /// Retries made.
    pub retries: u32,
    /// Every try that did not end the request.
    pub attempts: Vec<Attempt>,
    /// When the request gives up.
    pub deadline: Instant,
    /// The full timeout (for messages).
    pub timeout: Duration,
}

impl RequestState {
    /// A fresh request started `now`.
    pub fn new(slot: Option<Slot>, now: Instant, timeout: Duration) -> RequestState {
        RequestState {
            slot,
            redirects: 0,
            retries: 0,
            attempts: Vec::new(),
            deadline: now + timeout,
            timeout,
        }
    }

    fn note(&mut self, node: &str, outcome: impl Into<String>) {
        // Bounded: the error message names the tries, it need not list hundreds.
        if self.attempts.len() < 32 {
            self.attempts.push(Attempt {
                node: node.to_string(),
                outcome: outcome.into(),
            });
        }
    }

    /// When the request began.
    pub fn started(&self) -> Instant {
        self.deadline - self.timeout
    }
}

/// The host part of `host:port` (without the brackets of an IPv6 address).
pub fn host_of(addr: &str) -> &str {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

thread_local! {
    static JITTER: Cell<u64> = const { Cell::new(0) };
}

/// A pseudo-random fraction in [0.5, 1.0): spreads retries of many requests apart.
fn jitter() -> f64 {
    JITTER.with(|s| {
        let mut x = s.get();
        if x == 0 {
            x = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
                ^ (s as *const _ as u64).rotate_left(17)
                ^ 0x9E37_79B9_7F4A_7C15;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        0.5 + (x >> 11) as f64 / (1u64 << 53) as f64 / 2.0
    })
}

impl Router {
    /// The request of `st` ran out of time: how long it ran, under which timeouts, and
    /// every try.
    pub(crate) fn timeout_error(&self, st: &RequestState, now: Instant) -> Error {
        Error::Timeout {
            slot: st.slot,
            after: now.saturating_duration_since(st.started()),
            limits: self.opts.timeouts(),
            attempts: st.attempts.clone(),
        }
    }

    /// The backoff before retry number `n` (0-based): exponential, capped, jittered.
    pub fn backoff(&self, n: u32) -> Duration {
        let base = self.opts.retry_base_delay;
        let exp = base.saturating_mul(1u32 << n.min(16));
        exp.min(self.opts.retry_max_delay).mul_f64(jitter())
    }

    /// Schedules a retry within the deadline and the retry budget, or gives up with `last`.
    /// Like [`Router::decide`] for work pinned to one connection's state (a transaction, a
    /// WATCH session): an ASK cannot be followed command by command there, so it becomes a
    /// retry that waits for the slot's migration to finish (within the retry budget and the
    /// deadline).
    pub(crate) fn decide_pinned(
        &self,
        st: &mut RequestState,
        addr: &str,
        outcome: Outcome,
        readonly: bool,
        now: Instant,
    ) -> Action {
        match self.decide(st, addr, outcome, readonly, now) {
            Action::Redirect { asking: true, .. } => self.retry(st, now, false, || Error::Server {
                error: ServerError::parse(b"TRYAGAIN the slot is migrating"),
                node: addr.to_string(),
            }),
            other => other,
        }
    }

    pub(crate) fn retry(
        &self,
        st: &mut RequestState,
        now: Instant,
        reconnect: bool,
        last: impl FnOnce() -> Error,
    ) -> Action {
        if st.retries >= self.opts.max_retries {
            return Action::Done(Err(last()));
        }
        let delay = self.backoff(st.retries);
        if now + delay >= st.deadline {
            return Action::Done(Err(self.timeout_error(st, now)));
        }
        st.retries += 1;
        Counters::bump(&self.counters().retries);
        tracing::debug!(
            slot = st.slot.map(|s| s.get()),
            retry = st.retries,
            ?delay,
            last = st.attempts.last().map(|a| a.outcome.as_str()),
            "retrying"
        );
        Action::Retry { delay, reconnect }
    }

    /// Decides what happens after `outcome` came back from `from` for a request in state
    /// `st`. `readonly` says whether the command never writes (lost replies of reads are
    /// retried; of writes, reported). Updates the slot map on MOVED and asks for refreshes
    /// where the topology may have changed.
    pub fn decide(
        &self,
        st: &mut RequestState,
        from: &str,
        outcome: Outcome,
        readonly: bool,
        now: Instant,
    ) -> Action {
        let value = match outcome {
            Outcome::Reply(v) => v,
            Outcome::NoRoute => {
                self.request_refresh();
                st.note("-", "no node owns this slot in the client's map");
                let slot = st.slot;
                return self.retry(st, now, false, || {
                    let text = match slot {
                        Some(s) => format!("CLUSTERDOWN Hash slot not served (slot {s} has no owner in the cluster map)"),
                        None => "CLUSTERDOWN no node known (the cluster map is empty)".to_string(),
                    };
                    Error::Server {
                        error: ServerError::parse(text.as_bytes()),
                        node: "-".into(),
                    }
                });
            }
            Outcome::NotSent(e) => {
                if matches!(
                    e,
                    Error::Auth { .. } | Error::NoPermission { .. } | Error::Config(_)
                ) {
                    return Action::Done(Err(e));
                }
                self.request_refresh();
                st.note(from, e.to_string());
                return self.retry(st, now, true, || e);
            }
            Outcome::Lost(e @ Error::Protocol { .. }) => {
                // The node speaks garbage: the connection is dropped by the driver, and
                // resending the same request to the same node would only repeat it.
                st.note(from, e.to_string());
                return Action::Done(Err(e));
            }
            Outcome::Lost(e) => {
                self.request_refresh();
                if matches!(e, Error::Timeout { .. }) || now >= st.deadline {
                    st.note(from, "no reply before the deadline");
                    return Action::Done(Err(self.timeout_error(st, now)));
                }
                st.note(from, e.to_string());
                if readonly {
                    return self.retry(st, now, true, || e);
                }
                return Action::Done(Err(lost_write(from, e)));
            }
        };
        let text = match &value {
            Value::Error(t) | Value::BlobError(t) => t,
            _ => return Action::Done(Ok(value)),
        };
        let err = ServerError::parse(text);
        let server_err = |err: ServerError| Error::Server {
            error: err,
            node: from.to_string(),
        };
        match &err.kind {
            ServerErrorKind::Moved(r) | ServerErrorKind::Ask(r) => {
                let asking = matches!(err.kind, ServerErrorKind::Ask(_));
                st.note(from, err.text.clone());
                st.slot = Some(r.slot);
                let Some(target) = r.address(host_of(from)) else {
                    // `?` endpoint: only a refresh can tell where the slot went.
                    self.request_refresh();
                    return self.retry(st, now, false, || server_err(err));
                };
                let target = match self.opts.address_map.apply(target) {
                    Ok(t) => t,
                    Err(why) => {
                        // Never follow a redirect to an address the mapping did not choose.
                        st.note(from, why.clone());
                        return Action::Done(Err(Error::Config(why)));
                    }
                };
                if st.redirects >= self.opts.max_redirects {
                    return Action::Done(Err(Error::RedirectBudget {
                        slot: st.slot,
                        redirects: st.redirects,
                        attempts: st.attempts.clone(),
                    }));
                }
                st.redirects += 1;
                tracing::debug!(
                    slot = r.slot.get(),
                    from,
                    to = %target,
                    kind = if asking { "ASK" } else { "MOVED" },
                    "following redirect"
                );
                if asking {
                    Counters::bump(&self.counters().ask);
                } else {
                    Counters::bump(&self.counters().moved);
                    if target == from {
                        // MOVED back to the node that sent it: a stale connection or a
                        // proxy. Reconnect instead of looping on the same socket.
                        self.request_refresh();
                        return Action::Retry {
                            delay: Duration::ZERO,
                            reconnect: true,
                        };
                    }
                    self.patch_slot(r.slot, &target);
                    self.request_refresh();
                }
                Action::Redirect {
                    addr: target.into(),
                    asking,
                }
            }
            ServerErrorKind::TryAgain | ServerErrorKind::Loading => {
                st.note(from, err.text.clone());
                self.retry(st, now, false, || server_err(err))
            }
            ServerErrorKind::ClusterDown(_)
            | ServerErrorKind::ReadOnly
            | ServerErrorKind::MasterDown => {
                // The node's role or the slot's owner may have changed (failover).
                st.note(from, err.text.clone());
                self.request_refresh();
                self.retry(st, now, false, || server_err(err))
            }
            ServerErrorKind::InvalidRedirect(problem) => {
                st.note(from, err.text.clone());
                Action::Done(Err(Error::Protocol {
                    node: from.to_string(),
                    error: crate::resp::ProtocolError {
                        kind: crate::resp::ProtocolErrorKind::InvalidRedirect {
                            reply: err.text,
                            problem,
                        },
                        offset: 0,
                    },
                }))
            }
            ServerErrorKind::Auth => Action::Done(Err(Error::Auth {
                node: from.to_string(),
                message: err.text,
            })),
            _ => Action::Done(Err(server_err(err))),
        }
    }
}

fn lost_write(from: &str, e: Error) -> Error {
    let detail = match &e {
        Error::Io { source, .. } => source.to_string(),
        other => other.to_string(),
    };
    Error::io(
        from,
        std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            format!(
                "{detail}; the connection was lost after the command was sent, so it may or \
                 may not have been applied (not retried automatically because it writes)"
            ),
        ),
    )
}
