"""Stream commands with redis-py 8.1's signatures, validation and reply shapes.

Entries are ``(id, {field: value})`` tuples; XINFO/XPENDING replies are dicts with ``str``
keys; XREAD/XREADGROUP give RESP2's ``[[stream, entries]]`` and, with ``protocol=3``, RESP3's
``{stream: [entries]}``. Most tests run on the sync and asyncio clients and on both
pipelines; shape tests run with RESP2 and RESP3, ``decode_responses`` off and on. When
redis-py is importable, one test compares every reply with redis-py's ``RedisCluster``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Iterator

import pytest

import slotwise
import slotwise.asyncio
from slotwise.exceptions import CrossSlotError, DataError, ResponseError

from .cluster import Cluster, await_until, wait_until
from .faces import Call, redis_py


@pytest.fixture(params=[(2, False), (2, True), (3, False), (3, True)], ids=str)
def rc3(
    request: pytest.FixtureRequest, cluster: Cluster
) -> Iterator[tuple[slotwise.Cluster, int]]:
    """A sync client per (protocol, decode_responses), and its protocol."""
    protocol, decode = request.param
    c = slotwise.Cluster(
        startup_nodes=cluster.seeds[:1], protocol=protocol, decode_responses=decode
    )
    try:
        yield c, protocol
    finally:
        c.close()


def _b(c: slotwise.Cluster, s: str) -> Any:
    """``s`` as the client gives text: ``str`` with decode_responses, else ``bytes``."""
    return s if c.decode_responses else s.encode()


def test_xadd_xlen_xrange_xrevrange_xdel(call: Call, p: str) -> None:
    s = "{%s}s" % p
    assert call("xadd", s, {"a": 1}, id="1-0") == b"1-0"
    assert call("xadd", s, {"b": "2", "c": b"3"}, id="2-0") == b"2-0"
    new = call("xadd", s, {"d": 4})
    assert isinstance(new, bytes) and new.count(b"-") == 1
    assert call("xlen", s) == 3
    assert call("xrange", s, "1-0", "2-0") == [
        (b"1-0", {b"a": b"1"}),
        (b"2-0", {b"b": b"2", b"c": b"3"}),
    ]
    assert call("xrange", s, count=1) == [(b"1-0", {b"a": b"1"})]
    assert call("xrevrange", s, count=1) == [(new, {b"d": b"4"})]
    assert call("xrevrange", s, "2-0", "-") == [
        (b"2-0", {b"b": b"2", b"c": b"3"}),
        (b"1-0", {b"a": b"1"}),
    ]
    assert call("xdel", s, "1-0", "9-9") == 1
    assert call("xlen", s) == 2
    assert call("xrange", "{%s}none" % p) == []


def test_xadd_options_and_xtrim(call: Call, p: str) -> None:
    s = "{%s}s" % p
    for i in range(1, 6):
        call("xadd", s, {"i": i}, id=f"{i}-0")
    # Exact MAXLEN trims to 3 on the spot.
    assert call("xadd", s, {"i": 6}, id="6-0", maxlen=3, approximate=False) == b"6-0"
    assert [e[0] for e in call("xrange", s)] == [b"4-0", b"5-0", b"6-0"]
    assert call("xadd", s, {"i": 7}, id="7-0", minid="6-0", approximate=False) == b"7-0"
    assert [e[0] for e in call("xrange", s)] == [b"6-0", b"7-0"]
    # NOMKSTREAM: no stream is created.
    assert call("xadd", "{%s}absent" % p, {"x": 1}, nomkstream=True) is None
    assert call("exists", "{%s}absent" % p) == 0
    # LIMIT goes with an approximate trim (the server accepts it).
    assert call("xadd", s, {"i": 8}, id="8-0", maxlen=100, limit=10) == b"8-0"
    assert call("xtrim", s, maxlen=1, approximate=False) == 2
    assert call("xlen", s) == 1
    call("xadd", s, {"i": 9}, id="9-0")
    assert call("xtrim", s, minid="9-0", approximate=False) == 1
    assert call("xtrim", s, maxlen=0, approximate=True, limit=100) in (0, 1)


_BAD: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("xadd", ("k", {"a": 1}), {"maxlen": 1, "minid": "1-0"}),
    ("xadd", ("k", {}), {}),
    ("xadd", ("k", [("a", 1)]), {}),
    ("xadd", ("k", {"a": 1}), {"maxlen": -1}),
    ("xadd", ("k", {"a": 1}), {"maxlen": 1.5}),
    ("xadd", ("k", {"a": 1}), {"ref_policy": "NOPE"}),
    ("xadd", ("k", {"a": 1}), {"idmpauto": "p", "idmp": ("p", b"i")}),
    ("xadd", ("k", {"a": 1}), {"id": "1-0", "idmpauto": "p"}),
    ("xadd", ("k", {"a": 1}), {"idmp": ["p", b"i"]}),
    ("xtrim", ("k",), {}),
    ("xtrim", ("k",), {"maxlen": 1, "minid": "1-0"}),
    ("xtrim", ("k",), {"maxlen": 1, "ref_policy": "x"}),
    ("xrange", ("k",), {"count": 0}),
    ("xrevrange", ("k",), {"count": "2"}),
    ("xread", ({},), {}),
    ("xread", ([("k", 0)],), {}),
    ("xread", ({"k": 0},), {"count": 0}),
    ("xread", ({"k": 0},), {"block": -1}),
    ("xread", ({"k": 0},), {"block": 1.5}),
    ("xread", ({"k": 0},), {"count": 5, "max_count": 2}),
    ("xread", ({"k": 0},), {"max_size": 0}),
    ("xreadgroup", ("g", "c", {}), {}),
    ("xreadgroup", ("g", "c", {"k": ">"}), {"count": -1}),
    ("xreadgroup", ("g", "c", {"k": ">"}), {"block": "1"}),
    ("xreadgroup", ("g", "c", {"k": ">"}), {"claim_min_idle_time": -1}),
    ("xclaim", ("k", "g", "c", -1, ["1-0"]), {}),
    ("xclaim", ("k", "g", "c", 0, []), {}),
    ("xclaim", ("k", "g", "c", 0, "1-0"), {}),
    ("xclaim", ("k", "g", "c", 0, ["1-0"]), {"idle": "5"}),
    ("xclaim", ("k", "g", "c", 0, ["1-0"]), {"time": 1.0}),
    ("xclaim", ("k", "g", "c", 0, ["1-0"]), {"retrycount": "1"}),
    ("xclaim", ("k", "g", "c", 0, ["1-0"]), {"force": 1}),
    ("xclaim", ("k", "g", "c", 0, ["1-0"]), {"justid": "yes"}),
    ("xautoclaim", ("k", "g", "c", -5), {}),
    ("xautoclaim", ("k", "g", "c", 0), {"count": -1}),
    ("xpending_range", ("k", "g", None, None, None), {"idle": 5}),
    ("xpending_range", ("k", "g", "-", "+", None), {}),
    ("xpending_range", ("k", "g", "-", "+", -1), {}),
    ("xpending_range", ("k", "g", "-", "+", 1), {"idle": -1}),
]


@pytest.mark.parametrize("method, args, kwargs", _BAD)
def test_bad_arguments_raise_data_error_before_sending(
    rc: slotwise.Cluster, method: str, args: Any, kwargs: Any
) -> None:
    with pytest.raises(DataError):
        getattr(rc, method)(*args, **kwargs)
    with pytest.raises(DataError):
        getattr(rc.pipeline(), method)(*args, **kwargs)


def test_redis_py_refuses_the_same_arguments(cluster: Cluster) -> None:
    """Each bad-argument case above is one redis-py 8.1 refuses with DataError too."""
    redis: Any = redis_py()
    host, port = cluster.seeds[0].rsplit(":", 1)
    theirs = redis.RedisCluster(host=host, port=int(port))
    try:
        for method, args, kwargs in _BAD + _BAD_NEWER:
            with pytest.raises(redis.exceptions.DataError):
                getattr(theirs, method)(*args, **kwargs)
    finally:
        theirs.close()


def test_data_error_names_the_problem(rc: slotwise.Cluster) -> None:
    with pytest.raises(DataError, match="maxlen or minid"):
        rc.xadd("k", {"a": 1}, maxlen=1, minid="0-1")
    with pytest.raises(DataError, match="non-empty dict"):
        rc.xread({})
    with pytest.raises(DataError, match="count=0"):
        rc.xrange("k", count=0)


def test_consumer_groups(call: Call, p: str) -> None:
    s = "{%s}s" % p
    assert call("xgroup_create", s, "g", id="0", mkstream=True) is True
    with pytest.raises(ResponseError, match="BUSYGROUP"):
        call("xgroup_create", s, "g")
    assert call("xgroup_createconsumer", s, "g", "alice") == 1
    assert call("xgroup_createconsumer", s, "g", "alice") == 0
    call("xadd", s, {"a": 1}, id="1-0")
    call("xadd", s, {"b": 2}, id="2-0")
    call("xadd", s, {"c": 3}, id="3-0")
    assert call("xreadgroup", "g", "alice", {s: ">"}, count=2) == [
        [s.encode(), [(b"1-0", {b"a": b"1"}), (b"2-0", {b"b": b"2"})]]
    ]
    assert call("xreadgroup", "g", "bob", {s: ">"}, noack=True) == [
        [s.encode(), [(b"3-0", {b"c": b"3"})]]
    ]
    assert call("xreadgroup", "g", "bob", {s: ">"}) == []
    assert call("xpending", s, "g") == {
        "pending": 2,
        "min": b"1-0",
        "max": b"2-0",
        "consumers": [{"name": b"alice", "pending": 2}],
    }
    rng = call("xpending_range", s, "g", "-", "+", 10)
    assert [(r["message_id"], r["consumer"], r["times_delivered"]) for r in rng] == [
        (b"1-0", b"alice", 1),
        (b"2-0", b"alice", 1),
    ]
    assert all(isinstance(r["time_since_delivered"], int) for r in rng)
    assert call("xpending_range", s, "g", "-", "+", 10, consumername="bob") == []
    assert call("xpending_range", s, "g", None, None, None)["pending"] == 2
    assert len(call("xpending_range", s, "g", "-", "+", 10, idle=0)) == 2
    # XCLAIM moves 1-0 to bob; JUSTID gives IDs only.
    assert call("xclaim", s, "g", "bob", 0, ["1-0"]) == [(b"1-0", {b"a": b"1"})]
    assert call("xclaim", s, "g", "bob", 0, ("2-0",), justid=True, retrycount=5) == [b"2-0"]
    assert call("xclaim", s, "g", "bob", 0, ["1-0"], idle=10, force=True) == [
        (b"1-0", {b"a": b"1"})
    ]
    assert call("xpending", s, "g")["consumers"] == [{"name": b"bob", "pending": 2}]
    # XAUTOCLAIM moves them back to alice: [next id, entries, deleted ids].
    assert call("xautoclaim", s, "g", "alice", 0, count=1) == [
        b"2-0",
        [(b"1-0", {b"a": b"1"})],
        [],
    ]
    assert call("xautoclaim", s, "g", "alice", 0, start_id="2-0", justid=True) == [b"2-0"]
    assert call("xack", s, "g", "1-0", "2-0", "9-0") == 2
    assert call("xpending", s, "g") == {
        "pending": 0,
        "min": None,
        "max": None,
        "consumers": [],
    }
    assert call("xgroup_delconsumer", s, "g", "bob") == 0
    assert call("xgroup_setid", s, "g", "0", entries_read=0) is True
    assert len(call("xreadgroup", "g", "carol", {s: ">"})[0][1]) == 3
    assert call("xgroup_destroy", s, "g") is True
    assert call("xgroup_destroy", s, "g") is False


def test_xinfo(call: Call, p: str) -> None:
    s = "{%s}s" % p
    call("xadd", s, {"a": 1}, id="1-0")
    call("xadd", s, {"b": 2}, id="2-0")
    call("xgroup_create", s, "g", id="0", entries_read=0)
    call("xreadgroup", "g", "alice", {s: ">"}, count=1)
    info = call("xinfo_stream", s)
    assert info["length"] == 2
    assert info["groups"] == 1
    assert info["first-entry"] == (b"1-0", {b"a": b"1"})
    assert info["last-entry"] == (b"2-0", {b"b": b"2"})
    full = call("xinfo_stream", s, full=True)
    assert full["entries"] == {b"1-0": {b"a": b"1"}, b"2-0": {b"b": b"2"}}
    (group,) = full["groups"]
    assert group["name"] == b"g"
    assert group["consumers"][0]["name"] == b"alice"
    assert group["consumers"][0]["pel-count"] == 1
    (g,) = call("xinfo_groups", s)
    assert (g["name"], g["consumers"], g["pending"], g["last-delivered-id"]) == (
        b"g",
        1,
        1,
        b"1-0",
    )
    (c,) = call("xinfo_consumers", s, "g")
    assert (c["name"], c["pending"]) == (b"alice", 1)
    assert isinstance(c["idle"], int)


def test_xread(call: Call, p: str) -> None:
    a, b = "{%s}a" % p, "{%s}b" % p
    call("xadd", a, {"x": 1}, id="1-0")
    call("xadd", a, {"x": 2}, id="2-0")
    call("xadd", b, {"y": 1}, id="5-0")
    assert call("xread", {a: 0, b: "0-0"}) == [
        [a.encode(), [(b"1-0", {b"x": b"1"}), (b"2-0", {b"x": b"2"})]],
        [b.encode(), [(b"5-0", {b"y": b"1"})]],
    ]
    assert call("xread", {a: "1-0"}, count=1) == [[a.encode(), [(b"2-0", {b"x": b"2"})]]]
    assert call("xread", {a: "$"}, block=50) == []
    assert call("xread", {b: "5-0"}) == []


def test_xread_streams_on_different_slots_refused(rc: slotwise.Cluster, p: str) -> None:
    a, b = p + "a", p + "b"  # no hash tag: different slots
    rc.xadd(a, {"x": 1})
    rc.xadd(b, {"x": 1})
    with pytest.raises(CrossSlotError):
        rc.xread({a: 0, b: 0})


def test_shapes_by_protocol_and_decoding(rc3: tuple[slotwise.Cluster, int], p: str) -> None:
    c, protocol = rc3
    s = "{%s}s" % p

    def t(v: str) -> Any:
        return _b(c, v)

    resp3 = protocol == 3
    assert c.xadd(s, {"f": "v"}, id="1-0") == t("1-0")
    assert c.xrange(s) == [(t("1-0"), {t("f"): t("v")})]
    assert c.xrevrange(s) == [(t("1-0"), {t("f"): t("v")})]
    if resp3:
        assert c.xread({s: 0}) == {t(s): [[(t("1-0"), {t("f"): t("v")})]]}
    else:
        assert c.xread({s: 0}) == [[t(s), [(t("1-0"), {t("f"): t("v")})]]]
    assert c.xgroup_create(s, "g", id="0") is True
    got = c.xreadgroup("g", "alice", {s: ">"})
    if resp3:
        assert got == {t(s): [[(t("1-0"), {t("f"): t("v")})]]}
    else:
        assert got == [[t(s), [(t("1-0"), {t("f"): t("v")})]]]
    info = c.xinfo_stream(s)
    assert all(isinstance(k, str) for k in info)
    assert info["last-entry"] == (t("1-0"), {t("f"): t("v")})
    full = c.xinfo_stream(s, full=True)
    assert full["entries"] == {t("1-0"): {t("f"): t("v")}}
    assert all(isinstance(k, str) for k in full["groups"][0])
    (g,) = c.xinfo_groups(s)
    assert g["name"] == t("g") and all(isinstance(k, str) for k in g)
    (cons,) = c.xinfo_consumers(s, "g")
    assert cons["name"] == t("alice") and all(isinstance(k, str) for k in cons)
    assert c.xpending(s, "g")["consumers"] == [{"name": t("alice"), "pending": 1}]
    assert c.xpending_range(s, "g", "-", "+", 5)[0]["consumer"] == t("alice")
    assert c.xautoclaim(s, "g", "bob", 0) == [t("0-0"), [(t("1-0"), {t("f"): t("v")})], []]
    assert c.xclaim(s, "g", "alice", 0, ["1-0"], justid=True) == [t("1-0")]


def test_blocking_xread_waits_for_an_entry(rc: slotwise.Cluster, cluster: Cluster, p: str) -> None:
    s = "{%s}s" % p
    rc.xadd(s, {"a": 1}, id="1-0")
    owner = cluster.owner(cluster.keyslot(s))["primary"]
    before = cluster.blocked_clients(owner)
    got: list[Any] = []
    t = threading.Thread(target=lambda: got.append(rc.xread({s: "$"}, block=0)))
    t.start()
    try:
        wait_until(lambda: cluster.blocked_clients(owner) > before, "XREAD blocked")
        # The client still answers other commands while one XREAD blocks.
        assert rc.xlen(s) == 1
        rc.xadd(s, {"b": 2}, id="2-0")
    finally:
        t.join(timeout=30)
    assert not t.is_alive()
    assert got == [[[s.encode(), [(b"2-0", {b"b": b"2"})]]]]


def test_async_blocking_xreadgroup(cluster: Cluster, p: str) -> None:
    s = "{%s}s" % p

    async def main() -> Any:
        arc = await slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]).initialize()
        try:
            await arc.xgroup_create(s, "g", mkstream=True)
            owner = cluster.owner(cluster.keyslot(s))["primary"]
            before = cluster.blocked_clients(owner)
            task = asyncio.ensure_future(arc.xreadgroup("g", "c", {s: ">"}, block=0))
            await await_until(lambda: cluster.blocked_clients(owner) > before, "blocked")
            await arc.xadd(s, {"k": "v"}, id="1-0")
            return await asyncio.wait_for(task, 30)
        finally:
            await arc.aclose()

    assert asyncio.run(main()) == [[s.encode(), [(b"1-0", {b"k": b"v"})]]]


def test_same_replies_as_redis_py(cluster: Cluster, p: str) -> None:
    redis: Any = redis_py()
    node: Any = redis.cluster.ClusterNode

    host, port = cluster.seeds[0].rsplit(":", 1)
    for protocol in (2, 3):
        for decode in (False, True):
            q = f"{p}{protocol}{decode}"
            s = "{%s}s" % q
            ours = slotwise.Cluster(
                startup_nodes=cluster.seeds[:1], protocol=protocol, decode_responses=decode
            )
            theirs = redis.RedisCluster(
                startup_nodes=[node(host, int(port))],
                protocol=protocol,
                decode_responses=decode,
            )
            try:
                steps: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
                    ("xadd", (s, {"a": 1}), {"id": "1-0"}),
                    ("xadd", (s, {"b": 2, "c": 3}), {"id": "2-0"}),
                    ("xlen", (s,), {}),
                    ("xrange", (s,), {}),
                    ("xrevrange", (s,), {"count": 1}),
                    ("xread", ({s: 0},), {}),
                    ("xread", ({s: "2-0"},), {}),
                    ("xgroup_create", (s, "g"), {"id": "0"}),
                    ("xgroup_createconsumer", (s, "g", "z"), {}),
                    ("xreadgroup", ("g", "c", {s: ">"}), {"count": 1}),
                    ("xpending", (s, "g"), {}),
                    ("xpending_range", (s, "g", "-", "+", 5), {}),
                    ("xinfo_stream", (s,), {}),
                    ("xinfo_groups", (s,), {}),
                    ("xautoclaim", (s, "g", "d", 0), {}),
                    ("xautoclaim", (s, "g", "d", 0), {"justid": True}),
                    ("xclaim", (s, "g", "c", 0, ["1-0"]), {}),
                    ("xclaim", (s, "g", "c", 0, ["1-0"]), {"justid": True}),
                    ("xack", (s, "g", "1-0"), {}),
                    ("xgroup_setid", (s, "g", "0"), {}),
                    ("xgroup_delconsumer", (s, "g", "z"), {}),
                    ("xdel", (s, "1-0"), {}),
                    ("xtrim", (s,), {"maxlen": 5}),
                    ("xgroup_destroy", (s, "g"), {}),
                ]
                steps += [
                    ("xgroup_create", (s, "h"), {"id": "0"}),
                    ("xreadgroup", ("h", "c", {s: ">"}), {}),
                    ("xinfo_consumers", (s, "h"), {}),
                    ("xinfo_stream", (s,), {"full": True}),
                ]
                # Replies with timings: their shapes (keys, types) are compared.
                timed = {"xpending_range", "xinfo_consumers", "xinfo_stream"}

                def run(client: Any) -> list[Any]:
                    out = [getattr(client, n)(*a, **kw) for n, a, kw in steps]
                    client.delete(s)
                    return out

                want = run(theirs)
                got = run(ours)
                for (name, _, kw), w, g in zip(steps, want, got):
                    if name in timed:
                        w, g = _shape(w), _shape(g)
                    assert g == w, (protocol, decode, name, kw)
            finally:
                ours.close()
                theirs.close()


def _shape(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _shape(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, [_shape(x) for x in v])
    return type(v).__name__


def test_empty_xread_under_resp3_is_an_empty_dict(cluster: Cluster, p: str) -> None:
    c = slotwise.Cluster(startup_nodes=cluster.seeds[:1], protocol=3)
    try:
        assert c.xread({"{%s}none" % p: 0}) == {}
    finally:
        c.close()


_BAD_NEWER: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("xackdel", ("k", "g"), {}),
    ("xackdel", ("k", "g", "1-0"), {"ref_policy": "keepref"}),
    ("xdelex", ("k",), {}),
    ("xdelex", ("k", "1-0"), {"ref_policy": "NONE"}),
    ("xnack", ("k", "g", "FAIL"), {}),
    ("xnack", ("k", "g", "LOUD", "1-0"), {}),
    ("xnack", ("k", "g", "FAIL", "1-0"), {"retrycount": -1}),
    ("xcfgset", ("k",), {}),
    ("xcfgset", ("k",), {"idmp_duration": 0}),
    ("xcfgset", ("k",), {"idmp_duration": 301}),
    ("xcfgset", ("k",), {"idmp_maxsize": 1000001}),
    ("xcfgset", ("k",), {"idmp_maxsize": 1.5}),
]


@pytest.mark.parametrize("method, args, kwargs", _BAD_NEWER)
def test_newer_commands_validate_like_redis_py(
    rc: slotwise.Cluster, method: str, args: Any, kwargs: Any
) -> None:
    with pytest.raises(DataError):
        getattr(rc, method)(*args, **kwargs)


@pytest.mark.parametrize(
    "method, args, kwargs, sent",
    [
        ("xackdel", ("g", "1-0", "2-0"), {}, "'g' 'KEEPREF' 'IDS' '2' '1-0' '2-0'"),
        ("xdelex", ("1-0",), {"ref_policy": "ACKED"}, "'ACKED' 'IDS' '1' '1-0'"),
        (
            "xnack",
            ("g", "FAIL", "1-0"),
            {"retrycount": 3, "force": True},
            "'g' 'FAIL' 'IDS' '1' '1-0' 'RETRYCOUNT' '3' 'FORCE'",
        ),
        ("xcfgset", (), {"idmp_duration": 5, "idmp_maxsize": 9}, "'IDMP-DURATION' '5'"),
    ],
)
def test_newer_commands_send_redis_py_arguments(
    rc: slotwise.Cluster, p: str, method: str, args: Any, kwargs: Any, sent: str
) -> None:
    """Redis 8.2+ commands: an older server names the arguments it got in its error."""
    s = "{%s}s" % p
    try:
        getattr(rc, method)(s, *args, **kwargs)
    except ResponseError as e:
        if "unknown command" not in str(e):
            raise
        assert f"'{s}' {sent}" in str(e)
