//! The `Cluster` class: construction, connection lifecycle, pipelines and counters. Its
//! command methods (`get`, `set`, ... `call`) are installed by [`crate::commands`].

use std::rc::Rc;
use std::sync::Arc;

use napi::bindgen_prelude::{Either3, PromiseRaw, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::deliver::Mailbox;
use crate::js::{self, Tag, Tagged};
use crate::options::{self, ClusterOptions, StartupNode};
use crate::outbox::Outbox;
use crate::pipeline::Pipeline;
use crate::session::{self, Job, Shared, State};

/// A Redis Cluster client. Commands are sent on first use (or after `connect()`); every
/// command method returns a promise.
///
/// ```js
/// const { Cluster } = require('slotwise')
/// const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }])
/// await cluster.set('greeting', 'hello', 'EX', 60)
/// console.log(await cluster.get('greeting'))
/// await cluster.quit()
/// ```
#[napi]
#[repr(C)]
pub struct Cluster {
    tag: Tag,
    outbox: Rc<Outbox>,
}

impl Tagged for Cluster {
    const TAG: Tag = Tag(u64::from_be_bytes(*b"slotwCLU"));
}

/// Counters of what the client handled for the application.
#[napi(object)]
pub struct ClusterStats {
    /// MOVED redirects followed.
    pub moved: f64,
    /// ASK redirects followed.
    pub ask: f64,
    /// Retries after TRYAGAIN, CLUSTERDOWN, LOADING, READONLY or connection errors.
    pub retries: f64,
    /// Topology refreshes completed.
    pub refreshes: f64,
    /// Connections re-established after the first one to each node.
    pub reconnects: f64,
}

#[napi]
impl Cluster {
    /// Startup nodes are `{ host, port }` objects, `'host:port'` strings or ports; any of
    /// them may be down. Nothing connects until `connect()` or the first command.
    #[napi(
        constructor,
        ts_args_type = "startupNodes: Array<string | number | StartupNode>, options?: ClusterOptions | undefined | null"
    )]
    pub fn new(
        env: Env,
        startup_nodes: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<Self, String> {
        // The arguments are converted here rather than by the generated glue, so that a wrong
        // type fails with code CONFIG and names the option, like every other bad option.
        let startup_nodes =
            options::startup_nodes(&env, startup_nodes).map_err(crate::error::coded)?;
        let options = options::cluster_options(&env, options).map_err(crate::error::coded)?;
        Self::create(&env, startup_nodes, options).map_err(crate::error::coded)
    }

    /// Connects now (discovers the slot map). Optional: the first command connects too.
    /// Resolves at once when already connected.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn connect<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        self.submit(env, |deferred| Job::Connect { deferred })
    }

    /// Lets the commands already sent finish, then closes every connection. Resolves with
    /// `'OK'`; later commands are rejected with code `CLOSED`.
    #[napi(ts_return_type = "Promise<'OK'>")]
    pub fn quit<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        if self.outbox.is_closed() {
            let raw = env.raw();
            // SAFETY: on the JavaScript thread, inside a call.
            return unsafe {
                let (deferred, promise) = js::promise(raw)?;
                js::settle(raw, deferred, Ok(js::string(raw, b"OK")));
                Ok(PromiseRaw::new(raw, promise))
            };
        }
        let p = self.submit(env, |deferred| Job::Quit { deferred })?;
        self.outbox.close();
        Ok(p)
    }

    /// Closes every connection now; commands in flight are rejected.
    #[napi]
    pub fn disconnect(&self) {
        if !self.outbox.is_closed() {
            self.outbox.close();
            // SAFETY: called on the JavaScript thread.
            unsafe { self.outbox.push(Job::Disconnect) };
        }
    }

    /// `'wait'` (not connected yet), `'connecting'`, `'ready'` or `'end'` (closed).
    #[napi(getter, ts_return_type = "'wait' | 'connecting' | 'ready' | 'end'")]
    pub fn status(&self) -> &'static str {
        if self.outbox.is_closed() {
            return State::End.name();
        }
        self.outbox.shared.state().name()
    }

    /// The counters: MOVED and ASK redirects followed, retries, topology refreshes,
    /// reconnects. All zero before connecting.
    #[napi]
    pub fn stats(&self) -> ClusterStats {
        let s = self
            .outbox
            .shared
            .client()
            .map(|c| c.stats())
            .unwrap_or_default();
        ClusterStats {
            moved: s.moved as f64,
            ask: s.ask as f64,
            retries: s.retries as f64,
            refreshes: s.refreshes as f64,
            reconnects: s.reconnects as f64,
        }
    }

    /// A pipeline: chain commands, then `exec()` sends them together (split per node, any
    /// slots) and resolves with `[error, result]` pairs in order. Optionally starts with
    /// `commands` given as arrays (`[['set', 'a', '1'], ['get', 'a']]`).
    #[napi(ts_args_type = "commands?: Array<[string, ...RedisArg[]]>")]
    pub fn pipeline(
        &self,
        env: Env,
        commands: Option<Vec<Vec<Unknown<'_>>>>,
    ) -> napi::Result<Pipeline> {
        Pipeline::with_commands(&env, self.outbox.clone(), false, commands)
    }

    /// A MULTI/EXEC transaction: like `pipeline()`, but every key must hash to one slot
    /// (else `exec()` rejects with code `CROSSSLOT`) and the commands run atomically.
    #[napi(ts_args_type = "commands?: Array<[string, ...RedisArg[]]>")]
    pub fn multi(
        &self,
        env: Env,
        commands: Option<Vec<Vec<Unknown<'_>>>>,
    ) -> napi::Result<Pipeline> {
        Pipeline::with_commands(&env, self.outbox.clone(), true, commands)
    }
}

impl Cluster {
    fn create(
        env: &Env,
        startup_nodes: Vec<Either3<String, u32, StartupNode>>,
        options: Option<ClusterOptions<'_>>,
    ) -> napi::Result<Cluster> {
        let seeds = options::seeds(startup_nodes)?;
        let opts = options::client_options(env, seeds, options)?;
        // SAFETY: constructors run on the JavaScript thread.
        let mailbox = unsafe { Mailbox::new(env.raw()) }?;
        let shared = Arc::new(Shared::new(mailbox));
        let tx = session::start(opts, shared.clone()).map_err(napi::Error::from_reason)?;
        // SAFETY: as above.
        let outbox = unsafe { Outbox::new(env.raw(), tx, shared) }?;
        Ok(Cluster {
            tag: Self::TAG,
            outbox,
        })
    }

    pub(crate) fn outbox(&self) -> &Rc<Outbox> {
        &self.outbox
    }

    /// Queues a job made with a new promise's deferred; returns the promise.
    fn submit<'env>(
        &self,
        env: &'env Env,
        job: impl FnOnce(js::Deferred) -> Job,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let raw = env.raw();
        // SAFETY: on the JavaScript thread, inside a call.
        unsafe {
            let (deferred, promise) = js::promise(raw)?;
            if self.outbox.is_closed() {
                js::settle(raw, deferred, Err(crate::error::closed(raw)));
            } else {
                self.outbox.push(job(deferred));
            }
            Ok(PromiseRaw::new(raw, promise))
        }
    }
}
