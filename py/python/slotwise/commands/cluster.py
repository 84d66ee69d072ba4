"""The cluster's nodes, as redis-py's ``RedisCluster`` shows them: :class:`ClusterNode`
objects, ``get_nodes()`` / ``get_primaries()`` / ``get_node_from_key()`` / ``keyslot()``...,
the node flags (``RedisCluster.PRIMARIES``...) and ``target_nodes=`` resolution, with
redis-py's way of combining the replies of several nodes."""

from __future__ import annotations

import inspect
import random
from typing import Any, Callable, Dict, List, Optional, Union

from .. import _native
from .._options import ClusterNode, split
from ..exceptions import ClusterError, DataError, ResponseError, _error
from ..lock import AsyncLock, Lock
from ._base import CommandsBase, EncodableT, KeyT, ResponseT

PRIMARY = "primary"
REPLICA = "replica"

#: What ``target_nodes=`` takes: a node flag, a node, a list of nodes or ``{name: node}``.
TargetNodesT = Union[str, ClusterNode, List[ClusterNode], Dict[Any, ClusterNode]]


def _all_true(res: Dict[str, Any]) -> Any:
    return all(res.values())


def _merged(res: Dict[str, Any]) -> Any:
    out: set[Any] = set()
    for v in res.values():
        out.update(v)
    return list(out)


def _last(res: Dict[str, Any]) -> Any:
    return list(res.values()).pop()


def _all_per_sha(res: Dict[str, Any]) -> Any:
    return [all(k) for k in zip(*res.values())]


def _numsub_summed(res: Dict[str, Any]) -> Any:
    """PUBSUB NUMSUB of several nodes: ``[(channel, subscribers), ...]``, each channel's
    counts summed over the nodes, in the order the channels first appear."""
    total: Dict[Any, int] = {}
    for pairs in res.values():
        for channel, n in pairs:
            total[channel] = total.get(channel, 0) + n
    return list(total.items())


def _scan_cursors(res: Dict[str, Any]) -> Any:
    """SCAN of several nodes: ``({node name: cursor}, [key, ...])``."""
    cursors: Dict[str, int] = {}
    keys: List[Any] = []
    for name, (cursor, page) in res.items():
        cursors[name] = cursor
        keys += page
    return cursors, keys


#: redis-py's RedisCluster.RESULT_CALLBACKS: how the replies of several nodes (``{node
#: name: reply}``) become one; a command not listed gives its reply when one node ran it,
#: else the dict.
_COMBINE: Dict[str, Callable[[Dict[str, Any]], Any]] = {
    "PING": _all_true,
    "CONFIG SET": _all_true,
    "CONFIG REWRITE": _all_true,
    "CONFIG RESETSTAT": _all_true,
    "CLIENT SETNAME": _all_true,
    "BGSAVE": _all_true,
    "SLOWLOG RESET": _all_true,
    "SAVE": _all_true,
    "MEMORY PURGE": _all_true,
    "CLIENT PAUSE": _all_true,
    "CLIENT UNPAUSE": _all_true,
    "SCRIPT FLUSH": _all_true,
    "DBSIZE": lambda res: sum(res.values()),
    "WAIT": lambda res: sum(res.values()),
    "KEYS": _merged,
    "PUBSUB CHANNELS": _merged,
    "PUBSUB SHARDCHANNELS": _merged,
    "PUBSUB NUMPAT": lambda res: sum(res.values()),
    "PUBSUB NUMSUB": _numsub_summed,
    "PUBSUB SHARDNUMSUB": _numsub_summed,
    "SCAN": _scan_cursors,
    "SCRIPT LOAD": _last,
    "SCRIPT EXISTS": _all_per_sha,
}

#: Commands whose second word names the subcommand (``CONFIG GET``...).
_CONTAINERS = frozenset(
    {"ACL", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "FUNCTION", "LATENCY", "MEMORY",
     "MODULE", "PUBSUB", "SCRIPT", "SLOWLOG"}
)


def _text(a: Any) -> str:
    if isinstance(a, (bytes, bytearray, memoryview)):
        return bytes(a).decode(errors="replace").upper()
    return str(a).upper()


def combine(argv: tuple[EncodableT, ...], res: Dict[str, Any]) -> Any:
    """The replies of the target nodes (``{node name: reply}``) as redis-py combines them."""
    name = _text(argv[0])
    if name in _CONTAINERS and len(argv) > 1:
        name = f"{name} {_text(argv[1])}"
    how = _COMBINE.get(name)
    if how is not None:
        return how(res)
    if len(res) == 1:
        return next(iter(res.values()))
    return res


def _then(
    run: Callable[[], Any],
    then: Callable[[Any], Any],
    on_error: Optional[Callable[[ResponseError], Any]] = None,
) -> Any:
    """``then(run())`` for the sync client; for the asyncio client (``run()`` gives a
    coroutine) a coroutine doing the same. ``on_error`` answers a :class:`ResponseError`
    of ``run`` instead of raising it."""
    try:
        pending = run()
    except ResponseError as e:
        if on_error is None:
            raise
        return on_error(e)
    if not inspect.isawaitable(pending):
        return then(pending)

    async def finish() -> Any:
        try:
            reply = await pending
        except ResponseError as e:
            if on_error is None:
                raise
            return on_error(e)
        return then(reply)

    return finish()


#: The commands whose second argument (after the subcommand) is a hash slot: they go to
#: the primary serving it (redis-py's ``SLOT_ID`` flag).
_SLOT_ID = frozenset(
    {"CLUSTER COUNTKEYSINSLOT", "CLUSTER DELSLOTS", "CLUSTER DELSLOTSRANGE",
     "CLUSTER GETKEYSINSLOT", "CLUSTER SETSLOT"}
)

#: Script and function calls: their keys follow ``numkeys`` (the third word).
_NUMKEYS_CALLS = frozenset({"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"})


def _words(args: tuple[Any, ...]) -> List[Any]:
    """``args`` with a first word holding several (``"CLUSTER COUNTKEYSINSLOT"``, as
    redis-py's ``execute_command`` takes them) split into words."""
    first = args[0]
    if isinstance(first, (bytes, bytearray)):
        first = bytes(first).decode(errors="replace")
    if isinstance(first, str) and " " in first.strip():
        return [*first.split(), *args[1:]]
    return list(args)


class NodeFlags:
    """redis-py's node flags, for ``target_nodes=``."""

    PRIMARIES = "primaries"
    REPLICAS = "replicas"
    ALL_NODES = "all"
    RANDOM = "random"
    DEFAULT_NODE = "default-node"


#: Where redis-py sends a keyless command it has no flag for: one primary at random.
_RANDOM_PRIMARY = "random-primary"

_FLAGS = (
    NodeFlags.PRIMARIES,
    NodeFlags.REPLICAS,
    NodeFlags.ALL_NODES,
    NodeFlags.RANDOM,
    NodeFlags.DEFAULT_NODE,
)

_Topology = Union[_native.Client, _native.AsyncClient]


class ClusterNodes(NodeFlags):
    """The node API of both clients (plain methods, in asyncio too, as in redis-py). Before
    an asyncio client has connected, it knows no node: the lists are empty."""

    _default_node: Optional[ClusterNode] = None
    #: Runs a command (the client's own; COMMAND GETKEYS for :meth:`determine_slot`).
    _call: Callable[..., Any]

    def _topology_source(self) -> Optional[_Topology]:
        raise NotImplementedError

    def get_nodes(self) -> List[ClusterNode]:
        """Every node of the current slot map (primaries first), ``server_type`` set."""
        n = self._topology_source()
        if n is None:
            return []
        return [
            ClusterNode(*split(addr), server_type=PRIMARY if primary else REPLICA)
            for addr, primary in n.nodes()
        ]

    def get_primaries(self) -> List[ClusterNode]:
        """The primaries of the current slot map."""
        return [n for n in self.get_nodes() if n.server_type == PRIMARY]

    def get_replicas(self) -> List[ClusterNode]:
        """The replicas of the current slot map."""
        return [n for n in self.get_nodes() if n.server_type == REPLICA]

    def get_random_node(self) -> ClusterNode:
        """One node of the cluster, chosen at random."""
        nodes = self.get_nodes()
        if not nodes:
            raise _no_nodes()
        return random.choice(nodes)

    def get_node(
        self,
        host: Optional[str] = None,
        port: Optional[int] = None,
        node_name: Optional[str] = None,
    ) -> Optional[ClusterNode]:
        """The node at ``host``/``port`` or named ``node_name`` (``"host:port"``), or
        ``None`` when the cluster has no such node."""
        if host and port:
            want = ClusterNode(host, int(port)).name
        elif node_name:
            want = node_name
        else:
            return None
        names = {n.name: n for n in self.get_nodes()}
        if want not in names and host == "localhost":  # as redis-py, which resolves it
            want = ClusterNode("127.0.0.1", int(port or 0)).name
        return names.get(want)

    def get_default_node(self) -> Optional[ClusterNode]:
        """The node of ``target_nodes=DEFAULT_NODE``: set with :meth:`set_default_node`,
        else the first primary (``None`` before an asyncio client connected)."""
        d = self._default_node
        if d is not None and self.get_node(node_name=d.name) is not None:
            return d
        primaries = self.get_primaries()
        return primaries[0] if primaries else None

    def set_default_node(self, node: Optional[ClusterNode]) -> bool:
        """Makes ``node`` the default node; ``False`` (nothing changed) when it is not a
        node of the cluster."""
        if node is None or self.get_node(node_name=node.name) is None:
            return False
        self._default_node = node
        return True

    def keyslot(self, key: EncodableT) -> int:
        """The hash slot of ``key`` (hash tags honoured)."""
        return _native.key_slot(key)

    def _slot_primary(self, slot: int) -> Optional[ClusterNode]:
        n = self._topology_source()
        addrs = n.slot_nodes(slot) if n is not None and 0 <= slot < 16384 else []
        return ClusterNode(*split(addrs[0]), server_type=PRIMARY) if addrs else None

    def get_node_from_key(self, key: EncodableT, replica: bool = False) -> Optional[ClusterNode]:
        """The primary serving ``key``'s slot; with ``replica=True`` its first replica, or
        ``None`` when it has none."""
        n = self._topology_source()
        slot = self.keyslot(key)
        addrs = n.slot_nodes(slot) if n is not None else []
        if not addrs:
            raise _error(
                DataError,
                f'Slot "{slot}" is not covered by the cluster (refresh_topology() reloads the '
                "slot map)",
                "DATA",
            )
        if replica:
            if len(addrs) < 2:
                return None
            return ClusterNode(*split(addrs[1]), server_type=REPLICA)
        return ClusterNode(*split(addrs[0]), server_type=PRIMARY)

    def _target_nodes(self, target_nodes: TargetNodesT) -> List[ClusterNode]:
        """The nodes ``target_nodes=`` names, each checked against the slot map."""
        if isinstance(target_nodes, str):
            if target_nodes == NodeFlags.PRIMARIES:
                nodes = self.get_primaries()
            elif target_nodes == NodeFlags.REPLICAS:
                nodes = self.get_replicas()
            elif target_nodes == NodeFlags.ALL_NODES:
                nodes = self.get_nodes()
            elif target_nodes == NodeFlags.RANDOM:
                nodes = [self.get_random_node()]
            elif target_nodes == _RANDOM_PRIMARY:
                primaries = self.get_primaries()
                nodes = [random.choice(primaries)] if primaries else []
            elif target_nodes == NodeFlags.DEFAULT_NODE:
                d = self.get_default_node()
                nodes = [d] if d is not None else []
            else:
                raise _error(
                    DataError,
                    f"target_nodes={target_nodes!r} is not a node flag: use one of "
                    f"{', '.join(repr(f) for f in _FLAGS)} (RedisCluster.PRIMARIES...), a "
                    "ClusterNode or a list of them",
                    "DATA",
                )
            if not nodes:
                raise _no_nodes(target_nodes)
            return nodes
        if isinstance(target_nodes, ClusterNode):
            given: List[Any] = [target_nodes]
        elif isinstance(target_nodes, dict):
            given = list(target_nodes.values())
        elif isinstance(target_nodes, (list, tuple)):
            given = list(target_nodes)
        else:
            given = [target_nodes]
        known = {n.name for n in self.get_nodes()}
        for g in given:
            if not isinstance(g, ClusterNode):
                raise _error(
                    DataError,
                    f"target_nodes takes a node flag (RedisCluster.PRIMARIES...), a ClusterNode, "
                    f"a list of them or {{name: ClusterNode}}, not {type(g).__name__}",
                    "DATA",
                )
            if g.name not in known:
                raise _error(
                    DataError,
                    f"target node {g.name} is not a node of the cluster's current slot map; "
                    "pick one from get_nodes()",
                    "DATA",
                )
        if not given:
            raise _no_nodes("[]")
        return given

    def get_random_primary_node(self) -> ClusterNode:
        """One primary of the cluster, chosen at random."""
        primaries = self.get_primaries()
        if not primaries:
            raise _no_nodes(NodeFlags.PRIMARIES)
        return random.choice(primaries)

    def get_random_primary_or_all_nodes(self, command_name: str) -> ClusterNode:
        """The node redis-py picks for a keyless command: a random primary. (slotwise
        spreads reads over replicas itself, as its ``read_policy`` says, so this never
        picks a replica.)"""
        return self.get_random_primary_node()

    def get_special_nodes(self) -> Optional[List[ClusterNode]]:
        """redis-py's nodes of the last FT.AGGREGATE (for FT.CURSOR). slotwise has no
        RediSearch cursor routing: this raises, as redis-py does before any FT.AGGREGATE."""
        raise _error(
            ClusterError, "Cannot execute FT.CURSOR commands without FT.AGGREGATE", "CLUSTER"
        )

    def replace_default_node(self, target_node: Optional[ClusterNode] = None) -> None:
        """Makes ``target_node`` the default node; without it, another node chosen at
        random (a primary if the cluster has another one, else a replica). With no other
        node, the default node stays."""
        if target_node is not None:
            self._default_node = target_node
            return
        current = self.get_default_node()
        others = [n for n in self.get_primaries() if n != current]
        if not others:
            others = [n for n in self.get_replicas() if n != current]
        if others:
            self._default_node = random.choice(others)

    def lock(
        self,
        name: KeyT,
        timeout: Optional[float] = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: Optional[float] = None,
        lock_class: Optional[Any] = None,
        thread_local: bool = True,
        raise_on_release_error: bool = True,
    ) -> Any:
        """A distributed lock on the key ``name``, as redis-py's ``lock()``: a
        :class:`slotwise.lock.Lock` (the asyncio client: a :class:`slotwise.lock.AsyncLock`,
        used with ``async with``). ``timeout``: its longest life in seconds; ``sleep``:
        seconds between tries; ``blocking`` / ``blocking_timeout``: whether and how long
        ``acquire()`` waits; ``thread_local``: keep the token per thread;
        ``raise_on_release_error``: whether leaving the ``with`` block raises when the lock
        was lost; ``lock_class``: another class taking the same arguments."""
        if lock_class is None:
            lock_class = AsyncLock if getattr(self, "_is_async", False) else Lock
        return lock_class(
            self,
            name,
            timeout=timeout,
            sleep=sleep,
            blocking=blocking,
            blocking_timeout=blocking_timeout,
            thread_local=thread_local,
            raise_on_release_error=raise_on_release_error,
        )

    def determine_slot(self, *args: EncodableT) -> Any:
        """The hash slot a command (``args``, its name first) is sent to, as redis-py
        computes it: the slot argument of CLUSTER COUNTKEYSINSLOT/SETSLOT..., the keys of
        EVAL/FCALL (a random slot without keys), else the keys COMMAND GETKEYS finds.
        Raises :class:`ClusterError` when the command has no key or its keys span slots.
        The asyncio client returns a coroutine."""
        return self._in_face(lambda: self._slot_of(args))

    def _in_face(self, run: Callable[[], Any]) -> Any:
        """``run()`` on the sync client; on the asyncio client a coroutine running it (and
        awaiting what it gives), so the method is always awaited there."""
        if not getattr(self, "_is_async", False):
            return run()

        async def in_loop() -> Any:
            r = run()
            return await r if inspect.isawaitable(r) else r

        return in_loop()

    def _slot_of(self, args: tuple[EncodableT, ...]) -> Any:
        if not args:
            raise _error(DataError, "determine_slot() needs a command: ('GET', 'k')", "DATA")
        argv = _words(args)
        name = _text(argv[0])
        if len(argv) > 1 and f"{name} {_text(argv[1])}" in _SLOT_ID:
            if len(argv) < 3:
                raise _error(ClusterError, f"Invalid args in command: {args}", "CLUSTER")
            return int(argv[2])
        if name in _NUMKEYS_CALLS:
            if len(argv) <= 2:
                raise _error(ClusterError, f"Invalid args in command: {args}", "CLUSTER")
            keys = argv[3 : 3 + int(argv[2])]
            if not keys:
                return random.randrange(16384)
            return self._one_slot(name, keys)

        def no_key(e: Optional[ResponseError] = None) -> Any:
            raise _error(
                ClusterError,
                "No way to dispatch this command to Redis Cluster. Missing key.\nYou can "
                f"execute the command by specifying target nodes.\nCommand: {args}",
                "CLUSTER",
            ) from e

        def slot_of(keys: Any) -> Any:
            if not keys:
                return no_key()
            return self._one_slot(name, keys)

        return _then(lambda: self._call("COMMAND", "GETKEYS", *argv), slot_of, no_key)

    def _one_slot(self, name: str, keys: List[Any]) -> int:
        slots = {self.keyslot(k) for k in keys}
        if len(slots) != 1:
            raise _error(
                ClusterError, f"{name} - all keys must map to the same key slot", "CLUSTER"
            )
        return slots.pop()

    def get_nodes_from_slot(self, command: str, *args: EncodableT) -> Any:
        """``[node]``: the primary serving the slot of ``args`` (a command, its name
        first; see :meth:`determine_slot`). The asyncio client returns a coroutine, as
        redis-py's."""

        def nodes(slot: Any) -> List[ClusterNode]:
            node = self._slot_primary(int(slot))
            if node is None:
                raise _error(
                    ClusterError, f'Slot "{slot}" is not covered by the cluster.', "CLUSTER"
                )
            return [node]

        return self._in_face(lambda: _then(lambda: self._slot_of(args), nodes))


def _only_target_nodes(method: str, kwargs: Dict[str, Any]) -> Optional[TargetNodesT]:
    """``target_nodes`` of redis-py's ``**kwargs``; any other keyword is refused."""
    target_nodes: Optional[TargetNodesT] = kwargs.pop("target_nodes", None)
    if kwargs:
        raise _error(
            DataError,
            f"{method}() does not take {', '.join(sorted(kwargs))}: its only keyword option "
            "is target_nodes=",
            "DATA",
        )
    return target_nodes


def _no_nodes(what: Any = None) -> DataError:
    about = f" for target_nodes={what!r}" if what is not None else ""
    return _error(
        DataError,
        f"no node of the cluster's current slot map{about} (a cluster without replicas has "
        "no REPLICAS; an asyncio client knows its nodes once connected: await initialize())",
        "DATA",
    )


class TargetedBase(CommandsBase):
    """Command families whose methods take ``target_nodes=``: without it the command is
    routed as usual; with it, it runs on each named node and the replies are combined as
    redis-py combines them (see :func:`combine`)."""

    #: ``_call_on(targets, post, *argv)``: run on each target node, ``post`` each reply,
    #: combine. Pipelines refuse ``target_nodes``.
    _call_on: Callable[..., Any]

    def _targeted(
        self,
        target_nodes: Optional[TargetNodesT],
        post: Optional[Callable[[Any], Any]],
        *argv: EncodableT,
    ) -> ResponseT:
        if target_nodes is None:
            if post is None:
                return self._call(*argv)
            return self._call_with(post, *argv)
        return self._call_on(target_nodes, post, *argv)

    def _on_default(
        self,
        default: Any,
        target_nodes: Optional[TargetNodesT],
        post: Optional[Callable[[Any], Any]],
        *argv: EncodableT,
    ) -> ResponseT:
        """As :meth:`_targeted`, but a client sends the command to ``default`` (a node flag
        or node) when no target is given, where redis-py sends it (CLIENT SETNAME, GETNAME
        on the default node: a connection's state is read where it was set; FUNCTION LOAD
        on every primary, one reply per node); a pipeline routes it as usual."""
        if target_nodes is None and not getattr(self, "_queues_commands", False):
            target_nodes = default
        return self._targeted(target_nodes, post, *argv)

    def _on_default_node(
        self,
        target_nodes: Optional[TargetNodesT],
        post: Optional[Callable[[Any], Any]],
        *argv: EncodableT,
    ) -> ResponseT:
        return self._on_default(NodeFlags.DEFAULT_NODE, target_nodes, post, *argv)


def _cluster_info(r: Any) -> Any:
    text = r.decode(errors="replace") if isinstance(r, (bytes, bytearray)) else str(r)
    return dict(line.split(":", 1) for line in text.splitlines() if line)


def _node_slots(items: List[str]) -> tuple[List[Any], List[Any]]:
    slots: List[Any] = []
    migrations: List[Any] = []
    for item in items:
        if "->-" in item:
            slot, node = item[1:-1].split("->-", 1)
            migrations.append({"slot": slot, "node_id": node, "state": "migrating"})
        elif "-<-" in item:
            slot, node = item[1:-1].split("-<-", 1)
            migrations.append({"slot": slot, "node_id": node, "state": "importing"})
        else:
            slots.append(item.split("-"))
    return slots, migrations


def _cluster_nodes(r: Any) -> Any:
    """CLUSTER NODES as redis-py parses it: ``{"ip:port": {"node_id", "flags", ...}}``
    (CLUSTER REPLICAS too: its lines come as a list)."""
    if isinstance(r, list):
        r = "\n".join(x.decode(errors="replace") if isinstance(x, bytes) else x for x in r)
    text = r.decode(errors="replace") if isinstance(r, (bytes, bytearray)) else str(r)
    out: Dict[str, Any] = {}
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) < 8:
            continue
        node_id, addr, flags, master_id, ping, pong, epoch, link = fields[:8]
        bus = addr.split("@", 1)
        slots, migrations = _node_slots(fields[8:])
        out[bus[0]] = {
            "node_id": node_id,
            "hostname": bus[1].split(",")[1] if len(bus) > 1 and "," in bus[1] else "",
            "flags": flags,
            "master_id": master_id,
            "last_ping_sent": ping,
            "last_pong_rcvd": pong,
            "epoch": epoch,
            "slots": slots,
            "migrations": migrations,
            "connected": link == "connected",
        }
    return out


def _cluster_slots(r: Any) -> Any:
    """CLUSTER SLOTS as redis-py parses it: ``{(start, end): {"primary": (host, port),
    "replicas": [(host, port), ...]}}``."""

    def server(entry: Any) -> tuple[Any, Any]:
        host = entry[0]
        return (host.decode() if isinstance(host, (bytes, bytearray)) else host), entry[1]

    return {
        (s[0], s[1]): {"primary": server(s[2]), "replicas": [server(x) for x in s[3:]]}
        for s in r
    }


class ClusterCommands(TargetedBase):
    """CLUSTER INFO, NODES, SLOTS, MYID, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, as
    redis-py's ``RedisCluster`` sends them (the admin subcommands: :mod:`.cluster_admin`)."""

    _slot_primary: Callable[[int], Optional[ClusterNode]]

    def _on_slot(self, slot: int, post: Optional[Callable[[Any], Any]], *argv: EncodableT) -> Any:
        """On the primary serving ``slot`` (a pipeline routes the command as usual)."""
        if getattr(self, "_queues_commands", False):
            return self._targeted(None, post, *argv)
        node = self._slot_primary(int(slot))
        if node is None:
            raise _error(
                DataError,
                f'Slot "{slot}" is not covered by the cluster (slots are 0..16383; '
                "refresh_topology() reloads the slot map)",
                "DATA",
            )
        return self._targeted(node, post, *argv)

    def cluster_info(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """CLUSTER INFO of the default node (or ``target_nodes``): ``{field: str}``."""
        return self._on_default_node(target_nodes, _cluster_info, "CLUSTER", "INFO")

    def cluster_nodes(self) -> ResponseT:
        """CLUSTER NODES of the default node, parsed: ``{"ip:port": {"node_id", "flags",
        "master_id", "slots", "migrations", "connected", ...}}``."""
        return self._on_default_node(None, _cluster_nodes, "CLUSTER", "NODES")

    def cluster_slots(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """CLUSTER SLOTS of the default node (or ``target_nodes``), parsed as redis-py
        does: ``{(start, end): {"primary": (host, port), "replicas": [...]}}``."""
        return self._on_default_node(target_nodes, _cluster_slots, "CLUSTER", "SLOTS")

    def cluster_myid(self, target_node: TargetNodesT) -> ResponseT:
        """The node id of ``target_node``."""
        return self._targeted(target_node, None, "CLUSTER", "MYID")

    def cluster_keyslot(self, key: KeyT) -> ResponseT:
        """The hash slot of ``key``, as a node computes it."""
        return self._on_default_node(None, None, "CLUSTER", "KEYSLOT", key)

    def cluster_countkeysinslot(self, slot_id: int) -> ResponseT:
        """The number of keys in ``slot_id``, from the primary serving it."""
        return self._on_slot(slot_id, None, "CLUSTER", "COUNTKEYSINSLOT", slot_id)

    def cluster_get_keys_in_slot(self, slot: int, num_keys: int) -> ResponseT:
        """Up to ``num_keys`` keys of ``slot``, from the primary serving it."""
        return self._on_slot(slot, None, "CLUSTER", "GETKEYSINSLOT", slot, num_keys)


__all__ = [
    "ClusterCommands",
    "ClusterNode",
    "ClusterNodes",
    "KeyT",
    "NodeFlags",
    "TargetNodesT",
    "TargetedBase",
    "combine",
]
