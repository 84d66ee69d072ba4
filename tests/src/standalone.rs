//! [`StandaloneRedis`]: one plain (non-cluster) redis-server, e.g. a seed that is not a
//! cluster node.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::conn::{AdminConn, Auth, DEFAULT_TIMEOUT};
use crate::error::{HarnessError, Result};
use crate::node::RedisProcess;
use crate::options::{auth_directives, KEEP_DIR_ENV};

/// Options for [`StandaloneRedis::start_with`].
#[derive(Debug, Clone)]
pub struct StandaloneOptions {
    /// `requirepass`. Default none.
    pub password: Option<String>,
    /// Extra `key value` config lines, written verbatim.
    pub extra_config: Vec<(String, String)>,
    /// The redis-server binary. Default `redis-server` from `PATH`.
    pub redis_server: PathBuf,
    /// How long to wait for it to answer. Default 30 s.
    pub wait_timeout: Duration,
}

impl Default for StandaloneOptions {
    fn default() -> Self {
        StandaloneOptions {
            password: None,
            extra_config: Vec::new(),
            redis_server: PathBuf::from("redis-server"),
            wait_timeout: Duration::from_secs(30),
        }
    }
}

/// A running non-cluster redis-server on a free loopback port; stopped and its temporary
/// directory deleted on drop.
#[derive(Debug)]
pub struct StandaloneRedis {
    proc: RedisProcess,
    root: PathBuf,
    auth: Option<Auth>,
}

impl StandaloneRedis {
    /// Starts one with default options.
    pub fn start() -> Result<StandaloneRedis> {
        Self::start_with(StandaloneOptions::default())
    }

    /// Starts one and polls until it answers.
    pub fn start_with(opts: StandaloneOptions) -> Result<StandaloneRedis> {
        let root = tempfile::Builder::new()
            .prefix("slotwise-standalone-")
            .tempdir()
            .map(|t| t.keep())
            .map_err(|e| HarnessError::io("creating a temporary directory", e))?;
        let mut directives = String::from(
            "bind 127.0.0.1\nprotected-mode no\ndaemonize no\nappendonly no\nsave \"\"\n\
             shutdown-on-sigterm nosave now\nenable-debug-command yes\n",
        );
        directives.push_str(&auth_directives(opts.password.as_deref(), None));
        for (k, v) in &opts.extra_config {
            directives.push_str(&format!("{k} {v}\n"));
        }
        let proc = match RedisProcess::new(
            "standalone redis".into(),
            root.join("node"),
            opts.redis_server.clone(),
            directives,
            true,
        ) {
            Ok(p) => p,
            Err(e) => {
                let _ = fs::remove_dir_all(&root);
                return Err(e);
            }
        };
        let mut redis = StandaloneRedis {
            proc,
            root,
            auth: opts.password.map(Auth::Password),
        };
        redis.proc.spawn()?;
        let deadline = Instant::now() + opts.wait_timeout;
        redis.proc.wait_ready(redis.auth.as_ref(), deadline, true)?;
        Ok(redis)
    }

    /// "127.0.0.1:port".
    pub fn addr(&self) -> String {
        self.proc.addr()
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.proc.port()
    }

    /// The process id.
    pub fn pid(&self) -> Option<u32> {
        self.proc.pid()
    }

    /// The directory with its config and log.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// An authenticated [`AdminConn`] to it.
    pub fn conn(&self) -> Result<AdminConn> {
        AdminConn::connect(&self.addr(), self.auth.as_ref(), DEFAULT_TIMEOUT)
    }
}

impl Drop for StandaloneRedis {
    fn drop(&mut self) {
        self.proc.begin_stop();
        self.proc
            .finish_stop(Instant::now() + Duration::from_secs(2));
        if !std::env::var(KEEP_DIR_ENV).is_ok_and(|v| v == "1") {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}
