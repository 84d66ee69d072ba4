"""slotwise: a fast Redis Cluster client with a Rust core, a drop-in for redis-py's
``RedisCluster``.

::

    import slotwise
    rc = slotwise.Cluster(startup_nodes=["127.0.0.1:7000"])
    rc.set("k", "v")
    with rc.pipeline() as pipe:
        pipe.incr("a").incr("b").get("k")
        print(pipe.execute())

The asyncio client is :class:`slotwise.asyncio.Cluster`. Errors derive from
:class:`RedisError` (see :mod:`slotwise.exceptions`).
"""

from . import asyncio, exceptions
from .commands import EncodableT, KeyT, ResponseT, parse_info
from ._options import ClusterNode
from .client import Cluster, Pipeline, Stats
from .exceptions import (
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

#: redis-py's name for the cluster client.
RedisCluster = Cluster

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "BusyLoadingError",
    "Cluster",
    "ClusterDownError",
    "ClusterError",
    "ClusterNode",
    "ConnectionError",
    "CrossSlotError",
    "DataError",
    "EncodableT",
    "KeyT",
    "NoPermissionError",
    "Pipeline",
    "ProtocolError",
    "ReadOnlyError",
    "RedirectBudgetError",
    "RedisCluster",
    "RedisError",
    "ResponseError",
    "ResponseT",
    "Stats",
    "TimeoutError",
    "TryAgainError",
    "asyncio",
    "exceptions",
    "parse_info",
]
