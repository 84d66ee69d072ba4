"""The asyncio client: same methods as coroutines, high concurrency, pipelines, errors."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Optional

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster, await_until
from .fakenode import FakeNode


def run(cluster: Cluster, body: Callable[[slotwise.asyncio.Cluster], Awaitable[Any]], **kw: Any) -> Any:
    async def main() -> Any:
        async with slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1], **kw) as rc:
            return await body(rc)

    return asyncio.run(main())


def test_commands_as_coroutines(cluster: Cluster, p: str) -> None:
    async def body(rc: slotwise.asyncio.Cluster) -> None:
        assert await rc.set(p + "k", "v") is True
        assert await rc.get(p + "k") == b"v"
        assert all(await rc.mset_nonatomic({f"{p}{i}": i for i in range(20)}))
        assert await rc.mget_nonatomic([f"{p}{i}" for i in range(20)]) == [
            str(i).encode() for i in range(20)
        ]
        assert await rc.hset(p + "h", mapping={"a": 1}) == 1
        assert await rc.hgetall(p + "h") == {b"a": b"1"}
        assert await rc.smembers(p + "nope") == set()
        assert await rc.ping() is True
        assert await rc.dbsize() >= 21
        assert await rc.execute_command("STRLEN", p + "k") == 1
        assert set([k async for k in rc.scan_iter(match=p + "1*")]) == {
            f"{p}{i}".encode() for i in [1] + list(range(10, 20))
        }
        assert "redis_version" in await rc.info()
        assert len((await rc.info(target_nodes="all")).keys()) == 6
        assert rc.stats()["refreshes"] >= 1
        # A coroutine, so it works with create_task as in redis-py.
        assert await asyncio.create_task(rc.get(p + "k")) == b"v"

    run(cluster, body)


def test_a_thousand_concurrent_coroutines(cluster: Cluster, p: str) -> None:
    async def body(rc: slotwise.asyncio.Cluster) -> None:
        async def one(i: int) -> bytes:
            await rc.set(f"{p}{i}", i)
            await rc.incr(p + "total")
            v = await rc.get(f"{p}{i}")
            assert isinstance(v, bytes)
            return v

        got = await asyncio.gather(*(one(i) for i in range(1000)))
        assert got == [str(i).encode() for i in range(1000)]
        assert await rc.get(p + "total") == b"1000"

    run(cluster, body)


def test_pipelines_and_transactions(cluster: Cluster, p: str) -> None:
    async def body(rc: slotwise.asyncio.Cluster) -> None:
        async with rc.pipeline() as pipe:
            for i in range(100):
                pipe.set(f"{p}{i}", i)
            pipe.get(p + "50").info()
            out = await pipe.execute()
        assert out[:100] == [True] * 100 and out[100] == b"50"
        assert len(out[101]) == 6
        tag = "{" + p + "}"
        assert await rc.pipeline(transaction=True).incr(tag + "a").incr(tag + "a").execute() == [1, 2]
        with pytest.raises(slotwise.CrossSlotError) as e:
            await rc.pipeline(transaction=True).incr(p + "a").incr(p + "b").execute()
        assert e.value.keys == [p + "a", p + "b"]
        res = await rc.pipeline().set(p + "s", 1).lpush(p + "s", 1).execute(raise_on_error=False)
        assert res[0] is True and isinstance(res[1], slotwise.ResponseError)

    run(cluster, body)


def test_errors_and_decoding(cluster: Cluster, p: str) -> None:
    async def body(rc: slotwise.asyncio.Cluster) -> None:
        await rc.set(p + "s", "é")
        assert await rc.get(p + "s") == "é"
        with pytest.raises(slotwise.ResponseError, match="WRONGTYPE"):
            await rc.hget(p + "s", "f")
        with pytest.raises(slotwise.DataError):
            await rc.set(p + "s", None)  # type: ignore[arg-type]

    run(cluster, body, decode_responses=True)


def test_cancelled_commands_do_not_disturb_the_others(cluster: Cluster, p: str) -> None:
    owner = cluster.owner(cluster.keyslot(p + "q"))["primary"]
    parked = cluster.blocked_clients(owner)

    async def body(rc: slotwise.asyncio.Cluster) -> None:
        # BLPOP ... 0 never completes on its own: only the cancellation ends these waits.
        blocked = asyncio.ensure_future(rc.execute_command("BLPOP", p + "q", 0))
        await await_until(lambda: cluster.blocked_clients(owner) > parked, "the BLPOP to be parked")
        blocked.cancel()
        with pytest.raises(asyncio.CancelledError):
            await blocked
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(rc.execute_command("BLPOP", p + "q2", 0), 0.1)
        assert await rc.set(p + "k", 1) is True
        assert await asyncio.gather(*(rc.incr(p + "n") for _ in range(100))) == list(range(1, 101))
        assert await rc.lpush(p + "q", "late") == 1  # the cancelled BLPOP took nothing...
        assert await rc.lpop(p + "q") in (b"late", None)  # ...unless it was still parked

    run(cluster, body)


def test_bad_seeds_and_closed_client(cluster: Cluster) -> None:
    async def main() -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=["127.0.0.1:1"], socket_connect_timeout=0.5)
        with pytest.raises(slotwise.ConnectionError, match="127.0.0.1:1"):
            await rc.get("k")
        ok = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        await ok.ping()
        await ok.aclose()
        with pytest.raises(slotwise.ConnectionError, match="closed"):
            await ok.get("k")

    asyncio.run(main())


def test_clients_on_successive_event_loops(cluster: Cluster, p: str) -> None:
    for i in range(3):
        async def body(rc: slotwise.asyncio.Cluster, i: int = i) -> None:
            await rc.set(p + "k", i)
            assert await rc.get(p + "k") == str(i).encode()

        run(cluster, body)


@pytest.mark.parametrize("close_wait", [None, 0.0])
def test_aclose_fails_commands_in_flight_with_closed(
    cluster: Cluster, p: str, close_wait: Optional[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    if close_wait is not None:
        # aclose() returns before the completions arrive: they must still be delivered.
        monkeypatch.setattr(slotwise.asyncio, "_CLOSE_WAIT", close_wait)
    owner = cluster.owner(cluster.keyslot(p + "q"))["primary"]
    parked = cluster.blocked_clients(owner)

    async def main() -> None:
        # A node that never answers, a long request timeout, and a blocking command that
        # waits forever on a real node: only aclose() can end these.
        with FakeNode(lambda argv: None) as silent:
            mute = slotwise.asyncio.Cluster(startup_nodes=[silent.addr], socket_timeout=600)
            await mute.initialize()
            get = asyncio.ensure_future(mute.get(p + "k"))
            await await_until(lambda: bool(silent.commands(b"GET")), "the GET to reach the node")
            rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1], socket_timeout=600)
            blpop = asyncio.ensure_future(rc.execute_command("BLPOP", p + "q", 0))
            await await_until(lambda: cluster.blocked_clients(owner) > parked, "the BLPOP to be parked")
            await mute.aclose()
            await rc.aclose()
            for task in (get, blpop):
                with pytest.raises(slotwise.ConnectionError) as e:
                    await task
                assert e.value.code == "CLOSED"
            assert mute._bridge is None and rc._bridge is None  # the loop stopped watching
            with pytest.raises(slotwise.ConnectionError, match="closed"):
                await rc.get(p + "k")

    asyncio.run(main())


def test_aclose_while_connecting(cluster: Cluster) -> None:
    async def main() -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        connecting = asyncio.ensure_future(rc.initialize())
        await asyncio.sleep(0)  # the connect job is queued
        await rc.aclose()
        with pytest.raises(slotwise.ConnectionError) as e:
            await connecting
        assert e.value.code == "CLOSED"
        assert rc._bridge is None

    asyncio.run(main())


def test_a_client_belongs_to_its_first_event_loop(cluster: Cluster, p: str) -> None:
    rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])

    async def use() -> Any:
        return await rc.set(p + "k", 1)

    assert asyncio.run(use()) is True
    for other_loop_use in (use, rc.initialize, rc.pipeline().get(p + "k").execute, rc.refresh_topology):
        with pytest.raises(slotwise.ConnectionError, match="event loop it first ran on") as e:
            asyncio.run(other_loop_use())
        assert e.value.code == "EVENT_LOOP"
        assert "one client per event loop" in str(e.value)
    asyncio.run(rc.aclose())  # closing works from anywhere
    with pytest.raises(slotwise.ConnectionError, match="closed") as e:
        asyncio.run(use())
    assert e.value.code == "CLOSED"


def test_refresh_topology() -> None:
    with FakeNode(lambda argv: b"+OK\r\n") as node:

        async def main() -> None:
            async with slotwise.asyncio.Cluster(startup_nodes=[node.addr], refresh_interval=3600) as rc:
                queries = len(node.commands(b"CLUSTER"))
                refreshes = rc.stats()["refreshes"]
                await rc.refresh_topology()
                assert len(node.commands(b"CLUSTER")) > queries  # it asked the node again
                assert rc.stats()["refreshes"] == refreshes + 1
            with pytest.raises(slotwise.ConnectionError, match="closed"):
                await rc.refresh_topology()

        asyncio.run(main())
