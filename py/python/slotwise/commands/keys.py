"""Keys of any type: DEL, EXISTS, EXPIRE, TTL, RENAME, COPY, DUMP/RESTORE, SORT, KEYS..."""

from __future__ import annotations

import datetime
from typing import Any, Iterable, Optional, Union

from ..exceptions import DataError
from ._base import (
    AbsExpiryT,
    CommandsBase,
    EncodableT,
    ExpiryT,
    KeyT,
    ResponseT,
    _millis,
    _seconds,
)
from .strings import _refuse_on_asyncio


def _expire_flags(nx: bool, xx: bool, gt: bool, lt: bool) -> list[EncodableT]:
    return [w for f, w in ((nx, "NX"), (xx, "XX"), (gt, "GT"), (lt, "LT")) if f]


def _to_bool(r: Any) -> Any:
    return bool(r) if isinstance(r, int) else r


def _no_options(method: str, options: dict[str, Any]) -> None:
    if options:
        names = ", ".join(sorted(options))
        raise DataError(
            f"{method}() does not take {names}: slotwise routes every command itself "
            "(target_nodes and other per-call routing options do not apply); drop them"
        )


class KeyCommands(CommandsBase):
    """Keys of any type: DEL, EXISTS, EXPIRE, TTL, RENAME, COPY, DUMP/RESTORE, SORT..."""

    def delete(self, *names: KeyT) -> ResponseT:
        """Deletes keys (any slots), each its own argument (``delete(*keys)``, as in
        redis-py); the number deleted."""
        return self._call("DEL", *names)

    def __delitem__(self, name: KeyT) -> None:
        """``del rc[name]``: :meth:`delete` (sync client only, as in redis-py)."""
        _refuse_on_asyncio(self, "deletion")
        self.delete(name)

    def delex(
        self,
        name: KeyT,
        ifeq: Optional[Union[bytes, str]] = None,
        ifne: Optional[Union[bytes, str]] = None,
        ifdeq: Optional[str] = None,
        ifdne: Optional[str] = None,
    ) -> ResponseT:
        """DELEX (Redis 8.4): deletes ``name`` if its value equals ``ifeq`` / differs from
        ``ifne`` / its digest equals ``ifdeq`` / differs from ``ifdne`` (at most one, else
        ``ValueError`` as in redis-py); 1 if deleted, else 0."""
        conditions = [x is not None for x in (ifeq, ifne, ifdeq, ifdne)]
        if sum(conditions) > 1:
            raise ValueError(
                "delex(): ifeq, ifne, ifdeq and ifdne are mutually exclusive; give at most one"
            )
        args: list[EncodableT] = ["DELEX", name]
        if ifeq is not None:
            args += ["IFEQ", ifeq]
        elif ifne is not None:
            args += ["IFNE", ifne]
        elif ifdeq is not None:
            args += ["IFDEQ", ifdeq]
        elif ifdne is not None:
            args += ["IFDNE", ifdne]
        return self._call(*args)

    def digest(self, name: KeyT) -> ResponseT:
        """DIGEST (Redis 8.4): the XXH3 digest of the string at ``name`` as 16 hex digits,
        or ``None``."""
        return self._call("DIGEST", name)

    def unlink(self, *names: KeyT) -> ResponseT:
        """Unlinks keys (any slots), each its own argument; the number unlinked."""
        return self._call("UNLINK", *names)

    def exists(self, *names: KeyT) -> ResponseT:
        """How many of the keys (any slots), each its own argument, exist."""
        return self._call("EXISTS", *names)

    def __contains__(self, name: KeyT) -> ResponseT:
        """``name in rc``: whether the key exists (sync client only, as in redis-py)."""
        _refuse_on_asyncio(self, "inclusion")
        return self.exists(name)

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
        """Sets a timeout in seconds (or a ``timedelta``); ``True`` if it was set. ``nx``:
        only without a timeout, ``xx``: only with one, ``gt``/``lt``: only a later/earlier
        one."""
        return self._call("EXPIRE", name, _seconds(time), *_expire_flags(nx, xx, gt, lt))

    def pexpire(
        self,
        name: KeyT,
        time: ExpiryT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """Sets a timeout in milliseconds (or a ``timedelta``); ``True`` if it was set
        (``nx``, ``xx``, ``gt``, ``lt`` as for :meth:`expire`)."""
        return self._call("PEXPIRE", name, _millis(time), *_expire_flags(nx, xx, gt, lt))

    def expireat(
        self,
        name: KeyT,
        when: AbsExpiryT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """Expires at a Unix time in seconds (or a ``datetime``); ``True`` if it was set."""
        if isinstance(when, datetime.datetime):
            when = int(when.timestamp())
        return self._call("EXPIREAT", name, when, *_expire_flags(nx, xx, gt, lt))

    def pexpireat(
        self,
        name: KeyT,
        when: AbsExpiryT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """Expires at a Unix time in milliseconds (or a ``datetime``); ``True`` if it was
        set."""
        if isinstance(when, datetime.datetime):
            when = int(when.timestamp() * 1000)
        return self._call("PEXPIREAT", name, when, *_expire_flags(nx, xx, gt, lt))

    def expiretime(self, key: KeyT) -> ResponseT:
        """The Unix time (seconds) at which the key expires (-1 without timeout, -2 for a
        missing key)."""
        return self._call("EXPIRETIME", key)

    def pexpiretime(self, key: KeyT) -> ResponseT:
        """As :meth:`expiretime`, in milliseconds."""
        return self._call("PEXPIRETIME", key)

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

    def renamenx(self, src: KeyT, dst: KeyT) -> ResponseT:
        """Renames a key if ``dst`` does not exist (both keys in one slot); ``True`` if it
        was renamed."""
        return self._call("RENAMENX", src, dst)

    def copy(
        self,
        source: KeyT,
        destination: KeyT,
        destination_db: Optional[Union[int, str]] = None,
        replace: bool = False,
    ) -> ResponseT:
        """Copies ``source`` to ``destination`` (one slot; ``replace`` overwrites); ``True``
        if it was copied. A cluster has only database 0."""
        args: list[EncodableT] = ["COPY", source, destination]
        if destination_db is not None:
            args += ["DB", destination_db]
        if replace:
            args.append("REPLACE")
        return self._call_with(_to_bool, *args)

    def dump(self, name: KeyT) -> ResponseT:
        """The serialized value of ``name`` (for :meth:`restore`), or ``None``."""
        return self._call("DUMP", name)

    def restore(
        self,
        name: KeyT,
        ttl: float,
        value: EncodableT,
        replace: bool = False,
        absttl: bool = False,
        idletime: Optional[int] = None,
        frequency: Optional[int] = None,
    ) -> ResponseT:
        """Creates ``name`` from a :meth:`dump` payload (``ttl`` in ms, 0 for none;
        ``absttl``: ``ttl`` is a Unix time in ms); ``b"OK"``."""
        args: list[EncodableT] = ["RESTORE", name, ttl, value]
        if replace:
            args.append("REPLACE")
        if absttl:
            args.append("ABSTTL")
        if idletime is not None:
            try:
                args += ["IDLETIME", int(idletime)]
            except (TypeError, ValueError):
                raise DataError(
                    f"restore(): idletime={idletime!r}: idletime must be an integer (seconds)"
                ) from None
        if frequency is not None:
            try:
                args += ["FREQ", int(frequency)]
            except (TypeError, ValueError):
                raise DataError(
                    f"restore(): frequency={frequency!r}: frequency must be an integer "
                    "(0 to 255)"
                ) from None
        return self._call(*args)

    def object(self, infotype: str, key: KeyT, **kwargs: Any) -> ResponseT:
        """``OBJECT <infotype> key``: ``"ENCODING"`` (``b"embstr"``...), ``"REFCOUNT"``,
        ``"IDLETIME"``, ``"FREQ"``."""
        _no_options("object", kwargs)
        return self._call("OBJECT", infotype, key)

    def randomkey(self, target_nodes: Any = None, **kwargs: Any) -> ResponseT:
        """A random key from a node of the cluster, or ``None`` when it has none; with
        ``target_nodes``, one per node named (``{node: key}``), as redis-py."""
        _no_options("randomkey", kwargs)
        return self._targeted(target_nodes, None, "RANDOMKEY")

    def sort(
        self,
        name: KeyT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        by: Optional[KeyT] = None,
        get: Optional[Union[KeyT, Iterable[KeyT]]] = None,
        desc: bool = False,
        alpha: bool = False,
        store: Optional[KeyT] = None,
        groups: Optional[bool] = False,
    ) -> ResponseT:
        """The sorted elements of a list, set or sorted set (``start``/``num``: LIMIT,
        both or neither; ``by``/``get`` patterns; ``store``: into a key, giving the
        count). With ``groups=True`` (and two or more ``get`` patterns), tuples of the
        ``get`` values."""
        return self._sort("SORT", name, start, num, by, get, desc, alpha, store, groups)

    def sort_ro(
        self,
        key: KeyT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        by: Optional[KeyT] = None,
        get: Optional[Union[KeyT, Iterable[KeyT]]] = None,
        desc: bool = False,
        alpha: bool = False,
    ) -> ResponseT:
        """As :meth:`sort`, read-only (SORT_RO: no ``store``)."""
        return self._sort("SORT_RO", key, start, num, by, get, desc, alpha, None, False)

    def _sort(
        self,
        command: str,
        name: KeyT,
        start: Optional[int],
        num: Optional[int],
        by: Optional[KeyT],
        get: Optional[Union[KeyT, Iterable[KeyT]]],
        desc: bool,
        alpha: bool,
        store: Optional[KeyT],
        groups: Optional[bool],
    ) -> ResponseT:
        method = command.lower()
        if (start is None) != (num is None):
            raise DataError(
                f"{method}(): ``start`` and ``num`` must both be specified: give both start "
                "and num (LIMIT), or neither"
            )
        args: list[EncodableT] = [command, name]
        if by is not None:
            args += ["BY", by]
        if start is not None and num is not None:
            args += ["LIMIT", start, num]
        patterns: list[EncodableT] = []
        if get is not None:
            if isinstance(get, (bytes, str, memoryview)):
                patterns = [get]
            else:
                patterns = list(get)
            for g in patterns:
                args += ["GET", g]
        if desc:
            args.append("DESC")
        if alpha:
            args.append("ALPHA")
        if store is not None:
            args += ["STORE", store]
        if groups:
            if get is None or isinstance(get, (bytes, str, memoryview)) or len(patterns) < 2:
                raise DataError(
                    f'{method}(): when using "groups" the "get" argument must be specified '
                    "and contain at least two patterns (a list), whose values make each tuple"
                )
            n = len(patterns)

            def grouped(reply: Any) -> Any:
                if not isinstance(reply, list) or not reply:
                    return reply
                return list(zip(*[reply[i::n] for i in range(n)]))

            return self._call_with(grouped, *args)
        return self._call(*args)
