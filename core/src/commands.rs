//! Typed helpers for the common commands, written once and generated for both the async
//! and the blocking client. Anything not here: `client.query(cmd("NAME").arg(..))`.

use crate::command::{cmd, Cmd, ToArg};

/// Builders of the helper commands (shared by both clients and the bindings).
pub mod build {
    use super::*;

    /// `GET key`
    pub fn get(key: impl ToArg) -> Cmd {
        cmd("GET").arg(key)
    }
    /// `SET key value`
    pub fn set(key: impl ToArg, value: impl ToArg) -> Cmd {
        cmd("SET").arg(key).arg(value)
    }
    /// `SET key value EX seconds`
    pub fn set_ex(key: impl ToArg, value: impl ToArg, seconds: u64) -> Cmd {
        cmd("SET").arg(key).arg(value).arg("EX").arg(seconds)
    }
    /// `SET key value NX`
    pub fn set_nx(key: impl ToArg, value: impl ToArg) -> Cmd {
        cmd("SET").arg(key).arg(value).arg("NX")
    }
    /// `command key k...` for a slice of keys.
    pub fn keys_cmd<K: ToArg>(name: &str, keys: &[K]) -> Cmd {
        let mut c = cmd(name);
        for k in keys {
            c.push(k);
        }
        c
    }
    /// `MSET k1 v1 k2 v2 ...`
    pub fn mset<K: ToArg, V: ToArg>(pairs: &[(K, V)]) -> Cmd {
        let mut c = cmd("MSET");
        for (k, v) in pairs {
            c.push(k).push(v);
        }
        c
    }
    /// `EVAL script numkeys keys... args...` (or EVALSHA)
    pub fn eval<K: ToArg, A: ToArg>(name: &str, script: &str, keys: &[K], args: &[A]) -> Cmd {
        let mut c = cmd(name).arg(script).arg(keys.len());
        for k in keys {
            c.push(k);
        }
        for a in args {
            c.push(a);
        }
        c
    }
}

macro_rules! helpers {
    ($(
        $(#[$doc:meta])*
        fn $name:ident $(<$($g:ident : $bound:path),*>)? ($($arg:ident : $ty:ty),*) -> $ret:ty = $build:expr;
    )*) => {
        impl crate::blocking::Client {
            $(
                $(#[$doc])*
                ///
                /// # Errors
                ///
                /// As [`crate::blocking::Client::query`].
                pub fn $name $(<$($g: $bound),*>)? (&self, $($arg: $ty),*) -> crate::Result<$ret> {
                    self.query($build)
                }
            )*
        }
        impl crate::aio::Client {
            $(
                $(#[$doc])*
                ///
                /// # Errors
                ///
                /// As [`crate::aio::Client::query`].
                pub async fn $name $(<$($g: $bound),*>)? (&self, $($arg: $ty),*) -> crate::Result<$ret> {
                    self.query($build).await
                }
            )*
        }
    };
}

helpers! {
    /// `GET`: `get::<Option<String>>("k")`.
    fn get<T: crate::FromValue>(key: impl ToArg) -> T = build::get(key);
    /// `SET key value`.
    fn set(key: impl ToArg, value: impl ToArg) -> () = build::set(key, value);
    /// `SET key value EX seconds`.
    fn set_ex(key: impl ToArg, value: impl ToArg, seconds: u64) -> () = build::set_ex(key, value, seconds);
    /// `SET key value NX`: true if the key was set.
    fn set_nx(key: impl ToArg, value: impl ToArg) -> bool = build::set_nx(key, value);
    /// `DEL` of many keys across slots (split per slot, counts summed).
    fn del<K: ToArg>(keys: &[K]) -> i64 = build::keys_cmd("DEL", keys);
    /// `EXISTS` of many keys across slots (counts summed).
    fn exists<K: ToArg>(keys: &[K]) -> i64 = build::keys_cmd("EXISTS", keys);
    /// `MGET` across slots; values in the order of `keys`.
    fn mget<T: crate::FromValue, K: ToArg>(keys: &[K]) -> T = build::keys_cmd("MGET", keys);
    /// `MSET` across slots.
    fn mset<K: ToArg, V: ToArg>(pairs: &[(K, V)]) -> () = build::mset(pairs);
    /// `INCRBY key delta`: `incr::<i64>("n", 1)`.
    fn incr<T: crate::FromValue>(key: impl ToArg, delta: i64) -> T = cmd("INCRBY").arg(key).arg(delta);
    /// `EXPIRE key seconds`: true if a timeout was set.
    fn expire(key: impl ToArg, seconds: i64) -> bool = cmd("EXPIRE").arg(key).arg(seconds);
    /// `TTL key` in seconds (-1 no expiry, -2 no key).
    fn ttl(key: impl ToArg) -> i64 = cmd("TTL").arg(key);
    /// `HGET key field`.
    fn hget<T: crate::FromValue>(key: impl ToArg, field: impl ToArg) -> T = cmd("HGET").arg(key).arg(field);
    /// `HSET key field value`: fields added.
    fn hset(key: impl ToArg, field: impl ToArg, value: impl ToArg) -> i64 = cmd("HSET").arg(key).arg(field).arg(value);
    /// `HGETALL key`: e.g. into `HashMap<String, String>`.
    fn hgetall<T: crate::FromValue>(key: impl ToArg) -> T = cmd("HGETALL").arg(key);
    /// `LPUSH key value`: new length.
    fn lpush(key: impl ToArg, value: impl ToArg) -> i64 = cmd("LPUSH").arg(key).arg(value);
    /// `RPUSH key value`: new length.
    fn rpush(key: impl ToArg, value: impl ToArg) -> i64 = cmd("RPUSH").arg(key).arg(value);
    /// `LRANGE key start stop`.
    fn lrange<T: crate::FromValue>(key: impl ToArg, start: i64, stop: i64) -> T = cmd("LRANGE").arg(key).arg(start).arg(stop);
    /// `SADD key member`: members added.
    fn sadd(key: impl ToArg, member: impl ToArg) -> i64 = cmd("SADD").arg(key).arg(member);
    /// `SMEMBERS key`.
    fn smembers<T: crate::FromValue>(key: impl ToArg) -> T = cmd("SMEMBERS").arg(key);
    /// `ZADD key score member`: members added.
    fn zadd(key: impl ToArg, member: impl ToArg, score: f64) -> i64 = cmd("ZADD").arg(key).arg(score).arg(member);
    /// `ZRANGE key start stop`.
    fn zrange<T: crate::FromValue>(key: impl ToArg, start: i64, stop: i64) -> T = cmd("ZRANGE").arg(key).arg(start).arg(stop);
    /// `KEYS pattern` on every primary, concatenated.
    fn keys<T: crate::FromValue>(pattern: impl ToArg) -> T = cmd("KEYS").arg(pattern);
    /// `DBSIZE` summed over the primaries.
    fn dbsize() -> i64 = cmd("DBSIZE");
    /// `PING` every node; `PONG` when all answer.
    fn ping() -> String = cmd("PING");
    /// `INFO` of every node, as a map from node address to its text.
    fn info() -> std::collections::HashMap<String, String> = cmd("INFO");
    /// `FLUSHALL` on every primary.
    fn flushall() -> () = cmd("FLUSHALL");
    /// `EVAL script numkeys keys... args...` (keys must share a slot).
    fn eval<T: crate::FromValue, K: ToArg, A: ToArg>(script: &str, keys: &[K], args: &[A]) -> T = build::eval("EVAL", script, keys, args);
    /// `EVALSHA sha numkeys keys... args...`.
    fn evalsha<T: crate::FromValue, K: ToArg, A: ToArg>(sha: &str, keys: &[K], args: &[A]) -> T = build::eval("EVALSHA", sha, keys, args);
}
