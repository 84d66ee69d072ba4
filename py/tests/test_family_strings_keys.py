"""String, bitmap and generic-key commands with redis-py 8.1's signatures, validation and
reply shapes (``RedisCluster``): every ``set`` option and its ``DataError`` cases, ``getex``,
``getdel``, ``lcs``, ``mget_nonatomic``/``mset_nonatomic``, the bit commands and the
``bitfield`` builder, the expire family with NX/XX/GT/LT, ``copy``, ``dump``/``restore``,
``sort``, and the ``rc[key]`` dunders. Each test runs on the sync and asyncio clients and on
both pipelines; the ``call3`` tests run with ``protocol=3, decode_responses=True``."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import time
from typing import Any, Callable, Iterator

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster
from .faces import redis_py
from .fakenode import FakeNode, encode

#: Runs one command method: ``call("getex", "k", ex=5)`` gives its reply (or
#: ``call(fn)``: ``fn(client)`` run as a method is).
Call = Callable[..., Any]
FACES = ["sync", "sync-pipeline", "asyncio", "asyncio-pipeline"]


def _runner(method: Any, args: Any, kwargs: Any) -> Callable[[Any], Any]:
    """``method`` is a method name, or a function of the client (or pipeline)."""
    if callable(method):
        return method  # type: ignore[no-any-return]
    return lambda client: getattr(client, method)(*args, **kwargs)


@contextlib.contextmanager
def _face(cluster: Cluster, face: str, **opts: Any) -> Iterator[Call]:
    if face.startswith("sync"):
        rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], **opts)

        def sync_call(method: Any, *args: Any, **kwargs: Any) -> Any:
            run = _runner(method, args, kwargs)
            if face == "sync":
                return run(rc)
            return run(rc.pipeline()).execute()[0]

        try:
            yield sync_call
        finally:
            rc.close()
        return

    loop = asyncio.new_event_loop()

    async def connect() -> slotwise.asyncio.Cluster:
        return await slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1], **opts).initialize()

    arc = loop.run_until_complete(connect())

    async def one(method: Any, args: Any, kwargs: Any) -> Any:
        run = _runner(method, args, kwargs)
        if face == "asyncio":
            return await run(arc)
        return (await run(arc.pipeline()).execute())[0]

    def async_call(method: Any, *args: Any, **kwargs: Any) -> Any:
        return loop.run_until_complete(one(method, args, kwargs))

    try:
        yield async_call
    finally:
        loop.run_until_complete(arc.aclose())
        loop.close()


@pytest.fixture(params=FACES)
def call(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[Call]:
    with _face(cluster, request.param) as c:
        yield c


@pytest.fixture(params=FACES)
def call3(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[Call]:
    """As ``call``, on RESP3 with ``decode_responses=True``."""
    with _face(cluster, request.param, protocol=3, decode_responses=True) as c:
        yield c


# --- strings -------------------------------------------------------------------------


def test_set_with_each_option(call: Call, p: str) -> None:
    k = p + "{s}k"
    assert call("set", k, "v1", ex=100) is True
    assert 95 <= call("ttl", k) <= 100
    assert call("set", k, "v2", px=datetime.timedelta(seconds=50)) is True
    assert 45_000 <= call("pttl", k) <= 50_000
    assert call("set", k, "v3", keepttl=True) is True
    assert 45_000 <= call("pttl", k) <= 50_000
    assert call("set", k, "v4", nx=True) is None  # exists: NX refuses
    assert call("set", k, "v4", xx=True) is True
    assert call("set", p + "{s}none", "x", xx=True) is None
    assert call("set", k, "v5", get=True) == b"v4"
    assert call("set", p + "{s}fresh", "f", get=True) is None
    assert call("get", p + "{s}fresh") == b"f"
    assert call("set", k, "v6", nx=True, get=True) == b"v5"  # refused, old value given
    assert call("get", k) == b"v5"
    at = int(time.time()) + 1000
    assert call("set", k, "v7", exat=at) is True
    assert call("expiretime", k) == at
    assert call("set", k, "v8", pxat=at * 1000 + 7) is True
    assert call("pexpiretime", k) == at * 1000 + 7
    when = datetime.datetime.fromtimestamp(at + 5)
    assert call("set", k, "v9", exat=when) is True
    assert call("expiretime", k) == at + 5
    assert call("set", k, "v10", ex=datetime.timedelta(seconds=30)) is True
    assert 25 <= call("ttl", k) <= 30
    assert call("set", k, "v11", ex="40") is True  # a digit string, as redis-py allows
    assert 35 <= call("ttl", k) <= 40


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"ex": 10.0}, "ex must be datetime.timedelta or int"),
        ({"ex": "ten"}, "ex must be datetime.timedelta or int"),
        ({"px": 1.5}, "px must be datetime.timedelta or int"),
        ({"px": "100"}, "px must be datetime.timedelta or int"),
        ({"ex": 0, "px": 1}, "mutually exclusive"),
        ({"ex": 1, "keepttl": True}, "mutually exclusive"),
        ({"exat": 1, "pxat": 1}, "mutually exclusive"),
        ({"nx": True, "xx": True}, "mutually exclusive"),
        ({"xx": True, "ifeq": "v"}, "mutually exclusive"),
        ({"ifne": "a", "ifdeq": "b"}, "mutually exclusive"),
    ],
)
def test_set_refuses_what_redis_py_refuses(call: Call, p: str, kwargs: Any, words: str) -> None:
    k = p + "k"
    with pytest.raises(slotwise.DataError, match=words):
        call("set", k, "v", **kwargs)
    assert call("exists", k) == 0  # nothing was sent


def test_getex_getdel_getset(call: Call, p: str) -> None:
    k = p + "k"
    assert call("getex", k) is None
    assert call("set", k, "v") is True
    assert call("getex", k, ex=100) == b"v"
    assert 95 <= call("ttl", k) <= 100
    assert call("getex", k, px=datetime.timedelta(seconds=20)) == b"v"
    assert 15_000 <= call("pttl", k) <= 20_000
    at = int(time.time()) + 500
    assert call("getex", k, exat=at) == b"v"
    assert call("expiretime", k) == at
    assert call("getex", k, pxat=datetime.datetime.fromtimestamp(at + 1)) == b"v"
    assert call("pexpiretime", k) == (at + 1) * 1000
    assert call("getex", k, persist=True) == b"v"
    assert call("ttl", k) == -1
    for bad in ({"ex": 1, "persist": True}, {"px": 1, "exat": 2}):
        with pytest.raises(slotwise.DataError, match="mutually exclusive"):
            call("getex", k, **bad)
    with pytest.raises(slotwise.DataError, match="ex must be"):
        call("getex", k, ex=1.5)
    assert call("getset", k, "w") == b"v"
    assert call("getset", p + "new", "n") is None
    assert call("getdel", k) == b"w"
    assert call("getdel", k) is None
    assert call("exists", k) == 0


def test_ranges_psetex_msetnx_incrbyfloat(call: Call, p: str) -> None:
    k = p + "{r}k"
    assert call("set", k, "Hello World") is True
    assert call("getrange", k, 0, 4) == b"Hello"
    assert call("getrange", k, -5, -1) == b"World"
    assert call("substr", k, 6) == b"World"
    assert call("substr", k, 0, 0) == b"H"
    assert call("setrange", k, 6, "Redis") == 11
    assert call("get", k) == b"Hello Redis"
    assert call("setrange", p + "{r}pad", 3, "x") == 4
    assert call("get", p + "{r}pad") == b"\x00\x00\x00x"
    assert call("psetex", k, 5000, "p") is True
    assert 4000 <= call("pttl", k) <= 5000
    assert call("psetex", k, datetime.timedelta(seconds=9), "p") is True
    assert 8000 <= call("pttl", k) <= 9000
    a, b = p + "{r}a", p + "{r}b"
    assert call("msetnx", {a: "1", b: "2"}) is True
    assert call("msetnx", {a: "x", p + "{r}c": "3"}) is False
    assert call("mget", a, b, p + "{r}c") == [b"1", b"2", None]
    assert call("incrbyfloat", p + "{r}f") == 1.0
    assert call("incrbyfloat", p + "{r}f", 2.5) == 3.5
    assert isinstance(call("incrbyfloat", p + "{r}f", -0.5), float)


def test_lcs(call: Call, p: str) -> None:
    a, b = p + "{l}a", p + "{l}b"
    assert call("mset", {a: "ohmytext", b: "mynewtext"}) is True
    assert call("lcs", a, b) == b"mytext"
    assert call("lcs", a, b, len=True) == 6
    assert call("lcs", a, b, idx=True) == [
        b"matches",
        [[[4, 7], [5, 8]], [[2, 3], [0, 1]]],
        b"len",
        6,
    ]
    assert call("lcs", a, b, idx=True, minmatchlen=4, withmatchlen=True) == [
        b"matches",
        [[[4, 7], [5, 8], 4]],
        b"len",
        6,
    ]


def test_lcs_idx_is_a_dict_on_resp3(call3: Call, p: str) -> None:
    a, b = p + "{l}a", p + "{l}b"
    assert call3("mset", {a: "ohmytext", b: "mynewtext"}) is True
    assert call3("lcs", a, b) == "mytext"
    assert call3("lcs", a, b, idx=True, minmatchlen=4) == {
        "matches": [[[4, 7], [5, 8]]],
        "len": 6,
    }


def test_nonatomic_multi_key_shapes(call: Call, p: str, request: pytest.FixtureRequest) -> None:
    keys = [p + str(i) for i in range(8)] + [p + "{t}x", p + "{t}y"]
    mapping = {k: f"v{i}" for i, k in enumerate(keys)}
    # One True per slot, as redis-py's RedisCluster pipelines one MSET per slot (an asyncio
    # pipeline queues one MSET per slot, each its own result: the first is checked here).
    replies = call("mset_nonatomic", mapping)
    assert replies == (True if "asyncio-pipeline" in request.node.name else [True] * 9)
    assert call("mget_nonatomic", keys[:2], keys[3], p + "nope") == [b"v0", b"v1", b"v3", None]
    assert call("mget_nonatomic", keys) == [f"v{i}".encode() for i in range(len(keys))]
    assert call("mget_nonatomic", []) == []
    if "asyncio-pipeline" not in request.node.name:  # there it queues nothing at all
        assert call("mset_nonatomic", {}) == []


def test_string_replies_decoded_on_resp3(
    call3: Call, p: str, request: pytest.FixtureRequest
) -> None:
    k = p + "k"
    assert call3("set", k, "é") is True
    assert call3("set", k, "v", get=True) == "é"
    assert call3("getex", k, ex=10) == "v"
    assert call3("getrange", k, 0, -1) == "v"
    assert call3("getdel", k) == "v"
    assert call3("set", k, "v", nx=True) is True
    assert call3("set", k, "v", nx=True) is None
    assert call3("incrbyfloat", p + "f", 1.25) == 1.25
    per_slot = "asyncio-pipeline" in request.node.name  # one MSET (and result) per slot
    assert call3("mset_nonatomic", {p + "a": 1, p + "b": 2}) == (True if per_slot else [True, True])
    assert call3("mget_nonatomic", [p + "a", p + "b"]) == ["1", "2"]


# --- bitmaps -------------------------------------------------------------------------


def test_bit_commands(call: Call, p: str) -> None:
    k = p + "{b}k"
    assert call("setbit", k, 7, 1) == 0
    assert call("setbit", k, 7, True) == 1
    assert call("setbit", k, 1, "yes") == 0  # truthy is 1, as redis-py
    assert call("getbit", k, 1) == 1
    assert call("getbit", k, 100) == 0
    assert call("get", k) == b"\x41"
    assert call("set", k, "foobar") is True
    assert call("bitcount", k) == 26
    assert call("bitcount", k, 1, 1) == 6
    assert call("bitcount", k, 5, 30, "BIT") == 17
    with pytest.raises(slotwise.DataError, match="both start and end"):
        call("bitcount", k, 1)
    with pytest.raises(slotwise.DataError, match="both start and end"):
        call("bitcount", k, end=1)
    assert call("set", k, b"\xff\xf0\x00") is True
    assert call("bitpos", k, 0) == 12
    assert call("bitpos", k, 1, 2) == -1
    assert call("bitpos", k, 0, 2, -1) == 16
    assert call("bitpos", k, 1, 7, 15, "BIT") == 7
    with pytest.raises(slotwise.DataError, match="bit must be 0 or 1"):
        call("bitpos", k, 2)
    with pytest.raises(slotwise.DataError, match="without start"):
        call("bitpos", k, 1, end=3)
    a, b, dest = p + "{b}a", p + "{b}b", p + "{b}d"
    assert call("mset", {a: b"\x0f", b: b"\xff\x01"}) is True
    assert call("bitop", "AND", dest, a, b) == 2
    assert call("get", dest) == b"\x0f\x00"
    assert call("bitop", "NOT", dest, a) == 1
    assert call("get", dest) == b"\xf0"


def test_bitfield_builder(call: Call, p: str) -> None:
    k = p + "bf"
    # The builder's execute() goes through the client (or pipeline) it came from.
    ops = [("set", ("u8", 0, 200)), ("get", ("u8", 0)), ("incrby", ("u8", 0, 100))]
    assert _bitfield(call, k, None, ops) == [0, 200, 44]  # WRAP by default
    ops = [("incrby", ("u8", 0, 250, "SAT")), ("incrby", ("u8", "#1", 300))]
    assert _bitfield(call, k, None, ops) == [255, 255]  # SAT stays for the next one
    assert _bitfield(call, k, "FAIL", [("incrby", ("u8", 0, 1))]) == [None]
    assert call("bitfield_ro", k, "u8", 0) == [255]
    assert call("bitfield_ro", k, "u8", 0, [("u4", 8), ("i8", "#1")]) == [255, 15, -1]


def _bitfield(call: Call, key: str, default: Any, ops: list[tuple[str, tuple[Any, ...]]]) -> Any:
    """Builds ``rc.bitfield(key, default)`` with ``ops`` on the face ``call`` runs on and
    executes it there."""

    def build(client: Any) -> Any:
        op = client.bitfield(key, default_overflow=default)
        for name, args in ops:
            op = getattr(op, name)(*args)
        return op.execute()

    return call(build)


def test_bitfield_builder_command_and_reset(rc: slotwise.Cluster, p: str) -> None:
    op = rc.bitfield(p + "k", default_overflow="sat").set("i8", 0, 1).get("u4", "#1")
    assert op.command == [
        *["BITFIELD", p + "k", "OVERFLOW", "SAT"],
        *["SET", "i8", 0, 1, "GET", "u4", "#1"],
    ]
    assert op.execute() == [0, 1]
    assert op.command == ["BITFIELD", p + "k", "OVERFLOW", "SAT"]  # reset after execute
    op.reset()
    assert rc.bitfield(p + "k").incrby("u2", 0, 1, overflow="wrap").command == [
        "BITFIELD",
        p + "k",
        "INCRBY",
        "u2",
        0,
        1,
    ]


# --- keys ----------------------------------------------------------------------------


def test_expire_family_with_conditions(call: Call, p: str) -> None:
    k = p + "k"
    assert call("expire", k, 10) is False  # no key
    assert call("set", k, "v") is True
    assert call("expire", k, 100, xx=True) is False  # no timeout yet
    assert call("expire", k, 100, nx=True) is True
    assert call("expire", k, 50, nx=True) is False
    assert call("expire", k, 50, gt=True) is False
    assert call("expire", k, datetime.timedelta(seconds=200), gt=True) is True
    assert 195 <= call("ttl", k) <= 200
    assert call("pexpire", k, 300_000, lt=True) is False
    assert call("pexpire", k, datetime.timedelta(seconds=150), lt=True) is True
    assert 145_000 <= call("pttl", k) <= 150_000
    assert call("pexpire", k, 1000, nx=True) is False
    assert call("pexpire", k, 120_000, xx=True) is True
    at = int(time.time()) + 1000
    assert call("expireat", k, at, lt=True) is False
    assert call("expireat", k, at, gt=True) is True
    assert call("expiretime", k) == at
    when = datetime.datetime.fromtimestamp(at + 10)
    assert call("expireat", k, when, xx=True) is True
    assert call("expiretime", k) == at + 10
    assert call("pexpireat", k, (at + 20) * 1000 + 5, gt=True) is True
    assert call("pexpiretime", k) == (at + 20) * 1000 + 5
    assert call("pexpireat", k, datetime.datetime.fromtimestamp(at + 30), nx=True) is False
    assert call("pexpireat", k, datetime.datetime.fromtimestamp(at + 30)) is True
    assert call("pexpiretime", k) == (at + 30) * 1000
    assert call("persist", k) is True
    assert call("persist", k) is False
    assert call("expiretime", k) == -1
    assert call("pexpiretime", p + "nope") == -2


def test_copy_rename_type_touch_unlink(call: Call, p: str) -> None:
    a, b, c = p + "{c}a", p + "{c}b", p + "{c}c"
    assert call("set", a, "1") is True
    assert call("copy", a, b) is True
    assert call("copy", a, b) is False  # exists, no REPLACE
    assert call("set", a, "2") is True
    assert call("copy", a, b, replace=True) is True
    assert call("get", b) == b"2"
    assert call("renamenx", a, b) is False
    assert call("renamenx", a, c) is True
    assert call("exists", a, c) == 1
    assert call("type", c) == b"string"
    assert call("type", a) == b"none"
    assert call("rpush", p + "{c}l", "x") == 1
    assert call("type", p + "{c}l") == b"list"
    assert call("touch", b, c, a) == 2
    assert call("unlink", b, c, a) == 2
    assert call("exists", b, c) == 0


def test_dump_restore_object(call: Call, p: str) -> None:
    k, r = p + "{d}k", p + "{d}r"
    assert call("dump", k) is None
    assert call("rpush", k, "a", "b", "c") == 3
    payload = call("dump", k)
    assert isinstance(payload, bytes)
    assert call("restore", r, 0, payload) == b"OK"
    assert call("lrange", r, 0, -1) == [b"a", b"b", b"c"]
    with pytest.raises(slotwise.ResponseError, match="BUSYKEY"):
        call("restore", r, 0, payload)
    assert call("restore", r, 60_000, payload, replace=True) == b"OK"
    assert 55_000 <= call("pttl", r) <= 60_000
    at_ms = (int(time.time()) + 500) * 1000
    assert call("restore", r, at_ms, payload, replace=True, absttl=True) == b"OK"
    assert call("pexpiretime", r) == at_ms
    assert call("restore", r, 0, payload, replace=True, idletime=1000) == b"OK"
    assert call("object", "idletime", r) >= 1000
    assert call("object", "ENCODING", r) in (b"listpack", b"quicklist", b"ziplist")
    assert call("object", "refcount", r) == 1
    with pytest.raises(slotwise.DataError, match="idletime must be an integer"):
        call("restore", r, 0, payload, replace=True, idletime="soon")
    with pytest.raises(slotwise.DataError, match="frequency must be an integer"):
        call("restore", r, 0, payload, replace=True, frequency="often")
    with pytest.raises(slotwise.DataError, match="target_nodes"):
        call("object", "encoding", r, target_nodes="primaries")


def test_sort_and_sort_ro(call: Call, p: str) -> None:
    lst = p + "{o}l"
    assert call("rpush", lst, "3", "1", "2") == 3
    assert call("sort", lst) == [b"1", b"2", b"3"]
    assert call("sort", lst, desc=True, start=0, num=2) == [b"3", b"2"]
    assert call("sort_ro", lst, desc=True) == [b"3", b"2", b"1"]
    assert call("sort_ro", lst, start=1, num=5) == [b"2", b"3"]
    assert call("rpush", p + "{o}w", "b", "a", "c") == 3
    assert call("sort", p + "{o}w", alpha=True) == [b"a", b"b", b"c"]
    # BY without "*" keeps the stored order (BY/GET patterns are denied in cluster mode
    # before Redis 8: their argv and GROUPS are checked on a fake node below).
    assert call("sort", lst, by="nosort") == [b"3", b"1", b"2"]
    assert call("sort", lst, store=p + "{o}dst") == 3
    assert call("lrange", p + "{o}dst", 0, -1) == [b"1", b"2", b"3"]
    with pytest.raises(slotwise.DataError, match="both start and num"):
        call("sort", lst, start=1)
    with pytest.raises(slotwise.DataError, match="both start and num"):
        call("sort_ro", lst, num=1)
    with pytest.raises(slotwise.DataError, match="at least two patterns"):
        call("sort", lst, get="#", groups=True)
    with pytest.raises(slotwise.DataError, match="at least two patterns"):
        call("sort", lst, get=["#"], groups=True)
    with pytest.raises(slotwise.DataError, match="at least two patterns"):
        call("sort", lst, groups=True)


def test_sort_get_patterns_and_groups_on_a_fake_node() -> None:
    def script(argv: list[bytes]) -> bytes:
        if argv[0].upper() in (b"SORT", b"SORT_RO"):
            if b"STORE" in argv:
                return encode(3)
            return encode([] if b"empty" in argv else ["1", "one", "2", "two"])
        return b"+OK\r\n"

    with FakeNode(script) as node:
        rc = slotwise.Cluster(startup_nodes=[node.addr])
        try:
            assert rc.sort("l", get=["#", "n_*"], groups=True) == [(b"1", b"one"), (b"2", b"two")]
            assert rc.sort("l", get=["#", "n_*"]) == [b"1", b"one", b"2", b"two"]
            assert rc.sort("l", get="n_*", by="w_*", desc=True, alpha=True, start=0, num=9) == [
                b"1",
                b"one",
                b"2",
                b"two",
            ]
            assert rc.sort("l", store="dst", get=("#", "n_*"), groups=True) == 3
            assert rc.sort_ro("l", by="w_*", get=["#"]) == [b"1", b"one", b"2", b"two"]
            pipe = rc.pipeline()
            pipe.sort("l", get=["#", "n_*"], groups=True)
            pipe.sort("l", by="empty", get=["#", "x"], groups=True)
            assert pipe.execute() == [[(b"1", b"one"), (b"2", b"two")], []]
        finally:
            rc.close()
        sent = [a for a in node.received if a[0] in (b"SORT", b"SORT_RO")]
        assert sent == [
            [b"SORT", b"l", b"GET", b"#", b"GET", b"n_*"],
            [b"SORT", b"l", b"GET", b"#", b"GET", b"n_*"],
            [b"SORT", b"l", b"BY", b"w_*", b"LIMIT", b"0", b"9", b"GET", b"n_*", b"DESC", b"ALPHA"],
            [b"SORT", b"l", b"GET", b"#", b"GET", b"n_*", b"STORE", b"dst"],
            [b"SORT_RO", b"l", b"BY", b"w_*", b"GET", b"#"],
            [b"SORT", b"l", b"GET", b"#", b"GET", b"n_*"],
            [b"SORT", b"l", b"BY", b"empty", b"GET", b"#", b"GET", b"x"],
        ]


def test_randomkey(call: Call, p: str) -> None:
    assert call("set", p + "k", "v") is True
    key = call("randomkey")
    assert key is None or isinstance(key, bytes)
    with pytest.raises(slotwise.DataError, match="nope"):
        call("randomkey", nope=1)


def test_item_dunders_on_the_sync_client(rc: slotwise.Cluster, p: str) -> None:
    k = p + "k"
    with pytest.raises(KeyError) as info:
        rc[k]
    assert info.value.args == (k,)
    assert k not in rc
    rc[k] = "v"
    assert rc[k] == b"v"
    assert k in rc
    del rc[k]
    assert rc.exists(k) == 0
    with pytest.raises(KeyError):
        rc[k]


def test_item_dunders_refused_on_asyncio(cluster: Cluster, p: str) -> None:
    async def main() -> None:
        arc = await slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]).initialize()
        try:
            for client in (arc, arc.pipeline()):
                with pytest.raises(TypeError, match="asyncio"):
                    client[p + "k"]
                with pytest.raises(TypeError, match="asyncio"):
                    client[p + "k"] = "v"
                with pytest.raises(TypeError, match="asyncio"):
                    del client[p + "k"]
                with pytest.raises(TypeError, match="asyncio"):
                    p + "k" in client  # noqa: B015
            assert await arc.exists(p + "k") == 0  # nothing was sent
        finally:
            await arc.aclose()

    asyncio.run(main())


def test_key_replies_decoded_on_resp3(call3: Call, rc: slotwise.Cluster, p: str) -> None:
    k = p + "{e}k"
    assert call3("set", k, "v") is True
    assert call3("type", k) == "string"
    assert call3("expire", k, 100, nx=True) is True
    assert call3("copy", k, p + "{e}c") is True
    assert call3("rpush", p + "{e}l", "2", "1") == 2
    assert call3("sort", p + "{e}l") == ["1", "2"]
    assert call3("object", "encoding", k) == "embstr"
    assert call3("restore", p + "{e}r", 0, rc.dump(k)) == "OK"
    assert call3("get", p + "{e}r") == "v"



# --- the same replies as redis-py's RedisCluster (when redis-py is installed) ---------

#: (method, args, kwargs); ``K`` in an argument is replaced by the client's key prefix. Keys
#: carry a hash tag first, so both clients' keys share slots.
_SCRIPT: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("set", ("{a}Kk", "v1"), {}),
    ("set", ("{a}Kk", "v2"), {"get": True}),
    ("set", ("{a}Kk", "v3"), {"nx": True}),
    ("set", ("{a}Kk", "v3"), {"xx": True, "ex": 100}),
    ("set", ("{a}Kk", "v4"), {"keepttl": True, "get": True}),
    ("getex", ("{a}Kk",), {"persist": True}),
    ("getex", ("{a}Kk",), {"pxat": 4_000_000_000_000}),
    ("pexpiretime", ("{a}Kk",), {}),
    ("getset", ("{a}Kk", "hello world"), {}),
    ("getrange", ("{a}Kk", 0, 4), {}),
    ("setrange", ("{a}Kk", 6, "there"), {}),
    ("substr", ("{a}Kk", 6), {}),
    ("getdel", ("{a}Kk",), {}),
    ("getdel", ("{a}Kk",), {}),
    ("psetex", ("{a}Kp", 100_000, "p"), {}),
    ("msetnx", ({"{a}Km1": "1", "{a}Km2": "2"},), {}),
    ("msetnx", ({"{a}Km1": "1", "{a}Km3": "3"},), {}),
    ("incrbyfloat", ("{a}Kf", 2.5), {}),
    ("mset_nonatomic", ({"{a}Kx": "ohmytext", "{a}Ky": "mynewtext", "{b}Kz": "z"},), {}),
    ("mget_nonatomic", (["{b}Kz", "{a}Kx"], "{c}Knope"), {}),
    ("lcs", ("{a}Kx", "{a}Ky"), {}),
    ("lcs", ("{a}Kx", "{a}Ky"), {"len": True}),
    ("lcs", ("{a}Kx", "{a}Ky"), {"idx": True, "withmatchlen": True}),
    ("setbit", ("{a}Kb", 7, 1), {}),
    ("getbit", ("{a}Kb", 7), {}),
    ("bitcount", ("{a}Kx",), {}),
    ("bitcount", ("{a}Kx", 0, 9, "BIT"), {}),
    ("bitpos", ("{a}Kx", 1, 1), {}),
    ("bitop", ("XOR", "{a}Kbo", "{a}Kx", "{a}Ky"), {}),
    ("bitfield_ro", ("{a}Kx", "u8", 0, [("i4", "#3")]), {}),
    ("expire", ("{a}Kx", 100), {"nx": True}),
    ("expire", ("{a}Kx", 100), {"nx": True}),
    ("pexpire", ("{a}Kx", 200_000), {"gt": True}),
    ("expireat", ("{a}Kx", 4_000_000_000), {"lt": True}),
    ("pexpireat", ("{a}Kx", 4_000_000_000_000), {"xx": True}),
    ("expiretime", ("{a}Kx",), {}),
    ("persist", ("{a}Kx",), {}),
    ("copy", ("{a}Kx", "{a}Kcp"), {}),
    ("copy", ("{a}Kx", "{a}Kcp"), {}),
    ("renamenx", ("{a}Kcp", "{a}Kx"), {}),
    ("renamenx", ("{a}Kcp", "{a}Kcp2"), {}),
    ("type", ("{a}Kcp2",), {}),
    ("touch", ("{a}Kcp2", "{b}Kz", "{c}Knope"), {}),
    ("unlink", ("{a}Kcp2",), {}),
    ("dump", ("{a}Kx",), {}),
    ("object", ("encoding", "{a}Kx"), {}),
    ("rpush", ("{a}Kl", "3", "1", "2"), {}),
    ("sort", ("{a}Kl",), {"desc": True}),
    ("sort", ("{a}Kl",), {"by": "nosort"}),
    ("sort_ro", ("{a}Kl",), {"start": 1, "num": 1}),
    ("sort", ("{a}Kl",), {"store": "{a}Kst"}),
]


def _subst(v: Any, prefix: str) -> Any:
    if isinstance(v, str):
        return v.replace("K", prefix)
    if isinstance(v, list):
        return [_subst(x, prefix) for x in v]
    if isinstance(v, tuple):
        return tuple(_subst(x, prefix) for x in v)
    if isinstance(v, dict):
        return {_subst(k, prefix): x for k, x in v.items()}
    return v


def _play(client: Any, prefix: str, decode: bool) -> list[Any]:
    out: list[Any] = []
    for method, args, kwargs in _SCRIPT:
        if method == "dump" and decode:
            # redis-py never decodes DUMP's payload; slotwise's native reply conversion has
            # no such exception yet (a payload that is not UTF-8 fails to decode).
            out.append(None)
            continue
        out.append(getattr(client, method)(*_subst(args, prefix), **kwargs))
    op = client.bitfield(_subst("{a}Kbf", prefix), default_overflow="SAT")
    out.append(op.set("u8", 0, 200).incrby("u8", 0, 100).get("i8", 0).execute())
    return out


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
def test_same_replies_as_redis_py(cluster: Cluster, p: str, protocol: int, decode: bool) -> None:
    redis_cluster = redis_py("redis.cluster")
    host, port = cluster.seeds[0].rsplit(":", 1)
    theirs = redis_cluster.RedisCluster(
        host=host, port=int(port), protocol=protocol, decode_responses=decode
    )
    ours = slotwise.Cluster(
        startup_nodes=cluster.seeds[:1], protocol=protocol, decode_responses=decode
    )
    try:
        expected = _play(theirs, p.replace(":", "_") + "r", decode)
        got = _play(ours, p.replace(":", "_") + "s", decode)
    finally:
        theirs.close()
        ours.close()
    for (method, args, kwargs), want, have in zip(_SCRIPT + [("bitfield", (), {})], expected, got):
        assert (type(have), have) == (type(want), want), (method, args, kwargs)


def test_redis_8_commands_argv_on_a_fake_node() -> None:
    """DELEX, DIGEST and INCREX need Redis 8.4+ (the test cluster runs an older server):
    their argv and client-side validation, checked on a fake node."""

    def script(argv: list[bytes]) -> bytes:
        name = argv[0].upper()
        if name == b"INCREX":
            return encode(["5", "2"])
        if name == b"DIGEST":
            return encode("e3b0c44298fc1c14")
        return encode(1)

    with FakeNode(script) as node:
        rc = slotwise.Cluster(startup_nodes=[node.addr])
        try:
            assert rc.delex("k") == 1
            assert rc.delex("k", ifeq="v") == 1
            assert rc.delex("k", ifdne="abc") == 1
            with pytest.raises(ValueError, match="mutually exclusive"):
                rc.delex("k", ifeq="v", ifne="w")
            assert rc.digest("k") == b"e3b0c44298fc1c14"
            assert rc.increx("k") == [b"5", b"2"]
            rc.increx("k", byint=2, lbound=0, ubound=10, saturate=True, ex=5, enx=True)
            rc.increx("k", byfloat=0.5, pxat=datetime.datetime.fromtimestamp(2_000_000_000))
            rc.increx("k", px=datetime.timedelta(seconds=1), persist=False)
            rc.increx("k", persist=True)
            for bad, words in (
                ({"byint": 1, "byfloat": 1.0}, "byfloat and byint"),
                ({"ex": 1, "persist": True}, "mutually exclusive"),
                ({"enx": True}, "enx needs"),
                ({"ex": 1.5}, "ex must be"),
            ):
                with pytest.raises(slotwise.DataError, match=words):
                    rc.increx("k", **bad)
        finally:
            rc.close()
        sent = [a for a in node.received if a[0] in (b"DELEX", b"DIGEST", b"INCREX")]
        assert sent == [
            [b"DELEX", b"k"],
            [b"DELEX", b"k", b"IFEQ", b"v"],
            [b"DELEX", b"k", b"IFDNE", b"abc"],
            [b"DIGEST", b"k"],
            [b"INCREX", b"k"],
            [
                *[b"INCREX", b"k", b"BYINT", b"2", b"LBOUND", b"0", b"UBOUND", b"10"],
                *[b"SATURATE", b"EX", b"5", b"ENX"],
            ],
            [b"INCREX", b"k", b"BYFLOAT", b"0.5", b"PXAT", b"2000000000000"],
            [b"INCREX", b"k", b"PX", b"1000"],
            [b"INCREX", b"k", b"PERSIST"],
        ]


def test_set_conditions_of_redis_8_argv_on_a_fake_node() -> None:
    def script(argv: list[bytes]) -> bytes:
        return encode("old") if b"GET" in argv else b"+OK\r\n"

    with FakeNode(script) as node:
        rc = slotwise.Cluster(startup_nodes=[node.addr])
        try:
            assert rc.set("k", "v", ifeq="old", get=True, ex=5) == b"old"
            assert rc.set("k", "v", ifne=b"old", keepttl=True) is True
            assert rc.set("k", "v", ifdeq="ab12", pxat=7) is True
            assert rc.set("k", "v", ifdne="ab12") is True
        finally:
            rc.close()
        assert [a for a in node.received if a[0] == b"SET"] == [
            [b"SET", b"k", b"v", b"IFEQ", b"old", b"GET", b"EX", b"5"],
            [b"SET", b"k", b"v", b"IFNE", b"old", b"KEEPTTL"],
            [b"SET", b"k", b"v", b"IFDEQ", b"ab12", b"PXAT", b"7"],
            [b"SET", b"k", b"v", b"IFDNE", b"ab12"],
        ]
