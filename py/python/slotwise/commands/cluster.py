"""The cluster's nodes, as redis-py's ``RedisCluster`` shows them: :class:`ClusterNode`
objects, ``get_nodes()`` / ``get_primaries()`` / ``get_node_from_key()`` / ``keyslot()``...,
the node flags (``RedisCluster.PRIMARIES``...) and ``target_nodes=`` resolution, with
redis-py's way of combining the replies of several nodes."""

from __future__ import annotations

import random
from typing import Any, Callable, Dict, List, Optional, Union

from .. import _native
from .._options import ClusterNode, split
from ..exceptions import DataError, _error
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


class NodeFlags:
    """redis-py's node flags, for ``target_nodes=``."""

    PRIMARIES = "primaries"
    REPLICAS = "replicas"
    ALL_NODES = "all"
    RANDOM = "random"
    DEFAULT_NODE = "default-node"


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
    """CLUSTER NODES as redis-py parses it: ``{"ip:port": {"node_id", "flags", ...}}``."""
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
    """CLUSTER INFO, MYID, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, as redis-py's
    ``RedisCluster`` sends them."""

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
