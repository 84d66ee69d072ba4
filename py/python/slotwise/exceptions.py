"""The exception hierarchy, rooted at :class:`RedisError`, with redis-py's names
(``redis.exceptions``).

::

    RedisError
    ├── ConnectionError            a node unreachable, connection broken, client closed
    │   ├── AuthenticationError    bad username/password
    │   ├── AuthorizationError     (redis-py's name; not raised by slotwise)
    │   ├── ProtocolError          invalid RESP from a node (also an InvalidResponse)
    │   ├── BusyLoadingError       LOADING through every retry (max_retries)
    │   ├── ClusterUnreachableError  no seed could be used (also a RedisClusterException)
    │   ├── MaxConnectionsError    (redis-py's name; slotwise multiplexes, never raised)
    │   └── ExternalAuthProviderError
    ├── TimeoutError               the request deadline passed (redirects and retries included;
    │                              the message lists every try and what the node answered)
    ├── DataError                  a command argument (code DATA) or client option (CONFIG)
    │   │                          slotwise cannot use
    │   └── ConfigError            a client option (code CONFIG; also a RedisClusterException)
    ├── InvalidResponse            a reply slotwise cannot read (ProtocolError is one)
    ├── ResponseError              the server's error reply (ERR, WRONGTYPE, ...), or a
    │   │                          reply of a type the command cannot produce (code TYPE)
    │   ├── ClusterDownError       CLUSTERDOWN through every retry (max_retries)
    │   │   └── MasterDownError    MASTERDOWN through every retry
    │   ├── CrossSlotError         keys in different slots (``keys``, ``slots``); also a
    │   │   │                      RedisClusterException; alias ClusterCrossSlotError
    │   │   └── CrossSlotTransactionError
    │   ├── TryAgainError          TRYAGAIN through every retry (max_retries)
    │   ├── ReadOnlyError          a write reached a replica
    │   ├── NoPermissionError      the ACL user may not do this
    │   ├── NoScriptError          NOSCRIPT: EVALSHA of a script the node has not cached
    │   ├── ExecAbortError         EXECABORT: a transaction discarded
    │   ├── OutOfMemoryError       OOM: the node is at maxmemory
    │   ├── ModuleError            MODULE LOAD / UNLOAD failed
    │   ├── AskError, MovedError   (redis-py's names; slotwise follows redirects itself)
    │   ├── AuthenticationWrongNumberOfArgsError, NoSuchFieldsetError
    ├── RedisClusterException      the cluster client could not do what was asked
    │   ├── ClusterError           the cluster could not be used
    │   │   └── RedirectBudgetError  MOVED/ASK redirects exceeded ``max_redirects``
    │   ├── SlotNotCoveredError, InvalidPipelineStack
    ├── WatchError                 a WATCHed key changed before EXEC
    ├── PubSubError
    ├── LockError                  (also a ValueError, as in redis-py)
    │   └── LockNotOwnedError
    └── ChildDeadlockedError

Every instance has ``code`` (a stable string: ``"CROSSSLOT"``, ``"TIMEOUT"``,
``"CONNECTION"``, ``"CLOSED"``, ``"NOAUTH"``, ``"REDIRECT_BUDGET"``, ``"CLUSTERDOWN"``,
``"WRONGTYPE"``, ``"NOSCRIPT"``, ``"DATA"`` for a bad command argument, ``"CONFIG"`` for a
bad client option...) and ``node`` (``"host:port"`` when known, else ``None``); each class has
a default of both, so even an instance you create yourself has them. :class:`CrossSlotError`
also has ``keys`` and ``slots`` (parallel lists) when slotwise detected it before sending.

Server error replies become the class redis-py's parser picks for their first word (NOSCRIPT,
EXECABORT, OOM, READONLY, NOPERM, LOADING, WRONGPASS/NOAUTH, the MODULE LOAD/UNLOAD
messages...); their message is the server's text as sent, first word included.

Errors slotwise gives up on after its retries (CLUSTERDOWN, TRYAGAIN, READONLY, LOADING) and
NOPERM carry the server's text, the node and what to do; a command's own errors (ERR,
WRONGTYPE...) carry the server's text as is. When the request deadline (``socket_timeout``)
runs out before the retry budget, the error is a :class:`TimeoutError` whose message names
what the node kept answering.

**redis-py's classes.** When redis-py is imported in the same process (before or after
slotwise), every class here also derives from its namesake in ``redis.exceptions``
(:class:`CrossSlotError` from ``ClusterCrossSlotError``), so code written for redis-py
(``except redis.exceptions.ResponseError``, ``except redis.RedisClusterException``) catches
slotwise's errors. redis-py is not a dependency and slotwise never imports it: an import
hook waits for ``redis.exceptions`` to be imported by someone else (importing it costs a
tenth of a second or more), so a process without redis-py pays nothing.

"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any, Dict, Optional, Sequence, Tuple, Type, TypeVar, Union

from ._errbase import ErrorBase
from ._native import (
    AuthenticationError,
    BusyLoadingError,
    ClusterDownError,
    ClusterError,
    ClusterUnreachableError,
    ConnectionError,
    CrossSlotError,
    DataError,
    ExecAbortError,
    MasterDownError,
    ModuleError,
    NoPermissionError,
    NoScriptError,
    OutOfMemoryError,
    ProtocolError,
    ReadOnlyError,
    RedirectBudgetError,
    RedisError,
    ResponseError,
    TimeoutError,
    TryAgainError,
)

_E = TypeVar("_E", bound=RedisError)


def _error(cls: Type[_E], message: str, code: str, node: Optional[str] = None) -> _E:
    """An instance of ``cls`` with ``code`` and ``node`` set (for errors raised in Python)."""
    err = cls(message)
    err.code, err.node = code, node
    return err


# -- redis-py's classes the native module does not raise ----------------------------------


class RedisClusterException(RedisError):
    """The cluster client could not do what was asked (redis-py's base of cluster errors)."""

    code = "CLUSTER"


class InvalidResponse(RedisError):
    """A reply slotwise cannot read (:class:`ProtocolError` is one)."""

    code = "PROTOCOL"


class AuthorizationError(ConnectionError):
    """redis-py's name for an authorization failure (slotwise raises
    :class:`AuthenticationError` or :class:`NoPermissionError`)."""

    code = "NOAUTH"


class MaxConnectionsError(ConnectionError):
    """redis-py's connection pool was exhausted (slotwise multiplexes: never raised)."""


class ExternalAuthProviderError(ConnectionError):
    """An external authentication provider failed."""


class ConfigError(DataError, RedisClusterException):
    """A client option slotwise cannot use (code ``CONFIG``): a :class:`DataError`, and a
    :class:`RedisClusterException` as redis-py's cluster client raises for its options."""

    code = "CONFIG"


class PubSubError(RedisError):
    """A Pub/Sub misuse."""


class WatchError(RedisError):
    """A key WATCHed by a transaction changed before EXEC (the transaction did not run)."""

    code = "WATCH"


class AskError(ResponseError):
    """redis-py's ASK redirect (slotwise follows redirects itself: never raised)."""

    code = "ASK"


class MovedError(AskError):
    """redis-py's MOVED redirect (slotwise follows redirects itself: never raised)."""

    code = "MOVED"


class AuthenticationWrongNumberOfArgsError(ResponseError):
    """AUTH was sent the wrong number of arguments."""


class NoSuchFieldsetError(ResponseError):
    """HIMPORT SET named a fieldset this connection has not prepared."""


class CrossSlotTransactionError(CrossSlotError):
    """The keys of a transaction (or WATCH) map to more than one slot."""


class SlotNotCoveredError(RedisClusterException):
    """No node serves the slot."""

    code = "CLUSTERDOWN"


class InvalidPipelineStack(RedisClusterException):
    """A pipeline's replies did not match its commands."""


class LockError(RedisError, ValueError):
    """A lock could not be acquired, extended or released (a ``ValueError`` too, as in
    redis-py)."""

    code = "LOCK"

    def __init__(self, message: Optional[str] = None, lock_name: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.lock_name = lock_name


class LockNotOwnedError(LockError):
    """The lock is not (or no longer) held by this token."""


class ChildDeadlockedError(RedisError):
    """A child process after ``fork()`` would deadlock."""


#: redis-py's name for :class:`CrossSlotError`.
ClusterCrossSlotError = CrossSlotError


def _rebase(cls: type, bases: Tuple[type, ...]) -> None:
    cls.__bases__ = bases


# The native classes' places under the Python ones above: cluster errors are
# RedisClusterExceptions (redis-py raises that for cross-slot keys and unusable clusters),
# an unreadable reply an InvalidResponse.
_rebase(ClusterError, (RedisClusterException,))
_rebase(CrossSlotError, (ResponseError, RedisClusterException))
_rebase(ProtocolError, (ConnectionError, InvalidResponse))
_rebase(ClusterUnreachableError, (ConnectionError, RedisClusterException))
# redis-py's RedisError shows "server:ResponseError"; slotwise's shows the message, with or
# without redis-py in the process.
RedisError.__repr__ = BaseException.__repr__  # type: ignore[method-assign]


# -- deriving from redis-py's classes --------------------------------------------------------

#: Every class here and the name of its twin in ``redis.exceptions`` (the same name unless
#: given), root first.
_TWINS: Dict[str, str] = {
    name: name
    for name in (
        "RedisError",
        "ConnectionError",
        "TimeoutError",
        "AuthenticationError",
        "AuthorizationError",
        "BusyLoadingError",
        "MaxConnectionsError",
        "ExternalAuthProviderError",
        "InvalidResponse",
        "ResponseError",
        "DataError",
        "PubSubError",
        "WatchError",
        "NoScriptError",
        "OutOfMemoryError",
        "ExecAbortError",
        "ReadOnlyError",
        "NoPermissionError",
        "ModuleError",
        "NoSuchFieldsetError",
        "AuthenticationWrongNumberOfArgsError",
        "TryAgainError",
        "AskError",
        "MovedError",
        "RedisClusterException",
        "ClusterError",
        "ClusterDownError",
        "MasterDownError",
        "SlotNotCoveredError",
        "InvalidPipelineStack",
        "LockError",
        "LockNotOwnedError",
        "ChildDeadlockedError",
    )
}
_TWINS["CrossSlotError"] = "ClusterCrossSlotError"
_TWINS["CrossSlotTransactionError"] = "CrossSlotTransactionError"


def _derive_from(redis_exceptions: types.ModuleType) -> None:
    """Adds each class's twin in ``redis_exceptions`` to its bases (replacing a base the twin
    already derives from, such as ``Exception``). A twin missing from this redis-py
    version, or one whose layout does not allow it, is skipped."""
    here = globals()
    for name, twin_name in _TWINS.items():
        cls, twin = here[name], getattr(redis_exceptions, twin_name, None)
        if not isinstance(twin, type) or issubclass(cls, twin):
            continue
        kept = (b for b in cls.__bases__ if b is not ErrorBase and not issubclass(twin, b))
        bases = tuple(kept) + (twin,)
        try:
            _rebase(cls, bases)
        except TypeError:
            continue


class _Loader(importlib.abc.Loader):
    """Runs the real loader of ``redis.exceptions``, then derives from its classes."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self._inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Optional[types.ModuleType]:
        return self._inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        # The module looks as if this hook had never been there (reload, introspection).
        if module.__spec__ is not None:
            module.__spec__.loader = self._inner
        module.__loader__ = self._inner
        self._inner.exec_module(module)
        _derive_from(module)


class _Hook(importlib.abc.MetaPathFinder):
    """Waits on ``sys.meta_path`` for ``redis.exceptions`` to be imported, then leaves."""

    def find_spec(
        self,
        fullname: str,
        path: Optional[Sequence[Union[bytes, str]]],
        target: Optional[types.ModuleType] = None,
    ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname != "redis.exceptions":
            return None
        _unhook()
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec: Optional[importlib.machinery.ModuleSpec] = (
                find(fullname, path, target) if find is not None else None
            )
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


_HOOK = _Hook()


def _unhook() -> None:
    try:
        sys.meta_path.remove(_HOOK)
    except ValueError:
        pass


def _watch_for_redis() -> None:
    loaded: Any = sys.modules.get("redis.exceptions")
    if isinstance(loaded, types.ModuleType) and hasattr(loaded, "RedisError"):
        _derive_from(loaded)
    else:
        sys.meta_path.insert(0, _HOOK)


_watch_for_redis()


__all__ = [
    "AskError",
    "AuthenticationError",
    "AuthenticationWrongNumberOfArgsError",
    "AuthorizationError",
    "BusyLoadingError",
    "ChildDeadlockedError",
    "ClusterCrossSlotError",
    "ClusterDownError",
    "ClusterError",
    "ClusterUnreachableError",
    "ConfigError",
    "ConnectionError",
    "CrossSlotError",
    "CrossSlotTransactionError",
    "DataError",
    "ExecAbortError",
    "ExternalAuthProviderError",
    "InvalidPipelineStack",
    "InvalidResponse",
    "LockError",
    "LockNotOwnedError",
    "MasterDownError",
    "MaxConnectionsError",
    "ModuleError",
    "MovedError",
    "NoPermissionError",
    "NoScriptError",
    "NoSuchFieldsetError",
    "OutOfMemoryError",
    "ProtocolError",
    "PubSubError",
    "ReadOnlyError",
    "RedirectBudgetError",
    "RedisClusterException",
    "RedisError",
    "ResponseError",
    "SlotNotCoveredError",
    "TimeoutError",
    "TryAgainError",
    "WatchError",
]
