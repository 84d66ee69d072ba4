//! A harness that runs real Redis Cluster nodes for slotwise's tests.
//!
//! - [`TestCluster`] ([`cluster`], configured by [`options`], inspected via [`inspect`]): starts `redis-server` processes on free loopback ports,
//!   builds a cluster, waits until it is stable ([`stable`]), tears it down on drop.
//! - Operations: slot migration step by step and resharding ([`migration`]); failover,
//!   kill -9, pause/resume, restart ([`ops`]).
//! - [`AdminConn`] ([`conn`]): a blocking RESP connection for commands and assertions.
//! - [`StandaloneRedis`] ([`standalone`]): a plain non-cluster server.
//! - [`FakeNode`] ([`fake`]): a scripted server that replies exactly what a test needs.
//! - TLS clusters ([`ClusterOptions::tls`], certificates from [`tls`]): nodes serve TLS on
//!   a second port; [`TestCluster::tls_seeds`] and [`TestCluster::ca_file`] for clients.
//!
//! The `slotwise-testcluster` binary exposes `up` / `down` for non-Rust test suites.
//!
//! ```no_run
//! use slotwise_testcluster::{ClusterOptions, TestCluster};
//! let cluster = TestCluster::start(ClusterOptions::default())?;
//! let addr = cluster.primary_for_key(b"greeting")?;
//! cluster.conn(&addr)?.cmd_str(&["SET", "greeting", "hi"])?;
//! # Ok::<(), slotwise_testcluster::HarnessError>(())
//! ```
#![warn(missing_docs)]

pub mod cluster;
pub mod conn;
pub mod error;
pub mod fake;
pub mod inspect;
pub mod migration;
pub mod node;
pub mod ops;
pub mod options;
mod poll;
mod ports;
pub mod process;
pub mod stable;
pub mod standalone;
pub mod tls;
pub mod topology;

pub use cluster::{ClusterProcesses, NodeProcess, TestCluster};
pub use conn::{AdminConn, Auth};
pub use error::{HarnessError, Result};
pub use fake::{FakeNode, Received, Reply};
pub use migration::{Migration, ReshardHandle};
pub use node::ProcessState;
pub use ops::FailoverMode;
pub use options::{ClusterOptions, KEEP_DIR_ENV};
pub use process::process_alive;
pub use standalone::{StandaloneOptions, StandaloneRedis};
pub use tls::TlsFiles;
pub use topology::{NodeInfo, Role};
