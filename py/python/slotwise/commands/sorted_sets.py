"""Sorted sets: ZADD, ZRANGE, ZUNIONSTORE..."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Union

from ..exceptions import DataError
from ._base import CommandsBase, EncodableT, KeyT, KeysT, ResponseT, ZKeysT, _flat_pairs, _list_or_args, _pop_scored, _score_pairs, _to_float, _zaggregate


class SortedSetCommands(CommandsBase):
    """Sorted sets: ZADD, ZRANGE, ZUNIONSTORE..."""

    def zadd(
        self,
        name: KeyT,
        mapping: Mapping[EncodableT, float],
        nx: bool = False,
        xx: bool = False,
        ch: bool = False,
        incr: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """Adds ``{member: score}``; the number added (changed with ``ch``; the new score
        with ``incr``)."""
        if not mapping:
            raise DataError("ZADD requires at least one element/score pair")
        if nx and xx:
            raise DataError("ZADD allows either 'nx' or 'xx', not both")
        if incr and len(mapping) != 1:
            raise DataError("ZADD option 'incr' only works when passing a single element/score pair")
        args: list[EncodableT] = ["ZADD", name]
        for flag, word in ((nx, "NX"), (xx, "XX"), (gt, "GT"), (lt, "LT"), (ch, "CH"), (incr, "INCR")):
            if flag:
                args.append(word)
        for member, score in mapping.items():
            args += [score, member]
        if incr:
            return self._call_with(_to_float, *args)
        return self._call(*args)

    def zrange(
        self,
        name: KeyT,
        start: Union[int, float, str],
        end: Union[int, float, str],
        desc: bool = False,
        withscores: bool = False,
        score_cast_func: Callable[[Any], Any] = float,
        byscore: bool = False,
        bylex: bool = False,
        offset: Optional[int] = None,
        num: Optional[int] = None,
    ) -> ResponseT:
        """Members by rank (or score/lex); with ``withscores``, ``(member, score)`` pairs."""
        args: list[EncodableT] = ["ZRANGE", name, start, end]
        if byscore:
            args.append("BYSCORE")
        if bylex:
            args.append("BYLEX")
        if desc:
            args.append("REV")
        if offset is not None and num is not None:
            args += ["LIMIT", offset, num]
        if withscores:
            args.append("WITHSCORES")
            if score_cast_func is not float:
                # The native conversion would hand over floats already; redis-py gives the
                # cast function the score as sent.
                return self._call_raw_with(_score_pairs(score_cast_func), *args)
        return self._call(*args)

    def zscore(self, name: KeyT, value: EncodableT) -> ResponseT:
        """The member's score as ``float``, or ``None``."""
        return self._call("ZSCORE", name, value)

    def zincrby(self, name: KeyT, amount: float, value: EncodableT) -> ResponseT:
        """Increments a member's score; the new score."""
        return self._call("ZINCRBY", name, amount, value)

    def zrem(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Removes members; the number removed."""
        return self._call("ZREM", name, *values)

    def zcard(self, name: KeyT) -> ResponseT:
        """Number of members."""
        return self._call("ZCARD", name)

    def bzpopmin(self, keys: KeysT, timeout: Optional[float] = 0) -> ResponseT:
        """Pops the lowest-scored member of the first non-empty sorted set of ``keys`` (one
        key or an iterable of keys, in one slot), waiting up to ``timeout`` seconds (0 or
        ``None``: forever): ``(key, member, score)``, or ``None`` on timeout."""
        return self._call_with(_pop_scored, "BZPOPMIN", *_list_or_args(keys, ()), timeout or 0)

    def bzpopmax(self, keys: KeysT, timeout: Optional[float] = 0) -> ResponseT:
        """As :meth:`bzpopmin`, popping the highest-scored member."""
        return self._call_with(_pop_scored, "BZPOPMAX", *_list_or_args(keys, ()), timeout or 0)

    def zunionstore(
        self, dest: KeyT, keys: ZKeysT, aggregate: Optional[str] = None
    ) -> ResponseT:
        """Stores the union of sorted sets in ``dest`` (all in one slot); its size.
        ``keys`` is one key, an iterable of keys, or ``{key: weight}``; ``aggregate`` is
        ``"SUM"`` (default), ``"MIN"``, ``"MAX"`` or ``"COUNT"``."""
        return self._call(*_zaggregate("ZUNIONSTORE", dest, keys, aggregate, False))

    def zinterstore(
        self, dest: KeyT, keys: ZKeysT, aggregate: Optional[str] = None
    ) -> ResponseT:
        """Stores the intersection of sorted sets in ``dest``; as :meth:`zunionstore`."""
        return self._call(*_zaggregate("ZINTERSTORE", dest, keys, aggregate, False))

    def zunion(
        self,
        keys: ZKeysT,
        aggregate: Optional[str] = None,
        withscores: bool = False,
        score_cast_func: Callable[[Any], Any] = float,
    ) -> ResponseT:
        """Members of the union of sorted sets (keys as for :meth:`zunionstore`); with
        ``withscores``, ``(member, score)`` pairs."""
        argv = _zaggregate("ZUNION", None, keys, aggregate, withscores)
        if withscores:
            return self._call_raw_with(_score_pairs(score_cast_func), *argv)
        return self._call(*argv)

    def zinter(self, keys: ZKeysT, aggregate: Optional[str] = None, withscores: bool = False) -> ResponseT:
        """Members of the intersection of sorted sets; as :meth:`zunion`."""
        argv = _zaggregate("ZINTER", None, keys, aggregate, withscores)
        if withscores:
            return self._call_raw_with(_score_pairs(float), *argv)
        return self._call(*argv)

    def zdiff(self, keys: KeysT, withscores: bool = False) -> ResponseT:
        """Members of the first sorted set in none of the others (keys in one slot); with
        ``withscores``, a flat ``[member, score, ...]`` list (scores as sent in RESP2), as
        redis-py gives it."""
        names = _list_or_args(keys, ())
        if withscores:
            return self._call_raw_with(_flat_pairs, "ZDIFF", len(names), *names, "WITHSCORES")
        return self._call("ZDIFF", len(names), *names)

    def zdiffstore(self, dest: KeyT, keys: KeysT) -> ResponseT:
        """Stores :meth:`zdiff` of the keys in ``dest`` (same slot); its size."""
        names = _list_or_args(keys, ())
        return self._call("ZDIFFSTORE", dest, len(names), *names)
