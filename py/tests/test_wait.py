"""WAIT confirms the write before it in a pipeline (same node and connection), also in a
transaction (sent after EXEC), and fails clearly alone."""

from __future__ import annotations

import asyncio

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster


def key_per_shard(cluster: Cluster, p: str) -> list[str]:
    """One key of this test's prefix on each primary."""
    keys = []
    for shard in cluster.shards():
        if not shard["slots"]:
            continue
        i = 0
        while not any(a <= cluster.keyslot(f"{p}{i}") <= b for a, b in shard["slots"]):
            i += 1
        keys.append(f"{p}{i}")
    return keys


def check_lone(err: slotwise.DataError) -> None:
    assert err.code == "CONFIG"
    assert "in a pipeline right after the keyed write" in str(err)
    assert "SET k v then WAIT 1 100" in str(err)


def test_wait_in_a_pipeline_counts_the_replica_of_the_write_before_it(
    cluster: Cluster, rc: slotwise.Cluster, p: str
) -> None:
    keys = key_per_shard(cluster, p)
    assert len(keys) == 3
    pipe = rc.pipeline()
    for k in keys:
        pipe.set(k, 1).execute_command("WAIT", 1, 5000)
    assert pipe.execute() == [True, 1] * 3
    tag = "{" + p + "}"
    tx = rc.pipeline(transaction=True).set(tag + "a", 1).execute_command("WAIT", 1, 5000)
    # Inside MULTI WAIT would answer 0. The sync client's transactions give the server's
    # replies unconverted, as redis-py's cluster transactions do.
    assert tx.incr(tag + "a").execute() == [b"OK", 1, 2]
    with pytest.raises(slotwise.DataError) as e:
        rc.execute_command("WAIT", 1, 100)
    check_lone(e.value)


def test_asyncio_wait_in_a_pipeline_counts_the_replica_of_the_write_before_it(
    cluster: Cluster, p: str
) -> None:
    keys = key_per_shard(cluster, p)

    async def body() -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]) as rc:
            pipe = rc.pipeline()
            for k in keys:
                pipe.set(k, 1).execute_command("WAIT", 1, 5000)
            assert await pipe.execute() == [True, 1] * 3
            tag = "{" + p + "}"
            tx = rc.pipeline(transaction=True).set(tag + "a", 1).execute_command("WAIT", 1, 5000)
            assert await tx.incr(tag + "a").execute() == [True, 1, 2]
            with pytest.raises(slotwise.DataError) as e:
                await rc.execute_command("WAIT", 1, 100)
            check_lone(e.value)

    asyncio.run(body())
