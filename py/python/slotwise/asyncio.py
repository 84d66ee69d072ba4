"""The asyncio cluster client: the same methods as :class:`slotwise.Cluster`, as coroutines.

Commands run on one shared I/O thread (the Rust core's async driver on a current-thread
runtime); finished replies are handed back to your event loop in batches through a pipe
the loop watches, so thousands of concurrent coroutines cost a handful of wake-ups.

Example::

    import asyncio, slotwise.asyncio

    async def main() -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=["127.0.0.1:7000"]) as rc:
            await rc.set("k", "v")
            print(await rc.get("k"))

    asyncio.run(main())

A client belongs to the event loop it first ran on. After ``os.fork()`` a child must create
its own client (the I/O thread and connections stay with the parent); using an inherited
one raises :class:`slotwise.ConnectionError` at once.
"""

from __future__ import annotations

import asyncio
import os
from types import TracebackType
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    Union,
    cast,
)

from . import _native, _options
from .commands import Commands, EncodableT, KeyT
from .commands.cluster import ClusterNodes, TargetNodesT, combine
from ._options import AddressRemap, ClusterNode, StartupNode
from .client import Stats, _keep_type
from .pipeline import (
    WatchError,
    _finish,
    _no_targets_in_pipeline,
    _not_in_pipeline,
    _shard_hint_refused,
    _tx_cross_slot,
    _tx_error,
    _upper_name,
    _watch_keys_error,
    _with_code,
)
from .exceptions import ConnectionError, CrossSlotError, DataError, RedisError, _error

__all__ = ["Cluster", "Pipeline", "ClusterNode"]

#: How long :meth:`Cluster.aclose` waits for the requests in flight to fail with CLOSED
#: (they do at once; the bound only keeps a stuck loop from stalling ``aclose`` forever).
#: Whatever is still pending then is resolved later all the same: the loop keeps watching
#: the bridge until the last completion has been delivered.
_CLOSE_WAIT = 5.0


def _closed_error() -> ConnectionError:
    return _error(ConnectionError, "the client is closed", "CLOSED")


def _wrong_loop_error() -> ConnectionError:
    return _error(
        ConnectionError,
        "this slotwise.asyncio.Cluster belongs to the event loop it first ran on (its "
        "replies are delivered there), and is used from another one; create one client per "
        "event loop, e.g. inside the coroutine that asyncio.run() runs",
        "EVENT_LOOP",
    )


def _forked_error() -> ConnectionError:
    return _error(
        ConnectionError,
        "this slotwise.asyncio.Cluster was created before os.fork(): its I/O thread and "
        "connections stay with the parent; create a new client in the child process",
        "FORKED",
    )


def _close_connected(fut: "asyncio.Future[Any]") -> None:
    """A connect that finished after ``aclose()``: close the client it made."""
    if not fut.cancelled() and fut.exception() is None:
        fut.result().close()


class Cluster(Commands, ClusterNodes):
    """An asyncio Redis Cluster client: a drop-in for ``redis.asyncio.RedisCluster``.

    Takes the same arguments as :class:`slotwise.Cluster`. Connects on first use (or
    ``await client.initialize()``); every command method is a coroutine. Use as
    ``async with`` to close it on exit.

    A client belongs to the event loop it first ran on: using it from another loop raises
    :class:`slotwise.ConnectionError` (code ``"EVENT_LOOP"``); create one per loop.
    """

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
        self._config = _options.build(locals())
        self._resp3 = protocol == 3
        self.decode_responses: bool = self._config.decode_responses
        self._native: Optional[_native.AsyncClient] = None
        self._bridge: Optional[_native.LoopBridge] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._connecting: Optional[asyncio.Future[Any]] = None
        self._closed = False
        self._pid = 0  # the process that started connecting

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> "Cluster":
        """As :meth:`slotwise.Cluster.from_url`."""
        return cls(url=url, **kwargs)

    def __repr__(self) -> str:
        # Seed addresses only: credentials never appear in a repr.
        state = "closed" if self._closed else "open"
        return f"<slotwise.asyncio.Cluster seeds={self._config.seeds} {state}>"

    async def initialize(self) -> "Cluster":
        """Discovers the cluster (done automatically by the first command)."""
        return await self._initialize(None)

    async def _initialize(self, commands: Optional[List[Tuple[EncodableT, ...]]]) -> "Cluster":
        """Connects, or waits for the connect under way. For a request of ``commands`` the
        wait ends at the request's own deadline (``socket_timeout``, plus the time a
        blocking command may block) with :class:`slotwise.TimeoutError`, even if connecting
        takes longer (it goes on for later requests)."""
        if self._closed:
            raise _closed_error()
        loop = asyncio.get_running_loop()
        if self._loop is not None and loop is not self._loop:
            if self._pid != os.getpid():
                raise _forked_error()
            raise _wrong_loop_error()
        if self._native is not None:
            return self
        stale = self._connecting
        if stale is not None and stale.done() and (stale.cancelled() or stale.exception()):
            # A connect that failed after every request waiting for it had given up (their
            # deadlines passed): this request tries afresh instead of getting that old error.
            self._connecting = None
            self._release_bridge()
        if self._connecting is None:
            bridge = _native.LoopBridge()
            loop.add_reader(bridge.fileno(), bridge.drain)
            self._loop, self._bridge, self._pid = loop, bridge, os.getpid()
            self._connecting = _native.AsyncClient.connect(self._config, bridge, loop)
        connecting = self._connecting
        try:
            if commands is None:
                native = await asyncio.shield(connecting)
            else:
                budget = self._config.request_budget(commands)
                started = loop.time()
                try:
                    native = await asyncio.wait_for(asyncio.shield(connecting), budget)
                except asyncio.TimeoutError:
                    if not connecting.done():
                        waited = loop.time() - started
                        raise self._config.still_connecting_error(waited) from None
                    native = connecting.result()  # it ended just as the deadline passed
        except BaseException:
            if self._connecting is not None and self._connecting.done():
                self._connecting = None
                if not self._closed:
                    self._release_bridge()
            raise
        if self._closed:  # aclose() ran while connecting (the connect closes the client)
            raise _closed_error()
        self._native = native
        return self

    def _release_bridge(self) -> None:
        if self._bridge is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._bridge.fileno())
        self._bridge = None

    def _drain_then_release(self) -> "Optional[asyncio.Future[None]]":
        """After ``close()`` (on the client's own loop): releases the bridge now if nothing
        is in flight, else lets the loop keep watching it until the last completion has
        resolved its future, then releases it. Returns a future done at that point."""
        bridge, loop = self._bridge, self._loop
        if bridge is None or loop is None or loop.is_closed():
            self._bridge = None
            return None
        if not bridge.pending():
            self._release_bridge()
            return None
        drained: asyncio.Future[None] = loop.create_future()

        def on_ready() -> None:
            bridge.drain()
            if not bridge.pending() and self._bridge is bridge:
                self._release_bridge()
                if not drained.done():
                    drained.set_result(None)

        fd = bridge.fileno()
        loop.remove_reader(fd)
        loop.add_reader(fd, on_ready)
        return drained

    async def _client(
        self, commands: Optional[List[Tuple[EncodableT, ...]]] = None
    ) -> _native.AsyncClient:
        """The connected client; with ``commands``, waiting for the connect no longer than
        their request's deadline."""
        n = self._native
        if n is None or asyncio.get_running_loop() is not self._loop:
            await self._initialize(commands)
            n = self._native
        assert n is not None
        return n

    async def _within_deadline(
        self,
        commands: List[Tuple[EncodableT, ...]],
        run: Callable[[_native.AsyncClient], Awaitable[Any]],
    ) -> Any:
        """``run`` on the connected client. A request that had to wait for the connect gets
        only what is left of its deadline for the rest: it fails no later than a request
        sent to a connected client would."""
        n = self._native
        if n is not None and asyncio.get_running_loop() is self._loop:
            return await run(n)
        loop = asyncio.get_running_loop()
        started = loop.time()
        n = await self._client(commands)
        connected_after = loop.time() - started
        left = self._config.request_budget(commands) - connected_after
        try:
            return await asyncio.wait_for(run(n), max(left, 0.0))
        except asyncio.TimeoutError as e:
            if isinstance(e, RedisError):  # the request's own timeout, raised by slotwise
                raise
            waited = loop.time() - started
            raise self._config.still_connecting_error(waited, connected_after) from None

    async def _call(self, *args: EncodableT) -> Any:
        n = self._native
        if n is None or asyncio.get_running_loop() is not self._loop:
            return await self._within_deadline([args], lambda c: c.execute(*args))
        return await n.execute(*args)

    async def _call_with(self, post: Callable[[Any], Any], *args: EncodableT) -> Any:
        return post(await self._call(*args))

    async def _call_raw_with(self, post: Callable[[Any], Any], *args: EncodableT) -> Any:
        return post(await self._within_deadline([args], lambda c: c.execute_raw(*args)))

    async def _call_on(
        self,
        target_nodes: TargetNodesT,
        post: Optional[Callable[[Any], Any]],
        *args: EncodableT,
    ) -> Any:
        n = await self._client()
        nodes = self._target_nodes(target_nodes)
        replies = await asyncio.gather(*(n.execute_on(node.name, *args) for node in nodes))
        res = {
            node.name: r if post is None else post(r) for node, r in zip(nodes, replies)
        }
        return combine(args, res)

    def _topology_source(self) -> Optional[_native.AsyncClient]:
        return self._native

    _is_async = True

    def pipeline(self, transaction: Optional[bool] = None, shard_hint: Any = None) -> "Pipeline":
        """A pipeline; ``await pipe.execute()`` sends it (see
        :meth:`slotwise.Cluster.pipeline`)."""
        if shard_hint:
            raise _shard_hint_refused()
        return Pipeline(self, bool(transaction))

    async def transaction(
        self,
        func: Callable[["Pipeline"], Awaitable[Any]],
        *watches: KeyT,
        shard_hint: Any = None,
        value_from_callable: bool = False,
        watch_delay: Optional[float] = None,
    ) -> Any:
        """As :meth:`slotwise.Cluster.transaction`, ``func`` a coroutine function:
        ``await func(pipe)``."""
        async with self.pipeline(True, shard_hint) as pipe:
            while True:
                try:
                    if watches:
                        await pipe.watch(*watches)
                    value = await func(pipe)
                    replies = await pipe.execute()
                    return value if value_from_callable else replies
                except WatchError:
                    if watch_delay is not None and watch_delay > 0:
                        await asyncio.sleep(watch_delay)

    def scan_iter(
        self,
        match: Optional[KeyT] = None,
        count: Optional[int] = None,
        _type: Optional[str] = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """Every key of the cluster (each primary in turn): ``async for k in rc.scan_iter()``
        (``_type`` and ``target_nodes=`` as in :meth:`slotwise.Cluster.scan_iter`)."""
        if kwargs:
            return cast(AsyncIterator[Any], self._scan_iter_nodes(match, count, _type, **kwargs))
        return self._scan_slot_map(match, count, _type)

    async def _scan_slot_map(
        self, match: Optional[KeyT], count: Optional[int], _type: Optional[str]
    ) -> AsyncIterator[Any]:
        scan = (await self._client()).scan(match, count)
        while True:
            n = await self._client()  # closed meanwhile: raises instead of waiting
            page = await n.scan_next(scan)
            if page is None:
                return
            if _type is not None and page:
                types = await n.run_pipeline([("TYPE", k) for k in page], False)
                page = _keep_type(page, types, _type.lower())
            for k in page:
                yield k

    def set_default_node(self, node: Optional[ClusterNode]) -> None:  # type: ignore[override]
        """Makes ``node`` the default node; as redis-py's asyncio client, a node that is not
        one of the cluster's raises :class:`DataError` (the sync client returns ``False``)."""
        if not super().set_default_node(node):
            raise _error(
                DataError,
                f"set_default_node({node!r}): not a node of the cluster's current slot map "
                "(get_nodes() lists them)",
                "DATA",
            )

    def stats(self) -> Stats:
        """As :meth:`slotwise.Cluster.stats` (zeros before the client connected)."""
        if self._native is None:
            return Stats(moved=0, ask=0, retries=0, refreshes=0, reconnects=0)
        s = self._native.stats()
        return Stats(
            moved=s["moved"],
            ask=s["ask"],
            retries=s["retries"],
            refreshes=s["refreshes"],
            reconnects=s["reconnects"],
        )

    async def refresh_topology(self) -> None:
        """Reloads the slot map now (it is normally refreshed automatically)."""
        n = await self._client()
        await n.refresh_topology()

    async def aclose(self) -> None:
        """Closes every connection. Commands in flight (blocking ones included) and later
        commands raise :class:`slotwise.ConnectionError` (code ``"CLOSED"``)."""
        self._closed = True
        n, self._native = self._native, None
        if n is not None:
            n.close()  # every request in flight now fails with CLOSED, through the bridge
        connecting = self._connecting
        if connecting is not None and not connecting.done():
            connecting.add_done_callback(_close_connected)
        loop = self._loop
        if loop is None:
            return
        if loop is not asyncio.get_running_loop():
            # Closed from another loop: the bridge is watched by the client's own loop, so
            # that loop finishes the job (if it still runs).
            if loop.is_closed():
                self._bridge = None
            else:
                loop.call_soon_threadsafe(self._drain_then_release)
            return
        drained = self._drain_then_release()
        if drained is not None:
            # Not a loss if this bound passes: the reader stays until the last completion.
            await asyncio.wait({drained}, timeout=_CLOSE_WAIT)

    async def close(self) -> None:
        """Alias of :meth:`aclose` (as in redis-py)."""
        await self.aclose()

    async def __aenter__(self) -> "Cluster":
        return await self.initialize()

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()


class Pipeline(Commands):
    """Queued commands for one round trip per node: ``await pipe.execute()``. Command
    methods queue and return the pipeline (no ``await``).

    A transactional pipeline does redis-py's optimistic transactions on one slot, as
    :class:`slotwise.Pipeline` does: ``await pipe.watch(...)``, then commands run at once
    (``await pipe.get(k)``) until ``pipe.multi()``; ``await pipe.execute()`` raises
    :class:`WatchError` when a watched key changed. Replies get the same conversion as
    the client's (as in redis-py's asyncio cluster transactions).
    """

    _queues_commands = True

    def __init__(self, client: Cluster, transaction: bool = False) -> None:
        self._client = client
        self._resp3 = client._resp3
        self.transaction = transaction
        self._commands: List[Tuple[EncodableT, ...]] = []
        self._posts: List[Optional[Callable[[Any], Any]]] = []
        self._raw: List[int] = []
        self._session: Optional[_native.AsyncWatch] = None
        self._explicit = False

    @property
    def watching(self) -> bool:
        """True between :meth:`watch` and the end of the transaction."""
        return self._session is not None

    def _now(self) -> Optional[_native.AsyncWatch]:
        return None if self._explicit else self._session

    async def _run_now(
        self,
        run: Callable[..., "asyncio.Future[Any]"],
        args: Tuple[EncodableT, ...],
        post: Optional[Callable[[Any], Any]] = None,
    ) -> Any:
        try:
            r = await run(*args)
        except CrossSlotError as e:
            raise _tx_cross_slot("Cannot watch or send commands on different slots", e) from None
        return r if post is None else post(r)

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
            return self._run_now(session.execute, args, post)
        self._call(*args)
        self._posts[-1] = post
        return self

    def _call_raw_with(self, post: Callable[[Any], Any], *args: EncodableT) -> Any:
        session = self._now()
        if session is not None:
            return self._run_now(session.execute_raw, args, post)
        self._call_with(post, *args)
        self._raw.append(len(self._commands) - 1)
        return self

    def _call_on(self, target_nodes: Any, post: Any, *args: EncodableT) -> "Pipeline":
        raise _no_targets_in_pipeline()

    def execute_command(self, *args: EncodableT, **options: Any) -> Any:
        """Queues any command (a coroutine running it at once while watching, before
        :meth:`multi`); ``WATCH`` and ``UNWATCH`` are :meth:`watch` and :meth:`unwatch`."""
        name = _upper_name(args)
        if name == "WATCH" and not options:
            return self.watch(*cast(Tuple[KeyT, ...], args[1:]))
        if name == "UNWATCH" and len(args) == 1 and not options:
            return self.unwatch()
        return super().execute_command(*args, **options)

    def pipeline_execute_command(self, *args: EncodableT, **options: Any) -> Any:
        """As :meth:`execute_command`."""
        return self.execute_command(*args, **options)

    def _per_slot(self, command: str, keys: Tuple[KeyT, ...]) -> Any:
        """``command`` once per slot of ``keys`` (one result each), as redis-py's asyncio
        cluster pipelines queue DEL/EXISTS/TOUCH/UNLINK; at once while watching."""
        if self._now() is not None or not keys:
            return self._call(command, *keys)
        groups: dict[int, List[EncodableT]] = {}
        for k in keys:
            groups.setdefault(_native.key_slot(k), []).append(k)
        for group in groups.values():
            self._call(command, *group)
        return self

    def delete(self, *names: KeyT) -> Any:
        """Queues DEL, one command (and result) per slot of ``names``."""
        return self._per_slot("DEL", names)

    def exists(self, *names: KeyT) -> Any:
        """Queues EXISTS, one command (and result) per slot of ``names``."""
        return self._per_slot("EXISTS", names)

    def touch(self, *args: KeyT) -> Any:
        """Queues TOUCH, one command (and result) per slot of the keys."""
        return self._per_slot("TOUCH", args)

    def unlink(self, *names: KeyT) -> Any:
        """Queues UNLINK, one command (and result) per slot of ``names``."""
        return self._per_slot("UNLINK", names)

    def mset_nonatomic(self, mapping: Mapping[KeyT, EncodableT]) -> Any:
        """Queues MSET once per slot of the keys (one ``True`` each), as redis-py's asyncio
        cluster pipelines; refused in a transaction, as there."""
        if self.transaction:
            raise NotImplementedError("Method is not supported in transactional context.")
        groups: dict[int, List[EncodableT]] = {}
        for k, v in mapping.items():
            groups.setdefault(_native.key_slot(k), []).extend((k, v))
        for group in groups.values():
            self._call("MSET", *group)
        return self

    def __len__(self) -> int:
        return len(self._commands)

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return (
            f"<slotwise.asyncio.Pipeline transaction={self.transaction} queued={len(self)} "
            f"client={self._client!r}>"
        )

    async def initialize(self) -> "Pipeline":
        """Connects the client if it is not yet (``await rc.pipeline()`` does it too)."""
        await self._client._client()
        return self

    def __await__(self) -> Generator[Any, None, "Pipeline"]:
        return self.initialize().__await__()

    async def watch(self, *names: KeyT) -> None:
        """As :meth:`slotwise.Pipeline.watch`."""
        if not self.transaction:
            raise _not_in_pipeline("watch")
        if self._explicit:
            raise _tx_error("Cannot issue a WATCH after a MULTI")
        err = _watch_keys_error(names)
        if err is not None:
            raise err
        if self._session is None:
            n = await self._client._client()
            self._session = await n.watch(*names)
        else:
            await self._run_now(self._session.watch, names)

    async def unwatch(self) -> bool:
        """As :meth:`slotwise.Pipeline.unwatch`."""
        if not self.transaction:
            raise _not_in_pipeline("unwatch")
        self._end_session()
        return True

    def multi(self) -> None:
        """As :meth:`slotwise.Pipeline.multi` (not a coroutine, as in redis-py)."""
        if not self.transaction:
            raise _not_in_pipeline("multi")
        if self._explicit:
            raise _tx_error("Cannot issue nested calls to MULTI")
        if self._commands:
            raise _tx_error("Commands without an initial WATCH have already been issued")
        self._explicit = True

    async def discard(self) -> None:
        """As :meth:`slotwise.Pipeline.discard`."""
        if not self.transaction:
            raise _not_in_pipeline("discard")
        self._reset()

    async def execute(
        self, raise_on_error: bool = True, allow_redirections: bool = True
    ) -> List[Any]:
        """Sends every queued command; replies in order (see
        :meth:`slotwise.Pipeline.execute`). ``allow_redirections`` is redis-py's: slotwise
        always follows MOVED/ASK."""
        commands, posts, raw = self._commands, self._posts, self._raw
        session, self._session = self._session, None
        self._reset()
        transaction = self.transaction
        if session is None:
            if not commands:
                return []
            results = await self._client._within_deadline(
                commands, lambda c: c.run_pipeline(commands, transaction, raw or None)
            )
            return _finish(results, commands, posts, transaction, raise_on_error)
        try:
            out = await session.exec(commands, raw or None)
        except CrossSlotError as e:
            raise _tx_cross_slot(
                "All keys involved in a cluster transaction must map to the same slot", e
            ) from None
        finally:
            session.close()
        if out is None:
            raise _with_code(WatchError("Watched variable changed."), "WATCH")
        return _finish(out, commands, posts, True, raise_on_error)

    def _end_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def _reset(self) -> None:
        self._commands = []
        self._posts = []
        self._raw = []
        self._explicit = False
        self._end_session()

    async def reset(self) -> None:
        """Drops every queued command, and the keys watched (a coroutine, as in
        redis-py)."""
        self._reset()

    async def aclose(self) -> None:
        """As :meth:`reset`."""
        self._reset()

    async def __aenter__(self) -> "Pipeline":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self._reset()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self._reset()

    def __del__(self) -> None:
        session = getattr(self, "_session", None)
        if session is not None:
            session.close()
