"""The synchronous cluster client (its pipeline: pipeline.py)."""

from __future__ import annotations

import time
from types import TracebackType
from typing import (
    Any,
    Callable,
    Iterable,
    Iterator,
    List,
    Optional,
    Type,
    TypedDict,
    Union,
    cast,
)

from . import _native, _options
from .commands import Commands, EncodableT, KeyT
from .commands.cluster import ClusterNodes, TargetNodesT, _Topology, combine
from ._options import AddressRemap, ClusterNode, StartupNode
from .exceptions import DataError, RedisError, _error
from .pipeline import Pipeline, WatchError, _shard_hint_refused


class Stats(TypedDict):
    """What the client handled for the application (see :meth:`Cluster.stats`)."""

    moved: int
    ask: int
    retries: int
    refreshes: int
    reconnects: int


def _keep_type(page: List[Any], types: List[Any], want: str) -> List[Any]:
    """The keys of a SCAN page whose TYPE is ``want``; a TYPE that failed raises its error
    (leaving the key out would hide it)."""
    out = []
    for k, t in zip(page, types):
        if isinstance(t, RedisError):
            raise t
        if (t.decode() if isinstance(t, bytes) else t) == want:
            out.append(k)
    return out


class Cluster(Commands, ClusterNodes):
    """A Redis Cluster client: a drop-in for ``redis.RedisCluster``.

    Connects on construction (discovers the slot map from any reachable seed), sends each
    command straight to the node owning its slot, follows MOVED/ASK, refreshes the slot map
    when the cluster changes, and retries TRYAGAIN/CLUSTERDOWN/LOADING within the request
    timeout. Multi-key commands (MGET, MSET, DEL, EXISTS...) may span slots: they are split
    per node and reassembled in order.

    One client is safe to share between threads (the GIL is released during every network
    wait). After ``os.fork()`` a child may keep using it: it reconnects on its own.

    Example::

        import slotwise
        rc = slotwise.Cluster(startup_nodes=["127.0.0.1:7000"], decode_responses=True)
        rc.set("greeting", "hello")
        assert rc.get("greeting") == "hello"

    :param startup_nodes: seeds: ``"host:port"`` strings, ``(host, port)`` pairs or
        :class:`ClusterNode` objects (any may be down).
    :param host, port: one more seed, as in redis-py.
    :param password, username: AUTH / ACL credentials (sent on every connection).
    :param decode_responses: replies as ``str`` (UTF-8) instead of ``bytes``.
    :param read_from_replicas: spread read-only commands over replicas and primaries.
    :param read_policy: ``"primary"``, ``"prefer_replica"`` or ``"round_robin"`` (overrides
        ``read_from_replicas``).
    :param socket_timeout: the deadline of one request in seconds, redirects and retries
        included (default 5).
    :param socket_connect_timeout: time to connect and handshake with one node (default 2).
    :param max_redirects: the redirect (MOVED/ASK) budget of one request (default 16).
    :param max_retries: retries of one request after TRYAGAIN/CLUSTERDOWN/connection errors.
    :param refresh_interval: seconds between periodic slot-map refreshes (default 30).
    :param ssl: use TLS; ``ssl_ca_certs`` names a CA file, ``ssl_cert_reqs="none"`` skips
        verification (testing only). ``ssl_certfile`` / ``ssl_keyfile``: a client certificate
        and its key (PEM) for nodes that require one (``tls-auth-clients yes``); without
        ``ssl_keyfile`` the key is read from ``ssl_certfile``. Host names are always checked
        (``ssl_check_hostname=False`` is refused).
    :param address_remap: announced-to-reachable addresses (NAT, Docker): a callable taking
        ``(host, port)`` and returning ``(host, port)``, ``"host:port"`` or None (keep the
        announced address), or a dict of such addresses. Anything else, or an address with a
        blank host or a port outside 1..65535, is refused with a DataError (code CONFIG).
    :param protocol: 2 (RESP2) or 3 (RESP3: maps arrive as dicts).

    redis-py's other keywords: ``client_name`` (CLIENT SETNAME on every connection),
    ``lib_name`` / ``lib_version`` / ``driver_info`` (CLIENT SETINFO; a server before Redis 7.2
    refuses it, which is ignored), ``load_balancing_strategy`` (``ROUND_ROBIN`` and ``RANDOM``
    spread reads over primaries and replicas, ``ROUND_ROBIN_REPLICAS`` and ``RANDOM_REPLICA``
    over replicas, in turn), ``retry`` (its ``get_retries()``) and
    ``cluster_error_retry_attempts`` (``max_retries`` when that is not given), a static
    ``credential_provider``, ``socket_keepalive`` and ``socket_keepalive_options`` (TCP
    keepalive; ``socket.TCP_KEEPIDLE``, ``TCP_KEEPINTVL``, ``TCP_KEEPCNT``); ``max_connections``, ``single_connection_client``,
    ``health_check_interval``, ``socket_read_size``, ``reinitialize_steps`` need nothing more
    (see ``_options.ACCEPTED_REDIS_PY_KWARGS``). What slotwise cannot honour
    (``require_full_coverage=True``, ``dynamic_startup_nodes=False``, ``retry_on_timeout=True``,
    ``cache``, ``connection_pool``...) raises :class:`DataError` saying why and what to use.
    """

    _native: _native.Client

    def __init__(
        self,
        host: Optional[str] = None,
        port: int = 6379,
        startup_nodes: Union[StartupNode, Iterable[StartupNode], None] = None,
        *,
        password: Optional[str] = None,
        username: Optional[str] = None,
        decode_responses: Optional[bool] = None,
        read_from_replicas: Optional[bool] = None,
        read_policy: Optional[str] = None,
        socket_timeout: Optional[float] = None,
        socket_connect_timeout: Optional[float] = None,
        max_redirects: Optional[int] = None,
        max_retries: Optional[int] = None,
        refresh_interval: Optional[float] = None,
        ssl: Optional[bool] = None,
        ssl_ca_certs: Optional[str] = None,
        ssl_cert_reqs: Any = None,
        ssl_certfile: Optional[str] = None,
        ssl_keyfile: Optional[str] = None,
        ssl_check_hostname: Optional[bool] = None,
        address_remap: Optional[AddressRemap] = None,
        protocol: Optional[int] = None,
        encoding: str = "utf-8",
        encoding_errors: str = "strict",
        url: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        config = _options.build(locals())
        self._resp3 = protocol == 3
        self._native = _native.Client(config)
        self._call = self._native.execute
        self.decode_responses: bool = config.decode_responses

    def _call_with(self, post: Callable[[Any], Any], *args: EncodableT) -> Any:
        return post(self._native.execute(*args))

    def _call_raw_with(self, post: Callable[[Any], Any], *args: EncodableT) -> Any:
        return post(self._native.execute_raw(*args))

    def _call_on(
        self,
        target_nodes: TargetNodesT,
        post: Optional[Callable[[Any], Any]],
        *args: EncodableT,
    ) -> Any:
        res: dict[str, Any] = {}
        for node in self._target_nodes(target_nodes):
            r = self._native.execute_on(node.name, *args)
            res[node.name] = r if post is None else post(r)
        return combine(args, res)

    def _topology_source(self) -> Optional[_Topology]:
        return self._native

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> "Cluster":
        """A client from ``redis://[[user]:password@]host:port[,host2:port2...]`` (``rediss://``
        for TLS); query options such as ``?decode_responses=true`` and keyword arguments are
        applied on top (keywords win)."""
        return cls(url=url, **kwargs)

    def pipeline(self, transaction: Optional[bool] = None, shard_hint: Any = None) -> "Pipeline":
        """A pipeline: queue commands, then :meth:`Pipeline.execute` sends them together
        (split per node) and returns the replies in order. With ``transaction=True`` it runs
        as MULTI/EXEC, and every key must share one slot (use a hash tag: ``{user42}:a``);
        ``watch()``/``multi()`` make it an optimistic transaction. ``shard_hint`` is
        refused, as redis-py's cluster client refuses it."""
        if shard_hint:
            raise _shard_hint_refused()
        return Pipeline(self, bool(transaction))

    def transaction(
        self,
        func: Callable[["Pipeline"], Any],
        *watches: KeyT,
        shard_hint: Any = None,
        value_from_callable: bool = False,
        watch_delay: Optional[float] = None,
    ) -> Any:
        """Runs ``func(pipe)`` as an optimistic transaction on ``watches`` (one slot), as
        redis-py's: WATCH the keys, call ``func`` (reads run at once; it calls
        ``pipe.multi()`` then queues the writes), EXEC; when a watched key changed, again
        (after ``watch_delay`` seconds if given). Returns EXEC's replies, or ``func``'s
        return value with ``value_from_callable``."""
        with self.pipeline(True, shard_hint) as pipe:
            while True:
                try:
                    if watches:
                        pipe.watch(*watches)
                    value = func(pipe)
                    replies = pipe.execute()
                    return value if value_from_callable else replies
                except WatchError:
                    if watch_delay is not None and watch_delay > 0:
                        time.sleep(watch_delay)

    def scan_iter(
        self,
        match: Optional[KeyT] = None,
        count: Optional[int] = None,
        _type: Optional[str] = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Every key of the cluster (each primary in turn), matching ``match``; ``_type``
        keeps keys of one type (checked with TYPE per page; a TYPE that fails raises).
        With ``target_nodes=`` (as redis-py), the keys of the nodes named, each walked
        with its own SCAN cursor."""
        if kwargs:
            return cast(Iterator[Any], self._scan_iter_nodes(match, count, _type, **kwargs))
        return self._scan_slot_map(match, count, _type)

    def _scan_slot_map(
        self, match: Optional[KeyT], count: Optional[int], _type: Optional[str]
    ) -> Iterator[Any]:
        scan = self._native.scan(match, count)
        while True:
            page = self._native.scan_next(scan)
            if page is None:
                return
            if _type is not None and page:
                types = self._native.run_pipeline([("TYPE", k) for k in page], False)
                page = _keep_type(page, types, _type.lower())
            yield from page

    def stats(self) -> Stats:
        """Counters: MOVED and ASK redirects followed, retries, topology refreshes and
        reconnects."""
        s = self._native.stats()
        return Stats(
            moved=s["moved"],
            ask=s["ask"],
            retries=s["retries"],
            refreshes=s["refreshes"],
            reconnects=s["reconnects"],
        )

    def refresh_topology(self) -> None:
        """Reloads the slot map now (it is normally refreshed automatically)."""
        self._native.refresh()

    def close(self) -> None:
        """Closes every connection; later commands raise :class:`ConnectionError`."""
        self._native.close()

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        # Addresses only: credentials never appear in a repr.
        return f"<slotwise.Cluster primaries={self._native.primaries()}>"
