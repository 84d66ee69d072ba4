//! The command table's types: what the server says of each command (`COMMAND INFO`,
//! `COMMAND DOCS`), as data generated into [`super::generated`] by
//! `tools/commands/generate.py` from `core/data/commands/*.json`.
//!
//! Key specs keep the server's model (`begin_search` then `find_keys`), and
//! [`CommandSpec::key_positions`] reads them the way the server's own key extraction does.

use super::cmd::Cmd;
use super::generated;

/// A server version (`7.4.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
    /// Patch version.
    pub patch: u8,
}

impl Version {
    /// `major.minor.patch`.
    pub const fn new(major: u8, minor: u8, patch: u8) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }
}

/// Declares a bit set over `u32` with named members and their server spellings.
macro_rules! bit_set {
    ($(#[$doc:meta])* $ty:ident { $($(#[$mdoc:meta])* $name:ident = $bit:literal, $text:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $ty(u32);

        impl $ty {
            /// No members.
            pub const EMPTY: $ty = $ty(0);
            $($(#[$mdoc])* pub const $name: $ty = $ty(1 << $bit);)*
            /// Every member with its name as the server spells it.
            pub const NAMED: &'static [($ty, &'static str)] = &[$(($ty::$name, $text)),*];

            /// Both sets' members.
            pub const fn or(self, other: $ty) -> $ty {
                $ty(self.0 | other.0)
            }

            /// True when every member of `other` is in `self`.
            pub const fn contains(self, other: $ty) -> bool {
                self.0 & other.0 == other.0
            }

            /// The members' names as the server spells them, in declaration order.
            pub fn names(self) -> impl Iterator<Item = &'static str> {
                $ty::NAMED.iter().filter(move |(m, _)| self.contains(*m)).map(|(_, n)| *n)
            }
        }
    };
}

bit_set!(
    /// Command flags (`COMMAND INFO`'s flags).
    Flags {
        /// May modify data.
        WRITE = 0, "write";
        /// Never modifies data.
        READONLY = 1, "readonly";
        /// May use more memory; refused when out of memory.
        DENYOOM = 2, "denyoom";
        /// Administrative.
        ADMIN = 3, "admin";
        /// Pub/Sub related.
        PUBSUB = 4, "pubsub";
        /// Not allowed in scripts.
        NOSCRIPT = 5, "noscript";
        /// May block the client.
        BLOCKING = 6, "blocking";
        /// Allowed while the database loads.
        LOADING = 7, "loading";
        /// Allowed on a replica with stale data.
        STALE = 8, "stale";
        /// Not shown to MONITOR.
        SKIP_MONITOR = 9, "skip_monitor";
        /// Not shown in the slow log.
        SKIP_SLOWLOG = 10, "skip_slowlog";
        /// Allowed on an importing slot after ASKING.
        ASKING = 11, "asking";
        /// Constant or log time.
        FAST = 12, "fast";
        /// Allowed before authentication.
        NO_AUTH = 13, "no_auth";
        /// May replicate (scripts).
        MAY_REPLICATE = 14, "may_replicate";
        /// May run with no keys although it has key arguments.
        NO_MANDATORY_KEYS = 15, "no_mandatory_keys";
        /// Refused during async loading.
        NO_ASYNC_LOADING = 16, "no_async_loading";
        /// Not allowed in MULTI.
        NO_MULTI = 17, "no_multi";
        /// Its keys cannot be found from fixed positions alone.
        MOVABLEKEYS = 18, "movablekeys";
        /// Allowed while a script is busy.
        ALLOW_BUSY = 19, "allow_busy";
        /// Module command.
        MODULE = 20, "module";
    }
);

bit_set!(
    /// ACL categories (without the `@`).
    AclCategories {
        /// @keyspace
        KEYSPACE = 0, "keyspace";
        /// @read
        READ = 1, "read";
        /// @write
        WRITE = 2, "write";
        /// @set
        SET = 3, "set";
        /// @sortedset
        SORTEDSET = 4, "sortedset";
        /// @list
        LIST = 5, "list";
        /// @hash
        HASH = 6, "hash";
        /// @string
        STRING = 7, "string";
        /// @bitmap
        BITMAP = 8, "bitmap";
        /// @hyperloglog
        HYPERLOGLOG = 9, "hyperloglog";
        /// @geo
        GEO = 10, "geo";
        /// @stream
        STREAM = 11, "stream";
        /// @pubsub
        PUBSUB = 12, "pubsub";
        /// @admin
        ADMIN = 13, "admin";
        /// @fast
        FAST = 14, "fast";
        /// @slow
        SLOW = 15, "slow";
        /// @blocking
        BLOCKING = 16, "blocking";
        /// @dangerous
        DANGEROUS = 17, "dangerous";
        /// @connection
        CONNECTION = 18, "connection";
        /// @transaction
        TRANSACTION = 19, "transaction";
        /// @scripting
        SCRIPTING = 20, "scripting";
        /// @array (Redis 8.8)
        ARRAY = 21, "array";
    }
);

bit_set!(
    /// Key spec flags: how the command uses the keys the spec finds.
    KeyFlags {
        /// Read-only.
        RO = 0, "RO";
        /// Read-write.
        RW = 1, "RW";
        /// Overwrite.
        OW = 2, "OW";
        /// Remove.
        RM = 3, "RM";
        /// Returns, copies or uses the user data.
        ACCESS = 4, "access";
        /// Updates the value.
        UPDATE = 5, "update";
        /// Adds data to the value.
        INSERT = 6, "insert";
        /// Deletes data from the value.
        DELETE = 7, "delete";
        /// Not a key (a channel name): its slot matters, it is not a key of the keyspace.
        NOT_KEY = 8, "not_key";
        /// May miss keys: the command needs its own key-extraction rule.
        INCOMPLETE = 9, "incomplete";
        /// The flags depend on the arguments.
        VARIABLE_FLAGS = 10, "variable_flags";
    }
);

/// Where a key spec's search starts (`begin_search`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argv index.
    Index(usize),
    /// Right after `keyword`, searched from `start_from` (negative: from the end, backwards).
    Keyword {
        /// The token, upper-case.
        keyword: &'static str,
        /// Where the search starts; negative counts from the end and searches backwards.
        start_from: isize,
    },
    /// The server uses a command-specific rule.
    Unknown,
}

/// Which keys follow the start (`find_keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindKeys {
    /// Keys up to `last_key` (relative to the start; negative counts from the end) every
    /// `key_step` arguments; with `limit` > 1 and `last_key` -1, only the first
    /// 1/`limit` of the remaining arguments (XREAD's streams before their ids).
    Range {
        /// Last key, relative to the start; negative counts from the end.
        last_key: isize,
        /// Distance between keys.
        key_step: usize,
        /// Divides the remaining arguments (0: no limit).
        limit: usize,
    },
    /// The number of keys is at start + `key_num_idx`; keys start at start + `first_key`.
    KeyNum {
        /// Where the number of keys is, relative to the start.
        key_num_idx: usize,
        /// Where the first key is, relative to the start.
        first_key: usize,
        /// Distance between keys.
        key_step: usize,
    },
    /// The server uses a command-specific rule.
    Unknown,
}

/// One key spec of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpecDef {
    /// How the keys are used.
    pub flags: KeyFlags,
    /// Where the search starts.
    pub begin: BeginSearch,
    /// Which keys follow.
    pub find: FindKeys,
}

/// The command's group in the server's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Group {
    Array,
    Bitmap,
    Cluster,
    Connection,
    Generic,
    Geo,
    Hash,
    Hyperloglog,
    List,
    Pubsub,
    Scripting,
    Server,
    Set,
    SortedSet,
    Stream,
    String,
    Transactions,
}

/// Where a cluster client sends a keyless or multi-key command (`request_policy` tip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestPolicy {
    /// No tip: by the keys' slot, or any node when keyless.
    Default,
    /// Every node, primaries and replicas.
    AllNodes,
    /// Every primary.
    AllShards,
    /// Split by slot, one part per shard.
    MultiShard,
    /// The client needs a command-specific rule.
    Special,
}

/// How a cluster client combines the replies of a fanned-out command (`response_policy` tip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ResponsePolicy {
    /// No tip: the default for the request policy.
    Default,
    OneSucceeded,
    AllSucceeded,
    AggLogicalAnd,
    AggLogicalOr,
    AggMin,
    AggMax,
    AggSum,
    /// The client needs a command-specific rule.
    Special,
}

/// The reply's shape, where the data says it; `Unknown` rather than a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ReplyShape {
    Unknown,
    Status,
    Integer,
    Bulk,
    Array,
    Map,
}

/// One command or subcommand of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// Upper-case name; a subcommand's container name (`CLIENT`).
    pub name: &'static str,
    /// Upper-case subcommand (`NO-TOUCH`); `None` for a top-level command.
    pub subcommand: Option<&'static str>,
    /// Argument count with the name (and subcommand); negative: at least that many.
    pub arity: i32,
    /// Command flags.
    pub flags: Flags,
    /// ACL categories.
    pub acl: AclCategories,
    /// Where its keys are.
    pub key_specs: &'static [KeySpecDef],
    /// Where a cluster client sends it.
    pub request_policy: RequestPolicy,
    /// How a cluster client combines the replies.
    pub response_policy: ResponsePolicy,
    /// The reply may differ between calls with the same data (`nondeterministic_output`).
    pub nondeterministic_output: bool,
    /// The reply's order may differ (`nondeterministic_output_order`).
    pub nondeterministic_output_order: bool,
    /// Documentation group.
    pub group: Group,
    /// The Redis version that introduced it (`None`: not in Redis).
    pub since: Option<Version>,
    /// The Valkey version that introduced it, where recorded.
    pub valkey_since: Option<Version>,
    /// Deprecated by the server's documentation.
    pub deprecated: bool,
    /// The reply's shape where known.
    pub reply: ReplyShape,
    /// Subcommands, sorted by name.
    pub subcommands: &'static [CommandSpec],
}

/// The table entry of a command by upper-case name and subcommand (its first argument,
/// upper-case). A container command with an unknown subcommand gives the container.
///
/// ```
/// use slotwise::command::spec_of;
/// let get = spec_of(b"GET", None).unwrap();
/// assert_eq!(get.arity, 2);
/// assert_eq!(spec_of(b"CLIENT", Some(b"NO-TOUCH")).unwrap().subcommand, Some("NO-TOUCH"));
/// assert!(spec_of(b"NOSUCHCOMMAND", None).is_none());
/// ```
pub fn spec_of(name: &[u8], sub: Option<&[u8]>) -> Option<&'static CommandSpec> {
    let top = &generated::COMMANDS[generated::index_of(name)?];
    match sub {
        Some(sub) if !top.subcommands.is_empty() => Some(
            top.subcommands
                .binary_search_by(|s| s.subcommand.unwrap_or_default().as_bytes().cmp(sub))
                .map_or(top, |i| &top.subcommands[i]),
        ),
        _ => Some(top),
    }
}

/// Every top-level command of the table, sorted by name.
pub fn all_commands() -> &'static [CommandSpec] {
    &generated::COMMANDS
}

/// The keys [`CommandSpec::key_positions`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPositions {
    /// Argv indices of the keys, spec by spec.
    pub positions: Vec<usize>,
    /// False when a spec is `Unknown` or `incomplete`, or did not fit the arguments: the
    /// server then uses a command-specific rule, which may find more keys.
    pub complete: bool,
}

impl CommandSpec {
    /// The argv indices (0 is the name) of the keys of `cmd` by this entry's key specs,
    /// following the server's key-spec reading; channel specs (`not_key`) are skipped.
    pub fn key_positions(&self, cmd: &Cmd) -> KeyPositions {
        let mut out = KeyPositions {
            positions: Vec::new(),
            complete: true,
        };
        for spec in self.key_specs {
            if spec.flags.contains(KeyFlags::NOT_KEY) {
                continue;
            }
            match spec_range(spec, cmd) {
                Some((first, last, step)) => {
                    out.positions.extend((first..=last).step_by(step.max(1)));
                    if spec.flags.contains(KeyFlags::INCOMPLETE) {
                        out.complete = false;
                    }
                }
                None => out.complete = false,
            }
        }
        out
    }
}

/// First and last argv index and step of one spec's keys, or `None` when the spec gives
/// nothing certain (unknown, or out of the arguments' bounds). A keyword that is absent
/// gives an empty range.
fn spec_range(spec: &KeySpecDef, cmd: &Cmd) -> Option<(usize, usize, usize)> {
    let argc = cmd.arg_count() as isize;
    let first = match spec.begin {
        BeginSearch::Index(i) => i as isize,
        BeginSearch::Keyword {
            keyword,
            start_from,
        } => {
            let found = if start_from > 0 {
                (start_from..argc - 1).find(|&i| is_token(cmd, i, keyword))
            } else {
                (1..=argc + start_from)
                    .rev()
                    .find(|&i| is_token(cmd, i, keyword))
            };
            match found {
                Some(i) => i + 1,
                // An absent keyword (an optional STORE) means no keys from this spec.
                None => return Some(EMPTY),
            }
        }
        BeginSearch::Unknown => return None,
    };
    let (first, last, step) = match spec.find {
        FindKeys::Range {
            last_key,
            key_step,
            limit,
        } => {
            let last = if last_key >= 0 {
                first + last_key
            } else if limit <= 1 {
                argc + last_key
            } else {
                first + ((argc - first) / limit as isize + last_key)
            };
            (first, last, key_step)
        }
        FindKeys::KeyNum {
            key_num_idx,
            first_key,
            key_step,
        } => {
            let at = first + key_num_idx as isize;
            let n: isize = std::str::from_utf8(cmd.arg_at(at as usize)?)
                .ok()?
                .parse()
                .ok()
                .filter(|&n: &isize| n >= 0)?;
            // `n` keys `key_step` apart (MSETEX's numkeys counts key-value pairs: step 2).
            // The server's generic reading took `first + n - 1` as the last index (the same
            // for every step-1 command); a proposed fix (redis/redis PR 15408) multiplies by
            // the step, as here.
            let first = first + first_key as isize;
            (first, first + (n - 1) * key_step as isize, key_step)
        }
        FindKeys::Unknown => return None,
    };
    if last == first - 1 && matches!(spec.find, FindKeys::KeyNum { .. }) {
        // A numkeys of 0: no keys (the server then asks the command's own rule, which
        // agrees).
        return Some(EMPTY);
    }
    if first >= argc || last >= argc || last < first {
        return None;
    }
    Some((first as usize, last as usize, step))
}

/// A range with no index in it.
const EMPTY: (usize, usize, usize) = (1, 0, 1);

fn is_token(cmd: &Cmd, i: isize, keyword: &str) -> bool {
    usize::try_from(i)
        .ok()
        .and_then(|i| cmd.arg_at(i))
        .is_some_and(|a| a.eq_ignore_ascii_case(keyword.as_bytes()))
}
