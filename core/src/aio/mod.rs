//! The async driver (tokio): one multiplexed, pipelined connection per node, background
//! topology refresh, per-request deadlines. Routing decisions come from [`crate::router`].

mod blocking_pool;
mod client;
mod conn;
mod watch;

pub use client::Client;
pub use watch::Watch;
