//! Jobs leaving the JavaScript thread, one batch per microtask checkpoint.
//!
//! Commands issued in the same turn (a loop, `Promise.all`, the continuations of a batch of
//! replies) are queued here and sent to the I/O thread together by a microtask, so the I/O
//! thread is woken once for all of them and can write each node's share in one go.

use std::cell::{Cell, OnceCell, RefCell};
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;

use napi::sys;

use crate::deliver::{self, Completion, Outcome};
use crate::js::{self, Env, Persistent};
use crate::reply::Shape;
use crate::session::{Job, Sender, Shared};

/// The JavaScript side of one client, shared by the `Cluster` object and its pipelines.
pub(crate) struct Outbox {
    env: Env,
    jobs: RefCell<Vec<Job>>,
    /// Jobs in `jobs` that settle a promise.
    promised: Cell<usize>,
    /// `None` once the client object is gone.
    tx: RefCell<Option<Sender>>,
    flush_scheduled: Cell<bool>,
    /// `quit()` or `disconnect()` was called: new commands are refused.
    closed: Cell<bool>,
    /// The native `flush` function queued as a microtask; its data is this outbox.
    flush_fn: OnceCell<Persistent>,
    queue_microtask: Persistent,
    pub shared: Arc<Shared>,
}

impl Outbox {
    pub(crate) unsafe fn new(
        env: Env,
        tx: Sender,
        shared: Arc<Shared>,
    ) -> Result<Rc<Outbox>, js::Failed> {
        let mut global = ptr::null_mut();
        let mut queue_microtask = ptr::null_mut();
        js::check(sys::napi_get_global(env, &mut global))?;
        js::check(sys::napi_get_named_property(
            env,
            global,
            c"queueMicrotask".as_ptr(),
            &mut queue_microtask,
        ))?;
        let queue_microtask = Persistent::new(env, queue_microtask)?;
        let outbox = Rc::new(Outbox {
            env,
            jobs: RefCell::new(Vec::new()),
            promised: Cell::new(0),
            tx: RefCell::new(Some(tx)),
            flush_scheduled: Cell::new(false),
            closed: Cell::new(false),
            flush_fn: OnceCell::new(),
            queue_microtask,
            shared,
        });
        // The function's data points at this outbox; a strong count is taken whenever the
        // function is queued (see `schedule`), so the pointer is live when it runs.
        let mut f = ptr::null_mut();
        js::check(sys::napi_create_function(
            env,
            c"flush".as_ptr(),
            5,
            Some(flush_cb),
            Rc::as_ptr(&outbox) as *mut c_void,
            &mut f,
        ))?;
        let _ = outbox.flush_fn.set(Persistent::new(env, f)?);
        Ok(outbox)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Refuses further commands (after `quit()` / `disconnect()`).
    pub(crate) fn close(&self) {
        self.closed.set(true);
    }

    /// Queues a job; it leaves at the next microtask checkpoint.
    pub(crate) unsafe fn push(self: &Rc<Self>, job: Job) {
        if job.has_promise() {
            self.promised.set(self.promised.get() + 1);
        }
        self.jobs.borrow_mut().push(job);
        if !self.flush_scheduled.replace(true) {
            self.schedule();
        }
    }

    unsafe fn schedule(self: &Rc<Self>) {
        Rc::increment_strong_count(Rc::as_ptr(self));
        let Some(f) = self.flush_fn.get().map(|p| p.get()) else {
            Rc::decrement_strong_count(Rc::as_ptr(self));
            self.flush();
            return;
        };
        let mut ignored = ptr::null_mut();
        let status = sys::napi_call_function(
            self.env,
            js::undefined(self.env),
            self.queue_microtask.get(),
            1,
            &f,
            &mut ignored,
        );
        if status != sys::Status::napi_ok {
            Rc::decrement_strong_count(Rc::as_ptr(self));
            self.flush();
        }
    }

    /// Sends the queued jobs to the I/O thread; if the session is gone, rejects them.
    unsafe fn flush(&self) {
        self.flush_scheduled.set(false);
        let jobs = std::mem::take(&mut *self.jobs.borrow_mut());
        let promised = self.promised.replace(0);
        if jobs.is_empty() {
            return;
        }
        let mailbox = &self.shared.mailbox;
        mailbox.hold(self.env, promised);
        let unsent = match self.tx.borrow().as_ref() {
            Some(tx) => tx.send(jobs).err().map(|e| e.0),
            None => Some(jobs),
        };
        if let Some(jobs) = unsent {
            for deferred in jobs.into_iter().filter_map(Job::into_deferred) {
                let c = Completion {
                    deferred,
                    outcome: Outcome::Reply(Shape::Text, Err(slotwise::Error::Closed)),
                };
                deliver::settle(self.env, c);
            }
            mailbox.release(self.env, promised);
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        // Closing the channel ends the session once its commands are done.
        self.tx.get_mut().take();
    }
}

/// The queued microtask: sends the batch, then drops the strong count `schedule` took.
unsafe extern "C" fn flush_cb(env: Env, info: sys::napi_callback_info) -> js::Value {
    let mut data: *mut c_void = ptr::null_mut();
    let mut argc = 0usize;
    sys::napi_get_cb_info(
        env,
        info,
        &mut argc,
        ptr::null_mut(),
        ptr::null_mut(),
        &mut data,
    );
    if !data.is_null() {
        let outbox = Rc::from_raw(data as *const Outbox);
        outbox.flush();
    }
    ptr::null_mut()
}
