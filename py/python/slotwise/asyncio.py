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
    Iterable,
    List,
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
from .asyncio_pipeline import Pipeline
from .client import Stats, _keep_type
from .pipeline import WatchError, _shard_hint_refused
from .exceptions import ConnectionError, DataError, RedisError, _error

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
