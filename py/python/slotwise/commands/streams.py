"""Streams: XADD, XRANGE, XREAD, XREADGROUP, consumer groups, XINFO...

Replies come in redis-py's shapes: entries as ``(id, {field: value})`` tuples, ``XINFO``
and ``XPENDING`` as dicts with ``str`` keys. ``XREAD``/``XREADGROUP`` give RESP2's
``[[stream, entries], ...]``, or with ``protocol=3`` RESP3's ``{stream: [entries]}``, as
redis-py's ``RedisCluster`` does. Several streams in one ``XREAD``/``XREADGROUP`` must share
one slot (a hash tag: ``{orders}:a``, ``{orders}:b``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, Tuple, Union

from ..exceptions import DataError
from ._base import CommandsBase, EncodableT, KeyT, ResponseT

#: A stream entry ID (``"1700000000000-0"``, ``"*"``, ``"$"``, ``">"``, ``0``...).
StreamIdT = Union[int, bytes, str, memoryview]
GroupT = Union[bytes, str, memoryview]
ConsumerT = Union[bytes, str, memoryview]
FieldT = EncodableT
RefPolicyT = Literal["KEEPREF", "DELREF", "ACKED"]

_REF_POLICIES = ("KEEPREF", "DELREF", "ACKED")


def _text(v: Any) -> Any:
    return v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v


def _pairs(r: Any) -> Any:
    """``[f1, v1, f2, v2...]`` as ``{f1: v1, ...}`` (``{}`` for nil)."""
    if r is None:
        return {}
    if isinstance(r, dict):
        return r
    it = iter(r)
    return dict(zip(it, it))


def _str_keyed(r: Any) -> Any:
    """A flat pair list (RESP2) or a map (RESP3) as a dict with ``str`` keys."""
    if isinstance(r, dict):
        return {_text(k): v for k, v in r.items()}
    it = iter(r)
    return {_text(k): v for k, v in zip(it, it)}


def _entries(r: Any, extra: bool = False) -> Any:
    """Stream entries ``[[id, [f, v...]], ...]`` as ``[(id, {f: v}), ...]``; a deleted
    entry (nil) is ``(None, None)``. With ``extra`` (XREADGROUP ... CLAIM) the fields after
    the pairs stay in the tuple."""
    if r is None:
        return None
    out: List[Any] = []
    for e in r:
        if e is None:
            out.append((None, None))
        elif extra:
            out.append((e[0], _pairs(e[1]), *e[2:]))
        else:
            out.append((e[0], _pairs(e[1])))
    return out


def _xread_post(extra: bool, resp3: bool) -> Any:
    def post(r: Any) -> Any:
        if isinstance(r, dict):  # RESP3: {stream: entries}, each wrapped in a list
            return {k: [_entries(v, extra)] for k, v in r.items()}
        if not r:
            return {} if resp3 else []
        return [[s[0], _entries(s[1], extra)] for s in r]

    return post


def _xclaim_post(r: Any) -> Any:
    return _entries(r)


def _xautoclaim_post(r: Any) -> Any:
    r = list(r)
    r[1] = _entries(r[1])
    return r


def _xautoclaim_justid(r: Any) -> Any:
    return r[1]


def _ok(r: Any) -> Any:
    return _text(r) == "OK" or r is True


def _bool(r: Any) -> Any:
    return bool(r)


def _list_of_dicts(r: Any) -> Any:
    return [_str_keyed(x) for x in r]


def _xpending_post(r: Any) -> Any:
    return {
        "pending": r[0],
        "min": r[1],
        "max": r[2],
        "consumers": [{"name": n, "pending": int(c)} for n, c in r[3] or []],
    }


_PENDING_KEYS = ("message_id", "consumer", "time_since_delivered", "times_delivered")


def _xpending_range_post(r: Any) -> Any:
    return [dict(zip(_PENDING_KEYS, x)) for x in r]


def _entry(e: Any) -> Any:
    if e is not None and e[0] is not None:
        return (e[0], _pairs(e[1]))
    return e


def _xinfo_stream_post(full: bool) -> Any:
    def post(r: Any) -> Any:
        data = _str_keyed(r)
        if not full:
            if "first-entry" in data:
                data["first-entry"] = _entry(data["first-entry"])
            if "last-entry" in data:
                data["last-entry"] = _entry(data["last-entry"])
            return data
        data["entries"] = {i: _pairs(fields) for i, fields in data.get("entries") or []}
        groups = data.get("groups") or []
        if groups and isinstance(groups[0], list):  # RESP2: flat pair lists
            data["groups"] = [_str_keyed(g) for g in groups]
            for g in data["groups"]:
                consumers = g.get("consumers")
                if consumers and consumers[0] is not None:
                    g["consumers"] = [_str_keyed(c) for c in consumers]
        else:  # RESP3: maps (their consumers stay as the server sent them, as in redis-py)
            data["groups"] = [_str_keyed(g) for g in groups]
        return data

    return post


def _ref_policy(command: str, ref_policy: Optional[str]) -> None:
    if ref_policy is not None and ref_policy not in _REF_POLICIES:
        raise DataError(
            f"{command} ref_policy={ref_policy!r}: use 'KEEPREF', 'DELREF' or 'ACKED'"
        )


def _positive(command: str, name: str, value: Any) -> None:
    if not isinstance(value, int) or value < 1:
        raise DataError(f"{command} {name}={value!r}: must be a positive integer")


def _non_negative(command: str, name: str, value: Any) -> None:
    if not isinstance(value, int) or value < 0:
        raise DataError(f"{command} {name}={value!r}: must be a non-negative integer")


def _streams_args(command: str, streams: Any) -> List[EncodableT]:
    if not isinstance(streams, dict) or not streams:
        raise DataError(
            f"{command} streams={streams!r}: pass a non-empty dict {{stream: last seen id}}"
        )
    return ["STREAMS", *streams.keys(), *streams.values()]


class StreamCommands(CommandsBase):
    """Streams: XADD, XRANGE, XREAD, XREADGROUP, consumer groups, XINFO..."""

    def xack(self, name: KeyT, groupname: GroupT, *ids: StreamIdT) -> ResponseT:
        """Acknowledges messages of a consumer group; the number acknowledged."""
        return self._call("XACK", name, groupname, *ids)

    def xackdel(
        self,
        name: KeyT,
        groupname: GroupT,
        *ids: StreamIdT,
        ref_policy: RefPolicyT = "KEEPREF",
    ) -> ResponseT:
        """XACK and XDEL in one (Redis 8.2+): a result code per ID."""
        if not ids:
            raise DataError("xackdel(): pass at least one message ID")
        _ref_policy("xackdel()", ref_policy)
        return self._call("XACKDEL", name, groupname, ref_policy, "IDS", len(ids), *ids)

    def xadd(
        self,
        name: KeyT,
        fields: Dict[FieldT, EncodableT],
        id: StreamIdT = "*",
        maxlen: Optional[int] = None,
        approximate: bool = True,
        nomkstream: bool = False,
        minid: Union[StreamIdT, None] = None,
        limit: Optional[int] = None,
        ref_policy: Optional[RefPolicyT] = None,
        idmpauto: Optional[str] = None,
        idmp: Optional[Tuple[str, bytes]] = None,
    ) -> ResponseT:
        """Appends an entry (``fields``, a non-empty dict); its ID. ``maxlen`` or ``minid``
        (not both) trim the stream, ``~`` unless ``approximate=False``; ``nomkstream``: no
        new stream (``None`` when it does not exist)."""
        if maxlen is not None and minid is not None:
            raise DataError("xadd(): pass maxlen or minid, not both")
        if idmpauto is not None and idmp is not None:
            raise DataError("xadd(): pass idmpauto or idmp, not both")
        if (idmpauto is not None or idmp is not None) and id != "*":
            raise DataError("xadd(): idmpauto and idmp need id='*'")
        _ref_policy("xadd()", ref_policy)
        argv: List[EncodableT] = ["XADD", name]
        if nomkstream:
            argv.append("NOMKSTREAM")
        if ref_policy is not None:
            argv.append(ref_policy)
        if idmpauto is not None:
            argv += ["IDMPAUTO", idmpauto]
        if idmp is not None:
            if not isinstance(idmp, tuple) or len(idmp) != 2:
                raise DataError(f"xadd() idmp={idmp!r}: pass (producer_id, idempotent_id)")
            argv += ["IDMP", idmp[0], idmp[1]]
        if maxlen is not None:
            _non_negative("xadd()", "maxlen", maxlen)
            argv.append("MAXLEN")
            if approximate:
                argv.append("~")
            argv.append(maxlen)
        if minid is not None:
            argv.append("MINID")
            if approximate:
                argv.append("~")
            argv.append(minid)
        if limit is not None:
            argv += ["LIMIT", limit]
        argv.append(id)
        if not isinstance(fields, dict) or not fields:
            raise DataError(f"xadd() fields={fields!r}: pass a non-empty dict {{field: value}}")
        for f, v in fields.items():
            argv += [f, v]
        return self._call(*argv)

    def xcfgset(
        self,
        name: KeyT,
        idmp_duration: Optional[int] = None,
        idmp_maxsize: Optional[int] = None,
    ) -> ResponseT:
        """Sets the stream's idempotency settings (Redis 8.6+): ``idmp_duration`` seconds
        (1 to 300), ``idmp_maxsize`` IDs per producer (1 to 1,000,000)."""
        if idmp_duration is None and idmp_maxsize is None:
            raise DataError("xcfgset(): pass idmp_duration, idmp_maxsize or both")
        argv: List[EncodableT] = ["XCFGSET", name]
        if idmp_duration is not None:
            if not isinstance(idmp_duration, int) or not 1 <= idmp_duration <= 300:
                raise DataError(
                    f"xcfgset() idmp_duration={idmp_duration!r}: must be an integer, 1 to 300"
                )
            argv += ["IDMP-DURATION", idmp_duration]
        if idmp_maxsize is not None:
            if not isinstance(idmp_maxsize, int) or not 1 <= idmp_maxsize <= 1000000:
                raise DataError(
                    f"xcfgset() idmp_maxsize={idmp_maxsize!r}: must be an integer, "
                    "1 to 1,000,000"
                )
            argv += ["IDMP-MAXSIZE", idmp_maxsize]
        return self._call(*argv)

    def xautoclaim(
        self,
        name: KeyT,
        groupname: GroupT,
        consumername: ConsumerT,
        min_idle_time: int,
        start_id: StreamIdT = "0-0",
        count: Optional[int] = None,
        justid: bool = False,
    ) -> ResponseT:
        """Claims pending entries idle at least ``min_idle_time`` ms, from ``start_id``:
        ``[next start id, [(id, fields), ...], [deleted ids]]``, or with ``justid`` the
        claimed IDs only."""
        if min_idle_time is not None and int(min_idle_time) < 0:
            raise DataError(
                f"xautoclaim() min_idle_time={min_idle_time!r}: must be a non-negative integer"
            )
        argv: List[EncodableT] = [
            "XAUTOCLAIM", name, groupname, consumername, min_idle_time, start_id,
        ]
        if count is not None:
            if int(count) < 0:
                raise DataError(f"xautoclaim() count={count!r}: must be an integer >= 0")
            argv += ["COUNT", count]
        if justid:
            argv.append("JUSTID")
            return self._call_with(_xautoclaim_justid, *argv)
        return self._call_with(_xautoclaim_post, *argv)

    def xclaim(
        self,
        name: KeyT,
        groupname: GroupT,
        consumername: ConsumerT,
        min_idle_time: int,
        message_ids: Union[List[StreamIdT], Tuple[StreamIdT]],
        idle: Optional[int] = None,
        time: Optional[int] = None,
        retrycount: Optional[int] = None,
        force: bool = False,
        justid: bool = False,
    ) -> ResponseT:
        """Claims pending ``message_ids`` idle at least ``min_idle_time`` ms:
        ``[(id, fields), ...]``, or with ``justid`` their IDs."""
        if not isinstance(min_idle_time, int) or min_idle_time < 0:
            raise DataError(
                f"xclaim() min_idle_time={min_idle_time!r}: must be a non-negative integer"
            )
        if not isinstance(message_ids, (list, tuple)) or not message_ids:
            raise DataError(
                f"xclaim() message_ids={message_ids!r}: pass a non-empty list or tuple of IDs"
            )
        argv: List[EncodableT] = ["XCLAIM", name, groupname, consumername, min_idle_time]
        argv.extend(message_ids)
        for opt, value in (("IDLE", idle), ("TIME", time), ("RETRYCOUNT", retrycount)):
            if value is not None:
                if not isinstance(value, int):
                    raise DataError(f"xclaim() {opt.lower()}={value!r}: must be an integer")
                argv += [opt, value]
        if force:
            if not isinstance(force, bool):
                raise DataError(f"xclaim() force={force!r}: must be a bool")
            argv.append("FORCE")
        if justid:
            if not isinstance(justid, bool):
                raise DataError(f"xclaim() justid={justid!r}: must be a bool")
            argv.append("JUSTID")
            return self._call(*argv)
        return self._call_with(_xclaim_post, *argv)

    def xdel(self, name: KeyT, *ids: StreamIdT) -> ResponseT:
        """Deletes entries; the number deleted."""
        return self._call("XDEL", name, *ids)

    def xdelex(
        self, name: KeyT, *ids: StreamIdT, ref_policy: RefPolicyT = "KEEPREF"
    ) -> ResponseT:
        """XDEL with a consumer-group reference policy (Redis 8.2+): a result code per ID."""
        if not ids:
            raise DataError("xdelex(): pass at least one message ID")
        _ref_policy("xdelex()", ref_policy)
        return self._call("XDELEX", name, ref_policy, "IDS", len(ids), *ids)

    def xgroup_create(
        self,
        name: KeyT,
        groupname: GroupT,
        id: StreamIdT = "$",
        mkstream: bool = False,
        entries_read: Optional[int] = None,
    ) -> ResponseT:
        """Creates a consumer group starting after ``id`` (``mkstream``: create the stream
        too); ``True``."""
        argv: List[EncodableT] = ["XGROUP", "CREATE", name, groupname, id]
        if mkstream:
            argv.append("MKSTREAM")
        if entries_read is not None:
            argv += ["ENTRIESREAD", entries_read]
        return self._call_with(_ok, *argv)

    def xgroup_delconsumer(
        self, name: KeyT, groupname: GroupT, consumername: ConsumerT
    ) -> ResponseT:
        """Removes a consumer; the number of messages it had pending."""
        return self._call("XGROUP", "DELCONSUMER", name, groupname, consumername)

    def xgroup_destroy(self, name: KeyT, groupname: GroupT) -> ResponseT:
        """Destroys a consumer group; whether it existed."""
        return self._call_with(_bool, "XGROUP", "DESTROY", name, groupname)

    def xgroup_createconsumer(
        self, name: KeyT, groupname: GroupT, consumername: ConsumerT
    ) -> ResponseT:
        """Creates a consumer in a group; 1 if created, 0 if it existed."""
        return self._call("XGROUP", "CREATECONSUMER", name, groupname, consumername)

    def xgroup_setid(
        self,
        name: KeyT,
        groupname: GroupT,
        id: StreamIdT,
        entries_read: Optional[int] = None,
    ) -> ResponseT:
        """Sets the group's last delivered ID; ``True``."""
        argv: List[EncodableT] = ["XGROUP", "SETID", name, groupname, id]
        if entries_read is not None:
            argv += ["ENTRIESREAD", entries_read]
        return self._call_with(_ok, *argv)

    def xinfo_consumers(self, name: KeyT, groupname: GroupT) -> ResponseT:
        """The consumers of a group: a list of dicts with ``str`` keys."""
        return self._call_with(_list_of_dicts, "XINFO", "CONSUMERS", name, groupname)

    def xinfo_groups(self, name: KeyT) -> ResponseT:
        """The consumer groups of a stream: a list of dicts with ``str`` keys."""
        return self._call_with(_list_of_dicts, "XINFO", "GROUPS", name)

    def xinfo_stream(self, name: KeyT, full: bool = False) -> ResponseT:
        """The stream's details: a dict with ``str`` keys (``first-entry``/``last-entry``
        as ``(id, fields)``; with ``full``, ``entries`` as ``{id: fields}``)."""
        argv: List[EncodableT] = ["XINFO", "STREAM", name]
        if full:
            argv.append("FULL")
        return self._call_with(_xinfo_stream_post(bool(full)), *argv)

    def xlen(self, name: KeyT) -> ResponseT:
        """The number of entries."""
        return self._call("XLEN", name)

    def xnack(
        self,
        name: KeyT,
        groupname: GroupT,
        mode: Literal["SILENT", "FAIL", "FATAL"],
        *ids: StreamIdT,
        retrycount: Optional[int] = None,
        force: bool = False,
    ) -> ResponseT:
        """Negatively acknowledges pending messages (``mode``: ``SILENT``, ``FAIL`` or
        ``FATAL``); the number nacked."""
        if not ids:
            raise DataError("xnack(): pass at least one message ID")
        if mode not in ("SILENT", "FAIL", "FATAL"):
            raise DataError(f"xnack() mode={mode!r}: use 'SILENT', 'FAIL' or 'FATAL'")
        argv: List[EncodableT] = ["XNACK", name, groupname, mode, "IDS", len(ids), *ids]
        if retrycount is not None:
            if retrycount < 0:
                raise DataError(f"xnack() retrycount={retrycount!r}: must be >= 0")
            argv += ["RETRYCOUNT", retrycount]
        if force:
            argv.append("FORCE")
        return self._call(*argv)

    def xpending(self, name: KeyT, groupname: GroupT) -> ResponseT:
        """The group's pending summary: ``{"pending", "min", "max", "consumers"}``."""
        return self._call_with(_xpending_post, "XPENDING", name, groupname)

    def xpending_range(
        self,
        name: KeyT,
        groupname: GroupT,
        min: StreamIdT,
        max: StreamIdT,
        count: int,
        consumername: Optional[ConsumerT] = None,
        idle: Optional[int] = None,
    ) -> ResponseT:
        """Pending entries from ``min`` to ``max`` (at most ``count``), optionally of one
        consumer or idle at least ``idle`` ms: dicts with ``message_id``, ``consumer``,
        ``time_since_delivered``, ``times_delivered``."""
        if min is None and max is None and count is None:
            if idle is not None or consumername is not None:
                raise DataError(
                    "xpending_range(): idle and consumername need min, max and count too"
                )
            return self.xpending(name, groupname)
        if min is None or max is None or count is None:
            raise DataError("xpending_range(): pass all of min, max and count, or none")
        argv: List[EncodableT] = ["XPENDING", name, groupname]
        if idle is not None:
            if int(idle) < 0:
                raise DataError(f"xpending_range() idle={idle!r}: must be an integer >= 0")
            argv += ["IDLE", idle]
        if int(count) < 0:
            raise DataError(f"xpending_range() count={count!r}: must be an integer >= 0")
        argv += [min, max, count]
        if consumername:
            argv.append(consumername)
        return self._call_with(_xpending_range_post, *argv)

    def xrange(
        self,
        name: KeyT,
        min: StreamIdT = "-",
        max: StreamIdT = "+",
        count: Optional[int] = None,
    ) -> ResponseT:
        """Entries from ``min`` to ``max`` (at most ``count``): ``[(id, {field: value})]``."""
        argv: List[EncodableT] = ["XRANGE", name, min, max]
        if count is not None:
            _positive("xrange()", "count", count)
            argv += ["COUNT", count]
        return self._call_with(_entries, *argv)

    def xrevrange(
        self,
        name: KeyT,
        max: StreamIdT = "+",
        min: StreamIdT = "-",
        count: Optional[int] = None,
    ) -> ResponseT:
        """As :meth:`xrange`, newest first."""
        argv: List[EncodableT] = ["XREVRANGE", name, max, min]
        if count is not None:
            _positive("xrevrange()", "count", count)
            argv += ["COUNT", count]
        return self._call_with(_entries, *argv)

    def xread(
        self,
        streams: Dict[KeyT, StreamIdT],
        count: Optional[int] = None,
        block: Optional[int] = None,
        max_count: Optional[int] = None,
        max_size: Optional[int] = None,
    ) -> ResponseT:
        """Entries after the given IDs of ``streams`` (``{stream: id}``, one slot), at most
        ``count`` per stream, waiting up to ``block`` ms (0: forever) for one: RESP2
        ``[[stream, [(id, fields), ...]], ...]`` (``[]`` when none), RESP3
        ``{stream: [[(id, fields), ...]]}``."""
        argv: List[EncodableT] = ["XREAD"]
        if block is not None:
            _non_negative("xread()", "block", block)
            argv += ["BLOCK", block]
        if count is not None:
            _positive("xread()", "count", count)
            argv += ["COUNT", count]
        argv += _limits("xread()", count, max_count, max_size)
        argv += _streams_args("xread()", streams)
        return self._call_with(_xread_post(False, self._resp3), *argv)

    def xreadgroup(
        self,
        groupname: str,
        consumername: str,
        streams: Dict[KeyT, StreamIdT],
        count: Optional[int] = None,
        block: Optional[int] = None,
        noack: bool = False,
        claim_min_idle_time: Optional[int] = None,
        max_count: Optional[int] = None,
        max_size: Optional[int] = None,
    ) -> ResponseT:
        """As :meth:`xread`, as ``consumername`` of ``groupname`` (``">"``: new entries);
        ``noack``: do not add them to the pending list."""
        argv: List[EncodableT] = ["XREADGROUP", "GROUP", groupname, consumername]
        if count is not None:
            _positive("xreadgroup()", "count", count)
            argv += ["COUNT", count]
        argv += _limits("xreadgroup()", count, max_count, max_size)
        if block is not None:
            _non_negative("xreadgroup()", "block", block)
            argv += ["BLOCK", block]
        if noack:
            argv.append("NOACK")
        if claim_min_idle_time is not None:
            _non_negative("xreadgroup()", "claim_min_idle_time", claim_min_idle_time)
            argv += ["CLAIM", claim_min_idle_time]
        argv += _streams_args("xreadgroup()", streams)
        return self._call_with(_xread_post(claim_min_idle_time is not None, self._resp3), *argv)

    def xtrim(
        self,
        name: KeyT,
        maxlen: Optional[int] = None,
        approximate: bool = True,
        minid: Optional[StreamIdT] = None,
        limit: Optional[int] = None,
        ref_policy: Optional[RefPolicyT] = None,
    ) -> ResponseT:
        """Trims to ``maxlen`` entries or drops IDs below ``minid`` (one of them, ``~``
        unless ``approximate=False``); the number removed."""
        if maxlen is not None and minid is not None:
            raise DataError("xtrim(): pass maxlen or minid, not both")
        if maxlen is None and minid is None:
            raise DataError("xtrim(): pass maxlen or minid")
        _ref_policy("xtrim()", ref_policy)
        threshold: EncodableT
        if maxlen is not None:
            argv: List[EncodableT] = ["XTRIM", name, "MAXLEN"]
            threshold = maxlen
        else:
            assert minid is not None
            argv = ["XTRIM", name, "MINID"]
            threshold = minid
        if approximate:
            argv.append("~")
        argv.append(threshold)
        if limit is not None:
            argv += ["LIMIT", limit]
        if ref_policy is not None:
            argv.append(ref_policy)
        return self._call(*argv)


def _limits(
    command: str, count: Optional[int], max_count: Optional[int], max_size: Optional[int]
) -> List[EncodableT]:
    out: List[EncodableT] = []
    if max_count is not None:
        _positive(command, "max_count", max_count)
        if count is not None and max_count < count:
            raise DataError(f"{command} max_count={max_count!r}: must be >= count ({count!r})")
        out += ["MAXCOUNT", max_count]
    if max_size is not None:
        _positive(command, "max_size", max_size)
        out += ["MAXSIZE", max_size]
    return out
