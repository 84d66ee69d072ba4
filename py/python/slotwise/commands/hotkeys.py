"""HOTKEYS START/STOP/GET/RESET (Redis 8.6): refused, as redis-py's ``RedisCluster``
refuses them."""

from __future__ import annotations

import enum
from typing import Any, NoReturn, Optional

from ._base import CommandsBase


class HotkeysMetricsTypes(enum.Enum):
    """:meth:`HotkeysCommands.hotkeys_start`'s ``metrics`` (as redis-py's enum of that
    name)."""

    #: Keys by the CPU time their commands took.
    CPU = "CPU"
    #: Keys by the network bytes their commands moved.
    NET = "NET"


def _refused() -> NoReturn:
    raise NotImplementedError(
        "HOTKEYS commands are not supported in cluster mode (as in redis-py's RedisCluster): "
        "a tracking session is per node, so a cluster-wide start/stop/get would mix "
        "sessions; use a non-cluster client on each node"
    )


class HotkeysCommands(CommandsBase):
    """HOTKEYS START/STOP/GET/RESET: redis-py's ``RedisCluster`` raises
    ``NotImplementedError`` for each, and so does slotwise (sending nothing)."""

    def hotkeys_start(
        self,
        metrics: list[Any],
        count: Optional[int] = None,
        duration: Optional[int] = None,
        sample_ratio: Optional[int] = None,
        slots: Optional[list[int]] = None,
        **kwargs: Any,
    ) -> Any:
        """Refused with ``NotImplementedError``, as by redis-py's ``RedisCluster``."""
        _refused()

    def hotkeys_stop(self, **kwargs: Any) -> Any:
        """Refused with ``NotImplementedError``, as by redis-py's ``RedisCluster``."""
        _refused()

    def hotkeys_reset(self, **kwargs: Any) -> Any:
        """Refused with ``NotImplementedError``, as by redis-py's ``RedisCluster``."""
        _refused()

    def hotkeys_get(self, **kwargs: Any) -> Any:
        """Refused with ``NotImplementedError``, as by redis-py's ``RedisCluster``."""
        _refused()
