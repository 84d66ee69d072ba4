//! The blocking driver: for C, Python's synchronous API and plain threads. The calling
//! thread does its own I/O on pooled sockets; routing decisions come from [`crate::router`].

mod client;
mod conn;
mod watch;

pub use client::Client;
pub use watch::Watch;
