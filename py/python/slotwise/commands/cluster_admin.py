"""The cluster admin methods of redis-py's ``RedisCluster``: CLUSTER ADDSLOTS, DELSLOTS,
FAILOVER, MEET, REPLICATE, RESET, SETSLOT, SHARDS, LINKS..., READONLY/READWRITE, the
cluster-wide SCAN (a cursor per node) and WAIT/WAITAOF. Each goes where redis-py sends it:
the node(s) named, the default node, a random primary or the primary serving a slot, and
replies in redis-py's shape (``True`` for OK, parsed CLUSTER SHARDS/REPLICAS...)."""

from __future__ import annotations

from functools import partial
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List, Optional

from .._options import ClusterNode
from ..exceptions import DataError, _error
from ._base import EncodableT, KeyT, ResponseT, _scan_page
from .cluster import (
    REPLICA,
    _RANDOM_PRIMARY,
    NodeFlags,
    TargetedBase,
    TargetNodesT,
    _cluster_nodes,
    _only_target_nodes,
)


def _ok(r: Any) -> Any:
    """``True`` for an OK reply, else ``False`` (redis-py's ``bool_ok``)."""
    return r in (b"OK", "OK", True)


def _text_reply(r: Any) -> Any:
    return r.decode() if isinstance(r, (bytes, bytearray)) else r


def _cluster_shards(r: Any) -> Any:
    """CLUSTER SHARDS (RESP2) as redis-py parses it: ``[{"slots": [(start, end), ...],
    "nodes": [{field: value, ...}, ...]}, ...]`` (node fields as the server names them,
    ``bytes`` unless ``decode_responses``). A RESP3 reply (maps) stays as sent."""
    if not isinstance(r, list) or not r or isinstance(r[0], dict):
        return r
    shards = []
    for shard in r:
        fields = dict(zip(shard[0::2], shard[1::2]))
        slots = _field(fields, "slots") or []
        nodes = _field(fields, "nodes") or []
        shards.append(
            {
                "slots": list(zip(slots[0::2], slots[1::2])),
                "nodes": [dict(zip(n[0::2], n[1::2])) for n in nodes],
            }
        )
    return shards


def _field(fields: Dict[Any, Any], name: str) -> Any:
    return fields.get(name, fields.get(name.encode()))


#: ``target_nodes=`` values that may name a replica.
_MAY_BE_REPLICAS = (NodeFlags.REPLICAS, NodeFlags.ALL_NODES, NodeFlags.RANDOM)


def _no_wait_targets(method: str, kwargs: Dict[str, Any]) -> None:
    """WAIT/WAITAOF take no ``target_nodes``: on a node picked apart from the write they
    confirm, they would confirm whatever other callers wrote on that shared connection."""
    if kwargs:
        raise _error(
            DataError,
            f"{method}() does not take {', '.join(sorted(kwargs))}: {method.upper()} confirms "
            "the writes of the connection it runs on, so slotwise sends it right after the "
            "keyed write before it in a pipeline (to that write's node and connection), e.g. "
            f"pipe.set('k', 'v').{method}(...); drop the keyword(s)",
            "DATA",
        )


class ClusterAdminCommands(TargetedBase):
    """CLUSTER admin subcommands, READONLY/READWRITE, SCAN and WAIT, as redis-py's
    ``RedisCluster`` sends them."""

    #: On the primary serving a slot (see :class:`~.cluster.ClusterCommands`).
    _on_slot: Callable[..., Any]

    def _each(self, calls: List[Callable[[], Any]]) -> Any:
        """The replies of ``calls`` in a list (a coroutine giving it on the asyncio client;
        on a pipeline each call queues and the pipeline is returned)."""
        if getattr(self, "_queues_commands", False):
            for call in calls:
                call()
            return self
        if getattr(self, "_is_async", False):

            async def in_turn() -> List[Any]:
                return [await call() for call in calls]

            return in_turn()
        return [call() for call in calls]

    def cluster_addslots(self, target_node: TargetNodesT, *slots: EncodableT) -> ResponseT:
        """Assigns ``slots`` to ``target_node``; ``True``."""
        return self._targeted(target_node, _ok, "CLUSTER", "ADDSLOTS", *slots)

    def cluster_addslotsrange(self, target_node: TargetNodesT, *slots: EncodableT) -> ResponseT:
        """Assigns the slot ranges ``start1, end1, start2, end2...`` to ``target_node``;
        ``True``."""
        return self._targeted(target_node, _ok, "CLUSTER", "ADDSLOTSRANGE", *slots)

    def cluster_count_failure_report(self, node_id: str) -> ResponseT:
        """How many nodes currently report ``node_id`` as failing (asked of the default
        node)."""
        return self._on_default_node(None, None, "CLUSTER", "COUNT-FAILURE-REPORTS", node_id)

    def cluster_delslots(self, *slots: EncodableT) -> ResponseT:
        """Unassigns each slot on the primary serving it: ``[True, ...]``, one per slot."""
        return self._each(
            [partial(self._on_slot, int(s), _ok, "CLUSTER", "DELSLOTS", s) for s in slots]
        )

    def cluster_delslotsrange(self, *slots: EncodableT) -> ResponseT:
        """Unassigns the slot ranges ``start1, end1, ...`` on the primary serving the first
        slot; ``True``."""
        if not slots:
            raise _error(
                DataError, "cluster_delslotsrange() needs slot ranges: (start, end, ...)", "DATA"
            )
        return self._on_slot(int(slots[0]), _ok, "CLUSTER", "DELSLOTSRANGE", *slots)

    def cluster_failover(
        self, target_node: TargetNodesT, option: Optional[str] = None
    ) -> ResponseT:
        """Makes the replica ``target_node`` take over from its primary (``option``:
        ``"FORCE"`` or ``"TAKEOVER"``); ``True``."""
        if not option:
            return self._targeted(target_node, _ok, "CLUSTER", "FAILOVER")
        if not isinstance(option, str) or option.upper() not in ("FORCE", "TAKEOVER"):
            raise _error(
                DataError,
                f"Invalid option for CLUSTER FAILOVER command: {option} "
                "(use 'FORCE', 'TAKEOVER' or None)",
                "DATA",
            )
        return self._targeted(target_node, _ok, "CLUSTER", "FAILOVER", option)

    def cluster_flushslots(self, target_nodes: Optional[TargetNodesT] = None) -> None:
        """Not provided, as in redis-py: raises :class:`NotImplementedError`."""
        raise NotImplementedError(
            "CLUSTER FLUSHSLOTS is intentionally not implemented in the client."
        )

    def cluster_bumpepoch(self, target_nodes: Optional[TargetNodesT] = None) -> None:
        """Not provided, as in redis-py: raises :class:`NotImplementedError`."""
        raise NotImplementedError(
            "CLUSTER BUMPEPOCH is intentionally not implemented in the client."
        )

    def cluster_meet(
        self, host: str, port: int, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Makes the default node (or ``target_nodes``) handshake with ``host:port``;
        ``True``."""
        return self._on_default_node(target_nodes, _ok, "CLUSTER", "MEET", host, port)

    def cluster_replicate(self, target_nodes: TargetNodesT, node_id: str) -> ResponseT:
        """Makes ``target_nodes`` replicas of the primary ``node_id``; ``True`` (several
        nodes: ``{name: True}``)."""
        return self._targeted(target_nodes, _ok, "CLUSTER", "REPLICATE", node_id)

    def cluster_reset(
        self, soft: bool = True, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Resets the default node (or ``target_nodes``): SOFT, or HARD with
        ``soft=False``; ``True``."""
        mode = b"SOFT" if soft else b"HARD"
        return self._on_default_node(target_nodes, _ok, "CLUSTER", "RESET", mode)

    def cluster_save_config(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Makes a random primary (or ``target_nodes``) save its cluster config to disk;
        ``True``."""
        return self._on_default(_RANDOM_PRIMARY, target_nodes, _ok, "CLUSTER", "SAVECONFIG")

    def cluster_set_config_epoch(
        self, epoch: int, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Sets the config epoch of a fresh node (the default node, or ``target_nodes``);
        ``True``."""
        return self._on_default_node(target_nodes, _ok, "CLUSTER", "SET-CONFIG-EPOCH", epoch)

    def cluster_setslot(
        self, target_node: TargetNodesT, node_id: str, slot_id: int, state: str
    ) -> ResponseT:
        """CLUSTER SETSLOT ``slot_id`` ``state`` ``node_id`` on ``target_node``; ``state``
        is ``"IMPORTING"``, ``"MIGRATING"`` or ``"NODE"`` (``"STABLE"``: use
        :meth:`cluster_setslot_stable`); ``True``."""
        word = state.upper() if isinstance(state, str) else state
        if word == "STABLE":
            raise _error(DataError, 'For "stable" state please use cluster_setslot_stable', "DATA")
        if word not in ("IMPORTING", "NODE", "MIGRATING"):
            raise _error(
                DataError,
                f"Invalid slot state: {state} (use 'IMPORTING', 'MIGRATING' or 'NODE')",
                "DATA",
            )
        return self._targeted(target_node, _ok, "CLUSTER", "SETSLOT", slot_id, state, node_id)

    def cluster_setslot_stable(self, slot_id: int) -> ResponseT:
        """Clears the importing/migrating state of ``slot_id`` on the primary serving it;
        ``True``."""
        return self._on_slot(int(slot_id), _ok, "CLUSTER", "SETSLOT", slot_id, "STABLE")

    def cluster_replicas(
        self, node_id: str, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """The replicas of the primary ``node_id``, as the default node (or
        ``target_nodes``) sees them, parsed as :meth:`cluster_nodes`."""
        return self._on_default_node(target_nodes, _cluster_nodes, "CLUSTER", "REPLICAS", node_id)

    def cluster_shards(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The shards of the cluster as the default node (or ``target_nodes``) sees them:
        ``[{"slots": [(start, end)], "nodes": [{b"id": ..., b"role": ...}]}]`` (RESP3:
        the server's maps as sent)."""
        return self._on_default_node(target_nodes, _cluster_shards, "CLUSTER", "SHARDS")

    def cluster_myshardid(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The shard id of the default node (or ``target_nodes``), as ``str`` (Redis
        7.2+)."""
        return self._on_default_node(target_nodes, _text_reply, "CLUSTER", "MYSHARDID")

    def cluster_links(self, target_node: TargetNodesT) -> ResponseT:
        """The cluster bus links of ``target_node``: one flat ``[field, value, ...]`` list
        per link (RESP3: one dict per link)."""
        return self._targeted(target_node, None, "CLUSTER", "LINKS")

    def readonly(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Sends READONLY to the default node (or ``target_nodes``); ``True``. slotwise
        chooses the nodes that serve reads from its ``read_policy`` option, set when the
        client is made (its replica connections are READONLY already): this does not turn
        reads from replicas on."""
        return self._on_default_node(target_nodes, _ok, "READONLY")

    def readwrite(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Sends READWRITE to the default node (or ``target_nodes``, primaries only);
        ``True``. A replica is refused: its connection is shared by the client's reads,
        which ``read_policy`` may send there (make a client with
        ``read_policy="primary"`` to read from primaries only)."""
        if target_nodes is not None and self._names_a_replica(target_nodes):
            raise _error(
                DataError,
                f"readwrite(target_nodes={target_nodes!r}) would send READWRITE to a replica "
                "whose connection serves the client's replica reads (they would bounce to "
                "the primary); slotwise chooses where reads go from read_policy: make a "
                'client with read_policy="primary" instead',
                "DATA",
            )
        return self._on_default_node(target_nodes, _ok, "READWRITE")

    def _names_a_replica(self, target_nodes: TargetNodesT) -> bool:
        if isinstance(target_nodes, str):
            return target_nodes in _MAY_BE_REPLICAS
        if isinstance(target_nodes, ClusterNode):
            given: List[Any] = [target_nodes]
        elif isinstance(target_nodes, dict):
            given = list(target_nodes.values())
        else:
            given = list(target_nodes)
        get_replicas = getattr(self, "get_replicas", None)
        replicas = {n.name for n in get_replicas()} if get_replicas is not None else set()
        return any(
            getattr(n, "server_type", None) == REPLICA or getattr(n, "name", None) in replicas
            for n in given
        )

    def scan(
        self,
        cursor: int = 0,
        match: Optional[KeyT] = None,
        count: Optional[int] = None,
        _type: Optional[str] = None,
        **kwargs: Any,
    ) -> ResponseT:
        """One SCAN step on every primary (or ``target_nodes=``), each from ``cursor``:
        ``({node name: next cursor}, [key, ...])``, as redis-py's ``RedisCluster`` gives
        it. :meth:`scan_iter` walks every node to the end."""
        target_nodes = _only_target_nodes("scan", kwargs)
        argv: List[EncodableT] = ["SCAN", cursor]
        if match is not None:
            argv += ["MATCH", match]
        if count is not None:
            argv += ["COUNT", count]
        if _type is not None:
            argv += ["TYPE", _type]
        return self._on_default(NodeFlags.PRIMARIES, target_nodes, _scan_page, *argv)

    def _scan_iter_nodes(
        self,
        match: Optional[KeyT] = None,
        count: Optional[int] = None,
        _type: Optional[str] = None,
        **kwargs: Any,
    ) -> Any:
        """redis-py's ``scan_iter``: every key of every primary (or ``target_nodes=``)
        matching ``match`` (of type ``_type``), each node walked with its own cursor (see
        :meth:`scan`): a generator on the sync client, an async generator on the asyncio
        client. (The clients' ``scan_iter`` methods delegate here.)"""
        target_nodes = _only_target_nodes("scan_iter", kwargs)
        if getattr(self, "_queues_commands", False):
            raise TypeError(
                "scan_iter() needs a client, not a pipeline (a pipeline only queues "
                "commands): call it on the client"
            )
        if getattr(self, "_is_async", False):
            return self._scan_async(match, count, _type, target_nodes)
        return self._scan_sync(match, count, _type, target_nodes)

    def _scan_step(
        self,
        cursors: Dict[str, int],
        match: Optional[KeyT],
        count: Optional[int],
        _type: Optional[str],
    ) -> List[tuple[str, Any]]:
        """The calls continuing each unfinished node's walk: ``[(name, reply), ...]``."""
        get_node = getattr(self, "get_node")
        out = []
        for name, cursor in cursors.items():
            node = get_node(node_name=name)
            if node is None:
                raise _error(
                    DataError,
                    f"scan_iter(): node {name} left the cluster during the scan; its "
                    "remaining keys cannot be walked (start a new scan)",
                    "DATA",
                )
            out.append((name, self.scan(cursor, match, count, _type, target_nodes=node)))
        return out

    def _scan_sync(
        self,
        match: Optional[KeyT],
        count: Optional[int],
        _type: Optional[str],
        target_nodes: Optional[TargetNodesT],
    ) -> Iterator[Any]:
        cursors, keys = self.scan(0, match, count, _type, target_nodes=target_nodes)
        yield from keys
        cursors = {n: c for n, c in cursors.items() if c != 0}
        while cursors:
            for name, (step, keys) in self._scan_step(cursors, match, count, _type):
                cursors[name] = step[name]
                yield from keys
            cursors = {n: c for n, c in cursors.items() if c != 0}

    async def _scan_async(
        self,
        match: Optional[KeyT],
        count: Optional[int],
        _type: Optional[str],
        target_nodes: Optional[TargetNodesT],
    ) -> AsyncIterator[Any]:
        cursors, keys = await self.scan(0, match, count, _type, target_nodes=target_nodes)
        for k in keys:
            yield k
        cursors = {n: c for n, c in cursors.items() if c != 0}
        while cursors:
            for name, pending in self._scan_step(cursors, match, count, _type):
                step, keys = await pending
                cursors[name] = step[name]
                for k in keys:
                    yield k
            cursors = {n: c for n, c in cursors.items() if c != 0}

    def wait(self, num_replicas: int, timeout: int, **kwargs: Any) -> ResponseT:
        """WAIT: blocks until the writes before it reached ``num_replicas`` replicas (or
        ``timeout`` milliseconds passed); the number of replicas that have them. WAIT
        confirms the writes of the connection it runs on, so it runs in a pipeline, right
        after the keyed write it confirms (on that write's node and connection);
        alone it raises :class:`DataError` saying so."""
        _no_wait_targets("wait", kwargs)
        return self._call("WAIT", num_replicas, timeout)

    def waitaof(
        self, num_local: int, num_replicas: int, timeout: int, **kwargs: Any
    ) -> ResponseT:
        """WAITAOF (Redis 7.2+): blocks until the writes before it were fsynced to the AOF
        of the node (``num_local``: 0 or 1) and of ``num_replicas`` replicas, or
        ``timeout`` milliseconds passed; ``[local, replicas]``. As :meth:`wait`, it runs in
        a pipeline right after the write it confirms."""
        _no_wait_targets("waitaof", kwargs)
        return self._call("WAITAOF", num_local, num_replicas, timeout)


__all__ = ["ClusterAdminCommands"]
