"""HyperLogLogs: PFADD, PFCOUNT, PFMERGE."""

from __future__ import annotations

from ._base import CommandsBase, EncodableT, KeyT, ResponseT, _ok_true


class HyperLogLogCommands(CommandsBase):
    """HyperLogLogs: PFADD, PFCOUNT, PFMERGE."""

    def pfadd(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Adds elements to a HyperLogLog; ``1`` if its estimate changed, else ``0``."""
        return self._call("PFADD", name, *values)

    def pfcount(self, *sources: KeyT) -> ResponseT:
        """The estimated cardinality of the union of HyperLogLogs (one slot), each key its
        own argument."""
        return self._call("PFCOUNT", *sources)

    def pfmerge(self, dest: KeyT, *sources: KeyT) -> ResponseT:
        """Merges HyperLogLogs into ``dest`` (one slot), each key its own argument;
        ``True``."""
        return self._call_with(_ok_true, "PFMERGE", dest, *sources)
