"""Pipelines across shards, errors in place, transactions on one slot."""

from __future__ import annotations

import pytest

import slotwise


def test_pipeline_across_shards_returns_replies_in_order(rc: slotwise.Cluster, p: str) -> None:
    with rc.pipeline() as pipe:
        for i in range(200):
            pipe.set(f"{p}{i}", i)
        for i in range(200):
            pipe.get(f"{p}{i}")
        pipe.mget_nonatomic([f"{p}{i}" for i in range(5)])
        assert len(pipe) == 401
        replies = pipe.execute()
    assert replies[:200] == [True] * 200
    assert replies[200:400] == [str(i).encode() for i in range(200)]
    assert replies[400] == [b"0", b"1", b"2", b"3", b"4"]


def test_commands_chain_and_the_queue_empties(rc: slotwise.Cluster, p: str) -> None:
    pipe = rc.pipeline()
    assert pipe.incr(p + "a").incr(p + "a").hset(p + "h", "f", 1).hgetall(p + "h").execute() == [
        1,
        2,
        1,
        {b"f": b"1"},
    ]
    assert len(pipe) == 0
    assert pipe.execute() == []
    with rc.pipeline() as pipe:
        pipe.set(p + "x", 1)
    assert rc.get(p + "x") is None  # leaving the block without execute() drops the queue


def test_errors_are_raised_or_returned_in_place(rc: slotwise.Cluster, p: str) -> None:
    rc.set(p + "s", "v")
    after = [f"{p}after{i}" for i in range(20)]  # on every shard
    pipe = rc.pipeline().set(p + "a", 1).hget(p + "s", "f")
    for k in after:
        pipe.set(k, "ran")
    with pytest.raises(slotwise.ResponseError, match=r"Command # 2 \(HGET .*WRONGTYPE") as e:
        pipe.execute()
    assert e.value.code == "WRONGTYPE"
    # Raising reports the first failure only after the whole pipeline ran, as in redis-py.
    assert rc.get(p + "a") == b"1"
    assert rc.mget_nonatomic(after) == [b"ran"] * len(after)
    results = rc.pipeline().set(p + "a", 1).hget(p + "s", "f").get(p + "a").execute(raise_on_error=False)
    assert results[0] is True and results[2] == b"1"
    assert isinstance(results[1], slotwise.ResponseError)
    assert results[1].code == "WRONGTYPE"


def test_transaction_on_one_slot(rc: slotwise.Cluster, p: str) -> None:
    tag = "{" + p + "}"
    with rc.pipeline(transaction=True) as tx:
        tx.set(tag + "a", 1).incr(tag + "a").get(tag + "a")
        # The server's replies, unconverted, as redis-py's cluster transactions give them.
        assert tx.execute() == [b"OK", 2, b"2"]


def test_crossslot_in_a_transaction_names_keys_and_slots(rc: slotwise.Cluster, p: str) -> None:
    with rc.pipeline(transaction=True) as tx:
        tx.set(p + "a", 1).set(p + "b", 2)
        with pytest.raises(slotwise.CrossSlotError) as e:
            tx.execute()
    err = e.value
    assert err.code == "CROSSSLOT"
    assert err.keys == [p + "a", p + "b"]
    assert err.slots == [slotwise_slot(rc, p + "a"), slotwise_slot(rc, p + "b")]
    assert "hash tag" in str(err)
    assert isinstance(err, slotwise.ResponseError)
    assert rc.get(p + "a") is None  # nothing ran


def slotwise_slot(rc: slotwise.Cluster, key: str) -> int:
    return int(rc.execute_command("CLUSTER", "KEYSLOT", key))


def test_crossslot_multi_key_command_in_a_transaction(rc: slotwise.Cluster, p: str) -> None:
    tx = rc.pipeline(transaction=True).mget_nonatomic([p + "a", p + "b"])
    with pytest.raises(slotwise.CrossSlotError):
        tx.execute()
