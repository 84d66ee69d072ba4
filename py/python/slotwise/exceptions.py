"""The exception hierarchy, rooted at :class:`RedisError` (names as in ``redis.exceptions``).

::

    RedisError
    ├── ConnectionError            a node unreachable, connection broken, client closed
    │   ├── AuthenticationError    bad username/password
    │   ├── ProtocolError          invalid RESP from a node
    │   └── BusyLoadingError       LOADING persisted after every retry
    ├── TimeoutError               the request deadline passed (redirects and retries included)
    ├── DataError                  an argument or option slotwise cannot use
    ├── ResponseError              the server's error reply (ERR, WRONGTYPE, ...)
    │   ├── ClusterDownError       CLUSTERDOWN persisted after every retry
    │   ├── CrossSlotError         keys in different slots (``keys``, ``slots``)
    │   ├── TryAgainError          TRYAGAIN persisted after every retry
    │   ├── ReadOnlyError          a write reached a replica
    │   └── NoPermissionError      the ACL user may not do this
    └── ClusterError               the cluster could not be used
        └── RedirectBudgetError    MOVED/ASK redirects exceeded ``max_redirects``

Every instance has ``code`` (a stable string: ``"CROSSSLOT"``, ``"TIMEOUT"``,
``"CONNECTION"``, ``"NOAUTH"``, ``"REDIRECT_BUDGET"``, ``"CLUSTERDOWN"``, ``"WRONGTYPE"``...)
and ``node`` (``"host:port"`` when known, else ``None``). :class:`CrossSlotError` also has
``keys`` and ``slots`` (parallel lists) when slotwise detected it before sending.
"""

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
