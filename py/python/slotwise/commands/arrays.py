"""Arrays (Redis 8.8): ARSET, ARGET, ARGETRANGE, ARSCAN, ARGREP, AROP, ARINSERT, ARRING..."""

from __future__ import annotations

import enum
from typing import Any, Mapping, Optional, Union

from ._base import CommandsBase, EncodableT, KeyT, ResponseT


class ArrayAggregateOperations(enum.Enum):
    """:meth:`ArrayCommands.arop`'s ``operation`` (as redis-py's enum of that name; the
    strings are accepted too)."""

    SUM = "SUM"
    MIN = "MIN"
    MAX = "MAX"
    AND = "AND"
    OR = "OR"
    XOR = "XOR"
    MATCH = "MATCH"
    USED = "USED"


class ArrayPredicateType(enum.Enum):
    """The kind of each of :meth:`ArrayCommands.argrep`'s ``predicates`` (as redis-py's
    enum of that name; the strings are accepted too)."""

    EXACT = "EXACT"
    MATCH = "MATCH"
    GLOB = "GLOB"
    RE = "RE"


class ArrayPredicateCombinator(enum.Enum):
    """How :meth:`ArrayCommands.argrep` combines its predicates (as redis-py's enum)."""

    AND = "AND"
    OR = "OR"


def _word(option: Any) -> Any:
    """An enum member's value (redis-py's enums and slotwise's), or the string given."""
    return getattr(option, "value", option)


def _str_keyed(reply: Any) -> Any:
    """ARINFO as redis-py gives it: a ``dict`` with ``str`` keys, from RESP2's flat
    ``[name, value, ...]`` or RESP3's map."""
    if isinstance(reply, list):
        it = iter(reply)
        reply = dict(zip(it, it))
    if isinstance(reply, dict):
        return {(k.decode() if isinstance(k, bytes) else k): v for k, v in reply.items()}
    return reply


class ArrayCommands(CommandsBase):
    """Arrays (Redis 8.8): sparse arrays of strings indexed by integers."""

    def arset(self, name: KeyT, index: int, *values: EncodableT) -> ResponseT:
        """Sets ``values`` at ``index``, ``index + 1``...; how many were empty before."""
        return self._call("ARSET", name, index, *values)

    def armset(self, name: KeyT, mapping: Mapping[int, EncodableT]) -> ResponseT:
        """Sets each ``{index: value}`` of ``mapping``; how many were empty before."""
        args: list[EncodableT] = ["ARMSET", name]
        for index, value in mapping.items():
            args += [index, value]
        return self._call(*args)

    def arget(self, name: KeyT, index: int) -> ResponseT:
        """The value at ``index``, or ``None``."""
        return self._call("ARGET", name, index)

    def armget(self, name: KeyT, *indices: int) -> ResponseT:
        """The values at ``indices``, in order (``None`` where empty)."""
        return self._call("ARMGET", name, *indices)

    def argetrange(self, name: KeyT, start: int, end: int) -> ResponseT:
        """The values from ``start`` to ``end`` (both included; ``None`` where empty)."""
        return self._call("ARGETRANGE", name, start, end)

    def arscan(
        self, name: KeyT, start: int, end: int, limit: Optional[int] = None
    ) -> ResponseT:
        """The set elements from ``start`` to ``end`` as ``[[index, value], ...]``, at most
        ``limit`` of them."""
        args: list[EncodableT] = ["ARSCAN", name, start, end]
        if limit is not None:
            args += ["LIMIT", limit]
        return self._call(*args)

    def argrep(
        self,
        name: KeyT,
        start: int,
        end: int,
        predicates: list[tuple[Any, EncodableT]],
        combinator: Optional[Any] = None,
        limit: Optional[int] = None,
        withvalues: bool = False,
        nocase: bool = False,
    ) -> ResponseT:
        """The indices from ``start`` to ``end`` whose values match ``predicates``
        (``[(ArrayPredicateType.GLOB, "a*"), ...]``, combined by ``combinator``
        :class:`ArrayPredicateCombinator` ``AND``/``OR``), at most ``limit``; with
        ``withvalues``, ``[[index, value], ...]``; ``nocase`` ignores case."""
        args: list[EncodableT] = ["ARGREP", name, start, end]
        for kind, value in predicates:
            args += [_word(kind), value]
        if combinator is not None:
            args.append(_word(combinator))
        if limit is not None:
            args += ["LIMIT", limit]
        if withvalues:
            args.append("WITHVALUES")
        if nocase:
            args.append("NOCASE")
        return self._call(*args)

    def ardel(self, name: KeyT, *indices: int) -> ResponseT:
        """Empties the elements at ``indices``; how many were set."""
        return self._call("ARDEL", name, *indices)

    def ardelrange(self, name: KeyT, *ranges: tuple[int, int]) -> ResponseT:
        """Empties each ``(start, end)`` range (ends included); how many were set."""
        args: list[EncodableT] = ["ARDELRANGE", name]
        for start, end in ranges:
            args += [start, end]
        return self._call(*args)

    def arcount(self, name: KeyT) -> ResponseT:
        """The number of set elements (0: no such key)."""
        return self._call("ARCOUNT", name)

    def arlen(self, name: KeyT) -> ResponseT:
        """The highest set index + 1 (0: no such key)."""
        return self._call("ARLEN", name)

    def arinfo(self, name: KeyT, full: bool = False) -> ResponseT:
        """The array's metadata as a ``dict`` with ``str`` keys (``count``, ``len``,
        ``next-insert-index``, ``slices``...; ``full`` adds the slice statistics)."""
        if full:
            return self._call_with(_str_keyed, "ARINFO", name, "FULL")
        return self._call_with(_str_keyed, "ARINFO", name)

    def arnext(self, name: KeyT) -> ResponseT:
        """The index the next :meth:`arinsert` would use (``None``: none left)."""
        return self._call("ARNEXT", name)

    def arseek(self, name: KeyT, index: int) -> ResponseT:
        """Moves the :meth:`arinsert`/:meth:`arring` cursor to ``index``; 1, or 0 when the
        key does not exist."""
        return self._call("ARSEEK", name, index)

    def arinsert(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Sets ``values`` at the cursor's next indices; the last index set."""
        return self._call("ARINSERT", name, *values)

    def arring(self, name: KeyT, size: int, *values: EncodableT) -> ResponseT:
        """Inserts ``values`` into a ring of ``size`` elements, wrapping around; the last
        index set."""
        return self._call("ARRING", name, size, *values)

    def arlastitems(self, name: KeyT, count: int, rev: bool = False) -> ResponseT:
        """The ``count`` most recently inserted values (``rev``: newest first)."""
        if rev:
            return self._call("ARLASTITEMS", name, count, "REV")
        return self._call("ARLASTITEMS", name, count)

    def arop(
        self,
        name: KeyT,
        start: int,
        end: int,
        operation: Union[ArrayAggregateOperations, Any],
        value: Optional[EncodableT] = None,
    ) -> ResponseT:
        """Aggregates the elements from ``start`` to ``end``: ``operation``
        (:class:`ArrayAggregateOperations`) ``SUM``/``MIN``/``MAX`` give the value as the
        server sends it, ``AND``/``OR``/``XOR``/``USED`` and ``MATCH`` (of ``value``) an
        ``int``; ``None`` when no element applies."""
        if value is not None:
            return self._call("AROP", name, start, end, _word(operation), value)
        return self._call("AROP", name, start, end, _word(operation))
