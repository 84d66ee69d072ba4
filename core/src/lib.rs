//! slotwise: a Redis Cluster client.
//!
//! One routing brain shared by every driver and binding:
//! - [`resp`]: RESP2/RESP3 decoding and encoding, typed routing errors.
//! - [`slot`]: hash slots (CRC16 and hash tags).
//! - [`command`]: the command type, where keys are, how commands fan out.
//! - [`topology`]: the slot map, parsed from CLUSTER SHARDS or CLUSTER SLOTS.
//! - [`router`]: sans-I/O decisions (where to send, what to do with the reply).
#![warn(missing_docs)]

pub mod aio;
pub mod blocking;
pub mod command;
pub mod commands;
pub mod discovery;
pub mod error;
mod fork;
mod from_value;
mod node_map;
pub mod options;
mod pipeline;
pub mod resp;
pub mod router;
pub mod scan;
pub mod slot;
pub mod stats;
pub mod tls;
pub mod topology;
pub mod transaction;

pub use command::{cmd, Cmd};
pub use error::{Error, Result};
pub use from_value::FromValue;
pub use options::{ClientOptions, Credentials, Keepalive, Protocol, ReadPolicy, TlsOptions};
pub use pipeline::Pipeline;
pub use stats::Stats;
