"""The synchronous cluster client and its pipeline."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Callable, Iterable, Iterator, List, Optional, Tuple, Type, TypedDict, Union

from . import _native, _options
from .commands import Commands, EncodableT, KeyT
from .commands.cluster import ClusterNodes, TargetNodesT, _Topology, combine
from ._options import AddressRemap, ClusterNode, StartupNode
from .exceptions import CrossSlotError, DataError, RedisError, _error


class Stats(TypedDict):
    """What the client handled for the application (see :meth:`Cluster.stats`)."""

    moved: int
    ask: int
    retries: int
    refreshes: int
    reconnects: int


def _raise_first(results: List[Any], commands: List[Tuple[Any, ...]], transaction: bool) -> None:
    for i, r in enumerate(results):
        if isinstance(r, RedisError):
            if transaction and isinstance(r, CrossSlotError):
                raise r  # about the whole transaction, not one command
            name = commands[i][0] if commands[i] else "?"
            if isinstance(name, bytes):
                name = name.decode(errors="replace")
            r.args = (f"Command # {i + 1} ({name} ...) of pipeline caused error: {r}",)
            raise r


def _post(results: List[Any], posts: List[Optional[Callable[[Any], Any]]]) -> List[Any]:
    """Applies each command's Python-side conversion; one that finds an error inside the
    reply (INFO of a node that refused) leaves that error in the command's place."""
    for i, post in enumerate(posts):
        if post is not None and not isinstance(results[i], RedisError):
            try:
                results[i] = post(results[i])
            except RedisError as e:
                results[i] = e
    return results


def _finish(
    results: List[Any],
    commands: List[Tuple[Any, ...]],
    posts: List[Optional[Callable[[Any], Any]]],
    transaction: bool,
    raise_on_error: bool,
) -> List[Any]:
    results = _post(results, posts)
    if raise_on_error:
        _raise_first(results, commands, transaction)
    return results


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


def _no_targets_in_pipeline() -> DataError:
    return _error(
        DataError,
        "target_nodes= is not taken in a pipeline (its commands are routed by their keys); "
        "call the method on the client instead",
        "DATA",
    )


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

    def pipeline(self, transaction: bool = False) -> "Pipeline":
        """A pipeline: queue commands, then :meth:`Pipeline.execute` sends them together
        (split per node) and returns the replies in order. With ``transaction=True`` it runs
        as MULTI/EXEC, and every key must share one slot (use a hash tag: ``{user42}:a``)."""
        return Pipeline(self, transaction)

    def scan_iter(
        self,
        match: Optional[KeyT] = None,
        count: Optional[int] = None,
        _type: Optional[str] = None,
    ) -> Iterator[Any]:
        """Every key of the cluster (each primary in turn), matching ``match``; ``_type``
        keeps keys of one type (checked with TYPE per page; a TYPE that fails raises)."""
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


class Pipeline(Commands):
    """Commands queued for one round trip per node (see :meth:`Cluster.pipeline`).

    Every command method queues and returns the pipeline, so calls chain:
    ``pipe.set("a", 1).get("a")``. Used as a context manager, queued commands are dropped
    on exit.
    """

    _queues_commands = True

    def __init__(self, client: Cluster, transaction: bool = False) -> None:
        self._client = client
        self._resp3 = client._resp3
        self.transaction = transaction
        self._commands: List[Tuple[EncodableT, ...]] = []
        self._posts: List[Optional[Callable[[Any], Any]]] = []
        self._raw: List[int] = []

    def _call(self, *args: EncodableT) -> "Pipeline":
        if not args:
            raise DataError("execute_command() needs at least the command name")
        self._commands.append(args)
        self._posts.append(None)
        return self

    def _call_with(self, post: Callable[[Any], Any], *args: EncodableT) -> "Pipeline":
        self._call(*args)
        self._posts[-1] = post
        return self

    def _call_raw_with(self, post: Callable[[Any], Any], *args: EncodableT) -> "Pipeline":
        self._call_with(post, *args)
        self._raw.append(len(self._commands) - 1)
        return self

    def _call_on(self, target_nodes: Any, post: Any, *args: EncodableT) -> "Pipeline":
        raise _no_targets_in_pipeline()

    def __len__(self) -> int:
        return len(self._commands)

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return (
            f"<slotwise.Pipeline transaction={self.transaction} queued={len(self)} "
            f"client={self._client!r}>"
        )

    def execute(self, raise_on_error: bool = True) -> List[Any]:
        """Sends every queued command and returns their replies in order. With
        ``raise_on_error`` (default) the first failed command's error is raised, after
        every command ran; otherwise errors are returned in place. The queue is emptied
        either way."""
        commands, posts, raw = self._commands, self._posts, self._raw
        self.reset()
        if not commands:
            return []
        results = self._client._native.run_pipeline(commands, self.transaction, raw or None)
        return _finish(results, commands, posts, self.transaction, raise_on_error)

    def reset(self) -> None:
        """Drops every queued command."""
        self._commands = []
        self._posts = []
        self._raw = []

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.reset()
