"""Strings: GET, SET and friends."""

from __future__ import annotations

import datetime
import enum
from typing import Any, Iterable, Mapping, Optional, Union

from .. import _native
from ..exceptions import CrossSlotError, DataError, _error
from ._base import (
    AbsExpiryT,
    CommandsBase,
    EncodableT,
    ExpiryT,
    KeyT,
    ResponseT,
    _list_or_args,
    _millis,
    _seconds,
)


def _one_slot(command: str, keys: list[Any], instead: str) -> None:
    """Raises :class:`CrossSlotError` (a ``RedisClusterException``, with redis-py's message)
    when ``keys`` span slots."""
    slots = [_key_slot(k) for k in keys]
    if len(set(slots)) > 1:
        err = _error(
            CrossSlotError,
            f"{command} - all keys must map to the same key slot (use {instead}() for keys "
            "of several slots, or a {hash tag} shared by the keys)",
            "CROSSSLOT",
        )
        err.keys = [k.decode(errors="replace") if isinstance(k, bytes) else str(k) for k in keys]
        err.slots = slots
        raise err


def _at_most_one(flags: Iterable[bool]) -> bool:
    return sum(1 for f in flags if f) <= 1


def _expiry_args(
    command: str,
    ex: Optional[ExpiryT],
    px: Optional[ExpiryT],
    exat: Optional[AbsExpiryT],
    pxat: Optional[AbsExpiryT],
) -> list[EncodableT]:
    """The EX/PX/EXAT/PXAT words of SET and GETEX (at most one given), validated as
    redis-py does: ``ex`` an ``int``, a digit string or a ``timedelta``; ``px`` an ``int``
    or a ``timedelta``; ``exat``/``pxat`` a Unix time or a ``datetime``."""
    if ex is not None:
        if isinstance(ex, datetime.timedelta):
            return ["EX", int(ex.total_seconds())]
        if isinstance(ex, int):
            return ["EX", ex]
        if isinstance(ex, str) and ex.isdigit():
            return ["EX", int(ex)]
        raise DataError(
            f"{command}() ex={ex!r}: ex must be datetime.timedelta or int (whole seconds; "
            "use px= for milliseconds)"
        )
    if px is not None:
        if isinstance(px, datetime.timedelta):
            return ["PX", int(px.total_seconds() * 1000)]
        if isinstance(px, int):
            return ["PX", px]
        raise DataError(
            f"{command}() px={px!r}: px must be datetime.timedelta or int (whole milliseconds)"
        )
    if exat is not None:
        if isinstance(exat, datetime.datetime):
            exat = int(exat.timestamp())
        return ["EXAT", exat]
    if pxat is not None:
        if isinstance(pxat, datetime.datetime):
            pxat = int(pxat.timestamp() * 1000)
        return ["PXAT", pxat]
    return []


def _key_slot(key: Any) -> int:
    """The cluster slot of ``key``, hashed from the bytes the command sends (the native
    module's hash: hash tags honoured): to count the slots ``mset_nonatomic`` spans
    (redis-py's reply has one entry per slot) and to refuse an MGET/MSET over several."""
    return _native.key_slot(key)


def _empty_list(_reply: Any) -> Any:
    return []


class DataPersistOptions(enum.Enum):
    """:meth:`StringCommands.msetex`'s ``data_persist_option`` (as redis-py's enum of that
    name, which is accepted too, as are the strings ``"NX"``/``"XX"``)."""

    #: Set the keys only if none of them exists.
    NX = "NX"
    #: Set the keys only if all of them exist.
    XX = "XX"


class StringCommands(CommandsBase):
    """Strings: GET, SET and friends."""

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
        exat: Optional[AbsExpiryT] = None,
        pxat: Optional[AbsExpiryT] = None,
        ifeq: Optional[Union[bytes, str]] = None,
        ifne: Optional[Union[bytes, str]] = None,
        ifdeq: Optional[str] = None,
        ifdne: Optional[str] = None,
    ) -> ResponseT:
        """Sets ``name``: ``True``, or ``None`` when a condition (NX, XX, IFEQ...) prevented
        it; with ``get=True``, the old value (``None`` if there was none).

        At most one of ``ex``, ``px``, ``exat``, ``pxat``, ``keepttl``, and at most one of
        ``nx``, ``xx``, ``ifeq``, ``ifne``, ``ifdeq``, ``ifdne`` (else :class:`DataError`).
        ``ifeq``/``ifne``/``ifdeq``/``ifdne`` need Redis 8.4."""
        if not _at_most_one(
            (ex is not None, px is not None, exat is not None, pxat is not None, keepttl)
        ):
            raise DataError(
                "set(): ex, px, exat, pxat and keepttl are mutually exclusive; give at most "
                "one of them"
            )
        conditions = (
            nx,
            xx,
            ifeq is not None,
            ifne is not None,
            ifdeq is not None,
            ifdne is not None,
        )
        if not _at_most_one(conditions):
            raise DataError(
                "set(): nx, xx, ifeq, ifne, ifdeq and ifdne are mutually exclusive; give at "
                "most one of them"
            )
        if not any(conditions) and not get and not keepttl:
            if ex is None and px is None and exat is None and pxat is None:
                return self._call("SET", name, value)  # the common case, kept short
        args: list[EncodableT] = ["SET", name, value]
        if nx:
            args.append("NX")
        elif xx:
            args.append("XX")
        elif ifeq is not None:
            args += ["IFEQ", ifeq]
        elif ifne is not None:
            args += ["IFNE", ifne]
        elif ifdeq is not None:
            args += ["IFDEQ", ifdeq]
        elif ifdne is not None:
            args += ["IFDNE", ifdne]
        if get:
            args.append("GET")
        args += _expiry_args("set", ex, px, exat, pxat)
        if keepttl:
            args.append("KEEPTTL")
        return self._call(*args)

    def __setitem__(self, name: KeyT, value: EncodableT) -> None:
        """``rc[name] = value``: :meth:`set` (sync client only, as in redis-py)."""
        _refuse_on_asyncio(self, "assignment")
        self.set(name, value)

    def __getitem__(self, name: KeyT) -> ResponseT:
        """``rc[name]``: the value, or :class:`KeyError` when the key does not exist (sync
        client only, as in redis-py)."""
        _refuse_on_asyncio(self, "retrieval")
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def setex(self, name: KeyT, time: ExpiryT, value: EncodableT) -> ResponseT:
        """``SETEX``: sets with a timeout in seconds; ``True``."""
        return self._call("SETEX", name, _seconds(time), value)

    def psetex(self, name: KeyT, time_ms: ExpiryT, value: EncodableT) -> ResponseT:
        """``PSETEX``: sets with a timeout in milliseconds (or a ``timedelta``); ``True``."""
        return self._call("PSETEX", name, _millis(time_ms), value)

    def setnx(self, name: KeyT, value: EncodableT) -> ResponseT:
        """``SETNX``: ``True`` if the key was set."""
        return self._call("SETNX", name, value)

    def getset(self, name: KeyT, value: EncodableT) -> ResponseT:
        """Sets ``name`` and returns its old value (``None`` if it had none)."""
        return self._call("GETSET", name, value)

    def getdel(self, name: KeyT) -> ResponseT:
        """Returns the value of ``name`` (or ``None``) and deletes the key."""
        return self._call("GETDEL", name)

    def getex(
        self,
        name: KeyT,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        exat: Optional[AbsExpiryT] = None,
        pxat: Optional[AbsExpiryT] = None,
        persist: bool = False,
    ) -> ResponseT:
        """The value of ``name`` (or ``None``), setting or removing (``persist``) its
        timeout; at most one of ``ex``, ``px``, ``exat``, ``pxat``, ``persist``."""
        if not _at_most_one(
            (ex is not None, px is not None, exat is not None, pxat is not None, persist)
        ):
            raise DataError(
                "getex(): ex, px, exat, pxat and persist are mutually exclusive; give at "
                "most one of them"
            )
        args: list[EncodableT] = ["GETEX", name]
        args += _expiry_args("getex", ex, px, exat, pxat)
        if persist:
            args.append("PERSIST")
        return self._call(*args)

    def getrange(self, key: KeyT, start: int, end: int) -> ResponseT:
        """The substring from ``start`` to ``end`` (both included, negative from the end)."""
        return self._call("GETRANGE", key, start, end)

    def substr(self, name: KeyT, start: int, end: int = -1) -> ResponseT:
        """As :meth:`getrange`, ``end`` defaulting to the last byte."""
        return self._call("SUBSTR", name, start, end)

    def setrange(self, name: KeyT, offset: int, value: EncodableT) -> ResponseT:
        """Overwrites from ``offset`` (zero-padding as needed); the new length."""
        return self._call("SETRANGE", name, offset, value)

    def lcs(
        self,
        key1: KeyT,
        key2: KeyT,
        len: Optional[bool] = False,
        idx: Optional[bool] = False,
        minmatchlen: Optional[int] = 0,
        withmatchlen: Optional[bool] = False,
    ) -> ResponseT:
        """The longest common subsequence of two strings (keys in one slot): the string,
        its length with ``len=True``, or the matches with ``idx=True`` (RESP2: a list
        ``[b"matches", [...], b"len", n]``; RESP3: a dict)."""
        args: list[EncodableT] = ["LCS", key1, key2]
        if len:
            args.append("LEN")
        if idx:
            args.append("IDX")
        if minmatchlen is not None and minmatchlen != 0:
            args += ["MINMATCHLEN", minmatchlen]
        if withmatchlen:
            args.append("WITHMATCHLEN")
        return self._call(*args)

    def mget(self, keys: Union[KeyT, Iterable[KeyT]], *args: EncodableT) -> ResponseT:
        """Values of many keys (any slots), in order; ``None`` for missing keys. ``keys`` is
        one key or an iterable of keys, ``args`` more keys (``mget("a")``,
        ``mget(["a", "b"], "c")``). The keys must share a slot, as in redis-py's
        ``RedisCluster`` (:class:`CrossSlotError` otherwise): :meth:`mget_nonatomic` takes
        keys of any slots."""
        names = _list_or_args(keys, args)
        _one_slot("MGET", names, "mget_nonatomic")
        return self._call("MGET", *names)

    def mget_nonatomic(self, keys: Union[KeyT, Iterable[KeyT]], *args: KeyT) -> ResponseT:
        """As :meth:`mget` (redis-py's cluster name for an MGET over many slots): the
        values in the order of the keys; ``[]`` for no keys."""
        names = _list_or_args(keys, args)
        if not names:
            return self._call_with(_empty_list, "PING")
        return self._call("MGET", *names)

    def mset(self, mapping: Mapping[KeyT, EncodableT]) -> ResponseT:
        """Sets many keys of one slot, atomically; ``True``. Keys of several slots raise
        :class:`CrossSlotError`, as in redis-py's ``RedisCluster``: :meth:`mset_nonatomic`
        sets them slot by slot."""
        _one_slot("MSET", list(mapping), "mset_nonatomic")
        items: list[EncodableT] = ["MSET"]
        for k, v in mapping.items():
            items += [k, v]
        return self._call(*items)

    def mset_nonatomic(self, mapping: Mapping[KeyT, EncodableT]) -> ResponseT:
        """Sets many keys (any slots), not atomically across slots; as redis-py's
        ``RedisCluster``, a list with one ``True`` per slot the keys span (``[]`` for an
        empty mapping)."""
        if not mapping:
            return self._call_with(_empty_list, "PING")
        items: list[EncodableT] = ["MSET"]
        for k, v in mapping.items():
            items += [k, v]
        slots = len({_key_slot(k) for k in mapping})

        def per_slot(reply: Any) -> Any:
            return [reply] * slots if reply is True else reply

        return self._call_with(per_slot, *items)

    def msetnx(self, mapping: Mapping[KeyT, EncodableT]) -> ResponseT:
        """Sets the keys (all in one slot) only if none exists; ``True`` if they were set."""
        items: list[EncodableT] = ["MSETNX"]
        for k, v in mapping.items():
            items += [k, v]
        return self._call(*items)

    def msetex(
        self,
        mapping: Mapping[KeyT, EncodableT],
        data_persist_option: Optional[Any] = None,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        exat: Optional[AbsExpiryT] = None,
        pxat: Optional[AbsExpiryT] = None,
        keepttl: bool = False,
    ) -> ResponseT:
        """MSETEX (Redis 8.4): sets the keys of ``mapping`` (all in one slot) with one
        timeout (``ex``/``px``/``exat``/``pxat``, or ``keepttl``), only if none exists
        (``data_persist_option`` :class:`DataPersistOptions` ``NX``) or all exist (``XX``);
        1 if they were set, else 0."""
        if not _at_most_one(
            (ex is not None, px is not None, exat is not None, pxat is not None, keepttl)
        ):
            raise DataError(
                "msetex(): ex, px, exat, pxat and keepttl are mutually exclusive; give at "
                "most one of them"
            )
        args: list[EncodableT] = ["MSETEX", len(mapping)]
        for k, v in mapping.items():
            args += [k, v]
        if data_persist_option:
            option = getattr(data_persist_option, "value", data_persist_option)
            if option not in ("NX", "XX"):
                raise DataError(
                    f"msetex() data_persist_option={data_persist_option!r}: use "
                    "DataPersistOptions.NX or DataPersistOptions.XX"
                )
            args.append(option)
        args += _expiry_args("msetex", ex, px, exat, pxat)
        if keepttl:
            args.append("KEEPTTL")
        return self._call(*args)

    def digest_local(self, value: Union[bytes, str]) -> Union[bytes, str]:
        """The digest :meth:`digest` would return for a string of ``value`` (XXH3 64-bit,
        16 hex digits; a ``str`` is hashed as its UTF-8 bytes), computed here without a
        round trip, for SET's ``ifdeq``/``ifdne``: ``bytes``, ``str`` with
        ``decode_responses``. Needs the optional ``xxhash`` package (as redis-py does;
        ``NotImplementedError`` without it). Not queued by a pipeline: it sends nothing."""
        try:
            import xxhash  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise NotImplementedError(
                "digest_local() needs the optional 'xxhash' package (XXH3, the hash the "
                "server's DIGEST uses): pip install xxhash, or call digest() to ask the "
                "server"
            ) from None
        data = value.encode() if isinstance(value, str) else value
        hexdigest: str = xxhash.xxh3_64(data).hexdigest()
        decode = getattr(self, "decode_responses", None)
        if decode is None:  # a pipeline: its client's setting
            decode = getattr(getattr(self, "_client", None), "decode_responses", False)
        if decode:
            return hexdigest
        return hexdigest.encode()

    def increx(
        self,
        name: KeyT,
        *,
        byfloat: Optional[EncodableT] = None,
        byint: Optional[EncodableT] = None,
        lbound: Optional[EncodableT] = None,
        ubound: Optional[EncodableT] = None,
        saturate: bool = False,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        exat: Optional[AbsExpiryT] = None,
        pxat: Optional[AbsExpiryT] = None,
        persist: bool = False,
        enx: bool = False,
    ) -> ResponseT:
        """INCREX (Redis 8.6): increments (``byint``, or ``byfloat``; by 1 without either)
        within ``lbound``/``ubound`` (``saturate`` clamps instead of refusing), optionally
        setting the timeout (``enx``: only when the key has none); ``[new value,
        increment]``."""
        if byfloat is not None and byint is not None:
            raise DataError("increx(): byfloat and byint are mutually exclusive; give one")
        if not _at_most_one(
            (ex is not None, px is not None, exat is not None, pxat is not None, persist)
        ):
            raise DataError(
                "increx(): ex, px, exat, pxat and persist are mutually exclusive; give at "
                "most one of them"
            )
        if enx and ex is None and px is None and exat is None and pxat is None:
            raise DataError("increx(): enx needs one of ex, px, exat or pxat")
        args: list[EncodableT] = ["INCREX", name]
        if byfloat is not None:
            args += ["BYFLOAT", byfloat]
        elif byint is not None:
            args += ["BYINT", byint]
        if lbound is not None:
            args += ["LBOUND", lbound]
        if ubound is not None:
            args += ["UBOUND", ubound]
        if saturate:
            args.append("SATURATE")
        args += _expiry_args("increx", ex, px, exat, pxat)
        if persist:
            args.append("PERSIST")
        if enx:
            args.append("ENX")
        return self._call(*args)

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


def _refuse_on_asyncio(client: object, what: str) -> None:
    """The ``rc[key]`` dunders block for a reply, so the asyncio client and pipeline refuse
    them with ``TypeError``, as redis-py's asyncio client does."""
    if hasattr(type(client), "__aenter__"):
        raise TypeError(
            f"the asyncio client does not support item {what} (rc[key]): await the "
            "method instead (get, set, delete, exists)"
        )
