//! `slotwise_pipeline`: many commands sent together, replies in the order they were added.

use std::ffi::{c_char, c_int};

use slotwise::Pipeline;

use crate::client::slotwise_client;
use crate::error::{arg_mut, arg_out, arg_ref, guard, guard_value, slotwise_result};
use crate::reply::{self, slotwise_reply};

/// A batch of commands. A plain pipeline may mix slots freely: slotwise groups the commands
/// per node, sends each group in one write, and returns the replies in the caller's order.
/// A transaction pipeline (`slotwise_pipeline_new_transaction`) runs as MULTI/EXEC and its
/// keys must share one slot (use a hash tag).
///
/// Running a pipeline does not empty it: it can be run again, or emptied with
/// `slotwise_pipeline_clear` and refilled. Not thread-safe: one thread at a time may append
/// to or run a pipeline (it may move between threads).
pub struct slotwise_pipeline {
    pub(crate) pipeline: Pipeline,
}

fn boxed(pipeline: Pipeline) -> *mut slotwise_pipeline {
    Box::into_raw(Box::new(slotwise_pipeline { pipeline }))
}

/// A new, empty pipeline. The caller owns it and frees it with `slotwise_pipeline_free`.
/// Returns NULL only if the library failed internally.
#[no_mangle]
pub extern "C" fn slotwise_pipeline_new() -> *mut slotwise_pipeline {
    guard_value("slotwise_pipeline_new", std::ptr::null_mut(), || {
        boxed(Pipeline::new())
    })
}

/// A new, empty MULTI/EXEC transaction: every key of its commands must hash to one slot.
/// Its reply has one element per command (all nil when EXEC was aborted by WATCH).
#[no_mangle]
pub extern "C" fn slotwise_pipeline_new_transaction() -> *mut slotwise_pipeline {
    guard_value(
        "slotwise_pipeline_new_transaction",
        std::ptr::null_mut(),
        || boxed(Pipeline::transaction()),
    )
}

/// Frees a pipeline. NULL is a no-op.
///
/// # Safety
///
/// `pipeline` is NULL or a handle from `slotwise_pipeline_new*` not freed yet.
#[no_mangle]
pub unsafe extern "C" fn slotwise_pipeline_free(pipeline: *mut slotwise_pipeline) {
    guard_value("slotwise_pipeline_free", (), || {
        if !pipeline.is_null() {
            // SAFETY: per the contract, the handle came from Box::into_raw.
            drop(unsafe { Box::from_raw(pipeline) });
        }
    })
}

/// Appends a command given as an argument vector (as `slotwise_client_command_argv`).
/// The arguments are copied.
///
/// # Safety
///
/// `pipeline` is a live handle or NULL; `argv` / `argvlen` as for
/// `slotwise_client_command_argv`.
#[no_mangle]
pub unsafe extern "C" fn slotwise_pipeline_append_argv(
    pipeline: *mut slotwise_pipeline,
    argc: c_int,
    argv: *const *const c_char,
    argvlen: *const usize,
) -> slotwise_result {
    guard("slotwise_pipeline_append_argv", || {
        // SAFETY: a live handle per the contract.
        let p = unsafe { arg_mut(pipeline, "pipeline") }?;
        // SAFETY: argv/argvlen per the contract.
        let cmd = unsafe { crate::argv::to_cmd(argc, argv, argvlen) }?;
        p.pipeline.add(cmd);
        Ok(())
    })
}

/// The number of commands appended so far (0 for NULL).
///
/// # Safety
///
/// `pipeline` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_pipeline_len(pipeline: *const slotwise_pipeline) -> usize {
    guard_value("slotwise_pipeline_len", 0, || {
        // SAFETY: a live handle or NULL per the contract.
        unsafe { pipeline.as_ref() }.map_or(0, |p| p.pipeline.len())
    })
}

/// Removes every command, keeping the allocation for the next batch.
///
/// # Safety
///
/// `pipeline` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_pipeline_clear(
    pipeline: *mut slotwise_pipeline,
) -> slotwise_result {
    guard("slotwise_pipeline_clear", || {
        // SAFETY: a live handle per the contract.
        unsafe { arg_mut(pipeline, "pipeline") }?.pipeline.clear();
        Ok(())
    })
}

/// Runs every command of `pipeline` on `client` and returns one array reply in
/// `*reply_out`: element `i` is the reply of command `i`. A command that failed (an error
/// reply such as WRONGTYPE, or a timeout or connection failure on its node) gives an element
/// of type `SLOTWISE_REPLY_TYPE_ERROR` whose `error` says which kind of failure and whose
/// `str` explains it; the other commands are unaffected. So the call itself succeeds
/// whenever the pipeline could be run at all (it fails, sending nothing, to report an
/// invalid output of the address-map callback: see `slotwise_address_map_fn`).
///
/// The caller owns `*reply_out` (free it with `slotwise_reply_free`). The pipeline is left
/// as it was. Thread-safe with respect to the client.
///
/// # Safety
///
/// `client` and `pipeline` are live handles or NULL; `reply_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_client_run_pipeline(
    client: *const slotwise_client,
    pipeline: *const slotwise_pipeline,
    reply_out: *mut *mut slotwise_reply,
) -> slotwise_result {
    guard("slotwise_client_run_pipeline", || {
        // SAFETY: live handles per the contract.
        let client = unsafe { arg_ref(client, "client") }?;
        // SAFETY: as above.
        let p = unsafe { arg_ref(pipeline, "pipeline") }?;
        let out = arg_out(reply_out, "reply_out")?;
        client.check_map_faults()?;
        let results = if p.pipeline.is_empty() {
            Vec::new()
        } else {
            client.client.run_pipeline(&p.pipeline)
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(reply::from_results(&results)) };
        Ok(())
    })
}
