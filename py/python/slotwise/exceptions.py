"""The exception hierarchy, rooted at :class:`RedisError` (names as in ``redis.exceptions``).

::

    RedisError
    ├── ConnectionError            a node unreachable, connection broken, client closed
    │   ├── AuthenticationError    bad username/password
    │   ├── ProtocolError          invalid RESP from a node
    │   └── BusyLoadingError       LOADING through every retry (max_retries)
    ├── TimeoutError               the request deadline passed (redirects and retries included;
    │                              the message lists every try and what the node answered)
    ├── DataError                  a command argument (code DATA) or client option (CONFIG)
    │                              slotwise cannot use
    ├── ResponseError              the server's error reply (ERR, WRONGTYPE, ...), or a
    │   │                          reply of a type the command cannot produce (code TYPE)
    │   ├── ClusterDownError       CLUSTERDOWN through every retry (max_retries)
    │   ├── CrossSlotError         keys in different slots (``keys``, ``slots``)
    │   ├── TryAgainError          TRYAGAIN through every retry (max_retries)
    │   ├── ReadOnlyError          a write reached a replica
    │   └── NoPermissionError      the ACL user may not do this
    └── ClusterError               the cluster could not be used
        └── RedirectBudgetError    MOVED/ASK redirects exceeded ``max_redirects``

Every instance has ``code`` (a stable string: ``"CROSSSLOT"``, ``"TIMEOUT"``,
``"CONNECTION"``, ``"CLOSED"``, ``"NOAUTH"``, ``"REDIRECT_BUDGET"``, ``"CLUSTERDOWN"``,
``"WRONGTYPE"``, ``"DATA"`` for a bad command argument, ``"CONFIG"`` for a bad client
option...) and ``node`` (``"host:port"`` when known, else ``None``); each class has a
default of both, so even an instance you create yourself has them. :class:`CrossSlotError`
also has ``keys`` and ``slots`` (parallel lists) when slotwise detected it before sending.

Errors slotwise gives up on after its retries (CLUSTERDOWN, TRYAGAIN, READONLY, LOADING) and
NOPERM carry the server's text, the node and what to do; a command's own errors (ERR,
WRONGTYPE...) carry the server's text as is, as in redis-py. When the request deadline
(``socket_timeout``) runs out before the retry budget, the error is a :class:`TimeoutError`
whose message names what the node kept answering.
"""

from typing import Optional, Type, TypeVar

from ._native import (
    AuthenticationError,
    BusyLoadingError,
    ClusterDownError,
    ClusterError,
    ConnectionError,
    CrossSlotError,
    DataError,
    NoPermissionError,
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


__all__ = [
    "AuthenticationError",
    "BusyLoadingError",
    "ClusterDownError",
    "ClusterError",
    "ConnectionError",
    "CrossSlotError",
    "DataError",
    "NoPermissionError",
    "ProtocolError",
    "ReadOnlyError",
    "RedirectBudgetError",
    "RedisError",
    "ResponseError",
    "TimeoutError",
    "TryAgainError",
]
