//! The `Pipeline` class returned by `cluster.pipeline()` and `cluster.multi()`. Its command
//! methods queue and return the pipeline (installed by [`crate::commands`]); `exec()` sends
//! everything at once.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use napi::bindgen_prelude::{JsValue, PromiseRaw, Unknown};
use napi::Env;
use napi_derive::napi;
use slotwise::Cmd;

use crate::error::INVALID_ARGUMENT;
use crate::js::{self, Tag, Tagged};
use crate::outbox::Outbox;
use crate::reply::Shape;
use crate::session::Job;

/// Commands queued for one round trip per node. Non-transactional pipelines may mix slots
/// freely; `multi()` pipelines must stay on one slot.
#[napi]
#[repr(C)]
pub struct Pipeline {
    tag: Tag,
    outbox: Rc<Outbox>,
    batch: RefCell<slotwise::Pipeline>,
    shapes: RefCell<Vec<Shape>>,
    executed: Cell<bool>,
}

impl Tagged for Pipeline {
    const TAG: Tag = Tag(u64::from_be_bytes(*b"slotwPIP"));
}

#[napi]
impl Pipeline {
    /// Commands queued so far.
    #[napi(getter)]
    pub fn length(&self) -> u32 {
        self.shapes.borrow().len() as u32
    }

    /// Sends the queued commands. Resolves with one `[error, result]` pair per command, in
    /// order (`error` is `null` on success). A `multi()` that cannot run at all (keys in
    /// several slots, EXECABORT, the cluster unreachable) rejects instead.
    #[napi(ts_return_type = "Promise<Array<[Error | null, any]>>")]
    pub fn exec<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let raw = env.raw();
        // SAFETY: on the JavaScript thread, inside a call.
        unsafe {
            let (deferred, promise) = js::promise(raw)?;
            if self.executed.replace(true) {
                let e = js::error(
                    raw,
                    INVALID_ARGUMENT,
                    "exec() was already called on this pipeline: create a new one with cluster.pipeline()",
                );
                js::settle(raw, deferred, Err(e));
            } else if self.outbox.is_closed() {
                js::settle(raw, deferred, Err(crate::error::closed(raw)));
            } else if self.shapes.borrow().is_empty() {
                js::settle(raw, deferred, Ok(js::array(raw, 0)));
            } else {
                let pipeline = std::mem::take(&mut *self.batch.borrow_mut());
                let shapes = std::mem::take(&mut *self.shapes.borrow_mut());
                self.outbox.push(Job::Pipeline {
                    pipeline,
                    shapes,
                    deferred,
                });
            }
            Ok(PromiseRaw::new(raw, promise))
        }
    }
}

impl Pipeline {
    /// A pipeline of `commands` (each an array, command name first).
    pub(crate) fn with_commands(
        env: &Env,
        outbox: Rc<Outbox>,
        transaction: bool,
        commands: Option<Vec<Vec<Unknown<'_>>>>,
    ) -> napi::Result<Pipeline> {
        let p = Pipeline {
            tag: Self::TAG,
            outbox,
            batch: RefCell::new(if transaction {
                slotwise::Pipeline::transaction()
            } else {
                slotwise::Pipeline::new()
            }),
            shapes: RefCell::new(Vec::new()),
            executed: Cell::new(false),
        };
        for (i, argv) in commands.unwrap_or_default().into_iter().enumerate() {
            let raw: Vec<js::Value> = argv.iter().map(|a| a.raw()).collect();
            // SAFETY: live values of this call, on the JavaScript thread.
            let cmd = unsafe { crate::args::dynamic_command(env.raw(), &raw) }.map_err(|e| {
                napi::Error::new(
                    napi::Status::InvalidArg,
                    format!("command {}: {}", i + 1, e.0),
                )
            })?;
            p.add(cmd, Shape::Text);
        }
        Ok(p)
    }

    /// Queues a command.
    pub(crate) fn add(&self, cmd: Cmd, shape: Shape) {
        self.batch.borrow_mut().add(cmd);
        self.shapes.borrow_mut().push(shape);
    }
}
