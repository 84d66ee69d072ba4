//! The Redis serialization protocol, RESP2 and RESP3.
//!
//! - [`Decoder`]: incremental, zero-copy decoding of every RESP3 type with size limits.
//! - [`encode_command`]: commands as arrays of bulk strings, straight into the output buffer.
//! - [`ServerError`]: error replies classified into the forms that steer routing
//!   (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, LOADING, READONLY, CROSSSLOT, ...).

mod decode;
mod encode;
mod parser;
mod server_error;
mod value;

pub use decode::{Decoder, Limits, ProtocolError, ProtocolErrorKind};
pub(crate) use encode::put_command;
pub use encode::{encode_command, encode_value, put_bulk, put_header};
pub use server_error::{ClusterDownReason, Redirect, RedirectHost, ServerError, ServerErrorKind};
pub use value::Value;

#[cfg(test)]
mod tests;
