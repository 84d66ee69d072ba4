//! The constructor's arguments (ioredis-style startup nodes and options) to the core's
//! [`ClientOptions`].

use std::collections::HashMap;
use std::time::Duration;

use napi::bindgen_prelude::{Either, Either3, FromNapiValue, JsValue, Unknown, ValueType};
use napi::Env;
use napi_derive::napi;
use slotwise::topology::AddressMap;
use slotwise::{ClientOptions, ReadPolicy, TlsOptions};

use crate::error::config;

/// A startup node given as an object.
#[napi(object)]
pub struct StartupNode {
    /// Defaults to `127.0.0.1`.
    pub host: Option<String>,
    pub port: u32,
}

/// Where a `natMap` entry points (read by hand from the `natMap` value; declared for the
/// TypeScript types).
#[allow(dead_code)]
#[napi(object)]
pub struct NatTarget {
    pub host: String,
    pub port: u32,
}

/// Where read-only commands may go.
#[napi(string_enum)]
pub enum ReadFrom {
    /// Every command goes to the slot's primary (default; always reads your writes).
    #[napi(value = "primary")]
    Primary,
    /// Reads go to a healthy replica of the slot's shard when there is one.
    #[napi(value = "preferReplica")]
    PreferReplica,
    /// Reads rotate over the shard's replicas and its primary.
    #[napi(value = "roundRobin")]
    RoundRobin,
}

/// TLS settings. Certificates are verified unless `rejectUnauthorized` is `false`.
#[napi(object)]
pub struct TlsSettings {
    /// PEM file with the CA certificates to trust instead of the built-in roots.
    pub ca_file: Option<String>,
    /// `false` skips certificate verification (testing only).
    pub reject_unauthorized: Option<bool>,
}

/// ioredis keeps per-connection settings under `redisOptions`; read from there too.
#[napi(object)]
pub struct RedisOptions {
    pub password: Option<String>,
    pub username: Option<String>,
    pub tls: Option<Either<bool, TlsSettings>>,
}

/// Client options. Times are in milliseconds.
#[napi(object, object_to_js = false)]
pub struct ClusterOptions<'env> {
    /// Password for AUTH (with `username` for an ACL user).
    pub password: Option<String>,
    /// ACL user name.
    pub username: Option<String>,
    /// Where read-only commands go; `'primary'` by default.
    pub read_from: Option<ReadFrom>,
    /// Announced address -> reachable address, for NAT and Docker: an object keyed by
    /// `'host:port'`, or a function of the announced `'host:port'` returning the address to
    /// use (`null`/`undefined` keeps it).
    #[napi(
        ts_type = "Record<string, NatTarget | string> | ((address: string) => NatTarget | string | null | undefined)"
    )]
    pub nat_map: Option<Unknown<'env>>,
    /// Time to connect to one node (TCP, TLS and handshake); default 2000.
    pub connect_timeout: Option<u32>,
    /// Deadline for one command including redirects and retries; default 5000.
    pub command_timeout: Option<u32>,
    /// MOVED/ASK redirects one command may follow; default 16.
    pub max_redirections: Option<u32>,
    /// Retries one command may make after TRYAGAIN, CLUSTERDOWN, LOADING or a connection
    /// error (with exponential backoff, within `commandTimeout`); default 32.
    pub max_retries: Option<u32>,
    /// `true` for TLS with the built-in roots, or TLS settings.
    pub tls: Option<Either<bool, TlsSettings>>,
    /// ioredis-style nested connection settings (`password`, `username`, `tls`).
    pub redis_options: Option<RedisOptions>,
}

/// The constructor's first argument, read as startup nodes.
pub(crate) fn startup_nodes(
    env: &Env,
    v: Unknown<'_>,
) -> napi::Result<Vec<Either3<String, u32, StartupNode>>> {
    if !v.is_array()? {
        return Err(config(
            "the startup nodes must be an array, e.g. new Cluster([{ host: '127.0.0.1', port: 7000 }])",
        ));
    }
    // SAFETY: a live value of this call, read on the JavaScript thread.
    unsafe { FromNapiValue::from_napi_value(env.raw(), v.raw()) }.map_err(|e| {
        config(format!(
            "each startup node must be {{ host, port }}, 'host:port' or a port number ({})",
            e.reason
        ))
    })
}

/// The constructor's second argument, read as options (`undefined`/`null`: none).
pub(crate) fn cluster_options<'env>(
    env: &Env,
    v: Option<Unknown<'env>>,
) -> napi::Result<Option<ClusterOptions<'env>>> {
    let Some(v) = v else { return Ok(None) };
    match v.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        ValueType::Object => {
            // SAFETY: as above.
            unsafe { ClusterOptions::from_napi_value(env.raw(), v.raw()) }
                .map(Some)
                .map_err(|e| {
                    config(format!(
                        "{} (see ClusterOptions in index.d.ts for each option's type; readFrom is \
                         'primary', 'preferReplica' or 'roundRobin', times are milliseconds)",
                        e.reason
                    ))
                })
        }
        _ => Err(config(
            "options must be an object, e.g. { commandTimeout: 2000 }",
        )),
    }
}

/// Seeds as `host:port` strings.
pub(crate) fn seeds(nodes: Vec<Either3<String, u32, StartupNode>>) -> napi::Result<Vec<String>> {
    if nodes.is_empty() {
        return Err(config(
            "no startup nodes: pass at least one, e.g. new Cluster([{ host: '127.0.0.1', port: 7000 }])",
        ));
    }
    nodes
        .into_iter()
        .map(|n| match n {
            Either3::A(s) => seed_from_str(&s),
            Either3::B(port) => Ok(format!("127.0.0.1:{port}")),
            Either3::C(StartupNode { host, port }) => {
                Ok(format!("{}:{port}", host.as_deref().unwrap_or("127.0.0.1")))
            }
        })
        .collect()
}

/// `'host:port'`, `'redis://host:port'`, or a bare port.
fn seed_from_str(s: &str) -> napi::Result<String> {
    let rest = s
        .strip_prefix("redis://")
        .or_else(|| s.strip_prefix("rediss://"))
        .unwrap_or(s);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let rest = rest.split('/').next().unwrap_or(rest);
    if let Ok(port) = rest.parse::<u16>() {
        return Ok(format!("127.0.0.1:{port}"));
    }
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(rest.to_string())
        }
        _ => Err(config(format!(
            "startup node {s:?} is not 'host:port' (e.g. '127.0.0.1:7000')"
        ))),
    }
}

/// The core options for `seeds` and `o`.
pub(crate) fn client_options(
    env: &Env,
    seeds: Vec<String>,
    o: Option<ClusterOptions<'_>>,
) -> napi::Result<ClientOptions> {
    let mut opts = ClientOptions::new(seeds);
    let Some(o) = o else {
        return Ok(opts);
    };
    let nested = o.redis_options.unwrap_or(RedisOptions {
        password: None,
        username: None,
        tls: None,
    });
    let password = o.password.or(nested.password);
    let username = o.username.or(nested.username);
    match (username, password) {
        (Some(u), Some(p)) => opts = opts.user(u, p),
        (None, Some(p)) => opts = opts.password(p),
        (Some(u), None) => {
            return Err(config(format!(
                "username {u:?} given without a password: set options.password too"
            )))
        }
        (None, None) => {}
    }
    if let Some(r) = o.read_from {
        opts = opts.read_policy(match r {
            ReadFrom::Primary => ReadPolicy::Primary,
            ReadFrom::PreferReplica => ReadPolicy::PreferReplica,
            ReadFrom::RoundRobin => ReadPolicy::RoundRobin,
        });
    }
    if let Some(ms) = o.connect_timeout {
        opts = opts.connect_timeout(millis(ms, "connectTimeout")?);
    }
    if let Some(ms) = o.command_timeout {
        opts = opts.request_timeout(millis(ms, "commandTimeout")?);
    }
    if let Some(n) = o.max_redirections {
        opts = opts.max_redirects(n);
    }
    if let Some(n) = o.max_retries {
        opts.max_retries = n;
    }
    if let Some(tls) = tls(o.tls.or(nested.tls)) {
        opts = opts.tls(tls);
    }
    if let Some(m) = o.nat_map {
        opts = opts.address_map(nat_map(env, m)?);
    }
    Ok(opts)
}

fn millis(ms: u32, name: &str) -> napi::Result<Duration> {
    if ms == 0 {
        return Err(config(format!("{name} must be at least 1 (milliseconds)")));
    }
    Ok(Duration::from_millis(ms.into()))
}

fn tls(t: Option<Either<bool, TlsSettings>>) -> Option<TlsOptions> {
    match t? {
        Either::A(false) => None,
        Either::A(true) => Some(TlsOptions::default()),
        Either::B(s) => Some(TlsOptions {
            ca_file: s.ca_file.map(Into::into),
            insecure_skip_verify: s.reject_unauthorized == Some(false),
            ..TlsOptions::default()
        }),
    }
}

fn nat_map(env: &Env, m: Unknown<'_>) -> napi::Result<AddressMap> {
    match m.get_type()? {
        ValueType::Function => {
            // SAFETY: `m` is a live function value of this call.
            unsafe { crate::natmap::from_function(env.raw(), m.raw()) }.map_err(Into::into)
        }
        ValueType::Object => {
            // SAFETY: as above; the object's values are read on this thread.
            let table: HashMap<String, Unknown<'_>> = unsafe { m.cast()? };
            let mut pairs = Vec::with_capacity(table.len());
            for (announced, target) in table {
                // SAFETY: a live value of this call.
                let to = unsafe { crate::natmap::target_of(env.raw(), target.raw()) };
                let to = to.and_then(|to| to.ok_or_else(|| "null or undefined".to_string()));
                let to = to.map_err(|what| {
                    config(format!(
                        "natMap[{announced:?}] is {what}; map it to 'host:port' or \
                         {{ host, port }}, or leave it out"
                    ))
                })?;
                pairs.push((announced, to));
            }
            // Every entry is checked now, not when a node happens to announce its address.
            AddressMap::checked_table(pairs).map_err(|e| config(format!("natMap: {e}")))
        }
        ValueType::Undefined | ValueType::Null => Ok(AddressMap::Identity),
        _ => Err(config(
            "natMap must be an object ({ 'announced:port': { host, port } }) or a function",
        )),
    }
}
