"""Methods taking several keys, fields or members read them as redis-py does.

``mget(keys, *args)`` and ``hmget(name, keys, *args)``: ``keys`` is one item (a ``str``,
``bytes``, ``bytearray``, ``memoryview`` or anything not iterable, such as an ``int``) or an
iterable of items; each of ``args`` is one more. The ``*names``/``*values`` methods
(``delete``, ``exists``, ``unlink``, ``hdel``, ``lpush``, ``rpush``, ``sadd``, ``srem``,
``zrem``) take each item as its own argument and refuse a list with ``DataError``, as
redis-py does. The one-slot multi-key commands read ``keys`` as ``mget`` does: ``blpop``,
``brpop``, ``bzpopmin``, ``bzpopmax``, ``sinter``/``sunion``/``sdiff`` and their STORE forms
(then ``*args``), ``zunion``/``zinter``/``zdiff`` and their STORE forms (or ``{key: weight}``);
``pfcount``, ``pfmerge`` and ``touch`` take each key as its own argument. Every test runs on
the sync and asyncio clients and on both pipelines.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster
from .faces import Call



def test_mget_takes_one_key_or_an_iterable_of_keys_then_more_keys(call: Call, p: str) -> None:
    p = "{" + p + "}"  # MGET/MSET keys share a slot, as in redis-py
    a, b, c = p + "a", p + "b", p + "c"
    assert call("mset", {a: "1", b: "2", c: "3"}) is True
    # One key, whatever its type, is one key (never its characters or bytes).
    assert call("mget", a) == [b"1"]
    assert call("mget", a.encode()) == [b"1"]
    assert call("mget", bytearray(a.encode())) == [b"1"]
    assert call("mget", memoryview(a.encode())) == [b"1"]
    # An iterable of keys, then more keys.
    assert call("mget", [a, b]) == [b"1", b"2"]
    assert call("mget", (a.encode(), b)) == [b"1", b"2"]
    assert call("mget", (k for k in [c, a])) == [b"3", b"1"]
    assert call("mget", [a], b, c.encode()) == [b"1", b"2", b"3"]
    assert call("mget", a, b, p + "nope") == [b"1", b"2", None]


def test_mget_takes_a_lone_int_key_as_one_key(call: Call) -> None:
    # Not iterable, so one key (redis-py encodes it in decimal, as for SET).
    assert call("set", 424242, "int key") is True
    assert call("mget", 424242) == [b"int key"]
    assert call("mget", [424242, "424242"]) == [b"int key", b"int key"]


def test_hmget_takes_one_field_or_an_iterable_of_fields_then_more_fields(call: Call, p: str) -> None:
    h = p + "h"
    fields = {"field": "v", "f1": "1", "f2": "2", 7: "seven", "f": "F", "i": "I"}
    assert call("hset", h, mapping=fields) == len(fields)
    # The issue: one field name was iterated character by character.
    assert call("hmget", h, "field") == [b"v"]
    assert call("hmget", h, b"field") == [b"v"]
    assert call("hmget", h, bytearray(b"field")) == [b"v"]
    assert call("hmget", h, memoryview(b"field")) == [b"v"]
    assert call("hmget", h, 7) == [b"seven"]
    # Fields as separate arguments: the first was split ("f", "1", "f2").
    assert call("hmget", h, "f1", "f2") == [b"1", b"2"]
    assert call("hmget", h, "field", "nope") == [b"v", None]
    # An iterable of fields, then more fields.
    assert call("hmget", h, ["f1", "f2"]) == [b"1", b"2"]
    assert call("hmget", h, ("field",)) == [b"v"]
    assert call("hmget", h, (f for f in ["f2", "field"])) == [b"2", b"v"]
    assert call("hmget", h, ["field"], "f1", b"f2", 7) == [b"v", b"1", b"2", b"seven"]


def test_key_commands_take_each_key_as_its_own_argument(
    call: Call, p: str, request: pytest.FixtureRequest
) -> None:
    # One slot: MSET needs it (as in redis-py), and an asyncio pipeline queues EXISTS/DEL
    # once per slot, as redis-py's.
    p = "{" + p + "}"
    a, b = p + "a", p + "b"
    assert call("mset", {a: "1", b: "2"}) is True
    assert call("exists", a) == 1
    assert call("exists", a.encode()) == 1
    assert call("exists", a, b.encode(), p + "nope") == 2
    for method in ("exists", "delete", "unlink"):
        with pytest.raises(slotwise.DataError, match="'list'"):
            call(method, [a, b])  # as redis-py: delete(*keys), not delete(keys)
    assert call("exists", a, b) == 2  # nothing was deleted by the refused calls
    assert call("delete", a) == 1
    assert call("unlink", b.encode()) == 1
    assert call("exists", a, b) == 0


def test_member_commands_take_each_member_as_its_own_argument(call: Call, p: str) -> None:
    # Each collection also holds the single characters of "field", so a name split into
    # characters would show as the wrong members added or removed.
    h, lst, s, z = p + "h", p + "l", p + "s", p + "z"
    assert call("hset", h, mapping={"field": 1, "f": 2, "i": 3, "bytes": 4}) == 4
    assert call("hdel", h, "field") == 1
    assert call("hdel", h, b"bytes") == 1
    assert call("hgetall", h) == {b"f": b"2", b"i": b"3"}
    assert call("hdel", h, "f", b"i", "nope") == 2

    assert call("sadd", s, "field") == 1
    assert call("sadd", s, b"bytes") == 1
    assert call("sadd", s, "f", b"i", "e") == 3
    assert call("smembers", s) == {b"field", b"bytes", b"f", b"i", b"e"}
    assert call("srem", s, "field") == 1
    assert call("srem", s, b"bytes", "f") == 2
    assert call("smembers", s) == {b"i", b"e"}

    assert call("lpush", lst, "field") == 1
    assert call("rpush", lst, b"bytes") == 2
    assert call("lpush", lst, "b", "a") == 4
    assert call("rpush", lst, "y", b"z") == 6
    assert call("lrange", lst, 0, -1) == [b"a", b"b", b"field", b"bytes", b"y", b"z"]

    assert call("zadd", z, {"field": 1, "f": 2, "i": 3, "bytes": 4}) == 4
    assert call("zrem", z, "field") == 1
    assert call("zrem", z, b"bytes", "f") == 2
    assert call("zrange", z, 0, -1) == [b"i"]

    for method, key in (("hdel", h), ("sadd", s), ("srem", s), ("lpush", lst), ("rpush", lst), ("zrem", z)):
        with pytest.raises(slotwise.DataError, match="'list'"):
            call(method, key, ["i", "e"])  # as redis-py: sadd(name, *values)
    assert call("smembers", s) == {b"i", b"e"}
    assert call("zrange", z, 0, -1) == [b"i"]


def test_eval_takes_each_key_and_arg_as_its_own_argument(call: Call, p: str) -> None:
    k = p + "k"
    assert call("eval", "return {KEYS[1], ARGV[1], ARGV[2]}", 1, k, "arg", b"more") == [
        k.encode(),
        b"arg",
        b"more",
    ]
    with pytest.raises(slotwise.DataError, match="'list'"):
        call("eval", "return KEYS[1]", 1, [k])


# -- multi-key commands of one slot: one key or an iterable of keys ---------------------------
# Their keys must share a slot, so the keys below share the hash tag of the test's prefix.


def tagged(p: str, *names: str) -> list[str]:
    return [f"{{{p}}}{n}" for n in names]


def test_blpop_brpop_take_one_key_or_an_iterable_of_keys(call: Call, p: str) -> None:
    a, b, empty = tagged(p, "a", "b", "empty")
    assert call("rpush", a, "a1", "a2", "a3") == 3
    assert call("rpush", b, "b1", "b2") == 2
    # One key, whatever its type, is one key (a split name would be keys "{", "t", ...).
    assert call("blpop", a) == (a.encode(), b"a1")
    assert call("brpop", a.encode(), 1) == (a.encode(), b"a3")
    # An iterable of keys: the first non-empty list, in order.
    assert call("blpop", [empty, b, a], timeout=None) == (b.encode(), b"b1")
    assert call("brpop", (k for k in [empty, a]), 1) == (a.encode(), b"a2")
    assert call("brpop", [b.encode()], 0) == (b.encode(), b"b2")
    # Nothing to pop: None once the timeout has passed.
    assert call("blpop", [a, b, empty], 0.05) is None
    assert call("brpop", empty, 0.05) is None


def test_bzpopmin_bzpopmax_take_one_key_or_an_iterable_of_keys(call: Call, p: str) -> None:
    a, b, empty = tagged(p, "a", "b", "empty")
    assert call("zadd", a, {"m1": 1, "m2": 2, "m3": 3.5}) == 3
    assert call("zadd", b, {"n1": 10}) == 1
    assert call("bzpopmin", a) == (a.encode(), b"m1", 1.0)
    assert call("bzpopmax", a.encode(), 1) == (a.encode(), b"m3", 3.5)
    assert call("bzpopmax", [empty, b, a], timeout=None) == (b.encode(), b"n1", 10.0)
    assert call("bzpopmin", (k for k in [empty, a]), 1) == (a.encode(), b"m2", 2.0)
    assert call("bzpopmin", [a, b, empty], 0.05) is None
    assert call("bzpopmax", empty, 0.05) is None


def test_set_algebra_takes_one_key_or_an_iterable_of_keys_then_more_keys(call: Call, p: str) -> None:
    a, b, c, dest = tagged(p, "a", "b", "c", "dest")
    assert call("sadd", a, "1", "2", "3", "4") == 4
    assert call("sadd", b, "2", "3", "5") == 3
    assert call("sadd", c, "3", "6") == 2
    # One key is one set (never its characters).
    assert call("sinter", a) == {b"1", b"2", b"3", b"4"}
    assert call("sunion", b.encode()) == {b"2", b"3", b"5"}
    assert call("sdiff", bytearray(c.encode())) == {b"3", b"6"}
    # Keys as separate arguments, an iterable, an iterable then more keys.
    assert call("sinter", a, b) == {b"2", b"3"}
    assert call("sinter", [a, b], c.encode()) == {b"3"}
    assert call("sunion", (a, c)) == {b"1", b"2", b"3", b"4", b"6"}
    assert call("sunion", [b], a, c) == {b"1", b"2", b"3", b"4", b"5", b"6"}
    assert call("sdiff", [a, b]) == {b"1", b"4"}
    assert call("sdiff", (k for k in [a]), b, c) == {b"1", b"4"}
    assert call("sinter", [a, dest]) == set()  # dest does not exist yet
    # The STORE forms: the size of the result, stored in dest.
    assert call("sinterstore", dest, a) == 4
    assert call("sinterstore", dest, [a, b], c) == 1
    assert call("smembers", dest) == {b"3"}
    assert call("sunionstore", dest, b.encode()) == 3
    assert call("sunionstore", dest, [b], c) == 4
    assert call("smembers", dest) == {b"2", b"3", b"5", b"6"}
    assert call("sdiffstore", dest, c) == 2
    assert call("sdiffstore", dest, (a, b), c) == 2
    assert call("smembers", dest) == {b"1", b"4"}


def test_multi_key_commands_refuse_keys_of_different_slots(call: Call, p: str) -> None:
    a, b = p + "a", p + "b"  # no hash tag: different slots
    for method, args in (("sinter", ([a, b],)), ("sunionstore", (a, [a, b])), ("zunion", ([a, b],))):
        with pytest.raises(slotwise.CrossSlotError, match="hash to different slots"):
            call(method, *args)


def test_zunionstore_zinterstore_take_keys_or_key_weights(call: Call, p: str) -> None:
    a, b, dest = tagged(p, "a", "b", "dest")
    assert call("zadd", a, {"m": 1, "n": 2}) == 2
    assert call("zadd", b, {"m": 3, "o": 4}) == 2

    def stored() -> Any:
        return call("zrange", dest, 0, -1, withscores=True)

    # One key is one sorted set (a split name was counted as many keys).
    assert call("zunionstore", dest, a) == 2
    assert stored() == [(b"m", 1.0), (b"n", 2.0)]
    assert call("zinterstore", dest, b.encode()) == 2
    assert stored() == [(b"m", 3.0), (b"o", 4.0)]
    # An iterable of keys; aggregate.
    assert call("zunionstore", dest, [a, b]) == 3
    assert stored() == [(b"n", 2.0), (b"m", 4.0), (b"o", 4.0)]
    assert call("zunionstore", dest, (a, b), aggregate="MAX") == 3
    assert stored() == [(b"n", 2.0), (b"m", 3.0), (b"o", 4.0)]
    assert call("zinterstore", dest, (k for k in [a, b]), "min") == 1
    assert stored() == [(b"m", 1.0)]
    # {key: weight}: WEIGHTS.
    assert call("zunionstore", dest, {a: 10, b: 1}) == 3
    assert stored() == [(b"o", 4.0), (b"m", 13.0), (b"n", 20.0)]
    assert call("zinterstore", dest, {a: 2, b.encode(): 0.5}, aggregate="SUM") == 1
    assert stored() == [(b"m", 3.5)]
    with pytest.raises(slotwise.DataError, match="aggregate='AVG'.*'SUM', 'MIN', 'MAX' or 'COUNT'"):
        call("zunionstore", dest, [a, b], aggregate="AVG")


def test_zunion_zinter_zdiff_take_keys_or_key_weights(call: Call, p: str) -> None:
    a, b, dest = tagged(p, "a", "b", "dest")
    assert call("zadd", a, {"m": 1, "n": 2}) == 2
    assert call("zadd", b, {"m": 3, "o": 4}) == 2
    assert call("zunion", a) == [b"m", b"n"]
    assert call("zunion", [a, b]) == [b"n", b"m", b"o"]
    assert call("zunion", [a.encode(), b], withscores=True) == [(b"n", 2.0), (b"m", 4.0), (b"o", 4.0)]
    assert call("zunion", {a: 1, b: 2}, "MIN", True) == [(b"m", 1.0), (b"n", 2.0), (b"o", 8.0)]
    assert call("zunion", [a], withscores=True, score_cast_func=int) == [(b"m", 1), (b"n", 2)]
    assert call("zinter", b) == [b"m", b"o"]
    assert call("zinter", (a, b), withscores=True) == [(b"m", 4.0)]
    assert call("zinter", {a: 5, b: 1}, aggregate="max", withscores=True) == [(b"m", 5.0)]
    # ZDIFF: the first set minus the others; redis-py gives WITHSCORES as a flat list.
    assert call("zdiff", a.encode()) == [b"m", b"n"]
    assert call("zdiff", [a, b]) == [b"n"]
    assert call("zdiff", (k for k in [b, a]), withscores=True) == [b"o", b"4"]
    assert call("zdiffstore", dest, [b, a]) == 1
    assert call("zrange", dest, 0, -1, withscores=True) == [(b"o", 4.0)]
    assert call("zdiffstore", dest, a) == 2


def test_pfcount_pfmerge_touch_take_each_key_as_its_own_argument(call: Call, p: str) -> None:
    a, b, dest = tagged(p, "a", "b", "dest")
    assert call("pfadd", a, "x", "y", "z") == 1
    assert call("pfadd", b, "z", "w") == 1
    assert call("pfcount", a) == 3
    assert call("pfcount", a.encode(), b) == 4
    assert call("pfmerge", dest, a) is True
    assert call("pfcount", dest) == 3
    assert call("pfmerge", dest, a, b.encode()) is True
    assert call("pfcount", dest) == 4
    assert call("touch", a) == 1
    assert call("touch", a, b.encode(), p + "missing") == 2
    for method, args in (("pfcount", ([a, b],)), ("pfmerge", (dest, [a, b])), ("touch", ([a, b],))):
        with pytest.raises(slotwise.DataError, match="'list'"):
            call(method, *args)  # as redis-py: pfcount(*sources), touch(*args)


@pytest.mark.parametrize("protocol", [2, 3])
def test_new_multi_key_replies_keep_redis_py_shapes_in_resp3_and_decoded(
    cluster: Cluster, p: str, protocol: int
) -> None:
    a, b = tagged(p, "a", "b")
    rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], protocol=protocol, decode_responses=True)
    try:
        assert rc.zadd(a, {"m": 1.5, "n": 2}) == 2
        assert rc.zadd(b, {"m": 3}) == 1
        # redis-py: RESP2's flat ZDIFF and (member, score) tuples; protocol=3's lists.
        if protocol == 2:
            assert rc.zdiff([a, b], withscores=True) == ["n", "2"]
            assert rc.zunion([a, b], withscores=True) == [("n", 2.0), ("m", 4.5)]
            assert rc.zinter([a, b], withscores=True) == [("m", 4.5)]
            assert rc.bzpopmin(a) == (a, "m", 1.5)
        else:
            assert rc.zdiff([a, b], withscores=True) == [["n", 2.0]]
            assert rc.zunion([a, b], withscores=True) == [["n", 2.0], ["m", 4.5]]
            assert rc.zinter([a, b], withscores=True) == [["m", 4.5]]
            assert rc.bzpopmin(a) == [a, "m", 1.5]
        assert rc.rpush(b + "l", "v") == 1
        # redis-py: a tuple in RESP2, the list as sent in RESP3.
        popped = rc.brpop(b + "l")
        assert popped == ((b + "l", "v") if protocol == 2 else [b + "l", "v"]), popped
        assert rc.pfadd(a + "h", "x") == 1
        assert rc.pfmerge(b + "h", a + "h") is True
    finally:
        rc.close()
