"""``execute_command``'s keyword options as redis-py takes them (``target_nodes``,
``NEVER_DECODE``, ``EMPTY_RESPONSE``, ``keys``) and ``randomkey(target_nodes=)``, on the
sync and asyncio clients and pipelines, against a real cluster."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster


def test_never_decode_gives_bytes_on_a_decoding_client(cluster: Cluster) -> None:
    rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], decode_responses=True)
    try:
        rc.rpush("{nd}l", "é", "b")
        assert rc.execute_command("LRANGE", "{nd}l", 0, -1) == ["é", "b"]
        assert rc.execute_command("LRANGE", "{nd}l", 0, -1, NEVER_DECODE=[]) == [
            "é".encode(),
            b"b",
        ]
        assert rc.execute_command("EXISTS", "{nd}l", NEVER_DECODE=[]) == 1
        pipe = rc.pipeline()
        pipe.execute_command("LRANGE", "{nd}l", 0, 0, NEVER_DECODE=[])
        assert pipe.execute() == [["é".encode()]]
    finally:
        rc.delete("{nd}l")
        rc.close()


def test_empty_response_replaces_an_error_reply(rc: slotwise.Cluster) -> None:
    rc.set("{er}s", "text")
    # INCR of a string is an error reply: the option's value comes back instead.
    assert rc.execute_command("INCR", "{er}s", EMPTY_RESPONSE="fallback") == "fallback"
    assert rc.execute_command("EXISTS", "{er}s", EMPTY_RESPONSE=[]) == 1
    with pytest.raises(slotwise.ResponseError):
        rc.execute_command("INCR", "{er}s")
    with pytest.raises(slotwise.DataError, match="EMPTY_RESPONSE"):
        rc.pipeline().execute_command("INCR", "{er}s", EMPTY_RESPONSE=None)


def test_target_nodes_and_keys_options(rc: slotwise.Cluster) -> None:
    primaries = rc.get_primaries()
    per_node = rc.execute_command("CLIENT", "ID", target_nodes=slotwise.Cluster.PRIMARIES)
    assert set(per_node) == {n.name for n in primaries}
    assert all(isinstance(i, int) for i in per_node.values())
    # Combined as redis-py combines PING: True when every node answered.
    assert rc.execute_command("PING", target_nodes=slotwise.Cluster.PRIMARIES) is True
    assert rc.execute_command("ECHO", "x", target_nodes=primaries[0]) == b"x"
    assert rc.execute_command("GET", "{k}none", keys=["{k}none"]) is None
    with pytest.raises(slotwise.DataError, match="does not take nope"):
        rc.execute_command("GET", "k", nope=1)


def test_randomkey_on_a_named_node(rc: slotwise.Cluster) -> None:
    node = rc.get_node_from_key("{rk}")
    assert node is not None
    rc.set("{rk}a", 1)
    got = rc.randomkey(target_nodes=node)
    # One node named: its reply itself (not a dict), a key that node holds.
    assert isinstance(got, bytes) and rc.get_node_from_key(got) == node
    every = rc.randomkey(target_nodes=slotwise.Cluster.PRIMARIES)
    assert set(every) == {n.name for n in rc.get_primaries()}
    assert rc.get_node_from_key(every[node.name]) == node
    rc.delete("{rk}a")


def test_asyncio_options(cluster: Cluster) -> None:
    async def main() -> None:
        async with slotwise.asyncio.Cluster(
            startup_nodes=cluster.seeds[:1], decode_responses=True
        ) as arc:
            await arc.set("{ae}s", "é")
            assert await arc.execute_command("GET", "{ae}s", NEVER_DECODE=[]) == "é".encode()
            got: Any = await arc.execute_command("INCR", "{ae}s", EMPTY_RESPONSE=0)
            assert got == 0
            with pytest.raises(slotwise.ResponseError):
                await arc.execute_command("INCR", "{ae}s")
            node = arc.get_node_from_key("{ae}s")
            assert await arc.randomkey(target_nodes=node) is not None
            await arc.delete("{ae}s")

    asyncio.run(main())
