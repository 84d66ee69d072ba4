"""Shared by every command family: argument types, argument and reply helpers, and
the base class with ``execute_command``."""


from __future__ import annotations

import datetime
import inspect
from typing import Any, AsyncIterator, Callable, Iterable, Iterator, Mapping, Optional, Union

from ..exceptions import DataError, RedisError, ResponseError

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


def _to_float(r: Any) -> Any:
    return None if r is None else float(r)


def _ok_true(r: Any) -> Any:
    return True if r in (b"OK", "OK") else r


def _pop_pair(resp3: bool) -> Callable[[Any], Any]:
    """BLPOP/BRPOP as redis-py gives them: ``(key, value)`` (RESP3: the ``[key, value]``
    list as sent), or ``None`` when the wait timed out."""

    def post(r: Any) -> Any:
        if not r:
            return None
        return list(r) if resp3 else tuple(r)

    return post


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


class CommandsBase:
    """Redis commands with redis-py's signatures (see the module docstring)."""

    _call: Callable[..., Any]
    _call_with: Callable[..., Any]
    #: True for a client (or pipeline of one) made with ``protocol=3``: the few replies
    #: redis-py shapes differently by protocol follow it.
    _resp3: bool = False
    #: As ``_call_with``, the reply converted generically only (no per-command shape).
    _call_raw_with: Callable[..., Any]

    def execute_command(self, *args: EncodableT, **options: Any) -> ResponseT:
        """Runs any command: ``execute_command("HINCRBY", "h", "f", 1)``. The reply gets
        redis-py's conversion for the commands this module knows.

        redis-py's keyword options: ``target_nodes=`` (a node flag, node or list: one reply
        per node, combined as redis-py combines them), ``NEVER_DECODE`` (bytes even with
        ``decode_responses``), ``EMPTY_RESPONSE=value`` (returned instead of raising
        :class:`ResponseError`; not in pipelines) and ``keys`` (redis-py's cache hint,
        unused). Any other keyword is refused with :class:`DataError`: slotwise routes every
        command itself, by its keys."""
        options.pop("keys", None)
        target_nodes = options.pop("target_nodes", None)
        never_decode = options.pop(NEVER_DECODE, _ABSENT) is not _ABSENT
        empty = options.pop(EMPTY_RESPONSE, _ABSENT)
        if options:
            names = ", ".join(sorted(options))
            raise DataError(
                f"execute_command() does not take {names}: slotwise routes every command "
                "itself, by its keys (keyless commands go to one node or to every primary, "
                "as the command needs); drop the keyword(s)"
            )
        if empty is not _ABSENT and getattr(self, "_queues_commands", False):
            raise DataError(
                f"execute_command() in a pipeline does not take {EMPTY_RESPONSE}: a "
                "pipeline's errors are its results (execute(raise_on_error=False))"
            )
        post = _encoded if never_decode else None
        try:
            if target_nodes is not None:
                reply = self._targeted(target_nodes, post, *args)
            elif post is not None:
                reply = self._call_raw_with(post, *args)
            else:
                reply = self._call(*args)
        except ResponseError:
            if empty is _ABSENT:
                raise
            return empty
        if empty is not _ABSENT and inspect.isawaitable(reply):
            return _or_on_error(reply, empty)
        return reply

    # Routing by target nodes (the cluster family: commands/cluster.py).
    _targeted: Callable[..., Any]


#: redis-py's execute_command options (``redis.client.NEVER_DECODE``, ``EMPTY_RESPONSE``).
NEVER_DECODE = "NEVER_DECODE"
EMPTY_RESPONSE = "EMPTY_RESPONSE"
_ABSENT = object()


def _encoded(r: Any) -> Any:
    """A reply with every ``str`` back to the UTF-8 bytes it was decoded from
    (``NEVER_DECODE`` on a ``decode_responses`` client)."""
    if isinstance(r, str):
        return r.encode()
    if isinstance(r, list):
        return [_encoded(x) for x in r]
    if isinstance(r, tuple):
        return tuple(_encoded(x) for x in r)
    if isinstance(r, dict):
        return {_encoded(k): _encoded(v) for k, v in r.items()}
    if isinstance(r, (set, frozenset)):
        return type(r)(_encoded(x) for x in r)
    return r


async def _or_on_error(reply: Any, empty: Any) -> Any:
    try:
        return await reply
    except ResponseError:
        return empty


# Helpers of the hash, list and set families.


def _as_int(r: Any) -> Any:
    """A ``bool`` reply as the ``int`` redis-py gives (``SISMEMBER``, ``HSETNX``)."""
    return int(r) if isinstance(r, bool) else r


def _as_list(r: Any) -> Any:
    """A RESP3 set reply as the ``list`` redis-py gives (``SPOP``/``SRANDMEMBER`` count)."""
    return list(r) if isinstance(r, (set, frozenset)) else r


def _scan_page(r: Any) -> Any:
    """A ``SSCAN``-style reply as redis-py gives it: ``(int cursor, list)``."""
    if not isinstance(r, list) or len(r) != 2:
        return r
    return int(r[0]), r[1]


class _ScanItems:
    """The items of a cursor walk (``hscan_iter``, ``sscan_iter``...): ``for`` on the sync
    client, ``async for`` on the asyncio client. ``fetch(cursor)`` runs one page (its reply
    ``(cursor, data)``, or a coroutine giving it); ``items(data)`` gives the page's items."""

    def __init__(
        self, name: str, fetch: Callable[[int], Any], items: Callable[[Any], Iterable[Any]]
    ) -> None:
        self._name = name
        self._fetch = fetch
        self._items = items

    def _page(self, reply: Any) -> tuple[int, Any]:
        if not isinstance(reply, tuple):
            raise TypeError(
                f"{self._name}() needs a client, not a pipeline (a pipeline only queues "
                "commands): call it on the client"
            )
        return reply

    def __iter__(self) -> Iterator[Any]:
        cursor = 0
        while True:
            reply = self._fetch(cursor)
            if inspect.isawaitable(reply):
                if inspect.iscoroutine(reply):
                    reply.close()
                raise TypeError(
                    f"{self._name}() of the asyncio client is an async iterator: "
                    "use `async for`"
                )
            cursor, data = self._page(reply)
            yield from self._items(data)
            if cursor == 0:
                return

    async def _walk(self) -> AsyncIterator[Any]:
        cursor = 0
        while True:
            reply = self._fetch(cursor)
            if not inspect.isawaitable(reply):
                self._page(reply)
                raise TypeError(f"{self._name}() of the sync client is an iterator: use `for`")
            cursor, data = self._page(await reply)
            for item in self._items(data):
                yield item
            if cursor == 0:
                return

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._walk()


#: An absolute expiry: Unix time (seconds or milliseconds, as the option says) or a datetime.
AbsExpiryT = Union[int, datetime.datetime]
