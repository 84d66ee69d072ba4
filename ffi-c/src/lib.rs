//! `libslotwise`: the slotwise Redis Cluster client for C programs.
//!
//! A thin layer over [`slotwise::blocking::Client`]: it converts arguments and replies and
//! maps errors, nothing more. The C header `include/slotwise.h` is generated from these
//! sources by cbindgen (`make header-c` from the repository root; `make test-c` fails when
//! the committed header differs).
//!
//! Conventions (after rustls-ffi):
//! - every symbol starts with `slotwise_`; functions are named `slotwise_<type>_<verb>`;
//! - handles are opaque ([`slotwise_options`], [`slotwise_client`], [`slotwise_pipeline`]);
//!   replies are a plain struct readable like hiredis's `redisReply` ([`slotwise_reply`]);
//! - every fallible function returns a [`slotwise_result`] and writes its `*_out` pointers
//!   only on success; [`error::slotwise_last_error`] explains the failure;
//! - every body runs inside a panic boundary, NULL arguments are reported, not dereferenced,
//!   and every `_free(NULL)` is a no-op.
#![allow(non_camel_case_types)]
#![warn(missing_docs)]

// Declaration order is the header's order: cbindgen emits items as it parses them.
mod address_map;
mod argv;
pub mod client;
pub mod error;
pub mod format;
pub mod options;
pub mod pipeline;
pub mod reply;
pub mod stats;
mod version;

pub use client::slotwise_client;
pub use error::slotwise_result;
pub use options::{slotwise_options, slotwise_protocol, slotwise_read_policy};
pub use pipeline::slotwise_pipeline;
pub use reply::{slotwise_reply, slotwise_reply_type};
pub use stats::slotwise_stats;
pub use version::{SLOTWISE_VERSION_MAJOR, SLOTWISE_VERSION_MINOR, SLOTWISE_VERSION_PATCH};
