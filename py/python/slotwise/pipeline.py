"""The synchronous client's pipeline (and transactions), and what the asyncio pipeline
shares with it: redis-py's errors and the reply list of ``execute()``."""

from __future__ import annotations

import textwrap
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    cast,
)

from . import _native, exceptions
from .commands import Commands, EncodableT, KeyT
from .exceptions import ClusterError, CrossSlotError, DataError, RedisError, _error

if TYPE_CHECKING:
    from .client import Cluster


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
                raise _tx_cross_slot(_TX_SLOTS, r) from None
    results = _post(results, posts)
    if raise_on_error:
        _raise_first(results, commands)
    return results


#: redis-py's messages for a transaction whose keys span slots, and for commands run at
#: once while watching that leave the watched slot.
_TX_SLOTS = "All keys involved in a cluster transaction must map to the same slot"
_WATCH_SLOTS = "Cannot watch or send commands on different slots"


def _exec_replies(
    out: Optional[List[Any]],
    commands: List[Tuple[Any, ...]],
    posts: List[Optional[Callable[[Any], Any]]],
    raise_on_error: bool,
) -> List[Any]:
    """A watch session's EXEC replies as ``execute()`` gives them; ``None`` (a watched key
    changed, nothing applied) raises :class:`WatchError`."""
    if out is None:
        raise _with_code(WatchError("Watched variable changed."), "WATCH")
    return _finish(out, commands, posts, True, raise_on_error)


class _WatchSession:
    """The watch session both pipelines hold between ``watch()`` and the end of the
    transaction: ended at once on reset, and when the pipeline is dropped."""

    _session: Any = None

    def _end_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def __del__(self) -> None:
        self._end_session()


def _no_targets_in_pipeline() -> DataError:
    return _error(
        DataError,
        "target_nodes= is not taken in a pipeline (its commands are routed by their keys); "
        "call the method on the client instead",
        "DATA",
    )


def _upper_name(argv: Sequence[Any]) -> str:
    name = argv[0] if argv else ""
    if isinstance(name, (bytes, bytearray, memoryview)):
        name = bytes(name).decode("utf-8", errors="replace")
    return str(name).upper()


def _shard_hint_refused() -> Exception:
    return _with_code(ClusterError("shard_hint is deprecated in cluster mode"), "DATA")


class Pipeline(_WatchSession, Commands):
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
            raise _tx_cross_slot(_WATCH_SLOTS, e) from None

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
            raise _tx_cross_slot(_TX_SLOTS, e) from None
        finally:
            session.close()
        return _exec_replies(out, commands, none, raise_on_error)

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
