"""The asyncio client's pipeline (and transactions): queued commands sent with ``await
pipe.execute()``; what it shares with the sync pipeline is in pipeline.py."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Generator,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    cast,
)

from . import _native
from .commands import Commands, EncodableT, KeyT
from .exceptions import CrossSlotError, DataError
from .pipeline import (
    _TX_SLOTS,
    _WATCH_SLOTS,
    _exec_replies,
    _finish,
    _WatchSession,
    _no_targets_in_pipeline,
    _not_in_pipeline,
    _tx_cross_slot,
    _tx_error,
    _upper_name,
    _watch_keys_error,
)

if TYPE_CHECKING:
    from .asyncio import Cluster


class Pipeline(_WatchSession, Commands):
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
            raise _tx_cross_slot(_WATCH_SLOTS, e) from None
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
            raise _tx_cross_slot(_TX_SLOTS, e) from None
        finally:
            session.close()
        return _exec_replies(out, commands, posts, raise_on_error)

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
