//! One client's life on the I/O thread: connecting (lazily, on the first command or
//! `connect()`), running commands and pipelines on the core's async client, and closing.
//!
//! JavaScript sends [`Job`]s in batches over a channel; every job with a promise ends in
//! exactly one [`Completion`] posted to the client's [`Mailbox`].

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};

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
    /// Jobs held until the connection attempt ends.
    waiting: Vec<Job>,
    inflight: Arc<InFlight>,
    stop: Option<Stop>,
}

impl Session {
    async fn serve(mut self, mut rx: mpsc::UnboundedReceiver<Vec<Job>>) {
        while self.stop.is_none() {
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
                    self.waiting.push(job);
                    self.begin_connect();
                }
            }
            return;
        };
        match job {
            Job::Command {
                cmd,
                shape,
                deferred,
            } => {
                let mailbox = self.shared.mailbox.clone();
                let guard = self.inflight.enter();
                tokio::spawn(async move {
                    let r = client.exec(cmd).await;
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
                    let results = client.run_pipeline(&pipeline).await;
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

    fn on_connected(&mut self, r: slotwise::Result<Client>) {
        let waiting = std::mem::take(&mut self.waiting);
        match r {
            Ok(client) => {
                self.shared.set_client(Some(client.clone()));
                self.shared.set_state(State::Ready);
                self.client = Some(client);
                for job in waiting {
                    self.on_job(job);
                }
            }
            Err(e) => {
                self.shared.set_state(State::Wait);
                for job in waiting {
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
        for job in std::mem::take(&mut self.waiting) {
            self.fail(job, Error::Closed);
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
