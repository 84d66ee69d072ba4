"""Pub/Sub introspection and sharded publishing: PUBSUB CHANNELS/NUMPAT/NUMSUB and their
shard forms, SPUBLISH. As redis-py's ``RedisCluster``, the PUBSUB queries go to the default
node unless ``target_nodes=`` names others, and the replies of several nodes are combined:
channels merged, pattern counts summed, subscriber counts summed per channel.
(Subscribing is not here: it needs a connection of its own.)"""

from __future__ import annotations

from typing import Any, Optional

from ._base import EncodableT, KeyT, ResponseT
from .cluster import TargetedBase, TargetNodesT, _only_target_nodes


def _numsub_pairs(r: Any) -> Any:
    """One node's PUBSUB NUMSUB: ``[(channel, subscribers), ...]``."""
    if isinstance(r, dict):
        return list(r.items())
    if isinstance(r, list):
        return list(zip(r[0::2], r[1::2]))
    return r


class PubSubInfoCommands(TargetedBase):
    """PUBSUB CHANNELS/NUMPAT/NUMSUB/SHARDCHANNELS/SHARDNUMSUB and SPUBLISH."""

    def _pubsub(self, method: str, kwargs: dict[str, Any], post: Any, *argv: EncodableT) -> Any:
        target_nodes: Optional[TargetNodesT] = _only_target_nodes(method, kwargs)
        return self._on_default_node(target_nodes, post, *argv)

    def pubsub_channels(self, pattern: KeyT = "*", **kwargs: Any) -> ResponseT:
        """The channels with at least one subscriber matching ``pattern``, on the default
        node (or ``target_nodes=``, merged without repeats)."""
        return self._pubsub("pubsub_channels", kwargs, None, "PUBSUB", "CHANNELS", pattern)

    def pubsub_numpat(self, **kwargs: Any) -> ResponseT:
        """The number of pattern subscriptions on the default node (or the sum over
        ``target_nodes=``)."""
        return self._pubsub("pubsub_numpat", kwargs, None, "PUBSUB", "NUMPAT")

    def pubsub_numsub(self, *args: KeyT, **kwargs: Any) -> ResponseT:
        """``[(channel, subscribers), ...]`` for each channel of ``args``, on the default
        node (or summed over ``target_nodes=``)."""
        return self._pubsub("pubsub_numsub", kwargs, _numsub_pairs, "PUBSUB", "NUMSUB", *args)

    def pubsub_shardchannels(self, pattern: KeyT = "*", **kwargs: Any) -> ResponseT:
        """The shard channels with at least one subscriber matching ``pattern``, on the
        default node (or ``target_nodes=``, merged without repeats)."""
        return self._pubsub(
            "pubsub_shardchannels", kwargs, None, "PUBSUB", "SHARDCHANNELS", pattern
        )

    def pubsub_shardnumsub(self, *args: KeyT, **kwargs: Any) -> ResponseT:
        """``[(shard channel, subscribers), ...]`` for each shard channel of ``args``, on
        the default node (or summed over ``target_nodes=``)."""
        return self._pubsub(
            "pubsub_shardnumsub", kwargs, _numsub_pairs, "PUBSUB", "SHARDNUMSUB", *args
        )

    def spublish(self, shard_channel: KeyT, message: EncodableT) -> ResponseT:
        """Publishes ``message`` on a shard channel (sent to the primary serving the
        channel's slot); the number of receivers."""
        return self._call("SPUBLISH", shard_channel, message)
