"""Lists: LPUSH, LPOP, BLPOP, LRANGE, LMOVE, LMPOP..."""

from __future__ import annotations

from typing import Any, Optional

from ..exceptions import DataError

from ._base import CommandsBase, EncodableT, KeyT, KeysT, ResponseT, _list_or_args, _pop_pair


class ListCommands(CommandsBase):
    """Lists: LPUSH, LPOP, BLPOP, LRANGE, LMOVE, LMPOP..."""

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
        return self._call_with(_pop_pair(self._resp3), "BLPOP", *_list_or_args(keys, ()), timeout or 0)

    def brpop(self, keys: KeysT, timeout: Optional[float] = 0) -> ResponseT:
        """As :meth:`blpop`, popping from the tail."""
        return self._call_with(_pop_pair(self._resp3), "BRPOP", *_list_or_args(keys, ()), timeout or 0)

    def lrange(self, name: KeyT, start: int, end: int) -> ResponseT:
        """Elements ``start`` to ``end`` (inclusive; negative from the end)."""
        return self._call("LRANGE", name, start, end)

    def llen(self, name: KeyT) -> ResponseT:
        """Length of the list."""
        return self._call("LLEN", name)

    def lpushx(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Pushes to the head if the list exists; its length (0: no list)."""
        return self._call("LPUSHX", name, *values)

    def rpushx(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Pushes to the tail if the list exists; its length (0: no list)."""
        return self._call("RPUSHX", name, *values)

    def lindex(self, name: KeyT, index: int) -> ResponseT:
        """The element at ``index`` (negative from the end), or ``None``."""
        return self._call("LINDEX", name, index)

    def lset(self, name: KeyT, index: int, value: EncodableT) -> ResponseT:
        """Sets the element at ``index``; ``True``."""
        return self._call("LSET", name, index, value)

    def linsert(
        self, name: KeyT, where: str, refvalue: EncodableT, value: EncodableT
    ) -> ResponseT:
        """Inserts ``value`` ``where`` (``"BEFORE"`` or ``"AFTER"``) the first ``refvalue``;
        the new length, -1 when ``refvalue`` is not there (0: no list)."""
        return self._call("LINSERT", name, where, refvalue, value)

    def lrem(self, name: KeyT, count: int, value: EncodableT) -> ResponseT:
        """Removes ``count`` elements equal to ``value`` (from the head; negative: from the
        tail; 0: all); the number removed."""
        return self._call("LREM", name, count, value)

    def ltrim(self, name: KeyT, start: int, end: int) -> ResponseT:
        """Keeps elements ``start`` to ``end`` (inclusive); ``True``."""
        return self._call("LTRIM", name, start, end)

    def lpos(
        self,
        name: KeyT,
        value: EncodableT,
        rank: Optional[int] = None,
        count: Optional[int] = None,
        maxlen: Optional[int] = None,
    ) -> ResponseT:
        """Index of ``value`` (``None`` if absent); ``rank``: the rank-th match (negative:
        from the tail); ``count``: a list of up to ``count`` indexes (0: all);
        ``maxlen``: compare at most that many elements."""
        argv: list[EncodableT] = ["LPOS", name, value]
        if rank is not None:
            argv += ["RANK", rank]
        if count is not None:
            argv += ["COUNT", count]
        if maxlen is not None:
            argv += ["MAXLEN", maxlen]
        return self._call(*argv)

    def rpoplpush(self, src: KeyT, dst: KeyT) -> ResponseT:
        """Pops from the tail of ``src`` and pushes to the head of ``dst`` (same slot);
        the element, or ``None``."""
        return self._call("RPOPLPUSH", src, dst)

    def brpoplpush(self, src: KeyT, dst: KeyT, timeout: Optional[float] = 0) -> ResponseT:
        """As :meth:`rpoplpush`, waiting up to ``timeout`` seconds (0 or ``None``: forever);
        ``None`` on timeout."""
        return self._call("BRPOPLPUSH", src, dst, 0 if timeout is None else timeout)

    def lmove(
        self, first_list: KeyT, second_list: KeyT, src: str = "LEFT", dest: str = "RIGHT"
    ) -> ResponseT:
        """Pops from the ``src`` end (``"LEFT"``/``"RIGHT"``) of ``first_list`` and pushes
        to the ``dest`` end of ``second_list`` (same slot); the element, or ``None``."""
        return self._call("LMOVE", first_list, second_list, src, dest)

    def blmove(
        self,
        first_list: KeyT,
        second_list: KeyT,
        timeout: float,
        src: str = "LEFT",
        dest: str = "RIGHT",
    ) -> ResponseT:
        """As :meth:`lmove`, waiting up to ``timeout`` seconds (0: forever); ``None`` on
        timeout."""
        return self._call("BLMOVE", first_list, second_list, src, dest, timeout)

    def lmovem(
        self,
        first_list: KeyT,
        second_list: KeyT,
        src: str = "LEFT",
        dest: str = "RIGHT",
        count: Optional[int] = None,
        mode: Optional[str] = None,
        ordering: Optional[str] = None,
    ) -> ResponseT:
        """LMOVEM (Redis 8.10): as :meth:`lmove` for several elements (same slot). Without
        ``count``, one element; with it, up to ``count`` (``mode="COUNT"``, the default) or
        exactly ``count`` or none (``mode="EXACTLY"``), pushed one by one (``ordering=
        "OBO"``, reversing them) or as a block (``"BULK"``; ``ordering`` is required with
        ``count``). The moved elements in destination order, or ``None``."""
        args: list[EncodableT] = ["LMOVEM", first_list, second_list, src, dest]
        return self._call(*args, *_movem_how_many("lmovem", count, mode, ordering))

    def blmovem(
        self,
        first_list: KeyT,
        second_list: KeyT,
        timeout: float,
        src: str = "LEFT",
        dest: str = "RIGHT",
        count: Optional[int] = None,
        mode: Optional[str] = None,
        ordering: Optional[str] = None,
    ) -> ResponseT:
        """BLMOVEM (Redis 8.10): :meth:`lmovem` waiting up to ``timeout`` seconds (0:
        forever) for the elements (``EXACTLY``: for ``count`` of them); ``None`` on
        timeout."""
        args: list[EncodableT] = ["BLMOVEM", first_list, second_list, src, dest, timeout]
        return self._call(*args, *_movem_how_many("blmovem", count, mode, ordering))

    def lmpop(
        self, num_keys: int, *args: KeyT, direction: str, count: Optional[int] = 1
    ) -> ResponseT:
        """Pops up to ``count`` elements from the ``direction`` end (``"LEFT"``/``"RIGHT"``)
        of the first non-empty list of ``args`` (``num_keys`` keys, one slot):
        ``[key, [element, ...]]``, or ``None``."""
        argv: list[EncodableT] = ["LMPOP", num_keys, *args, direction]
        if count != 1:
            argv += ["COUNT", _count(count)]
        return self._call(*argv)

    def blmpop(
        self,
        timeout: float,
        numkeys: int,
        *args: KeyT,
        direction: str,
        count: Optional[int] = 1,
    ) -> ResponseT:
        """As :meth:`lmpop`, waiting up to ``timeout`` seconds (0: forever); ``None`` on
        timeout."""
        return self._call("BLMPOP", timeout, numkeys, *args, direction, "COUNT", _count(count))


def _count(count: Optional[int]) -> int:
    if count is None:
        raise DataError("count=None: pass an int of at least 1 (the default is 1)")
    return count


def _movem_how_many(
    command: str, count: Optional[int], mode: Optional[str], ordering: Optional[str]
) -> list[EncodableT]:
    """The optional ``COUNT|EXACTLY n OBO|BULK`` block of LMOVEM/BLMOVEM, checked as
    redis-py checks it: ``mode`` and ``ordering`` only with ``count``, and ``ordering``
    required with it."""
    if count is None:
        if mode is not None or ordering is not None:
            raise DataError(
                f"{command}(): ``count`` is required when ``mode`` or ``ordering`` is set"
            )
        return []
    if ordering is None:
        raise DataError(
            f"{command}(): ``ordering`` (OBO or BULK) is required when ``count`` is set"
        )
    return [mode or "COUNT", count, ordering]
