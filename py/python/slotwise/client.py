"""The synchronous cluster client and its pipeline."""

from __future__ import annotations

import textwrap
import time
from types import TracebackType
from typing import (
    Any,
    Callable,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypedDict,
    Union,
    cast,
)

from . import _native, _options, exceptions
from .commands import Commands, EncodableT, KeyT
from .commands.cluster import ClusterNodes, TargetNodesT, _Topology, combine
from ._options import AddressRemap, ClusterNode, StartupNode
from .exceptions import ClusterError, CrossSlotError, DataError, RedisError, _error


#: A watched key changed before ``execute()`` (EXEC aborted; nothing was applied), as
#: redis-py's ``WatchError``: retry the transaction (``Cluster.transaction`` does).
WatchError = exceptions.WatchError
#: The keys of a transaction span slots (redis-py's ``CrossSlotTransactionError``); a
#: :class:`CrossSlotError` with ``keys`` and ``slots`` when slotwise knows them.
CrossSlotTransactionError = exceptions.CrossSlotTransactionError


def _with_code(err: Exception, code: str, cause: Optional[BaseException] = None) -> Exception:
    """``err`` with slotwise's ``code``/``node`` (and a cross-slot cause's ``keys``/``slots``)."""
    setattr(err, "code", code)
    setattr(err, "node", getattr(cause, "node", None))
    if isinstance(cause, CrossSlotError):
        setattr(err, "keys", cause.keys)
        setattr(err, "slots", cause.slots)
    return err


def _tx_cross_slot(message: str, cause: Optional[BaseException] = None) -> Exception:
    detail = f": {cause}" if cause is not None else ""
    return _with_code(CrossSlotTransactionError(message + detail), "CROSSSLOT", cause)


def _watch_keys_error(names: Sequence[Any]) -> Optional[Exception]:
    """The error of ``watch(*names)`` before anything is sent: no key, or keys of several
    slots (redis-py's message)."""
    if not names:
        return _error(DataError, "watch() needs at least one key", "DATA")
    if len({_native.key_slot(n) for n in names}) > 1:
        return _with_code(
            CrossSlotError("WATCH - all keys must map to the same key slot"), "CROSSSLOT"
        )
    return None


def _not_in_pipeline(method: str) -> Exception:
    """redis-py's refusal of a transaction method on a non-transactional cluster pipeline."""
    return _with_code(
        ClusterError(f"method {method}() is not supported outside of transactional context"),
        "DATA",
    )


def _tx_error(message: str) -> Exception:
    """A misuse of a transactional pipeline (redis-py raises ``RedisError``)."""
    return _error(RedisError, message, "DATA")


class Stats(TypedDict):
    """What the client handled for the application (see :meth:`Cluster.stats`)."""

    moved: int
    ask: int
    retries: int
    refreshes: int
    reconnects: int


def _describe(argv: Sequence[Any]) -> str:
    """A command as redis-py names it in a pipeline error: its arguments joined by spaces
    (bytes as UTF-8), shortened to 100 characters."""
    text = " ".join(
        a.decode("utf-8", errors="replace") if isinstance(a, bytes) else str(a) for a in argv
    )
    return textwrap.shorten(text, width=100, placeholder="...", break_long_words=True)


def _raise_first(results: List[Any], commands: List[Tuple[Any, ...]]) -> None:
    for i, r in enumerate(results):
        if isinstance(r, RedisError):
            first = r.args[0] if r.args else ""
            r.args = (
                f"Command # {i + 1} ({_describe(commands[i])}) of pipeline caused error: {first}",
                *r.args[1:],
            )
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
    if transaction:
        for r in results:
            if isinstance(r, CrossSlotError):
                # About the whole transaction, not one command (redis-py's message).
                raise _tx_cross_slot(
                    "All keys involved in a cluster transaction must map to the same slot", r
                ) from None
    results = _post(results, posts)
    if raise_on_error:
        _raise_first(results, commands)
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


def _upper_name(argv: Sequence[Any]) -> str:
    name = argv[0] if argv else ""
    if isinstance(name, (bytes, bytearray, memoryview)):
        name = bytes(name).decode("utf-8", errors="replace")
    return str(name).upper()


def _shard_hint_refused() -> Exception:
    return _with_code(ClusterError("shard_hint is deprecated in cluster mode"), "DATA")


class Pipeline(Commands):
    """Commands queued for one round trip per node (see :meth:`Cluster.pipeline`).

    Every command method queues and returns the pipeline, so calls chain:
    ``pipe.set("a", 1).get("a")``. Used as a context manager, queued commands are dropped
    (and keys watched are released) on exit.

    A transactional pipeline (``transaction=True``) also does redis-py's optimistic
    transactions on one slot: after :meth:`watch`, commands run at once on the watched
    keys' node and return their replies; :meth:`multi` starts queueing again, and
    :meth:`execute` raises :class:`WatchError` when a watched key changed meanwhile.
    Its replies are the server's, unconverted, as redis-py's cluster transactions give
    them (``SET`` answers ``b"OK"``).
    """

    _queues_commands = True

    def __init__(self, client: Cluster, transaction: bool = False) -> None:
        self._client = client
        self._resp3 = client._resp3
        self.transaction = transaction
        self._commands: List[Tuple[EncodableT, ...]] = []
        self._posts: List[Optional[Callable[[Any], Any]]] = []
        self._raw: List[int] = []
        #: The WATCH session (a connection kept to the watched slot's node).
        self._session: Optional[_native.Watch] = None
        #: multi() was called: commands queue even while watching.
        self._explicit = False

    @property
    def watching(self) -> bool:
        """True between :meth:`watch` and the end of the transaction (``execute``,
        :meth:`unwatch`, :meth:`reset`)."""
        return self._session is not None

    def _now(self) -> Optional[_native.Watch]:
        """The session when commands run at once (watching, before multi())."""
        return None if self._explicit else self._session

    def _run_now(self, run: Callable[..., Any], args: Tuple[EncodableT, ...]) -> Any:
        try:
            return run(*args)
        except CrossSlotError as e:
            raise _tx_cross_slot("Cannot watch or send commands on different slots", e) from None

    def _call(self, *args: EncodableT) -> Any:
        if not args:
            raise DataError("execute_command() needs at least the command name")
        session = self._now()
        if session is not None:
            return self._run_now(session.execute, args)
        self._commands.append(args)
        self._posts.append(None)
        return self

    def _call_with(self, post: Callable[[Any], Any], *args: EncodableT) -> Any:
        session = self._now()
        if session is not None:
            return post(self._run_now(session.execute, args))
        self._call(*args)
        self._posts[-1] = post
        return self

    def _call_raw_with(self, post: Callable[[Any], Any], *args: EncodableT) -> Any:
        session = self._now()
        if session is not None:
            return post(self._run_now(session.execute_raw, args))
        self._call_with(post, *args)
        self._raw.append(len(self._commands) - 1)
        return self

    def _call_on(self, target_nodes: Any, post: Any, *args: EncodableT) -> "Pipeline":
        raise _no_targets_in_pipeline()

    def execute_command(self, *args: EncodableT, **options: Any) -> Any:
        """Queues any command (runs it at once while watching, before :meth:`multi`);
        ``WATCH`` and ``UNWATCH`` are :meth:`watch` and :meth:`unwatch`."""
        name = _upper_name(args)
        if name == "WATCH" and not options:
            return self.watch(*cast(Tuple[KeyT, ...], args[1:]))
        if name == "UNWATCH" and len(args) == 1 and not options:
            return self.unwatch()
        return super().execute_command(*args, **options)

    def pipeline_execute_command(self, *args: EncodableT, **options: Any) -> Any:
        """As :meth:`execute_command` (redis-py's name for it on pipelines)."""
        return self.execute_command(*args, **options)

    def __len__(self) -> int:
        return len(self._commands)

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return (
            f"<slotwise.Pipeline transaction={self.transaction} queued={len(self)} "
            f"client={self._client!r}>"
        )

    def watch(self, *names: KeyT) -> bool:
        """WATCHes ``names`` (one slot) on a connection kept to their node; commands then
        run at once there (their replies returned) until :meth:`multi`. Another call adds
        keys of the same slot."""
        if not self.transaction:
            raise _not_in_pipeline("watch")
        if self._explicit:
            raise _tx_error("Cannot issue a WATCH after a MULTI")
        err = _watch_keys_error(names)
        if err is not None:
            raise err
        if self._session is None:
            self._session = self._client._native.watch(*names)
        else:
            self._run_now(self._session.watch, names)
        return True

    def unwatch(self) -> bool:
        """Forgets the keys watched (the session's connection is closed: the server drops
        its WATCH)."""
        if not self.transaction:
            raise _not_in_pipeline("unwatch")
        self._end_session()
        return True

    def multi(self) -> None:
        """Starts queueing the transaction's commands after :meth:`watch`; ``execute()``
        runs them as MULTI/EXEC."""
        if not self.transaction:
            raise _not_in_pipeline("multi")
        if self._explicit:
            raise _tx_error("Cannot issue nested calls to MULTI")
        if self._commands:
            raise _tx_error("Commands without an initial WATCH have already been issued")
        self._explicit = True

    def discard(self) -> None:
        """Drops the queued commands and the keys watched (as :meth:`reset`)."""
        if not self.transaction:
            raise _not_in_pipeline("discard")
        self.reset()

    def execute(self, raise_on_error: bool = True) -> List[Any]:
        """Sends every queued command and returns their replies in order. With
        ``raise_on_error`` (default) the first failed command's error is raised, after
        every command ran; otherwise errors are returned in place. A transaction whose
        watched keys changed raises :class:`WatchError`. The pipeline is reset either
        way."""
        commands, posts, raw = self._commands, self._posts, self._raw
        session, self._session = self._session, None
        self.reset()
        if not self.transaction:
            if not commands:
                return []
            results = self._client._native.run_pipeline(commands, False, raw or None)
            return _finish(results, commands, posts, False, raise_on_error)
        # redis-py's cluster transactions give the server's replies unconverted.
        every = list(range(len(commands))) or None
        none: List[Optional[Callable[[Any], Any]]] = [None] * len(commands)
        if session is None:
            if not commands:
                return []
            results = self._client._native.run_pipeline(commands, True, every)
            return _finish(results, commands, none, True, raise_on_error)
        try:
            out = session.exec(commands, every)
        except CrossSlotError as e:
            raise _tx_cross_slot(
                "All keys involved in a cluster transaction must map to the same slot", e
            ) from None
        finally:
            session.close()
        if out is None:
            raise _with_code(WatchError("Watched variable changed."), "WATCH")
        return _finish(out, commands, none, True, raise_on_error)

    def _end_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def reset(self) -> None:
        """Drops every queued command, and the keys watched."""
        self._commands = []
        self._posts = []
        self._raw = []
        self._explicit = False
        self._end_session()

    def close(self) -> None:
        """As :meth:`reset` (redis-py's name)."""
        self.reset()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.reset()

    def __del__(self) -> None:
        session = getattr(self, "_session", None)
        if session is not None:
            session.close()
