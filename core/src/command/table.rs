//! Where a command's keys are, whether it only reads, and how it fans out.

/// Where the keys of a command are in its argv (index 0 is the name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySpec {
    /// No keys.
    None,
    /// Keys at `first`, `first + step`, ... up to `last` (negative counts from the end:
    /// -1 is the last argument).
    Range {
        /// First key index.
        first: usize,
        /// Last key index; negative counts from the end.
        last: isize,
        /// Distance between keys (2 for MSET's key/value pairs).
        step: usize,
    },
    /// The number of keys is at `at`; keys follow it. `fixed` keys stand before `at`
    /// (ZUNIONSTORE's destination).
    NumKeys {
        /// Index of the numkeys argument.
        at: usize,
        /// Keys before the numkeys argument, starting at index 1.
        fixed: usize,
    },
    /// `XREAD ... STREAMS k1 k2 id1 id2`: the first half after the STREAMS token.
    Streams,
    /// Keys start at index `at` and run to the end (a subcommand form like `OBJECT ENCODING k`).
    FromSub {
        /// First key index.
        at: usize,
    },
    /// Where the command table's key specs say (the server's `begin_search`/`find_keys`
    /// model), for commands the shapes above do not describe (`BITOP op dest k...`,
    /// `GEORADIUS ... STORE k`).
    Table(&'static super::spec::CommandSpec),
}

/// How a command is sent and its replies combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fanout {
    /// To the owner of the keys' slot (they must share one), or any node if keyless.
    Single,
    /// Split by slot (`step` args per key), send per node, combine with the rule.
    SplitBySlot(Aggregate),
    /// To every primary, combined with the rule.
    AllPrimaries(Aggregate),
    /// To every node (primaries and replicas), combined with the rule.
    AllNodes(Aggregate),
    /// Right after the command before it in a pipeline, on the same node and connection
    /// (`WAIT`, `WAITAOF`: they confirm the writes of the connection they run on). Alone,
    /// such a command is refused before sending: it would confirm nothing.
    FollowPrevious,
}

/// How the replies of a fanned-out command are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Integer sum (DEL, EXISTS, DBSIZE).
    Sum,
    /// Element-wise gather in the caller's key order (MGET).
    Gather,
    /// Concatenate arrays (KEYS).
    Concat,
    /// Every reply must be a success; the first reply is returned (FLUSHALL, MSET, SCRIPT LOAD).
    AllOk,
    /// A map from node address to its reply (INFO).
    PerNode,
    /// Element-wise AND of integer arrays (SCRIPT EXISTS).
    LogicalAnd,
}

/// What slotwise knows about a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandInfo {
    /// Where its keys are.
    pub keys: KeySpec,
    /// How it is routed.
    pub fanout: Fanout,
    /// True when the command never writes, so it may be served by a replica.
    pub readonly: bool,
}

const fn info(keys: KeySpec, fanout: Fanout, readonly: bool) -> CommandInfo {
    CommandInfo {
        keys,
        fanout,
        readonly,
    }
}

const ONE: KeySpec = KeySpec::Range {
    first: 1,
    last: 1,
    step: 1,
};
const ALL: KeySpec = KeySpec::Range {
    first: 1,
    last: -1,
    step: 1,
};
const TWO: KeySpec = KeySpec::Range {
    first: 1,
    last: 2,
    step: 1,
};
const BLOCKING: KeySpec = KeySpec::Range {
    first: 1,
    last: -2,
    step: 1,
};

/// Looks a command up by its upper-case name (and subcommand for container commands).
/// Unknown commands are treated as writes whose first argument is the key, the common shape.
pub fn lookup(name: &[u8], sub: Option<&[u8]>) -> CommandInfo {
    use Aggregate::*;
    use Fanout::*;
    let single = |keys, ro| info(keys, Single, ro);
    match name {
        // Reads of one key.
        b"GET"
        | b"STRLEN"
        | b"GETRANGE"
        | b"SUBSTR"
        | b"GETBIT"
        | b"BITCOUNT"
        | b"BITPOS"
        | b"BITFIELD_RO"
        | b"TTL"
        | b"PTTL"
        | b"EXPIRETIME"
        | b"PEXPIRETIME"
        | b"TYPE"
        | b"DUMP"
        | b"HGET"
        | b"HMGET"
        | b"HLEN"
        | b"HKEYS"
        | b"HVALS"
        | b"HGETALL"
        | b"HEXISTS"
        | b"HSTRLEN"
        | b"HSCAN"
        | b"HRANDFIELD"
        | b"LLEN"
        | b"LRANGE"
        | b"LINDEX"
        | b"LPOS"
        | b"SMEMBERS"
        | b"SISMEMBER"
        | b"SMISMEMBER"
        | b"SCARD"
        | b"SRANDMEMBER"
        | b"SSCAN"
        | b"ZRANGE"
        | b"ZREVRANGE"
        | b"ZRANGEBYSCORE"
        | b"ZREVRANGEBYSCORE"
        | b"ZRANGEBYLEX"
        | b"ZREVRANGEBYLEX"
        | b"ZCARD"
        | b"ZSCORE"
        | b"ZMSCORE"
        | b"ZRANK"
        | b"ZREVRANK"
        | b"ZCOUNT"
        | b"ZLEXCOUNT"
        | b"ZRANDMEMBER"
        | b"ZSCAN"
        | b"XLEN"
        | b"XRANGE"
        | b"XREVRANGE"
        | b"XPENDING"
        | b"GEODIST"
        | b"GEOHASH"
        | b"GEOPOS"
        | b"GEOSEARCH"
        | b"GEORADIUS_RO"
        | b"GEORADIUSBYMEMBER_RO"
        | b"SORT_RO"
        | b"LCS"
        | b"GETEX" => single(if name == b"LCS" { TWO } else { ONE }, name != b"GETEX"),
        // Writes of one key.
        b"SET" | b"SETNX" | b"SETEX" | b"PSETEX" | b"GETSET" | b"GETDEL" | b"APPEND" | b"INCR"
        | b"DECR" | b"INCRBY" | b"DECRBY" | b"INCRBYFLOAT" | b"SETRANGE" | b"SETBIT"
        | b"BITFIELD" | b"EXPIRE" | b"PEXPIRE" | b"EXPIREAT" | b"PEXPIREAT" | b"PERSIST"
        | b"RESTORE" | b"HSET" | b"HSETNX" | b"HMSET" | b"HDEL" | b"HINCRBY" | b"HINCRBYFLOAT"
        | b"LPUSH" | b"RPUSH" | b"LPUSHX" | b"RPUSHX" | b"LPOP" | b"RPOP" | b"LSET" | b"LREM"
        | b"LTRIM" | b"LINSERT" | b"SADD" | b"SREM" | b"SPOP" | b"ZADD" | b"ZREM" | b"ZINCRBY"
        | b"ZREMRANGEBYRANK" | b"ZREMRANGEBYSCORE" | b"ZREMRANGEBYLEX" | b"ZPOPMIN"
        | b"ZPOPMAX" | b"PFADD" | b"XADD" | b"XDEL" | b"XTRIM" | b"XACK" | b"XCLAIM"
        | b"XAUTOCLAIM" | b"XSETID" | b"GEOADD" | b"SORT" => single(ONE, false),
        // Several keys that must share a slot.
        b"RENAME" | b"RENAMENX" | b"RPOPLPUSH" | b"LMOVE" | b"SMOVE" | b"COPY"
        | b"GEOSEARCHSTORE" | b"ZRANGESTORE" => single(TWO, false),
        b"BLMOVE" | b"BRPOPLPUSH" => single(TWO, false),
        b"SINTER" | b"SUNION" | b"SDIFF" | b"PFCOUNT" => single(ALL, true),
        b"SINTERSTORE" | b"SUNIONSTORE" | b"SDIFFSTORE" | b"PFMERGE" | b"MSETNX" | b"WATCH" => {
            let keys = if name == b"MSETNX" {
                KeySpec::Range {
                    first: 1,
                    last: -1,
                    step: 2,
                }
            } else {
                ALL
            };
            single(keys, false)
        }
        b"BLPOP" | b"BRPOP" | b"BZPOPMIN" | b"BZPOPMAX" => single(BLOCKING, false),
        b"EVAL" | b"EVALSHA" | b"FCALL" => single(KeySpec::NumKeys { at: 2, fixed: 0 }, false),
        b"EVAL_RO" | b"EVALSHA_RO" | b"FCALL_RO" => {
            single(KeySpec::NumKeys { at: 2, fixed: 0 }, true)
        }
        b"ZUNIONSTORE" | b"ZINTERSTORE" | b"ZDIFFSTORE" => {
            single(KeySpec::NumKeys { at: 2, fixed: 1 }, false)
        }
        b"ZUNION" | b"ZINTER" | b"ZDIFF" | b"ZINTERCARD" | b"SINTERCARD" => {
            single(KeySpec::NumKeys { at: 1, fixed: 0 }, true)
        }
        b"LMPOP" | b"ZMPOP" => single(KeySpec::NumKeys { at: 1, fixed: 0 }, false),
        b"BLMPOP" | b"BZMPOP" => single(KeySpec::NumKeys { at: 2, fixed: 0 }, false),
        b"XREAD" => single(KeySpec::Streams, true),
        b"XREADGROUP" => single(KeySpec::Streams, false),
        b"OBJECT" | b"XINFO" => single(KeySpec::FromSub { at: 2 }, true),
        b"XGROUP" => single(KeySpec::FromSub { at: 2 }, false),
        b"MEMORY" if sub == Some(b"USAGE") => single(KeySpec::FromSub { at: 2 }, true),
        // Split by slot and recombined.
        b"MGET" => info(ALL, SplitBySlot(Gather), true),
        b"EXISTS" => info(ALL, SplitBySlot(Sum), true),
        b"DEL" | b"UNLINK" | b"TOUCH" => info(ALL, SplitBySlot(Sum), false),
        b"MSET" => info(
            KeySpec::Range {
                first: 1,
                last: -1,
                step: 2,
            },
            SplitBySlot(AllOk),
            false,
        ),
        // Whole-cluster commands.
        b"DBSIZE" => info(KeySpec::None, AllPrimaries(Sum), true),
        b"KEYS" => info(KeySpec::None, AllPrimaries(Concat), true),
        b"FLUSHALL" | b"FLUSHDB" => info(KeySpec::None, AllPrimaries(AllOk), false),
        b"PING" if sub.is_none() => info(KeySpec::None, AllNodes(AllOk), true),
        b"INFO" => info(KeySpec::None, AllNodes(PerNode), true),
        b"SCRIPT" => match sub {
            Some(b"LOAD") | Some(b"FLUSH") => info(KeySpec::None, AllNodes(AllOk), false),
            Some(b"EXISTS") => info(KeySpec::None, AllPrimaries(LogicalAnd), true),
            _ => single(KeySpec::None, false),
        },
        b"FUNCTION" => match sub {
            Some(b"LOAD") | Some(b"DELETE") | Some(b"FLUSH") | Some(b"RESTORE") => {
                info(KeySpec::None, AllPrimaries(AllOk), false)
            }
            _ => single(KeySpec::None, true),
        },
        // Keyless commands: any node.
        // (`readonly` here only means "safe to resend when the reply was lost".)
        b"PING" | b"ECHO" | b"TIME" | b"CLUSTER" | b"COMMAND" | b"LASTSAVE" | b"RANDOMKEY"
        | b"SCAN" | b"LOLWUT" | b"MEMORY" | b"SLOWLOG" | b"LATENCY" | b"ROLE" | b"HELLO"
        | b"AUTH" | b"SELECT" | b"READONLY" | b"READWRITE" | b"ASKING" | b"UNWATCH" => {
            single(KeySpec::None, true)
        }
        b"CLIENT" | b"CONFIG" | b"ACL" | b"MULTI" | b"EXEC" | b"DISCARD" | b"PUBLISH" | b"SAVE"
        | b"BGSAVE" | b"BGREWRITEAOF" | b"MODULE" | b"DEBUG" => single(KeySpec::None, false),
        // Confirmations of the writes before them on their connection.
        b"WAIT" | b"WAITAOF" => info(KeySpec::None, FollowPrevious, false),
        b"SPUBLISH" => single(ONE, false),
        // The rest as the command table says (keys by its key specs, read-only by its
        // flags); unknown to it too (a module's command): most commands take the key first.
        _ => match super::spec::spec_of(name, sub) {
            Some(spec) => from_table(spec),
            None => single(ONE, false),
        },
    }
}

/// A command the hand-written match does not list, by the command table: keys where its
/// key specs say (none when it has none, or only channels), read-only by its flags, sent
/// to the owner of its keys' slot or any node.
fn from_table(spec: &'static super::spec::CommandSpec) -> CommandInfo {
    use super::spec::{Flags, KeyFlags};
    let keyed = spec
        .key_specs
        .iter()
        .any(|k| !k.flags.contains(KeyFlags::NOT_KEY));
    info(
        if keyed {
            KeySpec::Table(spec)
        } else {
            KeySpec::None
        },
        Fanout::Single,
        spec.flags.contains(Flags::READONLY),
    )
}
