"""Server management as redis-py's ``RedisCluster`` offers it: COMMAND and its
subcommands, LATENCY, MEMORY STATS, MODULE, DEBUG OBJECT, ROLE, LOLWUT, BGREWRITEAOF,
CONFIG REWRITE, SHUTDOWN, the rest of CLIENT... Keyless commands go to the default node
unless ``target_nodes=`` names others.

What redis-py refuses in a cluster is refused here too: SLAVEOF, REPLICAOF and SWAPDB raise
:class:`ClusterError`; LATENCY DOCTOR/GRAPH/HISTOGRAM, MEMORY DOCTOR/HELP, COMMAND INFO/DOCS,
DEBUG SEGFAULT, HELLO and FAILOVER raise ``NotImplementedError``. Commands that would change
the state of slotwise's shared connections (AUTH, SELECT, RESET, QUIT, SYNC, PSYNC, CLIENT
REPLY, CLIENT TRACKING) are refused with a :class:`DataError` naming what to use instead
(as the client refuses them in ``execute_command``)."""

from __future__ import annotations

import inspect
from typing import Any, Callable, List, Optional, Sequence, Union

from .. import _native
from .._options import ClusterNode
from ..exceptions import ClusterError, ConnectionError, DataError, RedisError, _error
from ._base import EncodableT, KeyT, KeysT, ResponseT, _list_or_args
from .cluster import TargetedBase, TargetNodesT


def _str(v: Any) -> Any:
    return v.decode(errors="replace") if isinstance(v, (bytes, bytearray)) else v


def _strs(r: Any) -> Any:
    return [_str(v) for v in r] if isinstance(r, list) else r


def _ok(r: Any) -> Any:
    return True if r is True else _str(r) == "OK"


def _as_lists(v: Any) -> Any:
    """A reply with RESP3 sets as lists, as redis-py's RESP3 parser gives every set."""
    if isinstance(v, (set, frozenset)):
        return [_as_lists(x) for x in v]
    if isinstance(v, list):
        return [_as_lists(x) for x in v]
    if isinstance(v, dict):
        return {k: _as_lists(x) for k, x in v.items()}
    return v


def _command_table(resp3: bool) -> Callable[[Any], Any]:
    """COMMAND as redis-py parses it: ``{name: {"name", "arity", "flags",
    "first_key_pos", "last_key_pos", "step_count", "acl_categories", "tips",
    "key_specifications", "subcommands"}}``; ``flags`` a list of ``str`` (RESP2) or a set
    (RESP3)."""

    def post(r: Any) -> Any:
        commands: dict[str, Any] = {}
        for c in r:
            name = _str(c[0])
            d: dict[str, Any] = {"name": name, "arity": c[1] if resp3 else int(c[1])}
            d["flags"] = {_str(f) for f in c[2]} if resp3 else [_str(f) for f in c[2]]
            d["first_key_pos"], d["last_key_pos"], d["step_count"] = c[3], c[4], c[5]
            if len(c) > 6:
                d["acl_categories"] = _as_lists(c[6]) if resp3 else [_str(x) for x in c[6]]
            if len(c) > 7:
                d["tips"] = _as_lists(c[7])
                d["key_specifications"] = _as_lists(c[8])
                d["subcommands"] = _as_lists(c[9])
            commands[name] = d
        return commands

    return post


def _debug_object(r: Any) -> Any:
    """DEBUG OBJECT's line as a dict (``type`` first; counts as ``int``)."""
    fields = dict(kv.split(":", 1) for kv in ("type:" + (_str(r) or "")).split())
    out: dict[str, Any] = dict(fields)
    for name in ("refcount", "serializedlength", "lru", "lru_seconds_idle"):
        if name in out:
            out[name] = int(out[name])
    return out


def _memory_stats(resp3: bool) -> Callable[[Any], Any]:
    """MEMORY STATS as a dict with ``str`` names, each ``db.N`` a dict too; RESP2's string
    values as ``str`` (as redis-py decodes them)."""

    def pairs(items: Any) -> dict[str, Any]:
        if isinstance(items, dict):
            return {_str(k): v for k, v in items.items()}
        it = iter(items)
        return {_str(k): (v if resp3 else _str(v)) for k, v in zip(it, it)}

    def post(r: Any) -> Any:
        stats = pairs(r)
        for k, v in stats.items():
            if k.startswith("db.") and isinstance(v, (list, dict)):
                stats[k] = pairs(v)
        return stats

    return post


def _module_list(resp3: bool) -> Callable[[Any], Any]:
    def post(r: Any) -> Any:
        if resp3:
            return _as_lists(r)
        out = []
        for m in r:
            it = iter(m)
            out.append(dict(zip(it, it)))
        return out

    return post


def _killed(r: Any) -> Any:
    return r if isinstance(r, int) else _str(r) == "OK"


def _unblocked(res: Any) -> Any:
    """CLIENT UNBLOCK over several nodes, as redis-py merges it: 1 when any unblocked."""
    if isinstance(res, dict):
        return 1 if sum(bool(v) for v in res.values()) > 0 else 0
    return 1 if res else 0


def _not_implemented(what: str, page: str) -> NotImplementedError:
    return NotImplementedError(
        f"{what} is intentionally not implemented in the client (as in redis-py). "
        f"For more information, see https://redis.io/commands/{page}"
    )


_STREAM = "it turns the connection into a stream of messages"


def _shared(command: str, fix: str) -> DataError:
    """The refusal of a command that would change the state of a connection other callers
    share (the client's own refusal, also for ``target_nodes=``)."""
    return _error(
        DataError,
        f"{command} cannot be sent through a cluster client's shared connections: {fix}",
        "CONFIG",
    )


def _not_in_cluster(command: str) -> ClusterError:
    return _error(ClusterError, f"{command} is not supported in cluster mode", "CLUSTER")


class ManagementCommands(TargetedBase):
    """COMMAND, LATENCY, MEMORY, MODULE, DEBUG OBJECT, ROLE, LOLWUT, SHUTDOWN, the rest of
    CLIENT, and the commands redis-py refuses in a cluster."""

    _slot_primary: Callable[[int], Optional[ClusterNode]]

    def _then(self, reply: Any, f: Callable[[Any], Any]) -> Any:
        """``f`` of a combined reply (awaited first on asyncio); a pipeline's is its own."""
        if getattr(self, "_queues_commands", False):
            return reply
        if inspect.isawaitable(reply):

            async def later() -> Any:
                return f(await reply)

            return later()
        return f(reply)

    def _on_key_node(self, key: Any, post: Optional[Callable[[Any], Any]], *argv: EncodableT) -> Any:
        """On the primary serving ``key`` (DEBUG OBJECT names a key the server does not
        route by, MIGRATE's argv has an empty key); a pipeline routes the command as
        usual."""
        if getattr(self, "_queues_commands", False):
            return self._targeted(None, post, *argv)
        node = self._slot_primary(_native.key_slot(key))
        return self._targeted(node, post, *argv)

    # -- COMMAND ------------------------------------------------------------------------

    def command(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Every command the server knows: ``{name: {"arity", "flags", ...}}``."""
        return self._on_default_node(target_nodes, _command_table(self._resp3), "COMMAND")

    def command_info(self, **kwargs: Any) -> None:
        """Not implemented (as in redis-py): use :meth:`command`."""
        raise _not_implemented("COMMAND INFO", "command-info")

    def command_docs(self, *args: Any) -> None:
        """Not implemented (as in redis-py)."""
        raise _not_implemented("COMMAND DOCS", "command-docs")

    def command_list(
        self,
        module: Optional[str] = None,
        category: Optional[str] = None,
        pattern: Optional[str] = None,
    ) -> ResponseT:
        """The command names, filtered by ``module``, ACL ``category`` or ``pattern``
        (the server takes one filter)."""
        argv: list[EncodableT] = ["COMMAND", "LIST"]
        filters: list[EncodableT] = []
        if module is not None:
            filters += ["MODULE", module]
        if category is not None:
            filters += ["ACLCAT", category]
        if pattern is not None:
            filters += ["PATTERN", pattern]
        if filters:
            argv += ["FILTERBY", *filters]
        return self._on_default_node(None, None, *argv)

    def command_getkeys(self, *args: EncodableT) -> ResponseT:
        """The keys of the command ``args``, as the server finds them."""
        return self._on_default_node(
            None, None if self._resp3 else _strs, "COMMAND", "GETKEYS", *args
        )

    def command_getkeysandflags(self, *args: EncodableT) -> ResponseT:
        """The keys of the command ``args`` with their flags: ``[[key, [flag, ...]], ...]``."""
        return self._on_default_node(None, _as_lists, "COMMAND", "GETKEYSANDFLAGS", *args)

    # -- configuration, persistence, replication -----------------------------------------

    def config_rewrite(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Rewrites the default node's (or ``target_nodes``') config file; ``True``."""
        return self._on_default_node(target_nodes, None, "CONFIG", "REWRITE")

    def bgrewriteaof(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Starts rewriting the append-only file of the default node (or
        ``target_nodes``); ``True`` (RESP3: the server's status text, as redis-py)."""
        post = None if self._resp3 else (lambda r: True)
        return self._on_default_node(target_nodes, post, "BGREWRITEAOF")

    def role(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The default node's (or ``target_nodes``') replication role: ``[b"master",
        offset, [[host, port, offset], ...]]`` or a replica's ``[b"slave", ...]``."""
        return self._on_default_node(target_nodes, None, "ROLE")

    def slaveof(self, *args: Any, **kwargs: Any) -> None:
        """Refused: a cluster's replicas are chosen with CLUSTER REPLICATE."""
        raise _not_in_cluster("SLAVEOF")

    def replicaof(self, *args: Any, **kwargs: Any) -> None:
        """Refused: a cluster's replicas are chosen with CLUSTER REPLICATE."""
        raise _not_in_cluster("REPLICAOF")

    def swapdb(self, *args: Any, **kwargs: Any) -> None:
        """Refused: a cluster has only database 0."""
        raise _not_in_cluster("SWAPDB")

    def failover(self) -> None:
        """Not implemented (as in redis-py); a cluster fails over with CLUSTER FAILOVER."""
        raise _not_implemented("FAILOVER", "failover")

    def hello(self) -> None:
        """Not implemented (as in redis-py): pass ``protocol=`` and credentials to the
        client instead."""
        raise _not_implemented("HELLO", "hello")

    def shutdown(
        self,
        save: bool = False,
        nosave: bool = False,
        now: bool = False,
        force: bool = False,
        abort: bool = False,
        target_nodes: Optional[TargetNodesT] = None,
    ) -> Any:
        """Shuts the default node (or ``target_nodes``) down; ``None`` once the connection
        drops, :class:`RedisError` when the node stays up."""
        if save and nosave:
            raise DataError("SHUTDOWN save and nosave cannot both be set")
        argv: list[EncodableT] = ["SHUTDOWN"]
        for flag, word in ((save, "SAVE"), (nosave, "NOSAVE"), (now, "NOW"), (force, "FORCE"), (abort, "ABORT")):
            if flag:
                argv.append(word)
        failed = "SHUTDOWN seems to have failed."
        try:
            reply = self._on_default_node(target_nodes, None, *argv)
        except ConnectionError:
            return None
        if getattr(self, "_queues_commands", False):
            return reply
        if inspect.isawaitable(reply):

            async def wait() -> None:
                try:
                    await reply
                except ConnectionError:
                    return None
                raise RedisError(failed)

            return wait()
        raise RedisError(failed)

    def sync(self) -> ResponseT:
        """Refused (:class:`DataError`): SYNC would turn a shared connection into a
        replication stream."""
        raise _shared("SYNC", _STREAM)

    def psync(self, replicationid: str, offset: int) -> ResponseT:
        """Refused (:class:`DataError`), as :meth:`sync`."""
        raise _shared("PSYNC", _STREAM)

    def select(self, index: int, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Refused (:class:`DataError`): a Redis Cluster has only database 0."""
        raise _shared("SELECT", "a Redis Cluster has only database 0")

    def auth(
        self, password: str, username: Optional[str] = None, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Refused (:class:`DataError`): pass ``username=`` and ``password=`` to the client,
        which authenticates every connection with them."""
        raise _shared(
            "AUTH",
            "pass username= and password= to the client: they are sent on every connection",
        )

    def quit(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Refused (:class:`DataError`): close the client instead."""
        raise _shared("QUIT", "close the client instead")

    def reset(self) -> ResponseT:
        """Refused (:class:`DataError`): close the client instead."""
        raise _shared("RESET", "close the client instead")

    def monitor(self, target_node: Optional[ClusterNode] = None) -> Any:
        """Not available: MONITOR turns a connection into a stream of every command the
        node runs, and slotwise's connections are shared."""
        raise _error(
            DataError,
            "monitor() is not available in slotwise: MONITOR turns a connection into a stream "
            "of messages and slotwise's connections are shared; run MONITOR on the node with "
            "a separate connection (redis-cli -h HOST -p PORT monitor)",
            "CONFIG",
        )

    # -- keys ------------------------------------------------------------------------

    def debug_object(self, key: KeyT) -> ResponseT:
        """DEBUG OBJECT of ``key`` (on its node), parsed into a dict (RESP3: the line as
        sent, as redis-py)."""
        post = None if self._resp3 else _debug_object
        return self._on_key_node(key, post, "DEBUG", "OBJECT", key)

    def debug_segfault(self, **kwargs: Any) -> None:
        """Not implemented (as in redis-py)."""
        raise _not_implemented("DEBUG SEGFAULT", "debug-segfault")

    def move(self, name: KeyT, db: int) -> ResponseT:
        """MOVE ``name`` to database ``db`` (a cluster has only database 0: the server
        refuses)."""
        return self._call_with(lambda r: bool(r) if isinstance(r, int) else r, "MOVE", name, db)

    def migrate(
        self,
        host: str,
        port: int,
        keys: KeysT,
        destination_db: int,
        timeout: int,
        copy: bool = False,
        replace: bool = False,
        auth: Optional[str] = None,
    ) -> ResponseT:
        """Moves ``keys`` (one slot's) to the server at ``host:port``, database
        ``destination_db``; ``timeout`` in milliseconds; ``copy`` keeps them here,
        ``replace`` overwrites there, ``auth`` is the target's password."""
        names = _list_or_args(keys, ())
        if not names:
            raise DataError("MIGRATE requires at least one key")
        argv: list[EncodableT] = ["MIGRATE", host, port, "", destination_db, timeout]
        if copy:
            argv.append(b"COPY")
        if replace:
            argv.append(b"REPLACE")
        if auth:
            argv += [b"AUTH", auth]
        argv.append(b"KEYS")
        argv.extend(names)
        # Sent to the keys' node as redis-py does (the "" before the database is the
        # single-key form's empty key, not a key of another slot).
        return self._on_key_node(names[0], None, *argv)

    # -- LATENCY, MEMORY, LOLWUT ----------------------------------------------------------

    def latency_doctor(self) -> None:
        """Not implemented (as in redis-py): use redis-cli."""
        raise _not_implemented("LATENCY DOCTOR", "latency-doctor")

    def latency_graph(self) -> None:
        """Not implemented (as in redis-py): use redis-cli."""
        raise _not_implemented("LATENCY GRAPH", "latency-graph")

    def latency_histogram(self, *args: Any) -> None:
        """Not implemented (as in redis-py)."""
        raise _not_implemented("LATENCY HISTOGRAM", "latency-histogram")

    def latency_history(self, event: str) -> ResponseT:
        """The default node's latency spikes of ``event``: ``[[timestamp, ms], ...]``."""
        return self._on_default_node(None, None, "LATENCY", "HISTORY", event)

    def latency_latest(self) -> ResponseT:
        """The default node's latest latency spike per event."""
        return self._on_default_node(None, None, "LATENCY", "LATEST")

    def latency_reset(self, *events: str) -> ResponseT:
        """Resets the default node's latency history (of ``events``, else all); the number
        of events reset."""
        return self._on_default_node(None, None, "LATENCY", "RESET", *events)

    def lolwut(
        self, *version_numbers: Union[str, float], target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """The server version and a piece of generative art."""
        if version_numbers:
            return self._on_default_node(target_nodes, None, "LOLWUT", "VERSION", *version_numbers)
        return self._on_default_node(target_nodes, None, "LOLWUT")

    def memory_doctor(self, **kwargs: Any) -> None:
        """Not implemented (as in redis-py)."""
        raise _not_implemented("MEMORY DOCTOR", "memory-doctor")

    def memory_help(self, **kwargs: Any) -> None:
        """Not implemented (as in redis-py)."""
        raise _not_implemented("MEMORY HELP", "memory-help")

    def memory_malloc_stats(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The allocator's report of the default node (or ``target_nodes``)."""
        return self._on_default_node(target_nodes, None, "MEMORY", "MALLOC-STATS")

    def memory_stats(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """MEMORY STATS of the default node (or ``target_nodes``) as a dict."""
        return self._on_default_node(target_nodes, _memory_stats(self._resp3), "MEMORY", "STATS")

    # -- MODULE ------------------------------------------------------------------------

    def module_list(self) -> ResponseT:
        """The default node's modules, each a dict (``name``, ``ver``...)."""
        return self._on_default_node(None, _module_list(self._resp3), "MODULE", "LIST")

    def module_load(self, path: str, *args: EncodableT) -> ResponseT:
        """Loads the module at ``path`` on the default node (``args`` passed to it);
        ``True``."""
        return self._on_default_node(None, bool, "MODULE", "LOAD", path, *args)

    def module_loadex(
        self, path: str, options: Optional[List[str]] = None, args: Optional[List[str]] = None
    ) -> ResponseT:
        """Loads a module with CONFIG ``options`` and ARGS ``args`` on the default node."""
        argv: list[EncodableT] = ["MODULE", "LOADEX", path]
        if options is not None:
            argv.append("CONFIG")
            argv.extend(options)
        if args is not None:
            argv.append("ARGS")
            argv.extend(args)
        return self._on_default_node(None, None, *argv)

    def module_unload(self, name: str) -> ResponseT:
        """Unloads the module ``name`` from the default node; ``True``."""
        return self._on_default_node(None, bool, "MODULE", "UNLOAD", name)

    # -- CLIENT ------------------------------------------------------------------------

    def client_getredir(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The id of the client receiving this connection's tracking notifications, or
        -1."""
        return self._on_default_node(target_nodes, None, "CLIENT", "GETREDIR")

    def client_kill_filter(
        self,
        _id: Optional[str] = None,
        _type: Optional[str] = None,
        addr: Optional[str] = None,
        skipme: Optional[bool] = None,
        laddr: Optional[str] = None,
        user: Optional[str] = None,
        maxage: Optional[int] = None,
        target_nodes: Optional[TargetNodesT] = None,
    ) -> ResponseT:
        """Disconnects the default node's (or ``target_nodes``') clients matching every
        filter given; the number disconnected."""
        argv: list[EncodableT] = ["CLIENT", "KILL"]
        if _type is not None:
            types = ("normal", "master", "slave", "replica", "pubsub")
            if str(_type).lower() not in types:
                raise DataError(f"CLIENT KILL type must be one of {types!r}")
            argv += [b"TYPE", _type]
        if skipme is not None:
            if not isinstance(skipme, bool):
                raise DataError("CLIENT KILL skipme must be a bool")
            argv += [b"SKIPME", b"YES" if skipme else b"NO"]
        if _id is not None:
            argv += [b"ID", _id]
        if addr is not None:
            argv += [b"ADDR", addr]
        if laddr is not None:
            argv += [b"LADDR", laddr]
        if user is not None:
            argv += [b"USER", user]
        if maxage is not None:
            argv += [b"MAXAGE", maxage]
        if len(argv) == 2:
            raise DataError(
                "CLIENT KILL <filter> <value> ... ... <filter> <value> must specify at least "
                "one filter"
            )
        return self._on_default_node(target_nodes, _killed, *argv)

    def client_no_evict(self, mode: str, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Exempts this client's connection to the default node from eviction (``"ON"``)
        or not (``"OFF"``)."""
        return self._on_default_node(target_nodes, None, "CLIENT", "NO-EVICT", mode)

    def client_no_touch(self, mode: str, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Whether this client's commands leave keys' LRU/LFU unchanged (``"ON"``)."""
        return self._on_default_node(target_nodes, None, "CLIENT", "NO-TOUCH", mode)

    def client_reply(self, reply: str, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Refused (:class:`DataError`, after redis-py's check of ``reply``): a shared
        connection must answer every command."""
        replies = ["ON", "OFF", "SKIP"]
        if reply not in replies:
            raise DataError(f"CLIENT REPLY must be one of {replies!r}")
        raise _shared("CLIENT REPLY", "a shared connection must answer every command")

    def client_setinfo(
        self, attr: str, value: str, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Sets ``lib-name`` or ``lib-ver`` of this client's connection to the default
        node; ``True``."""
        return self._on_default_node(target_nodes, _ok, "CLIENT", "SETINFO", attr, value)

    def client_tracking(
        self,
        on: bool = True,
        clientid: Optional[int] = None,
        prefix: Sequence[KeyT] = [],
        bcast: bool = False,
        optin: bool = False,
        optout: bool = False,
        noloop: bool = False,
        target_nodes: Optional[TargetNodesT] = None,
    ) -> ResponseT:
        """Refused (:class:`DataError`, after redis-py's check of the arguments):
        invalidation messages on a shared connection would reach other callers."""
        if len(prefix) != 0 and bcast is False:
            raise DataError("Prefix can only be used with bcast")
        raise _shared(
            "CLIENT TRACKING",
            "invalidation messages on a shared connection would reach other callers "
            "(client-side caching is not available yet)",
        )

    def client_tracking_on(
        self,
        clientid: Optional[int] = None,
        prefix: Sequence[KeyT] = [],
        bcast: bool = False,
        optin: bool = False,
        optout: bool = False,
        noloop: bool = False,
        target_nodes: Optional[TargetNodesT] = "all",
    ) -> ResponseT:
        """:meth:`client_tracking` with ``on=True`` (every node by default, as redis-py)."""
        return self.client_tracking(
            True, clientid, prefix, bcast, optin, optout, noloop, target_nodes=target_nodes
        )

    def client_tracking_off(
        self,
        clientid: Optional[int] = None,
        prefix: Sequence[KeyT] = [],
        bcast: bool = False,
        optin: bool = False,
        optout: bool = False,
        noloop: bool = False,
        target_nodes: Optional[TargetNodesT] = "all",
    ) -> ResponseT:
        """:meth:`client_tracking` with ``on=False`` (every node by default)."""
        return self.client_tracking(
            False, clientid, prefix, bcast, optin, optout, noloop, target_nodes=target_nodes
        )

    def client_trackinginfo(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The tracking state of this client's connection to the default node: RESP2's
        ``["flags", [...], "redirect", -1, "prefixes", [...]]`` (names as ``str``), RESP3's
        dict."""
        post = _as_lists if self._resp3 else _strs
        return self._on_default_node(target_nodes, post, "CLIENT", "TRACKINGINFO")

    def client_unblock(
        self, client_id: int, error: bool = False, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Unblocks the client ``client_id`` blocked on the default node (or
        ``target_nodes``), with an error when ``error``; 1 when one was, else 0."""
        argv: list[EncodableT] = ["CLIENT", "UNBLOCK", int(client_id)]
        if error:
            argv.append(b"ERROR")
        return self._then(self._on_default_node(target_nodes, bool, *argv), _unblocked)
