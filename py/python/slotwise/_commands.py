"""The command methods, written once with redis-py's names, arguments and return types, and
shared by :class:`slotwise.Cluster`, :class:`slotwise.asyncio.Cluster` and both pipelines.

Each method builds an argv and hands it to ``self._call`` (or ``self._call_with`` when the
reply needs a Python-side conversion): the sync client runs it, the asyncio client returns a
coroutine, a pipeline queues it and returns itself. Replies are converted in the native
module (``GET`` gives ``bytes``, ``SET`` gives ``True``, ``HGETALL`` a ``dict``, ...).
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Iterable, Mapping, Optional, Union

from .exceptions import DataError, RedisError

#: What commands accept as keys and values (like redis-py).
EncodableT = Union[bytes, bytearray, memoryview, str, int, float]
KeyT = Union[bytes, str, memoryview]
#: One key, or an iterable of keys (see :func:`_list_or_args`).
KeysT = Union[KeyT, Iterable[KeyT]]
#: Sorted-set keys: one key, an iterable of keys, or ``{key: weight}`` (WEIGHTS).
ZKeysT = Union[KeyT, Iterable[KeyT], Mapping[KeyT, float]]
#: Replies: ``bytes`` (``str`` with ``decode_responses=True``), ``int``, ``list``, ...
ResponseT = Any
ExpiryT = Union[int, datetime.timedelta]


def _seconds(t: ExpiryT) -> int:
    if isinstance(t, datetime.timedelta):
        return int(t.total_seconds())
    return t


def _millis(t: ExpiryT) -> int:
    if isinstance(t, datetime.timedelta):
        return int(t.total_seconds() * 1000)
    return t


def _info_value(value: str) -> Any:
    if "," not in value and "=" not in value:
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    if "=" not in value:
        return [_info_value(v) for v in value.split(",") if v]
    sub: dict[str, Any] = {}
    for item in value.split(","):
        if not item:
            continue
        if "=" in item:
            k, v = item.rsplit("=", 1)
            sub[k] = _info_value(v)
        else:
            sub[item] = True
    return sub


def parse_info(text: Union[str, bytes]) -> dict[str, Any]:
    """INFO text as a dict, as redis-py parses it (numbers become ``int``/``float``)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    info: dict[str, Any] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if ":" in line:
            key, value = line.split(":", 1)
            if key == "cmdstat_host":
                key, value = line.rsplit(":", 1)
            if key == "module":
                info.setdefault("modules", []).append(_info_value(value))
            else:
                info[key] = _info_value(value)
        else:
            info.setdefault("__raw__", []).append(line)
    return info


def _parse_cluster_info(reply: Any) -> Any:
    """INFO fanned out to every node: ``{node: {field: value}}``. A node that answered
    with an error (NOPERM, LOADING...) fails the call with that error (naming the node): a
    dict missing a node would read as a smaller cluster."""
    if isinstance(reply, dict):
        out: dict[str, Any] = {}
        for k, v in reply.items():
            node = k.decode() if isinstance(k, bytes) else k
            if isinstance(v, RedisError):
                if v.node is None:
                    v.node = node
                raise v
            out[node] = parse_info(v)
        return out
    if isinstance(reply, (str, bytes)):
        return parse_info(reply)
    return reply


def _score_pairs(cast: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``ZRANGE ... WITHSCORES`` replies (unconverted) as ``[(member, cast(score)), ...]``,
    ``cast`` getting the score as the server sent it, as in redis-py: ``bytes`` (``str``
    with ``decode_responses``) in RESP2, a ``float`` in RESP3."""

    def post(reply: Any) -> Any:
        if not isinstance(reply, list):
            return reply
        if reply and isinstance(reply[0], list):  # RESP3: [[member, score], ...]
            return [(m, cast(s)) for m, s in reply]
        it = iter(reply)
        return [(m, cast(s)) for m, s in zip(it, it)]

    return post


def _list_or_args(keys: Any, args: tuple[EncodableT, ...]) -> list[EncodableT]:
    """The items of a ``keys, *args`` signature, as redis-py's ``list_or_args`` makes them:
    ``keys`` is one item when it is a ``str``, ``bytes``, ``bytearray`` or ``memoryview``
    (iterable, but one name) or not iterable at all (an ``int``...), else an iterable of
    items (list, tuple, set, generator...); each of ``args`` is one more item."""
    if isinstance(keys, (str, bytes, bytearray, memoryview)):
        out: list[EncodableT] = [keys]
    else:
        try:
            it = iter(keys)
        except TypeError:
            out = [keys]  # not iterable: one item (the native module refuses a bad type)
        else:
            out = list(it)
    out.extend(args)
    return out


class Commands:
    """Redis commands with redis-py's signatures (see the module docstring)."""

    _call: Callable[..., Any]
    _call_with: Callable[..., Any]
    #: As ``_call_with``, the reply converted generically only (no per-command shape).
    _call_raw_with: Callable[..., Any]

    def execute_command(self, *args: EncodableT, **options: Any) -> ResponseT:
        """Runs any command: ``execute_command("HINCRBY", "h", "f", 1)``. The reply gets
        redis-py's conversion for the commands this module knows.

        redis-py's keyword options (``target_nodes=``...) are refused with
        :class:`DataError`: slotwise routes every command itself, by its keys."""
        if options:
            names = ", ".join(sorted(options))
            raise DataError(
                f"execute_command() does not take {names}: slotwise routes every command "
                "itself, by its keys (keyless commands go to one node or to every primary, "
                "as the command needs); drop the keyword(s)"
            )
        return self._call(*args)

    # -- strings ---------------------------------------------------------------------------

    def get(self, name: KeyT) -> ResponseT:
        """The value of ``name``, or ``None``."""
        return self._call("GET", name)

    def set(
        self,
        name: KeyT,
        value: EncodableT,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        nx: bool = False,
        xx: bool = False,
        keepttl: bool = False,
        get: bool = False,
        exat: Optional[int] = None,
        pxat: Optional[int] = None,
    ) -> ResponseT:
        """Sets ``name``: ``True``, or ``None`` when NX/XX prevented it (with ``get=True``,
        the old value)."""
        if ex is None and px is None and exat is None and pxat is None:
            if not (nx or xx or keepttl or get):
                return self._call("SET", name, value)  # the common case, kept short
        args: list[EncodableT] = ["SET", name, value]
        if ex is not None:
            args += ["EX", _seconds(ex)]
        if px is not None:
            args += ["PX", _millis(px)]
        if exat is not None:
            args += ["EXAT", exat]
        if pxat is not None:
            args += ["PXAT", pxat]
        if keepttl:
            args.append("KEEPTTL")
        if nx and xx:
            raise DataError("``nx`` and ``xx`` are mutually exclusive")
        if nx:
            args.append("NX")
        if xx:
            args.append("XX")
        if get:
            args.append("GET")
        return self._call(*args)

    def setex(self, name: KeyT, time: ExpiryT, value: EncodableT) -> ResponseT:
        """``SETEX``: sets with a timeout in seconds; ``True``."""
        return self._call("SETEX", name, _seconds(time), value)

    def setnx(self, name: KeyT, value: EncodableT) -> ResponseT:
        """``SETNX``: ``True`` if the key was set."""
        return self._call("SETNX", name, value)

    def mget(self, keys: Union[KeyT, Iterable[KeyT]], *args: EncodableT) -> ResponseT:
        """Values of many keys (any slots), in order; ``None`` for missing keys. ``keys`` is
        one key or an iterable of keys, ``args`` more keys (``mget("a")``,
        ``mget(["a", "b"], "c")``)."""
        return self._call("MGET", *_list_or_args(keys, args))

    def mset(self, mapping: Mapping[KeyT, EncodableT]) -> ResponseT:
        """Sets many keys (any slots); ``True``."""
        items: list[EncodableT] = ["MSET"]
        for k, v in mapping.items():
            items += [k, v]
        return self._call(*items)

    def incr(self, name: KeyT, amount: int = 1) -> ResponseT:
        """Increments by ``amount``; the new value."""
        return self._call("INCRBY", name, amount)

    def incrby(self, name: KeyT, amount: int = 1) -> ResponseT:
        """Increments by ``amount``; the new value."""
        return self._call("INCRBY", name, amount)

    def decr(self, name: KeyT, amount: int = 1) -> ResponseT:
        """Decrements by ``amount``; the new value."""
        return self._call("DECRBY", name, amount)

    def decrby(self, name: KeyT, amount: int = 1) -> ResponseT:
        """Decrements by ``amount``; the new value."""
        return self._call("DECRBY", name, amount)

    def incrbyfloat(self, name: KeyT, amount: float = 1.0) -> ResponseT:
        """Increments by a float; the new value as ``float``."""
        return self._call("INCRBYFLOAT", name, amount)

    def append(self, key: KeyT, value: EncodableT) -> ResponseT:
        """Appends to a string; the new length."""
        return self._call("APPEND", key, value)

    def strlen(self, name: KeyT) -> ResponseT:
        """Length of the string value."""
        return self._call("STRLEN", name)

    # -- keys ------------------------------------------------------------------------------

    def delete(self, *names: KeyT) -> ResponseT:
        """Deletes keys (any slots), each its own argument (``delete(*keys)``, as in
        redis-py); the number deleted."""
        return self._call("DEL", *names)

    def unlink(self, *names: KeyT) -> ResponseT:
        """Unlinks keys (any slots), each its own argument; the number unlinked."""
        return self._call("UNLINK", *names)

    def exists(self, *names: KeyT) -> ResponseT:
        """How many of the keys (any slots), each its own argument, exist."""
        return self._call("EXISTS", *names)

    def touch(self, *args: KeyT) -> ResponseT:
        """Updates the last access time of keys (any slots), each its own argument; the
        number of keys that exist."""
        return self._call("TOUCH", *args)

    def expire(
        self,
        name: KeyT,
        time: ExpiryT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """Sets a timeout in seconds; ``True`` if it was set."""
        args: list[EncodableT] = ["EXPIRE", name, _seconds(time)]
        for flag, word in ((nx, "NX"), (xx, "XX"), (gt, "GT"), (lt, "LT")):
            if flag:
                args.append(word)
        return self._call(*args)

    def pexpire(self, name: KeyT, time: ExpiryT) -> ResponseT:
        """Sets a timeout in milliseconds; ``True`` if it was set."""
        return self._call("PEXPIRE", name, _millis(time))

    def persist(self, name: KeyT) -> ResponseT:
        """Removes the timeout; ``True`` if there was one."""
        return self._call("PERSIST", name)

    def ttl(self, name: KeyT) -> ResponseT:
        """Seconds to live (-1 without timeout, -2 for a missing key)."""
        return self._call("TTL", name)

    def pttl(self, name: KeyT) -> ResponseT:
        """Milliseconds to live (-1 without timeout, -2 for a missing key)."""
        return self._call("PTTL", name)

    def type(self, name: KeyT) -> ResponseT:
        """The type of the value at ``name`` (``b"string"``, ``b"none"``...)."""
        return self._call("TYPE", name)

    def rename(self, src: KeyT, dst: KeyT) -> ResponseT:
        """Renames a key (both keys in one slot); ``True``."""
        return self._call("RENAME", src, dst)

    def keys(self, pattern: KeyT = "*") -> ResponseT:
        """Keys matching ``pattern`` on every primary (use :meth:`scan_iter` in production)."""
        return self._call("KEYS", pattern)

    def dbsize(self) -> ResponseT:
        """Number of keys in the cluster (summed over the primaries)."""
        return self._call("DBSIZE")

    # -- hashes ----------------------------------------------------------------------------

    def hget(self, name: KeyT, key: EncodableT) -> ResponseT:
        """A field's value, or ``None``."""
        return self._call("HGET", name, key)

    def hset(
        self,
        name: KeyT,
        key: Optional[EncodableT] = None,
        value: Optional[EncodableT] = None,
        mapping: Optional[Mapping[EncodableT, EncodableT]] = None,
        items: Optional[list[EncodableT]] = None,
    ) -> ResponseT:
        """Sets fields (``key``/``value``, ``mapping`` and/or flat ``items``); the number of
        fields added."""
        if key is None and not mapping and not items:
            raise DataError("'hset' with no key value pairs")
        args: list[EncodableT] = ["HSET", name]
        if key is not None:
            if value is None:
                raise DataError("'hset' needs a value with the key")
            args += [key, value]
        if items:
            args.extend(items)
        if mapping:
            for k, v in mapping.items():
                args += [k, v]
        return self._call(*args)

    def hgetall(self, name: KeyT) -> ResponseT:
        """Every field and value as a ``dict``."""
        return self._call("HGETALL", name)

    def hmget(
        self, name: KeyT, keys: Union[EncodableT, Iterable[EncodableT]], *args: EncodableT
    ) -> ResponseT:
        """Values of many fields, in order: ``keys`` is one field or an iterable of fields,
        ``args`` more fields (``hmget("h", "f")``, ``hmget("h", ["f", "g"], "i")``)."""
        return self._call("HMGET", name, *_list_or_args(keys, args))

    def hdel(self, name: KeyT, *keys: EncodableT) -> ResponseT:
        """Deletes fields; the number deleted."""
        return self._call("HDEL", name, *keys)

    def hlen(self, name: KeyT) -> ResponseT:
        """Number of fields."""
        return self._call("HLEN", name)

    def hincrby(self, name: KeyT, key: EncodableT, amount: int = 1) -> ResponseT:
        """Increments a field; the new value."""
        return self._call("HINCRBY", name, key, amount)

    def hexists(self, name: KeyT, key: EncodableT) -> ResponseT:
        """``True`` if the field exists."""
        return self._call("HEXISTS", name, key)

    # -- lists -----------------------------------------------------------------------------

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

    # -- sets ------------------------------------------------------------------------------

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
        """``True`` if ``value`` is a member."""
        return self._call("SISMEMBER", name, value)

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

    # -- sorted sets -----------------------------------------------------------------------

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

    # -- hyperloglogs ----------------------------------------------------------------------

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

    # -- server and scripting --------------------------------------------------------------

    def ping(self) -> ResponseT:
        """Pings every node; ``True`` when all answer."""
        return self._call("PING")

    def info(self, section: Optional[str] = None, *args: str) -> ResponseT:
        """INFO of every node, parsed: ``{"host:port": {"redis_version": "7.2.4", ...}}``."""
        argv: list[EncodableT] = ["INFO"]
        if section is not None:
            argv.append(section)
        argv.extend(args)
        return self._call_with(_parse_cluster_info, *argv)

    def flushall(self, asynchronous: bool = False) -> ResponseT:
        """Deletes every key on every primary; ``True``."""
        if asynchronous:
            return self._call("FLUSHALL", "ASYNC")
        return self._call("FLUSHALL")

    def eval(self, script: str, numkeys: int, *keys_and_args: EncodableT) -> ResponseT:
        """Runs a Lua script; its keys must share one slot."""
        return self._call("EVAL", script, numkeys, *keys_and_args)

    def evalsha(self, sha: str, numkeys: int, *keys_and_args: EncodableT) -> ResponseT:
        """Runs a cached Lua script by SHA1; its keys must share one slot."""
        return self._call("EVALSHA", sha, numkeys, *keys_and_args)

    def publish(self, channel: KeyT, message: EncodableT) -> ResponseT:
        """Publishes a message; the number of receivers (on the node that got it)."""
        return self._call("PUBLISH", channel, message)


def _to_float(r: Any) -> Any:
    return None if r is None else float(r)


def _ok_true(r: Any) -> Any:
    return True if r in (b"OK", "OK") else r


def _pop_pair(r: Any) -> Any:
    """BLPOP/BRPOP: ``(key, value)``, or ``None`` when the wait timed out."""
    return tuple(r) if r else None


def _pop_scored(r: Any) -> Any:
    """BZPOPMIN/BZPOPMAX: ``(key, member, float score)``, or ``None`` on timeout."""
    return (r[0], r[1], float(r[2])) if r else None


def _flat_pairs(r: Any) -> Any:
    """``ZDIFF ... WITHSCORES`` as redis-py gives it: RESP2's flat ``[member, score, ...]``
    (a RESP3 ``[[member, score], ...]`` is flattened, scores in RESP2's text form: ``str``
    when members are, with ``decode_responses``, else ``bytes``)."""
    if not isinstance(r, list) or not r or not isinstance(r[0], list):
        return r
    out: list[Any] = []
    for member, score in r:
        if isinstance(score, float):
            score = format(score, ".17g")
            if not isinstance(member, str):
                score = score.encode()
        out += [member, score]
    return out


_AGGREGATES = ("SUM", "MIN", "MAX", "COUNT")


def _zaggregate(
    command: str, dest: Optional[KeyT], keys: ZKeysT, aggregate: Optional[str], withscores: bool
) -> list[EncodableT]:
    """The argv of ZUNION/ZINTER(STORE): ``keys`` a ``{key: weight}`` mapping gives WEIGHTS."""
    argv: list[EncodableT] = [command]
    if dest is not None:
        argv.append(dest)
    weights: list[EncodableT] = []
    if isinstance(keys, Mapping):
        names: list[EncodableT] = list(keys.keys())
        weights = list(keys.values())
    else:
        names = _list_or_args(keys, ())
    argv.append(len(names))
    argv.extend(names)
    if weights:
        argv.append("WEIGHTS")
        argv.extend(weights)
    if aggregate:
        if not isinstance(aggregate, str) or aggregate.upper() not in _AGGREGATES:
            raise DataError(
                f"{command.lower()}() aggregate={aggregate!r}: use 'SUM', 'MIN', 'MAX' or 'COUNT'"
            )
        argv += ["AGGREGATE", aggregate]
    if withscores:
        argv.append("WITHSCORES")
    return argv
