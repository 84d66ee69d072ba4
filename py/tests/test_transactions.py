"""Optimistic transactions on one slot, as redis-py's cluster pipelines do them: watch(),
commands at once, multi(), execute() raising WatchError; transaction(); sync and asyncio."""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

import slotwise
import slotwise.asyncio
from slotwise.exceptions import CrossSlotTransactionError, WatchError

from .cluster import Cluster


def test_watch_runs_commands_at_once_then_multi_queues(rc: slotwise.Cluster, p: str) -> None:
    tag = "{" + p + "}"
    rc.set(tag + "a", 1)
    with rc.pipeline(transaction=True) as pipe:
        assert pipe and not pipe.watching
        assert pipe.watch(tag + "a") is True
        assert pipe.watching
        assert pipe.get(tag + "a") == b"1"  # a reply, not the pipeline
        assert pipe.hset(tag + "h", "f", "v") == 1
        assert pipe.hgetall(tag + "h") == {b"f": b"v"}  # converted as the client converts
        pipe.multi()
        assert pipe.set(tag + "a", 2) is pipe
        assert len(pipe) == 1
        # redis-py's cluster transactions give the server's replies unconverted.
        assert pipe.execute() == [b"OK"]
        assert not pipe.watching and len(pipe) == 0
    assert rc.get(tag + "a") == b"2"


def test_a_change_to_a_watched_key_raises_watcherror(rc: slotwise.Cluster, p: str) -> None:
    tag = "{" + p + "}"
    rc.set(tag + "a", 1)
    pipe = rc.pipeline(transaction=True)
    pipe.watch(tag + "a")
    seen = int(pipe.get(tag + "a"))
    rc.set(tag + "a", 100)  # another client writes meanwhile
    pipe.multi()
    pipe.set(tag + "a", seen + 1)
    with pytest.raises(WatchError, match="Watched variable changed"):
        pipe.execute()
    assert isinstance(WatchError("x"), slotwise.RedisError)
    assert rc.get(tag + "a") == b"100"  # nothing applied
    assert not pipe.watching
    # The pipeline works again afterwards, and a second watch() adds keys of the slot.
    pipe.watch(tag + "a")
    pipe.watch(tag + "b")
    rc.set(tag + "b", "x")
    pipe.multi()
    pipe.incr(tag + "a")
    with pytest.raises(WatchError):
        pipe.execute()
    pipe.watch(tag + "a")
    pipe.multi()
    pipe.incr(tag + "a")
    assert pipe.execute() == [101]


def test_transaction_retries_until_no_watched_key_changed(rc: slotwise.Cluster, p: str) -> None:
    tag = "{" + p + "}"
    rc.set(tag + "a", 1)
    calls: List[int] = []

    def move(pipe: slotwise.Pipeline) -> str:
        a = int(pipe.get(tag + "a"))
        if not calls:
            rc.incr(tag + "a")  # the first attempt sees a stale value: retried
        calls.append(a)
        pipe.multi()
        pipe.set(tag + "b", a * 10)
        return "done"

    assert rc.transaction(move, tag + "a") == [b"OK"]
    assert calls == [1, 2]
    assert rc.get(tag + "b") == b"20"
    assert rc.transaction(move, tag + "a", value_from_callable=True) == "done"


def test_unwatch_reset_and_discard_forget_the_watched_keys(rc: slotwise.Cluster, p: str) -> None:
    tag = "{" + p + "}"
    for end in ("unwatch", "reset", "discard"):
        pipe = rc.pipeline(transaction=True)
        pipe.watch(tag + "a")
        getattr(pipe, end)()
        assert not pipe.watching
        rc.set(tag + "a", end)  # no longer watched: the transaction runs
        pipe.multi()
        pipe.get(tag + "a")
        assert pipe.execute() == [end.encode()]
    with rc.pipeline(transaction=True) as pipe:
        pipe.watch(tag + "a")
    assert not pipe.watching  # leaving the block released it


def test_cross_slot_keys_are_refused(rc: slotwise.Cluster, p: str) -> None:
    tag = "{" + p + "}"
    pipe = rc.pipeline(transaction=True)
    with pytest.raises(slotwise.CrossSlotError, match="WATCH - all keys must map to the same key slot"):
        pipe.watch(p + "a", p + "b")
    assert not pipe.watching
    pipe.watch(tag + "a")
    with pytest.raises(CrossSlotTransactionError, match="Cannot watch or send commands on different"):
        pipe.get(p + "elsewhere")
    with pytest.raises(CrossSlotTransactionError, match="Cannot watch or send commands on different"):
        pipe.watch(p + "elsewhere")
    pipe.multi()
    pipe.set(p + "elsewhere", 1)
    with pytest.raises(CrossSlotTransactionError, match="must map to the same slot") as e:
        pipe.execute()
    assert isinstance(e.value, slotwise.CrossSlotError)
    assert rc.get(p + "elsewhere") is None
    tx = rc.pipeline(transaction=True).set(p + "a", 1).set(p + "b", 2)
    with pytest.raises(CrossSlotTransactionError, match="must map to the same slot") as e:
        tx.execute(raise_on_error=False)
    assert getattr(e.value, "keys") == [p + "a", p + "b"]


def test_transaction_misuse_is_refused_as_in_redis_py(rc: slotwise.Cluster, p: str) -> None:
    tag = "{" + p + "}"
    pipe = rc.pipeline(transaction=True)
    pipe.multi()
    with pytest.raises(slotwise.RedisError, match="Cannot issue nested calls to MULTI"):
        pipe.multi()
    with pytest.raises(slotwise.RedisError, match="Cannot issue a WATCH after a MULTI"):
        pipe.watch(tag + "a")
    pipe.reset()
    pipe.set(tag + "a", 1)
    with pytest.raises(slotwise.RedisError, match="Commands without an initial WATCH"):
        pipe.multi()
    plain = rc.pipeline()
    for method in ("multi", "unwatch", "discard"):
        with pytest.raises(Exception, match=f"method {method}\\(\\) is not supported outside"):
            getattr(plain, method)()
    with pytest.raises(Exception, match="not supported outside of transactional context"):
        plain.watch(tag + "a")
    with pytest.raises(Exception, match="shard_hint is deprecated"):
        rc.pipeline(shard_hint="x")


def test_errors_name_the_command_as_redis_py_does(rc: slotwise.Cluster, p: str) -> None:
    tag = "{" + p + "}"
    rc.set(tag + "s", "v")
    tx = rc.pipeline(transaction=True).set(tag + "a", 1).lpush(tag + "s", 3)
    with pytest.raises(slotwise.ResponseError) as e:
        tx.execute()
    assert str(e.value).startswith(f"Command # 2 (LPUSH {tag}s 3) of pipeline caused error: WRONGTYPE")
    long = rc.pipeline().hset(tag + "s", mapping={"field_a": "a" * 40, "field_b": "b" * 40})
    with pytest.raises(slotwise.ResponseError) as e:
        long.execute()
    described = str(e.value).split(") of pipeline caused error: WRONGTYPE")[0]
    assert described.startswith(f"Command # 1 (HSET {tag}s field_a")
    assert described.endswith("...") and len(described) <= len("Command # 1 (") + 100
    # In a watched transaction too; raise_on_error=False returns the error in place.
    pipe = rc.pipeline(transaction=True)
    pipe.watch(tag + "a")
    pipe.multi()
    pipe.lpush(tag + "s", 3).get(tag + "a")
    out = pipe.execute(raise_on_error=False)
    assert isinstance(out[0], slotwise.ResponseError) and out[1] == b"1"


def test_execute_command_watch_and_pipeline_execute_command(rc: slotwise.Cluster, p: str) -> None:
    tag = "{" + p + "}"
    rc.set(tag + "a", "1")
    pipe = rc.pipeline(transaction=True)
    assert pipe.execute_command("WATCH", tag + "a") is True
    assert pipe.pipeline_execute_command("GET", tag + "a") == b"1"
    assert pipe.execute_command("UNWATCH") is True and not pipe.watching
    assert pipe.pipeline_execute_command("GET", tag + "a") is pipe
    assert pipe.execute() == [b"1"]


def test_asyncio_watch_multi_execute(cluster: Cluster, p: str) -> None:
    tag = "{" + p + "}"

    async def main() -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]) as rc:
            await rc.set(tag + "a", 1)
            async with rc.pipeline(transaction=True) as pipe:
                await pipe.watch(tag + "a")
                assert pipe.watching
                assert await pipe.get(tag + "a") == b"1"
                pipe.multi()
                assert pipe.set(tag + "a", 2).incr(tag + "a") is pipe
                # redis-py's asyncio cluster transactions convert replies as the client does.
                assert await pipe.execute() == [True, 3]
                assert not pipe.watching

            pipe = rc.pipeline(transaction=True)
            await pipe.watch(tag + "a")
            await pipe.watch(tag + "b")
            await rc.set(tag + "b", "changed")  # another writer
            pipe.multi()
            pipe.set(tag + "a", 0)
            with pytest.raises(WatchError):
                await pipe.execute()
            assert await rc.get(tag + "a") == b"3"

            with pytest.raises(CrossSlotTransactionError, match="Cannot watch or send"):
                await pipe.watch(tag + "a") or await pipe.get(p + "elsewhere")
            await pipe.reset()
            assert not pipe.watching
            with pytest.raises(slotwise.CrossSlotError, match="WATCH - all keys must map"):
                await pipe.watch(p + "a", p + "b")

            calls: List[int] = []

            async def move(pipe: slotwise.asyncio.Pipeline) -> Any:
                a = int(await pipe.get(tag + "a"))
                if not calls:
                    await rc.incr(tag + "a")
                calls.append(a)
                pipe.multi()
                pipe.set(tag + "c", a)
                return a

            assert await rc.transaction(move, tag + "a") == [True]
            assert calls == [3, 4] and await rc.get(tag + "c") == b"4"
            assert await rc.transaction(move, tag + "a", value_from_callable=True) == 4

            pipe = rc.pipeline(transaction=True)
            await pipe.watch(tag + "a")
            await pipe.unwatch()
            await rc.set(tag + "a", "free")
            pipe.multi()
            pipe.get(tag + "a")
            assert await pipe.execute() == [b"free"]
            await pipe.watch(tag + "a")
            await pipe.discard()
            assert not pipe.watching and await pipe.execute() == []

    asyncio.run(main())
