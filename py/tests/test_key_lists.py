"""Methods taking several keys, fields or members read them as redis-py does.

``mget(keys, *args)`` and ``hmget(name, keys, *args)``: ``keys`` is one item (a ``str``,
``bytes``, ``bytearray``, ``memoryview`` or anything not iterable, such as an ``int``) or an
iterable of items; each of ``args`` is one more. The ``*names``/``*values`` methods
(``delete``, ``exists``, ``unlink``, ``hdel``, ``lpush``, ``rpush``, ``sadd``, ``srem``,
``zrem``) take each item as its own argument and refuse a list with ``DataError``, as
redis-py does. Every test runs on the sync and asyncio clients and on both pipelines.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Iterator

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster

#: Runs one command method: ``call("hmget", "h", "field")`` gives its reply.
Call = Callable[..., Any]


@pytest.fixture(params=["sync", "sync-pipeline", "asyncio", "asyncio-pipeline"])
def call(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[Call]:
    face: str = request.param
    if face.startswith("sync"):
        rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1])

        def sync_call(method: str, *args: Any, **kwargs: Any) -> Any:
            if face == "sync":
                return getattr(rc, method)(*args, **kwargs)
            return getattr(rc.pipeline(), method)(*args, **kwargs).execute()[0]

        try:
            yield sync_call
        finally:
            rc.close()
        return

    loop = asyncio.new_event_loop()

    async def connect() -> slotwise.asyncio.Cluster:
        return await slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]).initialize()

    arc = loop.run_until_complete(connect())

    async def one(method: str, args: Any, kwargs: Any) -> Any:
        if face == "asyncio":
            return await getattr(arc, method)(*args, **kwargs)
        return (await getattr(arc.pipeline(), method)(*args, **kwargs).execute())[0]

    def async_call(method: str, *args: Any, **kwargs: Any) -> Any:
        return loop.run_until_complete(one(method, args, kwargs))

    try:
        yield async_call
    finally:
        loop.run_until_complete(arc.aclose())
        loop.close()


def test_mget_takes_one_key_or_an_iterable_of_keys_then_more_keys(call: Call, p: str) -> None:
    a, b, c = p + "a", p + "b", p + "c"  # on different slots: MGET spans shards
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


def test_key_commands_take_each_key_as_its_own_argument(call: Call, p: str) -> None:
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
