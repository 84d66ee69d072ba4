"""Sorted sets: ZADD, ZRANGE, ZRANGEBYSCORE, ZPOPMIN, ZMPOP, ZUNIONSTORE, ZSCAN...

Replies take redis-py's shapes, which depend on the protocol: with scores, RESP2 (and
redis-py's default) gives ``[(member, score), ...]`` tuples, ``protocol=3`` gives
``[[member, score], ...]`` lists. ``score_cast_func`` gets each score as the server sent
it: the text (``bytes``, ``str`` with ``decode_responses``) in RESP2, a ``float`` in RESP3.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Mapping, Optional, TypeVar, Union

from ..exceptions import DataError
from ._base import (
    CommandsBase,
    EncodableT,
    KeyT,
    KeysT,
    ResponseT,
    ZKeysT,
    _flat_pairs,
    _list_or_args,
    _scan_page,
    _ScanItems,
    _to_float,
    _zaggregate,
)

#: A member name in a ``{member: score}`` mapping (as redis-py types it).
AnyKeyT = TypeVar("AnyKeyT", bytes, str, memoryview)
#: A score bound: a number, or text such as ``"(1"``, ``"-inf"``, ``"+inf"``.
ZScoreBoundT = Union[float, str]
#: What ``score_cast_func`` may be: ``float`` (the default), ``int``, any callable.
ScoreCastT = Union[type, Callable[[Any], Any]]

#: Commands whose RESP2 WITHSCORES reply the native module already gives as
#: ``[(member, float), ...]`` (the common case needs no Python pass).
_NATIVE_SCORED = frozenset({"ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE"})


def _text_cast(cast: ScoreCastT) -> Callable[[Any], Any]:
    """``cast`` for a score sent as text (RESP2): as redis-py, a cast that refuses the text
    (``int`` on ``b"2.5"`` or ``b"1.7e+18"``) gets the score as a ``float`` instead."""
    if cast is float:
        return float

    def safe(score: Any) -> Any:
        try:
            return cast(score)
        except (ValueError, TypeError):
            return cast(float(score))

    return safe


def _scored(resp3: bool, cast: ScoreCastT) -> Callable[[Any], Any]:
    """A WITHSCORES reply (unconverted) as redis-py shapes it: RESP2's flat
    ``[member, score, ...]`` as ``[(member, cast(score)), ...]``; RESP3's
    ``[[member, score], ...]`` as ``[[member, cast(score)], ...]``."""
    if resp3:

        def nested(reply: Any) -> Any:
            if not isinstance(reply, list):
                return reply
            return [[m, cast(s)] for m, s in reply]

        return nested
    text_cast = _text_cast(cast)

    def flat(reply: Any) -> Any:
        if not isinstance(reply, list):
            return reply
        it = iter(reply)
        return [(m, text_cast(s)) for m, s in zip(it, it)]

    return flat


def _popped(reply: Any) -> Any:
    """ZPOPMIN/ZPOPMAX in RESP2: ``[(member, float score), ...]``."""
    if not isinstance(reply, list):
        return reply
    it = iter(reply)
    return [(m, float(s)) for m, s in zip(it, it)]


def _ranked(resp3: bool, cast: ScoreCastT) -> Callable[[Any], Any]:
    """ZRANK/ZREVRANK WITHSCORE: ``[rank, cast(score)]``, or ``None`` (no such member)."""
    score_cast = cast if resp3 else _text_cast(cast)

    def post(reply: Any) -> Any:
        if not isinstance(reply, list) or len(reply) != 2:
            return reply
        return [reply[0], score_cast(reply[1])]

    return post


def _blocking_popped(resp3: bool) -> Callable[[Any], Any]:
    """BZPOPMIN/BZPOPMAX: ``(key, member, float score)`` (``protocol=3``: the
    ``[key, member, score]`` list as sent), or ``None`` when the wait timed out."""

    def post(reply: Any) -> Any:
        if not reply:
            return None
        key, member, score = reply
        return [key, member, score] if resp3 else (key, member, float(score))

    return post


def _scores(reply: Any) -> Any:
    """ZMSCORE: ``[float or None, ...]``."""
    if not isinstance(reply, list):
        return reply
    return [None if s is None else float(s) for s in reply]


def _zscan_page(cast: ScoreCastT) -> Callable[[Any], Any]:
    """ZSCAN: ``(int cursor, [(member, cast(score)), ...])`` (its scores are text in RESP3
    too)."""
    text_cast = _text_cast(cast)

    def post(reply: Any) -> Any:
        page = _scan_page(reply)
        if not isinstance(page, tuple):
            return page
        cursor, data = page
        it = iter(data)
        return cursor, [(m, text_cast(s)) for m, s in zip(it, it)]

    return post


def _min_or_max(min: Optional[bool], max: Optional[bool]) -> str:
    if bool(min) == bool(max):
        raise DataError("Either min or max, but not both must be set")
    return "MIN" if min else "MAX"


class SortedSetCommands(CommandsBase):
    """Sorted sets: ZADD, ZRANGE, ZRANGEBYSCORE, ZPOPMIN, ZMPOP, ZUNIONSTORE, ZSCAN..."""

    def _with_scores(self, cast: ScoreCastT, *argv: EncodableT) -> ResponseT:
        """Runs a WITHSCORES command, its reply shaped by :func:`_scored`."""
        if not self._resp3 and cast is float and argv[0] in _NATIVE_SCORED:
            return self._call(*argv)
        return self._call_raw_with(_scored(self._resp3, cast), *argv)

    # --- adding, counting, scores ---------------------------------------------------------

    def zadd(
        self,
        name: KeyT,
        mapping: Mapping[AnyKeyT, EncodableT],
        nx: bool = False,
        xx: bool = False,
        ch: bool = False,
        incr: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """Adds ``{member: score}``; the number added (changed with ``ch``; the new score
        with ``incr``, ``None`` if ``nx``/``xx``/``gt``/``lt`` kept it from changing)."""
        if not mapping:
            raise DataError("ZADD requires at least one element/score pair")
        if nx and xx:
            raise DataError("ZADD allows either 'nx' or 'xx', not both")
        if gt and lt:
            raise DataError("ZADD allows either 'gt' or 'lt', not both")
        if incr and len(mapping) != 1:
            raise DataError("ZADD option 'incr' only works when passing a single element/score pair")
        if nx and (gt or lt):
            raise DataError("Only one of 'nx', 'lt', or 'gt' may be defined.")
        args: list[EncodableT] = ["ZADD", name]
        for flag, word in ((nx, "NX"), (xx, "XX"), (ch, "CH"), (incr, "INCR"), (gt, "GT"), (lt, "LT")):
            if flag:
                args.append(word)
        for member, score in mapping.items():
            args += [score, member]
        if incr:
            return self._call_with(_to_float, *args)
        return self._call(*args)

    def zcard(self, name: KeyT) -> ResponseT:
        """Number of members."""
        return self._call("ZCARD", name)

    def zcount(self, name: KeyT, min: ZScoreBoundT, max: ZScoreBoundT) -> ResponseT:
        """Number of members scored between ``min`` and ``max`` (``"(1"``: exclusive,
        ``"-inf"``/``"+inf"``: unbounded)."""
        return self._call("ZCOUNT", name, min, max)

    def zlexcount(self, name: KeyT, min: EncodableT, max: EncodableT) -> ResponseT:
        """Number of members between ``min`` and ``max`` lexicographically (``"[a"``
        inclusive, ``"(a"`` exclusive, ``"-"``/``"+"`` unbounded)."""
        return self._call("ZLEXCOUNT", name, min, max)

    def zscore(self, name: KeyT, value: EncodableT) -> ResponseT:
        """The member's score as ``float``, or ``None``."""
        return self._call("ZSCORE", name, value)

    def zmscore(self, key: KeyT, members: List[EncodableT]) -> ResponseT:
        """The scores of ``members`` (a non-empty list), in order: ``float``, or ``None``
        for a member not in the set."""
        if not members:
            raise DataError("ZMSCORE members must be a non-empty list")
        return self._call_with(_scores, "ZMSCORE", key, *members)

    def zincrby(self, name: KeyT, amount: float, value: EncodableT) -> ResponseT:
        """Increments a member's score; the new score."""
        return self._call("ZINCRBY", name, amount, value)

    def zrank(
        self,
        name: KeyT,
        value: EncodableT,
        withscore: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> ResponseT:
        """The member's 0-based rank by ascending score, or ``None``; with ``withscore``
        (Redis 7.2+), ``[rank, score]``."""
        if withscore:
            return self._call_raw_with(
                _ranked(self._resp3, score_cast_func), "ZRANK", name, value, "WITHSCORE"
            )
        return self._call("ZRANK", name, value)

    def zrevrank(
        self,
        name: KeyT,
        value: EncodableT,
        withscore: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> ResponseT:
        """As :meth:`zrank`, ranking by descending score."""
        if withscore:
            return self._call_raw_with(
                _ranked(self._resp3, score_cast_func), "ZREVRANK", name, value, "WITHSCORE"
            )
        return self._call("ZREVRANK", name, value)

    # --- ranges ---------------------------------------------------------------------------

    def zrange(
        self,
        name: KeyT,
        start: EncodableT,
        end: EncodableT,
        desc: bool = False,
        withscores: bool = False,
        score_cast_func: ScoreCastT = float,
        byscore: bool = False,
        bylex: bool = False,
        offset: Optional[int] = None,
        num: Optional[int] = None,
    ) -> ResponseT:
        """Members by rank, ``start`` to ``end`` (or by score with ``byscore``, by lex
        with ``bylex``; ``desc`` reverses; ``offset``/``num`` slice); with ``withscores``,
        ``(member, score)`` pairs (``[member, score]`` with ``protocol=3``)."""
        if desc and not byscore and not bylex and offset is None and num is None:
            # As redis-py: ZREVRANGE (which servers before 6.2 know too).
            return self.zrevrange(name, start, end, withscores, score_cast_func)  # type: ignore[arg-type]
        return self._zrange("ZRANGE", None, name, start, end, desc, byscore, bylex, withscores, score_cast_func, offset, num)

    def _zrange(
        self,
        command: str,
        dest: Optional[KeyT],
        name: KeyT,
        start: EncodableT,
        end: EncodableT,
        desc: bool,
        byscore: bool,
        bylex: bool,
        withscores: bool,
        score_cast_func: ScoreCastT,
        offset: Optional[int],
        num: Optional[int],
    ) -> ResponseT:
        """ZRANGE and ZRANGESTORE, checked as redis-py checks them."""
        if byscore and bylex:
            raise DataError("``byscore`` and ``bylex`` can not be specified together.")
        if (offset is None) != (num is None):
            raise DataError("``offset`` and ``num`` must both be specified.")
        if bylex and withscores:
            raise DataError("``withscores`` not supported in combination with ``bylex``.")
        args: list[EncodableT] = [command]
        if dest:
            args.append(dest)
        args += [name, start, end]
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
            return self._with_scores(score_cast_func, *args)
        return self._call(*args)

    def zrevrange(
        self,
        name: KeyT,
        start: int,
        end: int,
        withscores: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> ResponseT:
        """Members by descending rank, ``start`` to ``end``; with ``withscores``,
        pairs as :meth:`zrange` gives them."""
        if withscores:
            return self._with_scores(score_cast_func, "ZREVRANGE", name, start, end, "WITHSCORES")
        return self._call("ZREVRANGE", name, start, end)

    def zrangestore(
        self,
        dest: KeyT,
        name: KeyT,
        start: EncodableT,
        end: EncodableT,
        byscore: bool = False,
        bylex: bool = False,
        desc: bool = False,
        offset: Optional[int] = None,
        num: Optional[int] = None,
    ) -> ResponseT:
        """Stores :meth:`zrange`'s members (with their scores) in ``dest`` (same slot as
        ``name``); its size."""
        return self._zrange("ZRANGESTORE", dest, name, start, end, desc, byscore, bylex, False, float, offset, num)

    def zrangebylex(
        self,
        name: KeyT,
        min: EncodableT,
        max: EncodableT,
        start: Optional[int] = None,
        num: Optional[int] = None,
    ) -> ResponseT:
        """Members between ``min`` and ``max`` lexicographically (as :meth:`zlexcount`);
        ``start``/``num`` slice the range."""
        return self._call(*_by_bounds("ZRANGEBYLEX", name, min, max, start, num))

    def zrevrangebylex(
        self,
        name: KeyT,
        max: EncodableT,
        min: EncodableT,
        start: Optional[int] = None,
        num: Optional[int] = None,
    ) -> ResponseT:
        """As :meth:`zrangebylex`, from ``max`` down to ``min``."""
        return self._call(*_by_bounds("ZREVRANGEBYLEX", name, max, min, start, num))

    def zrangebyscore(
        self,
        name: KeyT,
        min: ZScoreBoundT,
        max: ZScoreBoundT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        withscores: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> ResponseT:
        """Members scored between ``min`` and ``max`` (as :meth:`zcount`); ``start``/``num``
        slice the range; with ``withscores``, pairs as :meth:`zrange` gives them."""
        args = _by_bounds("ZRANGEBYSCORE", name, min, max, start, num)
        if withscores:
            return self._with_scores(score_cast_func, *args, "WITHSCORES")
        return self._call(*args)

    def zrevrangebyscore(
        self,
        name: KeyT,
        max: ZScoreBoundT,
        min: ZScoreBoundT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        withscores: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> ResponseT:
        """As :meth:`zrangebyscore`, from ``max`` down to ``min``."""
        args = _by_bounds("ZREVRANGEBYSCORE", name, max, min, start, num)
        if withscores:
            return self._with_scores(score_cast_func, *args, "WITHSCORES")
        return self._call(*args)

    def zrandmember(
        self, key: KeyT, count: Optional[int] = None, withscores: bool = False
    ) -> ResponseT:
        """A random member (``None``: no set); with ``count``, a list of up to ``count``
        distinct members (negative: ``-count`` members, repeats allowed). With
        ``withscores``, as redis-py: RESP2's flat ``[member, score, ...]`` (scores as
        sent), ``protocol=3``'s ``[[member, float], ...]``."""
        args: list[EncodableT] = ["ZRANDMEMBER", key]
        if count is not None:
            args.append(count)
        if withscores:
            args.append("WITHSCORES")
        return self._call(*args)

    # --- removing and popping -------------------------------------------------------------

    def zrem(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Removes members; the number removed."""
        return self._call("ZREM", name, *values)

    def zremrangebylex(self, name: KeyT, min: EncodableT, max: EncodableT) -> ResponseT:
        """Removes the members between ``min`` and ``max`` lexicographically; how many."""
        return self._call("ZREMRANGEBYLEX", name, min, max)

    def zremrangebyrank(self, name: KeyT, min: int, max: int) -> ResponseT:
        """Removes the members ranked ``min`` to ``max`` (0-based, negative from the
        highest score); how many."""
        return self._call("ZREMRANGEBYRANK", name, min, max)

    def zremrangebyscore(self, name: KeyT, min: ZScoreBoundT, max: ZScoreBoundT) -> ResponseT:
        """Removes the members scored between ``min`` and ``max``; how many."""
        return self._call("ZREMRANGEBYSCORE", name, min, max)

    def zpopmax(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        """Removes and returns up to ``count`` (default 1) highest-scored members:
        ``[(member, score), ...]``. With ``protocol=3``, as redis-py: ``[member, score]``
        without ``count``, ``[[member, score], ...]`` with it."""
        return self._zpop("ZPOPMAX", name, count)

    def zpopmin(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        """As :meth:`zpopmax`, the lowest-scored members."""
        return self._zpop("ZPOPMIN", name, count)

    def _zpop(self, command: str, name: KeyT, count: Optional[int]) -> ResponseT:
        args: list[EncodableT] = [command, name]
        if count is not None:
            args.append(count)
        if self._resp3:
            return self._call(*args)
        return self._call_raw_with(_popped, *args)

    def bzpopmin(self, keys: KeysT, timeout: Optional[float] = 0) -> ResponseT:
        """Pops the lowest-scored member of the first non-empty sorted set of ``keys`` (one
        key or an iterable of keys, in one slot), waiting up to ``timeout`` seconds (0 or
        ``None``: forever): ``(key, member, score)`` (``protocol=3``: a list), or ``None``
        on timeout."""
        return self._call_with(
            _blocking_popped(self._resp3), "BZPOPMIN", *_list_or_args(keys, ()), timeout or 0
        )

    def bzpopmax(self, keys: KeysT, timeout: Optional[float] = 0) -> ResponseT:
        """As :meth:`bzpopmin`, popping the highest-scored member."""
        return self._call_with(
            _blocking_popped(self._resp3), "BZPOPMAX", *_list_or_args(keys, ()), timeout or 0
        )

    def zmpop(
        self,
        num_keys: int,
        keys: List[KeyT],
        min: Optional[bool] = False,
        max: Optional[bool] = False,
        count: Optional[int] = 1,
    ) -> ResponseT:
        """Pops up to ``count`` members, the lowest-scored (``min=True``) or highest
        (``max=True``), from the first non-empty sorted set of ``keys`` (``num_keys`` of
        them, one slot): ``[key, [[member, score], ...]]`` (scores as sent: text in RESP2,
        ``float`` with ``protocol=3``), or ``None``."""
        args: list[EncodableT] = ["ZMPOP", num_keys, *keys, _min_or_max(min, max)]
        if count != 1:
            args += ["COUNT", _count(count)]
        return self._call(*args)

    def bzmpop(
        self,
        timeout: float,
        numkeys: int,
        keys: List[KeyT],
        min: Optional[bool] = False,
        max: Optional[bool] = False,
        count: Optional[int] = 1,
    ) -> ResponseT:
        """As :meth:`zmpop`, waiting up to ``timeout`` seconds (0: forever) for a member;
        ``None`` on timeout."""
        side = _min_or_max(min, max)
        return self._call("BZMPOP", timeout, numkeys, *keys, side, "COUNT", _count(count))

    # --- several sorted sets --------------------------------------------------------------

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
        score_cast_func: ScoreCastT = float,
    ) -> ResponseT:
        """Members of the union of sorted sets (keys as for :meth:`zunionstore`); with
        ``withscores``, pairs as :meth:`zrange` gives them."""
        argv = _zaggregate("ZUNION", None, keys, aggregate, withscores)
        if withscores:
            return self._with_scores(score_cast_func, *argv)
        return self._call(*argv)

    def zinter(self, keys: ZKeysT, aggregate: Optional[str] = None, withscores: bool = False) -> ResponseT:
        """Members of the intersection of sorted sets; as :meth:`zunion`."""
        argv = _zaggregate("ZINTER", None, keys, aggregate, withscores)
        if withscores:
            return self._with_scores(float, *argv)
        return self._call(*argv)

    def zintercard(self, numkeys: int, keys: List[KeyT], limit: int = 0) -> ResponseT:
        """Size of the intersection of ``keys`` (``numkeys`` of them, one slot), counting
        up to ``limit`` (0: no limit)."""
        return self._call("ZINTERCARD", numkeys, *keys, "LIMIT", limit)

    def zdiff(self, keys: KeysT, withscores: bool = False) -> ResponseT:
        """Members of the first sorted set in none of the others (keys in one slot). With
        ``withscores``, as redis-py: a flat ``[member, score, ...]`` list (scores as RESP2
        sends them), ``[[member, float], ...]`` with ``protocol=3``."""
        names = _list_or_args(keys, ())
        if withscores:
            if self._resp3:
                return self._call("ZDIFF", len(names), *names, "WITHSCORES")
            return self._call_raw_with(_flat_pairs, "ZDIFF", len(names), *names, "WITHSCORES")
        return self._call("ZDIFF", len(names), *names)

    def zdiffstore(self, dest: KeyT, keys: KeysT) -> ResponseT:
        """Stores :meth:`zdiff` of the keys in ``dest`` (same slot); its size."""
        names = _list_or_args(keys, ())
        return self._call("ZDIFFSTORE", dest, len(names), *names)

    # --- scanning -------------------------------------------------------------------------

    def zscan(
        self,
        name: KeyT,
        cursor: int = 0,
        match: Optional[EncodableT] = None,
        count: Optional[int] = None,
        score_cast_func: ScoreCastT = float,
    ) -> ResponseT:
        """One page of members: ``(next cursor, [(member, score), ...])`` (cursor 0: done)."""
        argv: list[EncodableT] = ["ZSCAN", name, cursor]
        if match is not None:
            argv += ["MATCH", match]
        if count is not None:
            argv += ["COUNT", count]
        return self._call_raw_with(_zscan_page(score_cast_func), *argv)

    def zscan_iter(
        self,
        name: KeyT,
        match: Optional[EncodableT] = None,
        count: Optional[int] = None,
        score_cast_func: ScoreCastT = float,
    ) -> _ScanItems:
        """Every ``(member, score)`` of the sorted set, walking the cursor: ``for`` on the
        sync client, ``async for`` on the asyncio client."""

        def fetch(cursor: int) -> Any:
            return self.zscan(name, cursor=cursor, match=match, count=count, score_cast_func=score_cast_func)

        def items(data: Any) -> Iterable[Any]:
            return list(data)

        return _ScanItems("zscan_iter", fetch, items)


def _by_bounds(
    command: str,
    name: KeyT,
    first: EncodableT,
    second: EncodableT,
    start: Optional[int],
    num: Optional[int],
) -> list[EncodableT]:
    """The argv of Z(REV)RANGEBYSCORE/LEX: ``start`` and ``num`` give LIMIT, both or
    neither."""
    if (start is None) != (num is None):
        raise DataError("``start`` and ``num`` must both be specified")
    args: list[EncodableT] = [command, name, first, second]
    if start is not None and num is not None:
        args += ["LIMIT", start, num]
    return args


def _count(count: Optional[int]) -> int:
    if count is None:
        raise DataError("count=None: pass an int of at least 1 (the default is 1)")
    return count
