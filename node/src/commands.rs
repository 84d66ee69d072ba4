//! The command methods of `Cluster` and `Pipeline` (`get`, `set`, `hgetall`, `call` ...).
//!
//! Every method is one entry of [`COMMANDS`] served by one native callback per class, which
//! reads the entry from the callback's data: a promise-returning call on `Cluster`, a
//! chaining call (returns `this`) on `Pipeline`. They are variadic like ioredis's, which the
//! `#[napi]` macros cannot express, so they are installed on the prototypes when the module
//! loads ([`install`]); their TypeScript types are in `types.d.ts`, the header of the
//! generated `index.d.ts`.

use std::ffi::{c_void, CStr};
use std::ptr;

use napi::sys;

use crate::args::{self, BadArgument};
use crate::cluster::Cluster;
use crate::error::INVALID_ARGUMENT;
use crate::js::{self, CallInfo, Env};
use crate::pipeline::Pipeline;
use crate::reply::Shape;
use crate::session::Job;

/// One command method.
pub(crate) struct Spec {
    /// The JavaScript method name.
    pub method: &'static CStr,
    /// The Redis command; `None` takes it from the first argument (`call`).
    pub command: Option<&'static str>,
    /// How the reply is presented.
    pub shape: Shape,
}

const fn text(method: &'static CStr, command: &'static str) -> Spec {
    Spec {
        method,
        command: Some(command),
        shape: Shape::Text,
    }
}

const fn bytes(method: &'static CStr, command: &'static str) -> Spec {
    Spec {
        method,
        command: Some(command),
        shape: Shape::Bytes,
    }
}

/// Every command method, ioredis names. `...Buffer` variants return `Buffer`s.
pub(crate) static COMMANDS: &[Spec] = &[
    // Generic
    Spec {
        method: c"call",
        command: None,
        shape: Shape::Text,
    },
    Spec {
        method: c"callBuffer",
        command: None,
        shape: Shape::Bytes,
    },
    // Strings
    text(c"get", "GET"),
    bytes(c"getBuffer", "GET"),
    text(c"set", "SET"),
    bytes(c"setBuffer", "SET"),
    text(c"getdel", "GETDEL"),
    bytes(c"getdelBuffer", "GETDEL"),
    text(c"getex", "GETEX"),
    bytes(c"getexBuffer", "GETEX"),
    text(c"getrange", "GETRANGE"),
    bytes(c"getrangeBuffer", "GETRANGE"),
    text(c"setrange", "SETRANGE"),
    text(c"setex", "SETEX"),
    text(c"psetex", "PSETEX"),
    text(c"setnx", "SETNX"),
    text(c"append", "APPEND"),
    text(c"strlen", "STRLEN"),
    text(c"incr", "INCR"),
    text(c"incrby", "INCRBY"),
    text(c"incrbyfloat", "INCRBYFLOAT"),
    text(c"decr", "DECR"),
    text(c"decrby", "DECRBY"),
    text(c"mget", "MGET"),
    bytes(c"mgetBuffer", "MGET"),
    text(c"mset", "MSET"),
    text(c"msetnx", "MSETNX"),
    // Keys
    text(c"del", "DEL"),
    text(c"unlink", "UNLINK"),
    text(c"exists", "EXISTS"),
    text(c"touch", "TOUCH"),
    text(c"expire", "EXPIRE"),
    text(c"pexpire", "PEXPIRE"),
    text(c"expireat", "EXPIREAT"),
    text(c"pexpireat", "PEXPIREAT"),
    text(c"ttl", "TTL"),
    text(c"pttl", "PTTL"),
    text(c"persist", "PERSIST"),
    text(c"type", "TYPE"),
    text(c"keys", "KEYS"),
    bytes(c"keysBuffer", "KEYS"),
    text(c"dbsize", "DBSIZE"),
    // Hashes
    text(c"hget", "HGET"),
    bytes(c"hgetBuffer", "HGET"),
    text(c"hset", "HSET"),
    text(c"hsetnx", "HSETNX"),
    text(c"hmset", "HMSET"),
    text(c"hmget", "HMGET"),
    bytes(c"hmgetBuffer", "HMGET"),
    Spec {
        method: c"hgetall",
        command: Some("HGETALL"),
        shape: Shape::Hash,
    },
    Spec {
        method: c"hgetallBuffer",
        command: Some("HGETALL"),
        shape: Shape::HashBytes,
    },
    text(c"hdel", "HDEL"),
    text(c"hexists", "HEXISTS"),
    text(c"hincrby", "HINCRBY"),
    text(c"hincrbyfloat", "HINCRBYFLOAT"),
    text(c"hkeys", "HKEYS"),
    text(c"hvals", "HVALS"),
    bytes(c"hvalsBuffer", "HVALS"),
    text(c"hlen", "HLEN"),
    text(c"hstrlen", "HSTRLEN"),
    // Lists
    text(c"lpush", "LPUSH"),
    text(c"rpush", "RPUSH"),
    text(c"lpushx", "LPUSHX"),
    text(c"rpushx", "RPUSHX"),
    text(c"lpop", "LPOP"),
    bytes(c"lpopBuffer", "LPOP"),
    text(c"rpop", "RPOP"),
    bytes(c"rpopBuffer", "RPOP"),
    text(c"lrange", "LRANGE"),
    bytes(c"lrangeBuffer", "LRANGE"),
    text(c"llen", "LLEN"),
    text(c"lindex", "LINDEX"),
    bytes(c"lindexBuffer", "LINDEX"),
    text(c"lset", "LSET"),
    text(c"lrem", "LREM"),
    text(c"ltrim", "LTRIM"),
    text(c"linsert", "LINSERT"),
    // Sets
    text(c"sadd", "SADD"),
    text(c"srem", "SREM"),
    text(c"smembers", "SMEMBERS"),
    bytes(c"smembersBuffer", "SMEMBERS"),
    text(c"sismember", "SISMEMBER"),
    text(c"smismember", "SMISMEMBER"),
    text(c"scard", "SCARD"),
    text(c"spop", "SPOP"),
    bytes(c"spopBuffer", "SPOP"),
    text(c"srandmember", "SRANDMEMBER"),
    bytes(c"srandmemberBuffer", "SRANDMEMBER"),
    text(c"sinter", "SINTER"),
    text(c"sunion", "SUNION"),
    text(c"sdiff", "SDIFF"),
    // Sorted sets
    text(c"zadd", "ZADD"),
    text(c"zrem", "ZREM"),
    text(c"zrange", "ZRANGE"),
    bytes(c"zrangeBuffer", "ZRANGE"),
    text(c"zrevrange", "ZREVRANGE"),
    bytes(c"zrevrangeBuffer", "ZREVRANGE"),
    text(c"zrangebyscore", "ZRANGEBYSCORE"),
    bytes(c"zrangebyscoreBuffer", "ZRANGEBYSCORE"),
    text(c"zrevrangebyscore", "ZREVRANGEBYSCORE"),
    text(c"zscore", "ZSCORE"),
    text(c"zmscore", "ZMSCORE"),
    text(c"zincrby", "ZINCRBY"),
    text(c"zcard", "ZCARD"),
    text(c"zcount", "ZCOUNT"),
    text(c"zrank", "ZRANK"),
    text(c"zrevrank", "ZREVRANK"),
    text(c"zpopmin", "ZPOPMIN"),
    text(c"zpopmax", "ZPOPMAX"),
    text(c"zremrangebyrank", "ZREMRANGEBYRANK"),
    text(c"zremrangebyscore", "ZREMRANGEBYSCORE"),
    // HyperLogLog
    text(c"pfadd", "PFADD"),
    text(c"pfcount", "PFCOUNT"),
    // Scripting
    text(c"eval", "EVAL"),
    bytes(c"evalBuffer", "EVAL"),
    text(c"evalsha", "EVALSHA"),
    bytes(c"evalshaBuffer", "EVALSHA"),
    // Server
    text(c"ping", "PING"),
    text(c"echo", "ECHO"),
    text(c"info", "INFO"),
    text(c"time", "TIME"),
    text(c"publish", "PUBLISH"),
    text(c"flushall", "FLUSHALL"),
    text(c"flushdb", "FLUSHDB"),
];

/// The command a method call stands for.
unsafe fn build(env: Env, spec: &Spec, args: &[js::Value]) -> Result<slotwise::Cmd, BadArgument> {
    match spec.command {
        Some(name) => args::command(env, name, args),
        None => args::dynamic_command(env, args),
    }
}

/// `Cluster.prototype.<command>(...args)`: returns a promise of the reply.
unsafe extern "C" fn cluster_command(env: Env, info: sys::napi_callback_info) -> js::Value {
    let Ok(ci) = CallInfo::read(env, info) else {
        return ptr::null_mut();
    };
    let spec = &*(ci.data as *const Spec);
    let Some(cluster) = js::unwrap::<Cluster>(env, ci.this) else {
        return js::throw(
            env,
            js::type_error(
                env,
                INVALID_ARGUMENT,
                "not a Cluster: call the method on a Cluster instance",
            ),
        );
    };
    let Ok((deferred, promise)) = js::promise(env) else {
        return ptr::null_mut();
    };
    let outbox = cluster.outbox();
    if outbox.is_closed() {
        js::settle(env, deferred, Err(crate::error::closed(env)));
        return promise;
    }
    match build(env, spec, ci.args()) {
        Ok(cmd) => outbox.push(Job::Command {
            cmd,
            shape: spec.shape,
            deferred,
        }),
        Err(BadArgument(msg)) => {
            js::settle(
                env,
                deferred,
                Err(js::type_error(env, INVALID_ARGUMENT, &msg)),
            );
        }
    }
    promise
}

/// `Pipeline.prototype.<command>(...args)`: queues the command and returns the pipeline.
unsafe extern "C" fn pipeline_command(env: Env, info: sys::napi_callback_info) -> js::Value {
    let Ok(ci) = CallInfo::read(env, info) else {
        return ptr::null_mut();
    };
    let spec = &*(ci.data as *const Spec);
    let Some(pipeline) = js::unwrap::<Pipeline>(env, ci.this) else {
        return js::throw(
            env,
            js::type_error(
                env,
                INVALID_ARGUMENT,
                "not a Pipeline: call the method on a pipeline",
            ),
        );
    };
    match build(env, spec, ci.args()) {
        Ok(cmd) => {
            pipeline.add(cmd, spec.shape);
            ci.this
        }
        Err(BadArgument(msg)) => js::throw(env, js::type_error(env, INVALID_ARGUMENT, &msg)),
    }
}

/// Defines every command method on `exports.Cluster.prototype` and
/// `exports.Pipeline.prototype` (module load).
pub(crate) unsafe fn install(env: Env, exports: js::Value) -> Result<(), js::Failed> {
    type Callback = unsafe extern "C" fn(Env, sys::napi_callback_info) -> js::Value;
    let classes: [(&CStr, Callback); 2] = [
        (c"Cluster", cluster_command),
        (c"Pipeline", pipeline_command),
    ];
    for (class, method) in classes {
        let mut ctor = ptr::null_mut();
        let mut proto = ptr::null_mut();
        js::check(sys::napi_get_named_property(
            env,
            exports,
            class.as_ptr(),
            &mut ctor,
        ))?;
        js::check(sys::napi_get_named_property(
            env,
            ctor,
            c"prototype".as_ptr(),
            &mut proto,
        ))?;
        let props: Vec<sys::napi_property_descriptor> = COMMANDS
            .iter()
            .map(|spec| sys::napi_property_descriptor {
                utf8name: spec.method.as_ptr(),
                name: ptr::null_mut(),
                method: Some(method),
                getter: None,
                setter: None,
                value: ptr::null_mut(),
                // Like class methods: writable and configurable, not enumerable.
                attributes: sys::PropertyAttributes::writable
                    | sys::PropertyAttributes::configurable,
                data: spec as *const Spec as *mut c_void,
            })
            .collect();
        js::check(sys::napi_define_properties(
            env,
            proto,
            props.len(),
            props.as_ptr(),
        ))?;
    }
    Ok(())
}
