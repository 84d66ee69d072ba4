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
from .client import Cluster, Stats
from .pipeline import Pipeline
from .exceptions import (
    AskError,
    AuthenticationError,
    AuthenticationWrongNumberOfArgsError,
    AuthorizationError,
    BusyLoadingError,
    ChildDeadlockedError,
    ClusterCrossSlotError,
    ClusterDownError,
    ClusterError,
    ClusterUnreachableError,
    ConfigError,
    ConnectionError,
    CrossSlotError,
    CrossSlotTransactionError,
    DataError,
    ExecAbortError,
    ExternalAuthProviderError,
    InvalidPipelineStack,
    InvalidResponse,
    LockError,
    LockNotOwnedError,
    MasterDownError,
    MaxConnectionsError,
    ModuleError,
    MovedError,
    NoPermissionError,
    NoScriptError,
    NoSuchFieldsetError,
    OutOfMemoryError,
    ProtocolError,
    PubSubError,
    ReadOnlyError,
    RedirectBudgetError,
    RedisClusterException,
    RedisError,
    ResponseError,
    SlotNotCoveredError,
    TimeoutError,
    TryAgainError,
    WatchError,
)

#: redis-py's name for the cluster client.
RedisCluster = Cluster

__version__ = "0.1.0"

__all__ = [
    "AskError",
    "AuthenticationError",
    "AuthenticationWrongNumberOfArgsError",
    "AuthorizationError",
    "BusyLoadingError",
    "ChildDeadlockedError",
    "Cluster",
    "ClusterCrossSlotError",
    "ClusterDownError",
    "ClusterError",
    "ClusterNode",
    "ClusterUnreachableError",
    "ConfigError",
    "ConnectionError",
    "CrossSlotError",
    "CrossSlotTransactionError",
    "DataError",
    "EncodableT",
    "ExecAbortError",
    "ExternalAuthProviderError",
    "InvalidPipelineStack",
    "InvalidResponse",
    "KeyT",
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
    "Pipeline",
    "ProtocolError",
    "PubSubError",
    "ReadOnlyError",
    "RedirectBudgetError",
    "RedisCluster",
    "RedisClusterException",
    "RedisError",
    "ResponseError",
    "ResponseT",
    "SlotNotCoveredError",
    "Stats",
    "TimeoutError",
    "TryAgainError",
    "WatchError",
    "asyncio",
    "exceptions",
    "parse_info",
]
