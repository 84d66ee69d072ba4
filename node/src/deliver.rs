//! Handing completed commands back to JavaScript in batches.
//!
//! The I/O thread appends completions to a [`Mailbox`] and wakes the JavaScript thread at most
//! once per batch: when it is about to go idle (tokio's `on_thread_park`) or when the batch is
//! large. The wake-up is a Node-API threadsafe function without a JavaScript callback: its
//! native callback drains the mailbox and settles every promise in it, converting replies
//! straight to JavaScript values. One cross-thread wake-up thus serves many replies.
//!
//! The threadsafe function is referenced (keeps the event loop alive) only while promises are
//! outstanding, so an idle or closed client never holds the process open.

use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard};

use napi::sys;
use slotwise::resp::Value;
use slotwise::Error;

use crate::js::{self, Deferred, Env};
use crate::reply::{self, Shape};

/// Completions a batch may reach before the JavaScript thread is woken without waiting for
/// the I/O thread to go idle (bounds latency under sustained load).
const WAKE_AT: usize = 256;

/// Handles created per handle scope while settling a batch.
const SETTLE_CHUNK: usize = 64;

/// What a finished job resolves its promise with.
pub(crate) enum Outcome {
    /// One command's reply.
    Reply(Shape, Result<Value, Error>),
    /// A pipeline: `[error, result]` pairs in order. A transaction whose every command failed
    /// with the same client-side or EXEC-level error rejects instead (like ioredis).
    Pipeline {
        shapes: Vec<Shape>,
        results: Vec<Result<Value, Error>>,
        transaction: bool,
    },
    /// `connect()`: resolves with `undefined`.
    Connected(Result<(), Error>),
    /// `quit()`: resolves with `'OK'`.
    Quit,
}

/// A settled job on its way to the JavaScript thread.
pub(crate) struct Completion {
    pub deferred: Deferred,
    pub outcome: Outcome,
}

/// The raw threadsafe-function handle.
struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: threadsafe functions are made to be called from any thread; `ref`/`unref` are only
// called on the JavaScript thread (see `Mailbox::hold`).
unsafe impl Send for Tsfn {}

/// Completions shared between the I/O thread (producer) and the JavaScript thread (consumer).
pub(crate) struct Mailbox {
    queue: Mutex<Vec<Completion>>,
    /// A wake-up is on its way; later completions ride along.
    scheduled: AtomicBool,
    /// Listed in the I/O thread's to-wake-before-parking list.
    listed: AtomicBool,
    /// `None` once released (client finished) or finalized (environment torn down). Used by
    /// the I/O thread; held while calling so that `finalize` cannot free the handle meanwhile.
    tsfn: Mutex<Option<Tsfn>>,
    /// The same handle for the JavaScript thread's `ref`/`unref`, null once finalized. Read
    /// without the lock: it is written only on the JavaScript thread (creation, `finalize`),
    /// and locking here would make the JavaScript thread wait for the I/O thread whenever it
    /// wakes up while the I/O thread is still inside the wake-up call.
    js_tsfn: AtomicPtr<sys::napi_threadsafe_function__>,
    /// Promises handed to the I/O thread and not yet settled (JavaScript thread only).
    outstanding: AtomicUsize,
}

thread_local! {
    /// Mailboxes with completions not yet signalled, on the I/O thread.
    static UNSIGNALLED: RefCell<Vec<Arc<Mailbox>>> = const { RefCell::new(Vec::new()) };
}

/// Signals every mailbox that got completions since the I/O thread last went idle. Installed
/// as the I/O runtime's `on_thread_park` hook.
pub(crate) fn signal_unsignalled() {
    let boxes = UNSIGNALLED.with(|u| std::mem::take(&mut *u.borrow_mut()));
    for mb in boxes {
        mb.listed.store(false, Release);
        mb.signal();
    }
}

impl Mailbox {
    /// Creates the mailbox and its threadsafe function (unreferenced: it does not keep the
    /// event loop alive until promises are outstanding).
    pub(crate) unsafe fn new(env: Env) -> Result<Arc<Mailbox>, js::Failed> {
        let mb = Arc::new(Mailbox {
            queue: Mutex::new(Vec::new()),
            scheduled: AtomicBool::new(false),
            listed: AtomicBool::new(false),
            tsfn: Mutex::new(None),
            js_tsfn: AtomicPtr::new(ptr::null_mut()),
            outstanding: AtomicUsize::new(0),
        });
        // The threadsafe function owns one strong count, given back in `finalize`.
        let context = Arc::into_raw(mb.clone()) as *mut c_void;
        let name = js::string(env, b"slotwise.deliver");
        let mut raw = ptr::null_mut();
        let status = sys::napi_create_threadsafe_function(
            env,
            ptr::null_mut(),
            ptr::null_mut(),
            name,
            0,
            1,
            context,
            Some(finalize),
            context,
            Some(drain),
            &mut raw,
        );
        if let Err(e) = js::check(status) {
            drop(Arc::from_raw(context as *const Mailbox));
            return Err(e);
        }
        sys::napi_unref_threadsafe_function(env, raw);
        *mb.tsfn() = Some(Tsfn(raw));
        mb.js_tsfn.store(raw, Relaxed);
        Ok(mb)
    }

    fn tsfn(&self) -> MutexGuard<'_, Option<Tsfn>> {
        self.tsfn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn queue(&self) -> MutexGuard<'_, Vec<Completion>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a completion (I/O thread). The JavaScript thread is woken when the I/O thread
    /// parks, or now if the batch is already large.
    pub(crate) fn post(self: &Arc<Self>, c: Completion) {
        let len = {
            let mut q = self.queue();
            q.push(c);
            q.len()
        };
        if len >= WAKE_AT {
            self.signal();
        } else if !self.listed.swap(true, AcqRel) {
            UNSIGNALLED.with(|u| u.borrow_mut().push(self.clone()));
        }
    }

    /// Wakes the JavaScript thread unless a wake-up is already pending.
    fn signal(&self) {
        if self.scheduled.swap(true, AcqRel) {
            return;
        }
        if let Some(t) = self.tsfn().as_ref() {
            // SAFETY: the handle is live while it is in the slot (cleared under the same lock
            // on release and on finalize).
            unsafe {
                sys::napi_call_threadsafe_function(
                    t.0,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                );
            }
        }
    }

    /// Delivers what is queued and releases the threadsafe function (I/O thread, when the
    /// client has finished: nothing will be posted any more).
    pub(crate) fn finish(&self) {
        self.signal();
        if let Some(t) = self.tsfn().take() {
            // SAFETY: this thread's one acquisition (the initial thread count) is given back.
            unsafe {
                sys::napi_release_threadsafe_function(
                    t.0,
                    sys::ThreadsafeFunctionReleaseMode::release,
                );
            }
        }
    }

    /// Counts `n` promises handed to the I/O thread (JavaScript thread); the first keeps the
    /// event loop alive until the last is settled.
    pub(crate) unsafe fn hold(&self, env: Env, n: usize) {
        if n > 0 && self.outstanding.fetch_add(n, Relaxed) == 0 {
            let t = self.js_tsfn.load(Relaxed);
            if !t.is_null() {
                sys::napi_ref_threadsafe_function(env, t);
            }
        }
    }

    /// Counts `n` promises settled (JavaScript thread); lets the loop exit at zero.
    pub(crate) unsafe fn release(&self, env: Env, n: usize) {
        if n > 0 && self.outstanding.fetch_sub(n, Relaxed) == n {
            let t = self.js_tsfn.load(Relaxed);
            if !t.is_null() {
                sys::napi_unref_threadsafe_function(env, t);
            }
        }
    }
}

/// The threadsafe function's native callback (JavaScript thread): settles every queued
/// completion.
unsafe extern "C" fn drain(env: Env, _js_cb: js::Value, context: *mut c_void, _data: *mut c_void) {
    if env.is_null() || context.is_null() {
        return; // the environment is going away
    }
    let mb = &*(context as *const Mailbox);
    mb.scheduled.store(false, Release);
    let batch = std::mem::take(&mut *mb.queue());
    let n = batch.len();
    let mut it = batch.into_iter();
    loop {
        let more = js::with_scope(env, || {
            for c in it.by_ref().take(SETTLE_CHUNK) {
                settle(env, c);
            }
            it.len() > 0
        });
        if !more {
            break;
        }
    }
    mb.release(env, n);
}

/// Called once the threadsafe function is gone (released and drained, or the environment is
/// being torn down): clears the handle and gives back the strong count it held.
unsafe extern "C" fn finalize(_env: Env, data: *mut c_void, _hint: *mut c_void) {
    let mb = Arc::from_raw(data as *const Mailbox);
    mb.js_tsfn.store(ptr::null_mut(), Relaxed);
    mb.tsfn().take();
}

/// Resolves or rejects one promise (JavaScript thread).
pub(crate) unsafe fn settle(env: Env, c: Completion) {
    let outcome = match c.outcome {
        Outcome::Reply(shape, Ok(v)) => Ok(reply::to_js(env, v, shape)),
        Outcome::Reply(_, Err(e)) | Outcome::Connected(Err(e)) => Err(crate::error::to_js(env, &e)),
        Outcome::Connected(Ok(())) => Ok(js::undefined(env)),
        Outcome::Quit => Ok(js::string(env, b"OK")),
        Outcome::Pipeline {
            shapes,
            results,
            transaction,
        } => pipeline_result(env, shapes, results, transaction),
    };
    js::settle(env, c.deferred, outcome);
}

unsafe fn pipeline_result(
    env: Env,
    shapes: Vec<Shape>,
    results: Vec<Result<Value, Error>>,
    transaction: bool,
) -> Result<js::Value, js::Value> {
    if transaction {
        if let Some(e) = whole_transaction_error(&results) {
            return Err(crate::error::to_js(env, e));
        }
    }
    let arr = js::array(env, results.len());
    for (i, r) in results.into_iter().enumerate() {
        let shape = shapes.get(i).copied().unwrap_or(Shape::Text);
        let pair = js::array(env, 2);
        match r {
            Ok(v) => {
                js::set_index(env, pair, 0, js::null(env));
                js::set_index(env, pair, 1, reply::to_js(env, v, shape));
            }
            Err(e) => {
                js::set_index(env, pair, 0, crate::error::to_js(env, &e));
                js::set_index(env, pair, 1, js::null(env));
            }
        }
        js::set_index(env, arr, i, pair);
    }
    Ok(arr)
}

/// The error that failed a whole transaction (CROSSSLOT, EXECABORT, a timeout...): the core
/// reports it once per command.
fn whole_transaction_error(results: &[Result<Value, Error>]) -> Option<&Error> {
    let first = results.first()?.as_ref().err()?;
    let whole = match first {
        Error::Server { error, .. } => error.code() == "EXECABORT",
        _ => true,
    };
    let all_same = results.iter().all(|r| match r {
        Err(e) => e.code() == first.code() && e.to_string() == first.to_string(),
        Ok(_) => false,
    });
    (whole && all_same).then_some(first)
}
