//! One client's life on the I/O thread: connecting (lazily, on the first command or
//! `connect()`), running commands and pipelines on the core's async client, and closing.
//!
//! JavaScript sends [`Job`]s in batches over a channel; every job with a promise ends in
//! exactly one [`Completion`] posted to the client's [`Mailbox`].

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use slotwise::aio::Client;
use slotwise::{ClientOptions, Cmd, Error, Pipeline};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

use crate::deliver::{Completion, Mailbox, Outcome};
use crate::js::Deferred;
use crate::reply::Shape;

/// Work sent from JavaScript.
pub(crate) enum Job {
    Command {
        cmd: Cmd,
        shape: Shape,
        deferred: Deferred,
    },
    Pipeline {
        pipeline: Pipeline,
        shapes: Vec<Shape>,
        deferred: Deferred,
    },
    Connect {
        deferred: Deferred,
    },
    /// Finish the commands already sent, then close.
    Quit {
        deferred: Deferred,
    },
    /// Close now; commands in flight fail.
    Disconnect,
}

impl Job {
    /// True when the job settles a promise.
    pub(crate) fn has_promise(&self) -> bool {
        !matches!(self, Job::Disconnect)
    }

    /// The promise, for jobs that will not run.
    pub(crate) fn into_deferred(self) -> Option<Deferred> {
        match self {
            Job::Command { deferred, .. }
            | Job::Pipeline { deferred, .. }
            | Job::Connect { deferred }
            | Job::Quit { deferred } => Some(deferred),
            Job::Disconnect => None,
        }
    }
}

/// The batches JavaScript sends.
pub(crate) type Sender = mpsc::UnboundedSender<Vec<Job>>;

/// Connection state, as ioredis names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum State {
    Wait = 0,
    Connecting = 1,
    Ready = 2,
    End = 3,
}

impl State {
    pub(crate) fn name(self) -> &'static str {
        match self {
            State::Wait => "wait",
            State::Connecting => "connecting",
            State::Ready => "ready",
            State::End => "end",
        }
    }
}

/// What the JavaScript thread can see of a session.
pub(crate) struct Shared {
    pub mailbox: Arc<Mailbox>,
    client: Mutex<Option<Client>>,
    state: AtomicU8,
}

impl Shared {
    pub(crate) fn new(mailbox: Arc<Mailbox>) -> Shared {
        Shared {
            mailbox,
            client: Mutex::new(None),
            state: AtomicU8::new(State::Wait as u8),
        }
    }

    pub(crate) fn state(&self) -> State {
        match self.state.load(Acquire) {
            0 => State::Wait,
            1 => State::Connecting,
            2 => State::Ready,
            _ => State::End,
        }
    }

    pub(crate) fn set_state(&self, s: State) {
        self.state.store(s as u8, Release);
    }

    /// The connected client, for its counters.
    pub(crate) fn client(&self) -> Option<Client> {
        self.client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_client(&self, c: Option<Client>) {
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = c;
    }
}

/// Starts the session task on the I/O runtime; returns the channel JavaScript sends to.
pub(crate) fn start(opts: ClientOptions, shared: Arc<Shared>) -> Result<Sender, String> {
    let rt = crate::io::runtime()?;
    let (tx, rx) = mpsc::unbounded_channel();
    let session = Session {
        opts,
        shared,
        client: None,
        connecting: None,
        waiting: Vec::new(),
        inflight: Arc::new(InFlight::default()),
        stop: None,
    };
    rt.spawn(session.serve(rx));
    Ok(tx)
}

/// Why the session ends.
enum Stop {
    Quit(Deferred),
    Disconnect,
    /// The JavaScript object was garbage-collected.
    Dropped,
}

struct Session {
    opts: ClientOptions,
    shared: Arc<Shared>,
    client: Option<Client>,
    connecting: Option<JoinHandle<slotwise::Result<Client>>>,
    /// Jobs held until the connection attempt ends (commands fail at their own deadline
    /// if it takes longer).
    waiting: Vec<Waiting>,
    inflight: Arc<InFlight>,
    stop: Option<Stop>,
}

impl Session {
    async fn serve(mut self, mut rx: mpsc::UnboundedReceiver<Vec<Job>>) {
        while self.stop.is_none() {
            let expiry = self.waiting.iter().filter_map(|w| w.deadline).min();
            let connected = match self.connecting.as_mut() {
                Some(attempt) => tokio::select! {
                    biased;
                    r = attempt => Some(r.unwrap_or_else(|e| {
                        Err(Error::Config(format!("the connection attempt failed: {e}")))
                    })),
                    batch = rx.recv() => {
                        self.on_batch(batch);
                        None
                    }
                    () = sleep_until(expiry) => {
                        self.expire_waiting(Instant::now());
                        None
                    }
                },
                None => {
                    let batch = rx.recv().await;
                    self.on_batch(batch);
                    None
                }
            };
            if let Some(r) = connected {
                self.connecting = None;
                self.on_connected(r);
            }
        }
        self.close(&mut rx).await;
    }

    fn on_batch(&mut self, batch: Option<Vec<Job>>) {
        match batch {
            Some(jobs) => {
                for job in jobs {
                    self.on_job(job);
                }
            }
            None => {
                if self.stop.is_none() {
                    self.stop = Some(Stop::Dropped);
                }
            }
        }
    }

    fn on_job(&mut self, job: Job) {
        if self.stop.is_some() {
            // Only reachable through misuse (JavaScript refuses jobs after quit/disconnect).
            self.fail(job, Error::Closed);
            return;
        }
        let Some(client) = self.client.clone() else {
            match job {
                Job::Disconnect => self.stop = Some(Stop::Disconnect),
                Job::Quit { deferred } if self.connecting.is_none() => {
                    self.stop = Some(Stop::Quit(deferred));
                }
                job => {
                    let queued = Instant::now();
                    let deadline = budget(&self.opts, &job).and_then(|b| queued.checked_add(b));
                    self.waiting.push(Waiting {
                        job,
                        queued,
                        deadline,
                    });
                    self.begin_connect();
                }
            }
            return;
        };
        self.dispatch(client, job, None);
    }

    /// Runs `job` on the connected client; one that waited for the connection runs within
    /// what is left of its deadline.
    fn dispatch(&mut self, client: Client, job: Job, held: Option<Held>) {
        match job {
            Job::Command {
                cmd,
                shape,
                deferred,
            } => {
                let mailbox = self.shared.mailbox.clone();
                let guard = self.inflight.enter();
                tokio::spawn(async move {
                    let r = match held {
                        Some(h) => h.bound(client.exec(cmd)).await.unwrap_or_else(Err),
                        None => client.exec(cmd).await,
                    };
                    mailbox.post(Completion {
                        deferred,
                        outcome: Outcome::Reply(shape, r),
                    });
                    drop(guard);
                });
            }
            Job::Pipeline {
                pipeline,
                shapes,
                deferred,
            } => {
                let mailbox = self.shared.mailbox.clone();
                let guard = self.inflight.enter();
                tokio::spawn(async move {
                    let results = match held {
                        Some(h) => {
                            let n = pipeline.len();
                            h.bound(client.run_pipeline(&pipeline))
                                .await
                                .unwrap_or_else(|e| vec![Err(e); n])
                        }
                        None => client.run_pipeline(&pipeline).await,
                    };
                    mailbox.post(Completion {
                        deferred,
                        outcome: Outcome::Pipeline {
                            shapes,
                            results,
                            transaction: pipeline.is_transaction(),
                        },
                    });
                    drop(guard);
                });
            }
            Job::Connect { deferred } => self.post(deferred, Outcome::Connected(Ok(()))),
            Job::Quit { deferred } => self.stop = Some(Stop::Quit(deferred)),
            Job::Disconnect => self.stop = Some(Stop::Disconnect),
        }
    }

    fn begin_connect(&mut self) {
        if self.connecting.is_none() {
            self.shared.set_state(State::Connecting);
            self.connecting = Some(tokio::spawn(Client::connect(self.opts.clone())));
        }
    }

    /// Fails the queued commands whose deadline has passed (the connection attempt goes on
    /// for the others and for later commands).
    fn expire_waiting(&mut self, now: Instant) {
        let (due, keep) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| w.deadline.is_some_and(|d| d <= now));
        self.waiting = keep;
        for w in due {
            let e = self.opts.discovery_timeout(now - w.queued, None);
            self.fail(w.job, e);
        }
    }

    fn on_connected(&mut self, r: slotwise::Result<Client>) {
        let waiting = std::mem::take(&mut self.waiting);
        match r {
            Ok(client) => {
                self.shared.set_client(Some(client.clone()));
                self.shared.set_state(State::Ready);
                self.client = Some(client.clone());
                let now = Instant::now();
                for w in waiting {
                    let held = w.deadline.map(|deadline| Held {
                        deadline,
                        queued: w.queued,
                        error: self
                            .opts
                            .discovery_timeout(now - w.queued, Some(now - w.queued)),
                    });
                    match self.stop {
                        None => self.dispatch(client.clone(), w.job, held),
                        Some(_) => self.fail(w.job, Error::Closed),
                    }
                }
            }
            Err(e) => {
                self.shared.set_state(State::Wait);
                for job in waiting.into_iter().map(|w| w.job) {
                    match job {
                        Job::Quit { deferred } => self.stop = Some(Stop::Quit(deferred)),
                        Job::Disconnect => self.stop = Some(Stop::Disconnect),
                        job => self.fail(job, e.clone()),
                    }
                }
            }
        }
    }

    fn post(&self, deferred: Deferred, outcome: Outcome) {
        self.shared.mailbox.post(Completion { deferred, outcome });
    }

    fn fail(&self, job: Job, e: Error) {
        if let Some(deferred) = job.into_deferred() {
            self.post(deferred, Outcome::Reply(Shape::Text, Err(e)));
        }
    }

    /// Ends the session: lets commands in flight finish (`quit`) or fails them (`disconnect`),
    /// settles everything still queued, then releases the mailbox.
    async fn close(mut self, rx: &mut mpsc::UnboundedReceiver<Vec<Job>>) {
        let stop = self.stop.take().unwrap_or(Stop::Dropped);
        if let Some(attempt) = self.connecting.take() {
            attempt.abort();
        }
        for w in std::mem::take(&mut self.waiting) {
            self.fail(w.job, Error::Closed);
        }
        let quit = match stop {
            Stop::Quit(deferred) => {
                self.inflight.idle().await;
                Some(deferred)
            }
            Stop::Disconnect | Stop::Dropped => None,
        };
        if let Some(c) = self.client.take() {
            c.close();
        }
        self.shared.set_client(None);
        self.shared.set_state(State::End);
        self.inflight.idle().await;
        rx.close();
        while let Ok(batch) = rx.try_recv() {
            for job in batch {
                self.fail(job, Error::Closed);
            }
        }
        if let Some(deferred) = quit {
            self.post(deferred, Outcome::Quit);
        }
        self.shared.mailbox.finish();
    }
}

/// A job held while the client connects.
struct Waiting {
    job: Job,
    queued: Instant,
    /// When a command or pipeline must have failed if it has not run yet; `None` for the
    /// other jobs (and for deadlines too far away to represent).
    deadline: Option<Instant>,
}

/// The rest of the deadline of a job that waited for the connection.
struct Held {
    queued: Instant,
    deadline: Instant,
    /// The error if the deadline passes.
    error: Error,
}

impl Held {
    /// `work`'s result, or the timeout error once the deadline passes (`work` is dropped:
    /// the core abandons the request, and a connection left waiting for its reply is not
    /// reused).
    async fn bound<T>(self, work: impl std::future::Future<Output = T>) -> Result<T, Error> {
        match tokio::time::timeout_at(self.deadline.into(), work).await {
            Ok(r) => Ok(r),
            Err(_) => {
                let mut e = self.error;
                if let Error::Timeout { after, .. } = &mut e {
                    *after = self.queued.elapsed();
                }
                Err(e)
            }
        }
    }
}

/// How long a command or pipeline may take from the moment it is sent, as the core's
/// deadline: the request timeout, plus for a command that blocks on the server (BLPOP 5,
/// XREAD BLOCK 100...) the time it may block.
fn budget(opts: &ClientOptions, job: &Job) -> Option<Duration> {
    let cmds = match job {
        Job::Command { cmd, .. } => std::slice::from_ref(cmd),
        Job::Pipeline { pipeline, .. } => pipeline.commands(),
        _ => return None,
    };
    Some(opts.request_budget(cmds))
}

/// Sleeps until `at`; forever without one.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Commands and pipelines running on the I/O thread, so `quit` can wait for them.
#[derive(Default)]
struct InFlight {
    n: AtomicUsize,
    idle: Notify,
}

struct InFlightGuard(Arc<InFlight>);

impl InFlight {
    fn enter(self: &Arc<Self>) -> InFlightGuard {
        self.n.fetch_add(1, AcqRel);
        InFlightGuard(self.clone())
    }

    async fn idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.n.load(Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.0.n.fetch_sub(1, AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}
