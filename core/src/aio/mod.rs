//! The async driver (tokio): one multiplexed, pipelined connection per node, background
//! topology refresh, per-request deadlines. Routing decisions come from [`crate::router`].

mod client;
mod conn;

pub use client::Client;
