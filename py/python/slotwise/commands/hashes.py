"""Hashes: HSET, HGET, HGETALL, HSCAN, HEXPIRE..."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import threading
import warnings
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence, Union

from ..exceptions import DataError
from ._base import (
    CommandsBase,
    EncodableT,
    ExpiryT,
    KeyT,
    ResponseT,
    _as_int,
    _list_or_args,
    _millis,
    _ok_true,
    _scan_page,
    _ScanItems,
    _seconds,
)

#: An absolute expiry time: a Unix timestamp or a ``datetime``.
AbsExpiryT = Union[int, datetime.datetime]


class HashDataPersistOptions(enum.Enum):
    """:meth:`HashCommands.hsetex`'s ``data_persist_option`` (as redis-py's enum of that
    name, which is accepted too, as are the strings ``"FNX"``/``"FXX"``)."""

    #: Set the fields only if none of them exists.
    FNX = "FNX"
    #: Set the fields only if all of them exist.
    FXX = "FXX"


def _expiry_flags(
    command: str,
    ex: Optional[ExpiryT],
    px: Optional[ExpiryT],
    exat: Optional[AbsExpiryT],
    pxat: Optional[AbsExpiryT],
    last: tuple[str, bool],
) -> list[EncodableT]:
    """EX/PX/EXAT/PXAT (or the flag ``last``: PERSIST, KEEPTTL) of HGETEX/HSETEX: at most
    one, ``DataError`` as in redis-py otherwise."""
    if sum((ex is not None, px is not None, exat is not None, pxat is not None, last[1])) > 1:
        raise DataError(
            f"``ex``, ``px``, ``exat``, ``pxat``, and ``{last[0].lower()}`` are mutually "
            f"exclusive ({command}): pass one of them"
        )
    if isinstance(ex, str) and ex.isdigit():
        ex = int(ex)
    if ex is not None:
        if isinstance(ex, bool) or not isinstance(ex, (int, datetime.timedelta)):
            raise DataError("ex must be datetime.timedelta or int")
        return ["EX", _seconds(ex)]
    if px is not None:
        if isinstance(px, bool) or not isinstance(px, (int, datetime.timedelta)):
            raise DataError("px must be datetime.timedelta or int")
        return ["PX", _millis(px)]
    if exat is not None:
        return ["EXAT", _unix_seconds(exat)]
    if pxat is not None:
        return ["PXAT", _unix_millis(pxat)]
    return [last[0]] if last[1] else []


def _hscan_reply(no_values: Optional[bool]) -> Any:
    """HSCAN's reply as redis-py gives it: ``(int cursor, {field: value})``, or
    ``(int cursor, [field, ...])`` with ``no_values``."""

    def post(r: Any) -> Any:
        page = _scan_page(r)
        if not isinstance(page, tuple):
            return page
        cursor, data = page
        if no_values:
            return cursor, data or []
        it = iter(data or [])
        return cursor, dict(zip(it, it))

    return post


def _field_expiry_options(nx: bool, xx: bool, gt: bool, lt: bool) -> list[EncodableT]:
    """The NX/XX/GT/LT option of HEXPIRE and its kin: at most one (``ValueError`` as in
    redis-py otherwise)."""
    if nx + xx + gt + lt > 1:
        raise ValueError("Only one of 'nx', 'xx', 'gt', 'lt' can be specified.")
    return [o for o, on in (("NX", nx), ("XX", xx), ("GT", gt), ("LT", lt)) if on]


def _unix_seconds(t: AbsExpiryT) -> int:
    return int(t.timestamp()) if isinstance(t, datetime.datetime) else t


def _unix_millis(t: AbsExpiryT) -> int:
    return int(t.timestamp() * 1000) if isinstance(t, datetime.datetime) else t


def _field_pairs(
    command: str,
    key: Optional[EncodableT],
    value: Optional[EncodableT],
    mapping: Optional[Mapping[EncodableT, EncodableT]],
    items: Optional[Sequence[EncodableT]],
) -> list[EncodableT]:
    """HSET's field/value arguments, in redis-py's order: ``items``, then ``key``/``value``,
    then ``mapping``."""
    if key is None and not mapping and not items:
        raise DataError(f"'{command}' with no key value pairs")
    pieces: list[EncodableT] = []
    if items:
        pieces.extend(items)
    if key is not None:
        if value is None:
            raise DataError(f"'{command}' with key {key!r} and no value: pass value=")
        pieces += [key, value]
    if mapping:
        for k, v in mapping.items():
            pieces += [k, v]
    return pieces


class HashCommands(CommandsBase):
    """Hashes: HSET, HGET, HGETALL, HSCAN, HEXPIRE..."""

    def hget(self, name: KeyT, key: EncodableT) -> ResponseT:
        """A field's value, or ``None``."""
        return self._call("HGET", name, key)

    def hset(
        self,
        name: KeyT,
        key: Optional[EncodableT] = None,
        value: Optional[EncodableT] = None,
        mapping: Optional[Mapping[EncodableT, EncodableT]] = None,
        items: Optional[Sequence[EncodableT]] = None,
    ) -> ResponseT:
        """Sets fields (flat ``items`` ``[f1, v1, f2, v2...]``, ``key``/``value`` and/or
        ``mapping``, sent in that order); the number of fields added."""
        return self._call("HSET", name, *_field_pairs("hset", key, value, mapping, items))

    def hsetnx(self, name: KeyT, key: EncodableT, value: EncodableT) -> ResponseT:
        """Sets a field if it does not exist: 1 if it was set, else 0."""
        return self._call_with(_as_int, "HSETNX", name, key, value)

    def hmset(self, name: KeyT, mapping: Mapping[EncodableT, EncodableT]) -> ResponseT:
        """Deprecated (use :meth:`hset` with ``mapping``): sets the fields of ``mapping``;
        ``True``."""
        warnings.warn(
            "Call to deprecated hmset. (Use 'hset' instead.) -- Deprecated since version 4.0.0.",
            category=DeprecationWarning,
            stacklevel=2,
        )
        if not mapping:
            raise DataError("'hmset' with 'mapping' of length 0")
        pieces: list[EncodableT] = []
        for k, v in mapping.items():
            pieces += [k, v]
        return self._call("HMSET", name, *pieces)

    def hgetall(self, name: KeyT) -> ResponseT:
        """Every field and value as a ``dict``."""
        return self._call("HGETALL", name)

    def hgetdel(self, name: KeyT, *keys: EncodableT) -> ResponseT:
        """Values of the fields (``None`` when missing), deleting them (Redis 8.0+)."""
        if not keys:
            raise DataError("'hgetdel' should have at least one key provided")
        return self._call("HGETDEL", name, "FIELDS", len(keys), *keys)

    def hgetex(
        self,
        name: KeyT,
        *keys: EncodableT,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        exat: Optional[AbsExpiryT] = None,
        pxat: Optional[AbsExpiryT] = None,
        persist: bool = False,
    ) -> ResponseT:
        """Values of the fields, setting (``ex``/``px``/``exat``/``pxat``) or removing
        (``persist``) their time to live (Redis 8.0+)."""
        if not keys:
            raise DataError("'hgetex' should have at least one key provided")
        opts = _expiry_flags("hgetex", ex, px, exat, pxat, ("PERSIST", persist))
        return self._call("HGETEX", name, *opts, "FIELDS", len(keys), *keys)

    def hsetex(
        self,
        name: KeyT,
        key: Optional[EncodableT] = None,
        value: Optional[EncodableT] = None,
        mapping: Optional[Mapping[EncodableT, EncodableT]] = None,
        items: Optional[Sequence[EncodableT]] = None,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        exat: Optional[AbsExpiryT] = None,
        pxat: Optional[AbsExpiryT] = None,
        data_persist_option: Optional[Any] = None,
        keepttl: bool = False,
    ) -> ResponseT:
        """As :meth:`hset`, with a time to live for the fields (``ex``/``px``/``exat``/
        ``pxat``, or ``keepttl``) and ``data_persist_option`` (:class:`HashDataPersistOptions`
        ``FNX``/``FXX``): 1 if the fields were set, else 0 (Redis 8.0+)."""
        if key is None and not mapping and not items:
            raise DataError("'hsetex' with no key value pairs")
        if items and len(items) % 2 != 0:
            raise DataError(
                "'hsetex' with odd number of items. "
                "'items' must contain a list of key/value pairs."
            )
        opts = _expiry_flags("hsetex", ex, px, exat, pxat, ("KEEPTTL", keepttl))
        if keepttl:
            opts = []  # sent after FNX/FXX, as redis-py sends it
        if data_persist_option:
            option = getattr(data_persist_option, "value", data_persist_option)
            if option not in ("FNX", "FXX"):
                raise DataError(
                    f"hsetex() data_persist_option={data_persist_option!r}: use "
                    "HashDataPersistOptions.FNX or HashDataPersistOptions.FXX"
                )
            opts.append(option)
        if keepttl:
            opts.append("KEEPTTL")
        pairs = _field_pairs("hsetex", key, value, mapping, items)
        return self._call("HSETEX", name, *opts, "FIELDS", len(pairs) // 2, *pairs)

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

    def hincrbyfloat(self, name: KeyT, key: EncodableT, amount: float = 1.0) -> ResponseT:
        """Increments a field by a float; the new value as a ``float``."""
        return self._call("HINCRBYFLOAT", name, key, amount)

    def hexists(self, name: KeyT, key: EncodableT) -> ResponseT:
        """``True`` if the field exists."""
        return self._call("HEXISTS", name, key)

    def hkeys(self, name: KeyT) -> ResponseT:
        """Every field name, as a list."""
        return self._call("HKEYS", name)

    def hvals(self, name: KeyT) -> ResponseT:
        """Every value, as a list."""
        return self._call("HVALS", name)

    def hstrlen(self, name: KeyT, key: EncodableT) -> ResponseT:
        """Length in bytes of a field's value (0 when missing)."""
        return self._call("HSTRLEN", name, key)

    def hrandfield(
        self, key: KeyT, count: Optional[int] = None, withvalues: bool = False
    ) -> ResponseT:
        """A random field (``None`` for a missing hash); with ``count`` a list of up to
        ``count`` distinct fields (negative: ``-count`` fields, repeats allowed); with
        ``withvalues`` as well, fields and values (flat ``[f, v, ...]``; pairs
        ``[[f, v], ...]`` with ``protocol=3``, as redis-py gives them)."""
        argv: list[EncodableT] = ["HRANDFIELD", key]
        if count is not None:
            argv.append(count)
        if withvalues:
            argv.append("WITHVALUES")
        return self._call(*argv)

    def hscan(
        self,
        name: KeyT,
        cursor: int = 0,
        match: Optional[EncodableT] = None,
        count: Optional[int] = None,
        no_values: Optional[bool] = None,
    ) -> ResponseT:
        """One page of fields: ``(next cursor, {field: value})`` (0: done); with
        ``no_values`` (Redis 7.4+) ``(next cursor, [field, ...])``."""
        argv: list[EncodableT] = ["HSCAN", name, cursor]
        if match is not None:
            argv += ["MATCH", match]
        if count is not None:
            argv += ["COUNT", count]
        if no_values:
            argv.append("NOVALUES")
        return self._call_with(_hscan_reply(no_values), *argv)

    def hscan_iter(
        self,
        name: KeyT,
        match: Optional[EncodableT] = None,
        count: Optional[int] = None,
        no_values: Optional[bool] = None,
    ) -> _ScanItems:
        """Every ``(field, value)`` of the hash (fields only with ``no_values``), walking
        the cursor: ``for`` on the sync client, ``async for`` on the asyncio client."""

        def fetch(cursor: int) -> Any:
            return self.hscan(name, cursor=cursor, match=match, count=count, no_values=no_values)

        def items(data: Any) -> Iterable[Any]:
            return list(data) if no_values else list(data.items())

        return _ScanItems("hscan_iter", fetch, items)

    # Field expiry (Redis 7.4+): HEXPIRE and its kin, one reply code per field.

    def hexpire(
        self,
        name: KeyT,
        seconds: ExpiryT,
        *fields: EncodableT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """Sets the fields' time to live (seconds or a ``timedelta``); per field: -2 no such
        field, 0 condition not met, 1 set, 2 deleted (time in the past)."""
        opts = _field_expiry_options(nx, xx, gt, lt)
        return self._call(
            "HEXPIRE", name, _seconds(seconds), *opts, "FIELDS", len(fields), *fields
        )

    def hpexpire(
        self,
        name: KeyT,
        milliseconds: ExpiryT,
        *fields: EncodableT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """As :meth:`hexpire`, in milliseconds (or a ``timedelta``)."""
        opts = _field_expiry_options(nx, xx, gt, lt)
        return self._call(
            "HPEXPIRE", name, _millis(milliseconds), *opts, "FIELDS", len(fields), *fields
        )

    def hexpireat(
        self,
        name: KeyT,
        unix_time_seconds: AbsExpiryT,
        *fields: EncodableT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """As :meth:`hexpire`, at a Unix time in seconds (or a ``datetime``)."""
        opts = _field_expiry_options(nx, xx, gt, lt)
        at = _unix_seconds(unix_time_seconds)
        return self._call("HEXPIREAT", name, at, *opts, "FIELDS", len(fields), *fields)

    def hpexpireat(
        self,
        name: KeyT,
        unix_time_milliseconds: AbsExpiryT,
        *fields: EncodableT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """As :meth:`hexpire`, at a Unix time in milliseconds (or a ``datetime``)."""
        opts = _field_expiry_options(nx, xx, gt, lt)
        at = _unix_millis(unix_time_milliseconds)
        return self._call("HPEXPIREAT", name, at, *opts, "FIELDS", len(fields), *fields)

    def hpersist(self, name: KeyT, *fields: EncodableT) -> ResponseT:
        """Removes the fields' time to live; per field: -2 no such field, -1 no time to
        live, 1 removed."""
        return self._call("HPERSIST", name, "FIELDS", len(fields), *fields)

    def hexpiretime(self, key: KeyT, *fields: EncodableT) -> ResponseT:
        """Per field: its expiry as a Unix time in seconds, -1 none, -2 no such field."""
        return self._call("HEXPIRETIME", key, "FIELDS", len(fields), *fields)

    def hpexpiretime(self, key: KeyT, *fields: EncodableT) -> ResponseT:
        """As :meth:`hexpiretime`, in milliseconds."""
        return self._call("HPEXPIRETIME", key, "FIELDS", len(fields), *fields)

    def httl(self, key: KeyT, *fields: EncodableT) -> ResponseT:
        """Per field: its time to live in seconds, -1 none, -2 no such field."""
        return self._call("HTTL", key, "FIELDS", len(fields), *fields)

    def hpttl(self, key: KeyT, *fields: EncodableT) -> ResponseT:
        """As :meth:`httl`, in milliseconds."""
        return self._call("HPTTL", key, "FIELDS", len(fields), *fields)

    # HIMPORT (Redis 8.10): a fieldset (ordered field names) is state of one server
    # connection, and slotwise shares and pools connections, so a fieldset is declared in a
    # registry of the client (as redis-py's ``RedisCluster`` keeps one) and each
    # ``himport_set`` sends it along: MULTI, HIMPORT PREPARE, HIMPORT SET, HIMPORT DISCARD,
    # EXEC on the key's connection, which leaves no fieldset behind on it.

    @property
    def himport_registry(self) -> "HImportRegistry":
        """The client's HIMPORT fieldsets (a pipeline's are its client's): read it; change
        it with :meth:`himport_prepare`, :meth:`himport_discard`,
        :meth:`himport_discard_all`."""
        return _registry_of(self)

    def himport_prepare(self, fieldset_name: str, fields: Iterable[EncodableT]) -> Any:
        """Declares (or redeclares) the fieldset ``fieldset_name``: the field names, in the
        order :meth:`himport_set` gives their values; ``True``. Nothing is sent (see
        :meth:`himport_set`); a coroutine on the asyncio client, as in redis-py."""
        _registry_of(self).prepare(fieldset_name, fields)
        return _now_or_awaited(self, True)

    def himport_discard(self, fieldset_name: str) -> Any:
        """Forgets the fieldset ``fieldset_name``; 1 if it was declared, else 0 (nothing is
        sent; a coroutine on the asyncio client)."""
        removed = 1 if _registry_of(self).discard(fieldset_name) else 0
        return _now_or_awaited(self, removed)

    def himport_discard_all(self) -> Any:
        """Forgets every fieldset; how many there were (nothing is sent; a coroutine on the
        asyncio client)."""
        return _now_or_awaited(self, _registry_of(self).discard_all())

    def himport_set(
        self, key: KeyT, fieldset_name: str, values: Iterable[EncodableT]
    ) -> ResponseT:
        """HIMPORT SET (Redis 8.10): creates (or replaces) the hash ``key`` with the fields of
        the fieldset ``fieldset_name`` (see :meth:`himport_prepare`) set to ``values``, in
        order; ``True``.

        The fieldset travels with the command: MULTI, HIMPORT PREPARE, HIMPORT SET, HIMPORT
        DISCARD, EXEC on the key's node (a fieldset is state of one connection, and slotwise
        shares connections). A fieldset not declared here is sent as a bare HIMPORT SET (the
        server refuses it unless the connection has it). Pipelines refuse a declared
        fieldset (:class:`DataError`): their commands cannot carry the fieldset along."""
        if isinstance(values, (str, bytes, bytearray, memoryview)):
            raise DataError("HIMPORT values must be a collection of values, not a string")
        items = list(values)
        fieldset = _registry_of(self).get(fieldset_name)
        if fieldset is None:
            return self._call_with(_ok_true, "HIMPORT", "SET", key, fieldset_name, *items)
        if getattr(self, "_queues_commands", False):
            raise DataError(
                f"himport_set() of the declared fieldset {fieldset_name!r} in a pipeline: a "
                "fieldset is state of one connection, sent along in a MULTI of its own; call "
                "himport_set() on the client"
            )
        pipe: Any = getattr(self, "pipeline")(transaction=True)
        pipe._call("HIMPORT", "PREPARE", fieldset_name, *fieldset.fields)
        pipe._call("HIMPORT", "SET", key, fieldset_name, *items)
        pipe._call("HIMPORT", "DISCARD", fieldset_name)
        replies = pipe.execute()
        # The SET's reply as himport_set() gives it alone (a sync transaction's replies are
        # the server's, as in redis-py).
        if _is_asyncio(self):

            async def second() -> Any:
                return _ok_true((await replies)[1])

            return second()
        return _ok_true(replies[1])


def _is_asyncio(commands: Any) -> bool:
    """True for the asyncio client and its pipelines."""
    client = commands._client if getattr(commands, "_queues_commands", False) else commands
    return hasattr(type(client), "aclose")


def _now_or_awaited(commands: Any, value: Any) -> Any:
    """``value``, or a coroutine giving it on the asyncio faces (redis-py's asyncio
    ``himport_*`` methods are coroutines)."""
    if not _is_asyncio(commands):
        return value

    async def done() -> Any:
        return value

    return done()


_REGISTRY_LOCK = threading.Lock()


def _registry_of(commands: Any) -> "HImportRegistry":
    """The client's registry (made on first use); a pipeline's is its client's."""
    client = commands._client if getattr(commands, "_queues_commands", False) else commands
    registry = client.__dict__.get("_himport_registry")
    if registry is None:
        with _REGISTRY_LOCK:
            registry = client.__dict__.setdefault("_himport_registry", HImportRegistry())
    return registry  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class HImportFieldset:
    """A declared HIMPORT fieldset: its name, its field names in the caller's order, and
    the registry's revision that declared it."""

    name: str
    fields: tuple[EncodableT, ...]
    version: int


class HImportRegistry:
    """A client's HIMPORT fieldsets by name (as redis-py's registry of that name): changed
    by the client's ``himport_prepare``/``himport_discard``/``himport_discard_all``, safe to
    share between threads. ``revision`` counts its changes."""

    def __init__(self) -> None:
        self._fieldsets: dict[str, HImportFieldset] = {}
        self._lock = threading.Lock()
        self._revision = 0

    def prepare(self, name: str, fields: Iterable[EncodableT]) -> HImportFieldset:
        """Declares ``name`` with ``fields`` (at least one; a lone string is refused: it
        would be taken one character per field), replacing any earlier declaration."""
        if isinstance(fields, (str, bytes, bytearray, memoryview)):
            raise DataError(
                "HIMPORT fields must be a collection of field names, not a single string or "
                "binary value"
            )
        items = tuple(fields)
        if not items:
            raise DataError("HIMPORT fieldset must have at least one field")
        with self._lock:
            self._revision += 1
            fieldset = HImportFieldset(name, items, self._revision)
            self._fieldsets[name] = fieldset
            return fieldset

    def discard(self, name: str) -> bool:
        """Forgets ``name``; ``True`` if it was declared."""
        with self._lock:
            if self._fieldsets.pop(name, None) is None:
                return False
            self._revision += 1
            return True

    def discard_all(self) -> int:
        """Forgets every fieldset; how many there were."""
        with self._lock:
            count = len(self._fieldsets)
            if count:
                self._fieldsets.clear()
                self._revision += 1
            return count

    @property
    def revision(self) -> int:
        """The number of changes so far (never decreases)."""
        return self._revision

    def get(self, name: str) -> Optional[HImportFieldset]:
        """The fieldset declared as ``name``, or ``None``."""
        return self._fieldsets.get(name)

    def names(self) -> list[str]:
        """The declared names."""
        with self._lock:
            return list(self._fieldsets)

    def items(self) -> list[tuple[str, HImportFieldset]]:
        """``(name, fieldset)`` of every declared fieldset."""
        with self._lock:
            return list(self._fieldsets.items())

    def names_to_discard(self, prepared_names: Iterable[str]) -> list[str]:
        """Those of ``prepared_names`` no longer declared."""
        with self._lock:
            return [n for n in prepared_names if n not in self._fieldsets]

    def __contains__(self, name: object) -> bool:
        return name in self._fieldsets

    def __len__(self) -> int:
        return len(self._fieldsets)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __repr__(self) -> str:
        body = ", ".join(f"{n}={list(f.fields)}" for n, f in self.items())
        return f"HImportRegistry({body})"
