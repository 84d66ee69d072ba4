//! Node.js bindings for slotwise (napi-rs): the npm package `slotwise`.
//!
//! A thin binding with no routing logic: the core's async client runs on one dedicated I/O
//! thread ([`io`]); each client's commands go there in batches ([`outbox`], [`session`]) and
//! replies come back in batches, one wake-up of the JavaScript thread for many of them
//! ([`deliver`]), converted straight to JavaScript values ([`reply`]).
//!
//! - [`cluster`]: the `Cluster` class (constructor, `connect`, `quit`, `stats` ...).
//! - [`pipeline`]: the `Pipeline` class (`pipeline()`, `multi()`, `exec()`).
//! - [`commands`]: the ioredis-named command methods of both classes.
//! - [`args`], [`options`], [`error`], [`natmap`], [`js`]: conversions and Node-API helpers.
#![deny(clippy::undocumented_unsafe_blocks)]
#![allow(clippy::missing_safety_doc)]

mod args;
mod cluster;
mod commands;
mod deliver;
mod error;
mod io;
mod js;
mod natmap;
mod options;
mod outbox;
mod pipeline;
mod reply;
mod session;

use napi::bindgen_prelude::{JsValue, Object};
use napi::Env;
use napi_derive::napi;

/// Installs the command methods on the classes' prototypes once they are exported.
#[napi(module_exports)]
pub fn init(exports: Object, env: Env) -> napi::Result<()> {
    // SAFETY: module initialisation runs on the JavaScript thread with live `exports`.
    unsafe { commands::install(env.raw(), exports.raw()) }.map_err(Into::into)
}
