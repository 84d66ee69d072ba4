"""Hash, list and set command methods with redis-py 8.1's signatures, argument checks and
reply shapes, on the sync and asyncio clients and both pipelines (``call``), with RESP3 and
``decode_responses`` where the shape differs, and against redis-py's own ``RedisCluster``
on the same cluster when redis-py is installed.

The field-expiry commands (HEXPIRE and its kin) need Redis 7.4 and the test cluster runs
an older server: for those only the argv is checked (a recording stand-in for the client).
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import itertools
import warnings
from typing import Any

import pytest

import slotwise
import slotwise.asyncio
from slotwise.commands import Commands

from .cluster import Cluster
from .faces import Call, redis_py



class Recorder(Commands):
    """The command methods over a stand-in that records each argv instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[tuple[Any, ...]] = []
        #: What every command "replies" (through the method's own conversion).
        self.reply: Any = None

        def record(*argv: Any) -> Any:
            self.sent.append(argv)
            return self.reply

        self._call = record
        self._call_with = lambda post, *argv: post(record(*argv))
        self._call_raw_with = self._call_with

    def argv(self, method: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        getattr(self, method)(*args, **kwargs)
        return self.sent.pop()


# --- hashes -------------------------------------------------------------------------------


def test_hset_takes_items_key_value_and_mapping_in_redis_py_order(call: Call, p: str) -> None:
    h = p + "{h}"
    # items first, then key/value, then mapping: the last one sent wins a repeated field.
    assert call("hset", h, "f", "kv", mapping={"f": "map", "g": 1}, items=["f", "items", "i", 2]) == 3
    assert call("hgetall", h) == {b"f": b"map", b"g": b"1", b"i": b"2"}
    assert call("hset", h, items=["f", "items"], key="f", value="kv") == 0
    assert call("hget", h, "f") == b"kv"
    with pytest.raises(slotwise.DataError, match="no key value pairs"):
        call("hset", h)
    with pytest.raises(slotwise.DataError, match="value"):
        call("hset", h, "f")


def test_hash_field_commands(call: Call, p: str) -> None:
    h = p + "{h}"
    assert call("hsetnx", h, "f", "1") == 1
    assert call("hsetnx", h, "f", "2") == 0
    assert type(call("hsetnx", h, "f", "2")) is int  # redis-py gives an int, not a bool
    assert call("hincrbyfloat", h, "f", 1.5) == 2.5
    assert call("hincrbyfloat", h, "n") == 1.0 and type(call("hincrbyfloat", h, "n", 0)) is float
    assert call("hset", h, "s", "hello") == 1
    assert call("hstrlen", h, "s") == 5 and call("hstrlen", h, "nope") == 0
    assert sorted(call("hkeys", h)) == [b"f", b"n", b"s"]
    assert sorted(call("hvals", h)) == [b"1", b"2.5", b"hello"]
    assert call("hkeys", p + "{h}nope") == [] and call("hvals", p + "{h}nope") == []


def test_hmset_warns_as_deprecated_and_sets_fields(call: Call, p: str) -> None:
    h = p + "{h}"
    with pytest.warns(DeprecationWarning, match="Call to deprecated hmset. \\(Use 'hset' instead.\\)"):
        assert call("hmset", h, {"a": 1, "b": "two"}) is True
    assert call("hgetall", h) == {b"a": b"1", b"b": b"two"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(slotwise.DataError, match="'hmset' with 'mapping' of length 0"):
            call("hmset", h, {})


def test_hrandfield_count_and_withvalues(call: Call, p: str) -> None:
    h = p + "{h}"
    fields: dict[Any, Any] = {b"a": b"1", b"b": b"2", b"c": b"3"}
    assert call("hset", h, mapping=fields) == 3
    assert call("hrandfield", h) in fields
    assert call("hrandfield", p + "{h}nope") is None
    picked = call("hrandfield", h, 2)
    assert len(picked) == 2 and set(picked) <= set(fields)
    assert len(call("hrandfield", h, -5)) == 5
    flat = call("hrandfield", h, 3, withvalues=True)
    # RESP2 (and redis-py's default): a flat [field, value, ...] list.
    assert len(flat) == 6 and dict(zip(flat[::2], flat[1::2])) == fields


def test_hscan_pages_and_hscan_iter(call: Call, p: str) -> None:
    h = p + "{h}"
    fields = {f"f{i}".encode(): str(i).encode() for i in range(300)}
    call("hset", h, mapping=fields)
    cursor, page = call("hscan", h, 0, count=10)
    assert type(cursor) is int and isinstance(page, dict) and set(page) <= set(fields)
    seen: dict[bytes, bytes] = {}
    cursor = 0
    while True:
        cursor, page = call("hscan", h, cursor, match="f1*", count=50)
        seen.update(page)
        if cursor == 0:
            break
    assert seen == {k: v for k, v in fields.items() if k.startswith(b"f1")}
    assert call("hscan", p + "{h}nope") == (0, {})


def test_hscan_iter_on_sync_and_asyncio_clients(cluster: Cluster, p: str) -> None:
    h = p + "{h}"
    fields: dict[Any, Any] = {f"f{i}".encode(): str(i).encode() for i in range(300)}
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1]) as rc:
        rc.hset(h, mapping=fields)
        assert dict(rc.hscan_iter(h, count=20)) == fields
        assert dict(rc.hscan_iter(h, match="f2?")) == {k: v for k, v in fields.items() if len(k) == 3 and k.startswith(b"f2")}
        with pytest.raises(TypeError, match="use `for`"):
            asyncio.run(_drain(rc.hscan_iter(h)))
        with pytest.raises(TypeError, match="pipeline"):
            list(rc.pipeline().hscan_iter(h))

    async def main() -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]) as arc:
            got = {k: v async for k, v in arc.hscan_iter(h, count=20)}
            assert got == fields
            with pytest.raises(TypeError, match="async for"):
                list(arc.hscan_iter(h))

    asyncio.run(main())


async def _drain(it: Any) -> list[Any]:
    return [x async for x in it]


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
def test_hash_replies_in_resp2_and_resp3(cluster: Cluster, p: str, protocol: int, decode: bool) -> None:
    def s(text: str) -> Any:
        return text if decode else text.encode()

    h = p + "{h}"
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], protocol=protocol, decode_responses=decode) as rc:
        rc.hset(h, mapping={"a": "1", "b": "2"})
        assert rc.hscan(h) == (0, {s("a"): s("1"), s("b"): s("2")})
        assert dict(rc.hscan_iter(h)) == {s("a"): s("1"), s("b"): s("2")}
        pairs = rc.hrandfield(h, 2, withvalues=True)
        if protocol == 3:  # redis-py with protocol=3: [[field, value], ...]
            assert sorted(map(tuple, pairs)) == [(s("a"), s("1")), (s("b"), s("2"))]
        else:
            assert dict(zip(pairs[::2], pairs[1::2])) == {s("a"): s("1"), s("b"): s("2")}
        assert sorted(rc.hkeys(h)) == [s("a"), s("b")]
        assert rc.hincrbyfloat(h, "a", 0.5) == 1.5
        assert rc.hsetnx(h, "a", "x") == 0 and type(rc.hsetnx(h, "c", "x")) is int


def test_field_expiry_commands_build_redis_py_argv() -> None:
    # Redis 7.4 commands (the test cluster's server is older): argv only.
    r = Recorder()
    assert r.argv("hexpire", "h", 10, "a", "b") == ("HEXPIRE", "h", 10, "FIELDS", 2, "a", "b")
    assert r.argv("hexpire", "h", datetime.timedelta(minutes=1), "a", nx=True) == (
        "HEXPIRE", "h", 60, "NX", "FIELDS", 1, "a"
    )
    assert r.argv("hpexpire", "h", datetime.timedelta(seconds=2), "a", gt=True) == (
        "HPEXPIRE", "h", 2000, "GT", "FIELDS", 1, "a"
    )
    at = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    assert r.argv("hexpireat", "h", at, "a", xx=True) == ("HEXPIREAT", "h", 1893456000, "XX", "FIELDS", 1, "a")
    assert r.argv("hpexpireat", "h", at, "a", lt=True) == (
        "HPEXPIREAT", "h", 1893456000000, "LT", "FIELDS", 1, "a"
    )
    assert r.argv("hpexpireat", "h", 5, "a") == ("HPEXPIREAT", "h", 5, "FIELDS", 1, "a")
    for method in ("hpersist", "hexpiretime", "hpexpiretime", "httl", "hpttl"):
        assert r.argv(method, "h", "a", "b") == (method.upper(), "h", "FIELDS", 2, "a", "b")
    for method in ("hexpire", "hpexpire", "hexpireat", "hpexpireat"):
        with pytest.raises(ValueError, match="Only one of 'nx', 'xx', 'gt', 'lt'"):
            r.argv(method, "h", 1, "a", nx=True, lt=True)


def test_hgetdel_hgetex_hsetex_build_redis_py_argv() -> None:
    # Redis 8.0 commands (the test cluster's server is older): argv and checks only.
    from slotwise.commands.hashes import HashDataPersistOptions

    r = Recorder()
    assert r.argv("hgetdel", "h", "a", "b") == ("HGETDEL", "h", "FIELDS", 2, "a", "b")
    with pytest.raises(slotwise.DataError, match="at least one key"):
        r.argv("hgetdel", "h")
    assert r.argv("hgetex", "h", "a") == ("HGETEX", "h", "FIELDS", 1, "a")
    assert r.argv("hgetex", "h", "a", ex=datetime.timedelta(seconds=3)) == ("HGETEX", "h", "EX", 3, "FIELDS", 1, "a")
    assert r.argv("hgetex", "h", "a", ex="7") == ("HGETEX", "h", "EX", 7, "FIELDS", 1, "a")
    assert r.argv("hgetex", "h", "a", px=5) == ("HGETEX", "h", "PX", 5, "FIELDS", 1, "a")
    assert r.argv("hgetex", "h", "a", pxat=9) == ("HGETEX", "h", "PXAT", 9, "FIELDS", 1, "a")
    assert r.argv("hgetex", "h", "a", persist=True) == ("HGETEX", "h", "PERSIST", "FIELDS", 1, "a")
    with pytest.raises(slotwise.DataError, match="mutually exclusive"):
        r.argv("hgetex", "h", "a", ex=1, persist=True)
    with pytest.raises(slotwise.DataError, match="ex must be datetime.timedelta or int"):
        r.argv("hgetex", "h", "a", ex=1.5)
    with pytest.raises(slotwise.DataError, match="at least one key"):
        r.argv("hgetex", "h", ex=1)
    assert r.argv("hsetex", "h", "f", "v", mapping={"g": 2}, items=["i", 3], ex=10) == (
        "HSETEX", "h", "EX", 10, "FIELDS", 3, "i", 3, "f", "v", "g", 2
    )
    assert r.argv(
        "hsetex", "h", "f", "v", data_persist_option=HashDataPersistOptions.FNX, keepttl=True
    ) == ("HSETEX", "h", "FNX", "KEEPTTL", "FIELDS", 1, "f", "v")
    assert r.argv("hsetex", "h", "f", "v", exat=5, data_persist_option="FXX") == (
        "HSETEX", "h", "EXAT", 5, "FXX", "FIELDS", 1, "f", "v"
    )
    with pytest.raises(slotwise.DataError, match="mutually exclusive"):
        r.argv("hsetex", "h", "f", "v", px=1, keepttl=True)
    with pytest.raises(slotwise.DataError, match="odd number of items"):
        r.argv("hsetex", "h", items=["f"])
    with pytest.raises(slotwise.DataError, match="no key value pairs"):
        r.argv("hsetex", "h", ex=1)
    with pytest.raises(slotwise.DataError, match="data_persist_option"):
        r.argv("hsetex", "h", "f", "v", data_persist_option="NX")


def test_hscan_no_values_builds_novalues() -> None:
    # NOVALUES needs Redis 7.4: argv only.
    r = Recorder()
    assert r.argv("hscan", "h", 7, match="f*", count=3, no_values=True) == (
        "HSCAN", "h", 7, "MATCH", "f*", "COUNT", 3, "NOVALUES"
    )
    assert r.argv("hscan", "h") == ("HSCAN", "h", 0)


# --- lists --------------------------------------------------------------------------------


def test_list_index_and_edit_commands(call: Call, p: str) -> None:
    key = p + "{l}"
    assert call("lpushx", key, "x") == 0 and call("rpushx", key, "x") == 0
    assert call("rpush", key, "a", "b", "c") == 3
    assert call("lpushx", key, "z", "y") == 5 and call("rpushx", key, "d") == 6
    assert call("lrange", key, 0, -1) == [b"y", b"z", b"a", b"b", b"c", b"d"]
    assert call("lindex", key, 0) == b"y" and call("lindex", key, -1) == b"d"
    assert call("lindex", key, 99) is None
    assert call("lset", key, 0, "Y") is True
    with pytest.raises(slotwise.ResponseError, match="index out of range"):
        call("lset", key, 99, "v")
    assert call("linsert", key, "BEFORE", "a", "before-a") == 7
    assert call("linsert", key, "after", "a", "after-a") == 8
    assert call("linsert", key, "AFTER", "nope", "v") == -1
    assert call("lrange", key, 0, -1) == [b"Y", b"z", b"before-a", b"a", b"after-a", b"b", b"c", b"d"]
    assert call("ltrim", key, 1, -2) is True
    assert call("lrange", key, 0, -1) == [b"z", b"before-a", b"a", b"after-a", b"b", b"c"]
    assert call("rpush", key, "a", "a") == 8
    assert call("lrem", key, -1, "a") == 1 and call("lrem", key, 0, "a") == 2
    assert call("lrange", key, 0, -1) == [b"z", b"before-a", b"after-a", b"b", b"c"]


def test_lpos_rank_count_maxlen(call: Call, p: str) -> None:
    key = p + "{l}"
    call("rpush", key, "a", "b", "c", "b", "d", "b")
    assert call("lpos", key, "b") == 1
    assert call("lpos", key, "nope") is None
    assert call("lpos", key, "b", rank=2) == 3 and call("lpos", key, "b", rank=-1) == 5
    assert call("lpos", key, "b", count=0) == [1, 3, 5]
    assert call("lpos", key, "b", count=2) == [1, 3]
    assert call("lpos", key, "nope", count=2) == []
    assert call("lpos", key, "b", count=0, maxlen=4) == [1, 3]
    assert call("lpos", key, "b", rank=-1, count=2, maxlen=3) == [5, 3]


def test_list_moves_and_pops(call: Call, p: str) -> None:
    a, b = p + "{l}a", p + "{l}b"
    call("rpush", a, "1", "2", "3", "4", "5")
    assert call("lmove", a, b) == b"1"  # LEFT of a to RIGHT of b
    assert call("lmove", a, b, "RIGHT", "LEFT") == b"5"
    assert call("lrange", b, 0, -1) == [b"5", b"1"]
    assert call("rpoplpush", a, b) == b"4"
    assert call("brpoplpush", a, b, 1) == b"3"
    assert call("blmove", a, b, 1, "LEFT", "RIGHT") == b"2"
    assert call("lrange", b, 0, -1) == [b"3", b"4", b"5", b"1", b"2"]
    assert call("lmove", a, b) is None and call("rpoplpush", a, b) is None
    assert call("lpop", b, 2) == [b"3", b"4"] and call("rpop", b, 5) == [b"2", b"1", b"5"]
    assert call("lpop", b) is None and call("lpop", b, 2) is None


def test_lmpop_and_blmpop(call: Call, p: str) -> None:
    a, b = p + "{l}a", p + "{l}b"
    call("rpush", b, "1", "2", "3")
    assert call("lmpop", 2, a, b, direction="LEFT") == [b.encode(), [b"1"]]
    assert call("lmpop", 2, a, b, direction="RIGHT", count=5) == [b.encode(), [b"3", b"2"]]
    assert call("lmpop", 2, a, b, direction="LEFT") is None
    call("rpush", a, "x", "y")
    assert call("blmpop", 1, 2, a, b, direction="RIGHT", count=1) == [a.encode(), [b"y"]]
    assert call("blmpop", 1, 2, a, b, direction="LEFT") == [a.encode(), [b"x"]]
    with pytest.raises(slotwise.DataError, match="count=None"):
        call("lmpop", 1, a, direction="LEFT", count=None)


def test_blocking_list_commands_time_out_with_none(call: Call, p: str) -> None:
    a, b = p + "{l}a", p + "{l}b"
    assert call("brpoplpush", a, b, 0.05) is None
    assert call("blmove", a, b, 0.05) is None
    assert call("blmpop", 0.05, 1, a, direction="LEFT") is None


def test_sort_and_sort_ro(call: Call, p: str) -> None:
    key, dest = p + "{l}", p + "{l}dest"
    call("rpush", key, "3", "10", "1", "2")
    assert call("sort", key) == [b"1", b"2", b"3", b"10"]
    assert call("sort", key, desc=True) == [b"10", b"3", b"2", b"1"]
    assert call("sort", key, alpha=True) == [b"1", b"10", b"2", b"3"]
    assert call("sort", key, 1, 2) == [b"2", b"3"]
    # (GET is refused by a cluster's server: see the argv test for ``groups``.)
    assert call("sort", key, store=dest) == 4
    assert call("lrange", dest, 0, -1) == [b"1", b"2", b"3", b"10"]
    assert call("sort_ro", key, 0, 2, desc=True) == [b"10", b"3"]
    with pytest.raises(slotwise.DataError, match="``start`` and ``num`` must both be specified"):
        call("sort", key, start=1)
    with pytest.raises(slotwise.DataError, match='"groups"'):
        call("sort", key, get="#", groups=True)
    with pytest.raises(slotwise.DataError, match='"groups"'):
        call("sort", key, groups=True)


def test_list_argv_as_redis_py_builds_it() -> None:
    r = Recorder()
    assert r.argv("lmpop", 2, "a", "b", direction="LEFT") == ("LMPOP", 2, "a", "b", "LEFT")
    assert r.argv("lmpop", 1, "a", direction="RIGHT", count=3) == ("LMPOP", 1, "a", "RIGHT", "COUNT", 3)
    assert r.argv("blmpop", 0, 1, "a", direction="LEFT") == ("BLMPOP", 0, 1, "a", "LEFT", "COUNT", 1)
    assert r.argv("brpoplpush", "a", "b", None) == ("BRPOPLPUSH", "a", "b", 0)
    assert r.argv("blmove", "a", "b", 2) == ("BLMOVE", "a", "b", "LEFT", "RIGHT", 2)
    assert r.argv("lpos", "l", "v", maxlen=0) == ("LPOS", "l", "v", "MAXLEN", 0)
    assert r.argv("sort", "l", 0, 5, by="w_*", get=["#", "o_*"], desc=True, alpha=True, store="d") == (
        "SORT", "l", "BY", "w_*", "LIMIT", 0, 5, "GET", "#", "GET", "o_*", "DESC", "ALPHA", "STORE", "d"
    )
    # slotwise sends SORT_RO (read-only, so it may go to a replica); redis-py sends SORT.
    assert r.argv("sort_ro", "l", by="nosort") == ("SORT_RO", "l", "BY", "nosort")
    r.reply = [b"1", b"a", b"2", b"b"]
    assert r.sort("l", get=["#", "o_*"], groups=True) == [(b"1", b"a"), (b"2", b"b")]
    assert r.sent.pop() == ("SORT", "l", "GET", "#", "GET", "o_*")
    r.reply = []
    assert r.sort("l", get=("#", "o_*"), groups=True) == []


# --- sets ---------------------------------------------------------------------------------


def test_set_member_commands(call: Call, p: str) -> None:
    a, b = p + "{s}a", p + "{s}b"
    assert call("sadd", a, "x", "y", "z") == 3
    assert call("sismember", a, "x") == 1 and type(call("sismember", a, "x")) is int
    assert call("sismember", a, "nope") == 0
    assert call("smismember", a, ["x", "nope"], "z") == [1, 0, 1]
    assert call("smismember", a, "y") == [1]
    assert call("smove", a, b, "x") is True and call("smove", a, b, "nope") is False
    assert call("smembers", b) == {b"x"}
    assert call("sadd", b, "y", "w") == 2
    assert call("sintercard", 2, [a, b]) == 1
    assert call("sintercard", 2, [a, b], limit=1) == 1
    assert call("sintercard", 1, [a], limit=1) == 1
    assert call("sintercard", 1, [a]) == 2


def test_spop_and_srandmember(call: Call, p: str) -> None:
    key = p + "{s}"
    members = {b"a", b"b", b"c", b"d"}
    call("sadd", key, *members)
    got = call("srandmember", key)
    assert got in members
    some = call("srandmember", key, 2)
    assert isinstance(some, list) and len(some) == 2 and set(some) <= members
    assert len(call("srandmember", key, -6)) == 6
    assert call("srandmember", p + "{s}nope") is None and call("srandmember", p + "{s}nope", 2) == []
    one = call("spop", key)
    assert one in members
    rest = call("spop", key, 10)
    assert isinstance(rest, list) and set(rest) == members - {one}
    assert call("spop", key) is None


def test_sscan_pages(call: Call, p: str) -> None:
    key = p + "{s}"
    members = {f"m{i}".encode() for i in range(300)}
    call("sadd", key, *members)
    seen: set[bytes] = set()
    cursor = 0
    while True:
        cursor, page = call("sscan", key, cursor, match="m1*", count=40)
        assert type(cursor) is int and isinstance(page, list)
        seen.update(page)
        if cursor == 0:
            break
    assert seen == {m for m in members if m.startswith(b"m1")}
    assert call("sscan", p + "{s}nope") == (0, [])


def test_sscan_iter_on_sync_and_asyncio_clients(cluster: Cluster, p: str) -> None:
    key = p + "{s}"
    members = {f"m{i}".encode() for i in range(300)}
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1]) as rc:
        rc.sadd(key, *members)
        got = list(rc.sscan_iter(key, count=25))
        assert set(got) == members
        assert set(rc.sscan_iter(key, match="m29?")) == {f"m29{i}".encode() for i in range(10)}

    async def main() -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]) as arc:
            assert {m async for m in arc.sscan_iter(key, count=25)} == members

    asyncio.run(main())


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
def test_set_replies_in_resp2_and_resp3(cluster: Cluster, p: str, protocol: int, decode: bool) -> None:
    def s(text: str) -> Any:
        return text if decode else text.encode()

    key = p + "{s}"
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], protocol=protocol, decode_responses=decode) as rc:
        rc.sadd(key, "a", "b", "c")
        # RESP3 sends SPOP's count reply as a set: redis-py gives a list either way.
        popped = rc.spop(key, 2)
        assert isinstance(popped, list) and len(popped) == 2
        rest = rc.smembers(key)
        assert isinstance(rest, set) and rest | set(popped) == {s("a"), s("b"), s("c")}
        assert isinstance(rc.srandmember(key, 2), list)
        assert rc.sscan(key) == (0, list(rest))
        assert type(rc.sismember(key, list(rest)[0])) is int
        assert rc.smismember(key, [list(rest)[0], "nope"]) == [1, 0]


# --- against redis-py's RedisCluster ------------------------------------------------------


def test_replies_match_redis_py(cluster: Cluster, p: str) -> None:
    """The same steps on the same keys through slotwise, then (keys deleted) through
    redis-py's RedisCluster: equal replies of equal types."""
    redis_cluster = redis_py("redis.cluster")
    host, port = cluster.seeds[0].rsplit(":", 1)
    h, l1, l2, s1, s2 = (p + "{x}" + n for n in ("h", "l1", "l2", "s1", "s2"))
    steps: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("hset", (h,), {"mapping": {"a": 1, "b": 2}, "items": ["c", 3], "key": "d", "value": 4}),
        ("hsetnx", (h, "a", 9), {}),
        ("hsetnx", (h, "e", 9), {}),
        ("hincrbyfloat", (h, "a", 0.25), {}),
        ("hkeys", (h,), {}),
        ("hvals", (h,), {}),
        ("hstrlen", (h, "a"), {}),
        ("hexists", (h, "a"), {}),
        ("hincrby", (h, "b", 2), {}),
        ("hgetall", (h,), {}),
        ("hmget", (h, ["a", "zz"], "b"), {}),
        ("hdel", (h, "e"), {}),
        ("hlen", (h,), {}),
        ("hscan", (h,), {}),
        ("hrandfield", (h, 10, True), {}),
        ("rpush", (l1, "a", "b", "a", "c"), {}),
        ("lpushx", (l1, "z"), {}),
        ("rpushx", (l2, "z"), {}),
        ("linsert", (l1, "BEFORE", "c", "x"), {}),
        ("lindex", (l1, 1), {}),
        ("lset", (l1, 0, "Z"), {}),
        ("lpos", (l1, "a"), {"count": 0}),
        ("lpos", (l1, "a"), {"rank": -1}),
        ("lrem", (l1, 1, "a"), {}),
        ("ltrim", (l1, 0, 10), {}),
        ("lmove", (l1, l2), {}),
        ("rpoplpush", (l1, l2), {}),
        ("lmpop", (2, l1, l2), {"direction": "LEFT", "count": 2}),
        ("blmpop", (1, 2, l1, l2), {"direction": "RIGHT"}),
        ("lrange", (l2, 0, -1), {}),
        ("sort", (l2,), {"alpha": True}),
        ("llen", (l2,), {}),
        ("lpop", (l2, 5), {}),
        ("sadd", (s1, "a", "b", "c"), {}),
        ("sismember", (s1, "a"), {}),
        ("smismember", (s1, ["a", "q"]), {}),
        ("smove", (s1, s2, "a"), {}),
        ("sintercard", (2, [s1, s2]), {}),
        ("sinter", ([s1, s2],), {}),
        ("sunion", (s1, s2), {}),
        ("sdiff", ([s1], s2), {}),
        ("sunionstore", (p + "{x}u", s1, s2), {}),
        ("smembers", (s1,), {}),
        ("scard", (s1,), {}),
        ("srem", (s1, "b"), {}),
        ("sscan", (s2,), {}),
        ("srandmember", (s2, 1), {}),
        ("spop", (s2, 1), {}),
        ("spop", (s2,), {}),
    ]
    for protocol, decode in itertools.product((None, 2, 3), (False, True)):
        opts: dict[str, Any] = {"decode_responses": decode}
        if protocol is not None:
            opts["protocol"] = protocol
        ours = slotwise.Cluster(startup_nodes=cluster.seeds[:1], **opts)
        theirs = redis_cluster.RedisCluster(host=host, port=int(port), **opts)
        try:
            got = [getattr(ours, m)(*a, **kw) for m, a, kw in steps]
            ours.delete(h, l1, l2, s1, s2, p + "{x}u")
            want = [getattr(theirs, m)(*a, **kw) for m, a, kw in steps]
            theirs.delete(h, l1, l2, s1, s2, p + "{x}u")
        finally:
            ours.close()
            theirs.close()
        for (method, _, _), g, w in zip(steps, got, want):
            if method == "hrandfield":  # random order: compare as sorted
                g, w = sorted(map(str, g)), sorted(map(str, w))
            assert (type(g), g) == (type(w), w), (protocol, decode, method)


def test_signatures_match_redis_py() -> None:
    """Every hash, list and set method takes redis-py's parameters: names, kinds, defaults."""
    redis_cluster = redis_py("redis.cluster")
    from slotwise.commands.hashes import HashCommands
    from slotwise.commands.lists import ListCommands
    from slotwise.commands.sets import SetCommands

    def shape(f: Any) -> list[tuple[str, Any, Any]]:
        return [(q.name, q.kind, q.default) for q in inspect.signature(f).parameters.values()]

    checked = 0
    for family in (HashCommands, ListCommands, SetCommands):
        for name, f in vars(family).items():
            if name.startswith("_") or not callable(f):
                continue
            assert shape(f) == shape(getattr(redis_cluster.RedisCluster, name)), name
            checked += 1
    assert checked >= 70
