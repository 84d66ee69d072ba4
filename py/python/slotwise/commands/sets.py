"""Sets: SADD, SMEMBERS, SINTER, SPOP, SSCAN..."""

from __future__ import annotations

from typing import Any, Iterable, Optional, Union

from ._base import (
    CommandsBase,
    EncodableT,
    KeyT,
    KeysT,
    ResponseT,
    _as_int,
    _as_list,
    _list_or_args,
    _scan_page,
    _ScanItems,
)


class SetCommands(CommandsBase):
    """Sets: SADD, SMEMBERS, SINTER, SPOP, SSCAN..."""

    def sadd(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Adds members; the number added."""
        return self._call("SADD", name, *values)

    def srem(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Removes members; the number removed."""
        return self._call("SREM", name, *values)

    def smembers(self, name: KeyT) -> ResponseT:
        """Every member as a ``set``."""
        return self._call("SMEMBERS", name)

    def sismember(self, name: KeyT, value: EncodableT) -> ResponseT:
        """1 if ``value`` is a member, else 0."""
        return self._call_with(_as_int, "SISMEMBER", name, value)

    def scard(self, name: KeyT) -> ResponseT:
        """Number of members."""
        return self._call("SCARD", name)

    def sinter(self, keys: KeysT, *args: KeyT) -> ResponseT:
        """Members in every set, as a ``set``: ``keys`` is one key or an iterable of keys,
        ``args`` more keys (all in one slot)."""
        return self._call("SINTER", *_list_or_args(keys, args))

    def sunion(self, keys: KeysT, *args: KeyT) -> ResponseT:
        """Members in any of the sets, as a ``set`` (keys as for :meth:`sinter`)."""
        return self._call("SUNION", *_list_or_args(keys, args))

    def sdiff(self, keys: KeysT, *args: KeyT) -> ResponseT:
        """Members of the first set in none of the others, as a ``set`` (keys as for
        :meth:`sinter`)."""
        return self._call("SDIFF", *_list_or_args(keys, args))

    def sinterstore(self, dest: KeyT, keys: KeysT, *args: KeyT) -> ResponseT:
        """Stores :meth:`sinter` of the keys in ``dest`` (same slot); its size."""
        return self._call("SINTERSTORE", dest, *_list_or_args(keys, args))

    def sunionstore(self, dest: KeyT, keys: KeysT, *args: KeyT) -> ResponseT:
        """Stores :meth:`sunion` of the keys in ``dest`` (same slot); its size."""
        return self._call("SUNIONSTORE", dest, *_list_or_args(keys, args))

    def sdiffstore(self, dest: KeyT, keys: KeysT, *args: KeyT) -> ResponseT:
        """Stores :meth:`sdiff` of the keys in ``dest`` (same slot); its size."""
        return self._call("SDIFFSTORE", dest, *_list_or_args(keys, args))

    def smismember(
        self, name: KeyT, values: Union[EncodableT, Iterable[EncodableT]], *args: EncodableT
    ) -> ResponseT:
        """Per value, in order: 1 if a member, else 0 (``values`` one value or an iterable
        of values, ``args`` more values)."""
        return self._call("SMISMEMBER", name, *_list_or_args(values, args))

    def smove(self, src: KeyT, dst: KeyT, value: EncodableT) -> ResponseT:
        """Moves ``value`` from ``src`` to ``dst`` (same slot); ``True`` if it was moved."""
        return self._call("SMOVE", src, dst, value)

    def spop(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        """Removes a random member and returns it (``None``: empty set); with ``count``, a
        list of up to ``count`` members."""
        if count is None:
            return self._call("SPOP", name)
        return self._call_with(_as_list, "SPOP", name, count)

    def srandmember(self, name: KeyT, number: Optional[int] = None) -> ResponseT:
        """A random member (``None``: empty set); with ``number``, a list of up to
        ``number`` distinct members (negative: ``-number`` members, repeats allowed)."""
        if number is None:
            return self._call("SRANDMEMBER", name)
        return self._call_with(_as_list, "SRANDMEMBER", name, number)

    def sintercard(self, numkeys: int, keys: list[KeyT], limit: int = 0) -> ResponseT:
        """Size of the intersection of ``keys`` (``numkeys`` of them, one slot), counting
        up to ``limit`` (0: no limit)."""
        return self._call("SINTERCARD", numkeys, *keys, "LIMIT", limit)

    def sdiffcard(self, numkeys: int, keys: list[KeyT], limit: int = 0) -> ResponseT:
        """SDIFFCARD (Redis 8.8): size of the difference of the first of ``keys`` and the
        others (``numkeys`` of them, one slot), counting up to ``limit`` (0: no limit)."""
        return self._call("SDIFFCARD", numkeys, *keys, "LIMIT", limit)

    def sunioncard(
        self, numkeys: int, keys: list[KeyT], limit: int = 0, approx: bool = False
    ) -> ResponseT:
        """SUNIONCARD (Redis 8.8): size of the union of ``keys`` (``numkeys`` of them, one
        slot), counting up to ``limit`` (0: no limit); ``approx`` asks for the server's
        HyperLogLog estimate instead of the exact count."""
        args: list[EncodableT] = ["SUNIONCARD", numkeys, *keys]
        if approx:
            args.append("APPROX")
        args += ["LIMIT", limit]
        return self._call(*args)

    def sscan(
        self,
        name: KeyT,
        cursor: int = 0,
        match: Optional[EncodableT] = None,
        count: Optional[int] = None,
    ) -> ResponseT:
        """One page of members: ``(next cursor, [member, ...])`` (0: done)."""
        argv: list[EncodableT] = ["SSCAN", name, cursor]
        if match is not None:
            argv += ["MATCH", match]
        if count is not None:
            argv += ["COUNT", count]
        return self._call_with(_scan_page, *argv)

    def sscan_iter(
        self, name: KeyT, match: Optional[EncodableT] = None, count: Optional[int] = None
    ) -> _ScanItems:
        """Every member of the set, walking the cursor: ``for`` on the sync client,
        ``async for`` on the asyncio client."""

        def fetch(cursor: int) -> Any:
            return self.sscan(name, cursor=cursor, match=match, count=count)

        def items(data: Any) -> Iterable[Any]:
            return list(data)

        return _ScanItems("sscan_iter", fetch, items)
