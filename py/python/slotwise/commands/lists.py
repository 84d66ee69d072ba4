"""Lists: LPUSH, LPOP, BLPOP, LRANGE..."""

from __future__ import annotations

from typing import Optional

from ._base import CommandsBase, EncodableT, KeyT, KeysT, ResponseT, _list_or_args, _pop_pair


class ListCommands(CommandsBase):
    """Lists: LPUSH, LPOP, BLPOP, LRANGE..."""

    def lpush(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Pushes to the head; the new length."""
        return self._call("LPUSH", name, *values)

    def rpush(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Pushes to the tail; the new length."""
        return self._call("RPUSH", name, *values)

    def lpop(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        """Pops from the head (a list when ``count`` is given)."""
        return self._call("LPOP", name) if count is None else self._call("LPOP", name, count)

    def rpop(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        """Pops from the tail (a list when ``count`` is given)."""
        return self._call("RPOP", name) if count is None else self._call("RPOP", name, count)

    def blpop(self, keys: KeysT, timeout: Optional[float] = 0) -> ResponseT:
        """Pops from the head of the first non-empty list of ``keys`` (one key or an
        iterable of keys, in one slot), waiting up to ``timeout`` seconds for one (0 or
        ``None``: forever): ``(key, value)``, or ``None`` on timeout."""
        return self._call_with(_pop_pair, "BLPOP", *_list_or_args(keys, ()), timeout or 0)

    def brpop(self, keys: KeysT, timeout: Optional[float] = 0) -> ResponseT:
        """As :meth:`blpop`, popping from the tail."""
        return self._call_with(_pop_pair, "BRPOP", *_list_or_args(keys, ()), timeout or 0)

    def lrange(self, name: KeyT, start: int, end: int) -> ResponseT:
        """Elements ``start`` to ``end`` (inclusive; negative from the end)."""
        return self._call("LRANGE", name, start, end)

    def llen(self, name: KeyT) -> ResponseT:
        """Length of the list."""
        return self._call("LLEN", name)
